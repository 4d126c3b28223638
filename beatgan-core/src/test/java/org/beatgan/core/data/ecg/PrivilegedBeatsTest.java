package org.beatgan.core.data.ecg;

import org.beatgan.core.data.wfdb.MitAnnotationReader;
import org.beatgan.core.data.wfdb.WfdbAnnotation;
import org.beatgan.core.io.DataLocations;
import org.beatgan.core.model.mlp.MlpClassifierGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class PrivilegedBeatsTest {

    @Test
    void rrFeaturesMatchAHandComputationOnARecord() throws Exception {
        Path mitdb = DataLocations.mitdb();
        List<Long> r = new ArrayList<>();
        for (WfdbAnnotation a : MitAnnotationReader.read(mitdb.resolve("100.atr"))) {
            if (AamiClass.fromSymbol(a.symbol()).isPresent()) r.add(a.sample());
        }
        RrFeatures f = RrFeatures.of(mitdb, "100");
        double fs = 360.0;   // MIT-BIH's sampling rate
        int i = 40;
        double[] got = f.at(r.get(i));
        assertEquals((r.get(i) - r.get(i - 1)) / fs, got[0], 1e-12, "previous RR");
        assertEquals((r.get(i + 1) - r.get(i)) / fs, got[1], 1e-12, "next RR");
        double sum = 0;
        for (int k = i - 5; k < i + 5; k++) sum += (r.get(k + 1) - r.get(k)) / fs;
        assertEquals(sum / 10, got[2], 1e-12, "mean of the 10 RR intervals around the beat");
        assertTrue(got[0] > 0.4 && got[0] < 1.5, "a plausible RR in seconds: " + got[0]);
        // the record's ends: the first beat takes its next interval as previous, the last the reverse
        double[] first = f.at(r.get(0));
        assertEquals(first[1], first[0]);
        assertEquals((r.get(5) - r.get(0)) / fs / 5, first[2], 1e-12);
        double[] last = f.at(r.get(r.size() - 1));
        assertEquals(last[0], last[1]);
        assertThrows(IllegalArgumentException.class, () -> f.at(r.get(i) + 1));
    }

    @Test
    void bothViewsOfABeatComeFromTheSameRecordPosition() throws Exception {
        Path mitdb = DataLocations.mitdb();
        BeatSet beats = MitBihBeatDataset.build(mitdb, 2, List.of("100", "119"));
        PrivilegedBeats v = PrivilegedBeats.of(beats, mitdb);
        assertEquals(643, v.teacherWidth());
        assertEquals(320, v.studentWidth());
        // a beat of the second record, picked by position
        int i = beats.size() - 17;
        assertEquals(119, beats.record(i));
        float[] t = v.teacherRow(i), s = v.studentRow(i);
        for (int k = 0; k < 320; k++) {
            assertEquals(beats.value(i, 0, k), s[k], "student = MLII");
            assertEquals(beats.value(i, 0, k), t[k], "teacher lead 1 = MLII");
            assertEquals(beats.value(i, 1, k), t[320 + k], "teacher lead 2");
        }
        double[] rr = RrFeatures.of(mitdb, "119").at(beats.rSample(i));
        for (int k = 0; k < 3; k++) assertEquals((float) rr[k], t[640 + k], "RR feature " + k);
        // a subset keeps beats and both views together, and the labels follow AAMI (N = 0)
        PrivilegedBeats sub = v.subset(new int[]{i, 3});
        assertArrayEquals(t, sub.teacherRow(0));
        assertArrayEquals(v.studentRow(3), sub.studentRow(1));
        assertEquals(beats.isAnomaly(i) ? 1.0 : 0.0, sub.labels().getDouble(0, 0));
        assertThrows(IllegalArgumentException.class, () -> PrivilegedBeats.of(beats.firstLeads(1), mitdb));
    }

    @Test
    void mlpParameterCountsAndBalancedWeights() {
        MlpClassifierGraph t = MlpClassifierGraph.build("teacher", 643, List.of(256, 1024, 256), new double[]{1, 1},
                DataType.FLOAT, 0);
        long expected = (643L * 256 + 256 + 2 * 256) + (256L * 1024 + 1024 + 2 * 1024) + (1024L * 256 + 256 + 2 * 256)
                + (256 + 1);
        assertEquals(expected, t.parameterCount());
        assertEquals(List.of("h1", "h2", "h3", "features", "logits"), t.activationNames());
        MlpClassifierGraph s = MlpClassifierGraph.build("student", 320, List.of(128, 64), new double[]{1, 1},
                DataType.FLOAT, 0);
        assertEquals((320L * 128 + 128 + 256) + (128L * 64 + 64 + 128) + 65, s.parameterCount());
        double[] w = MlpClassifierGraph.balancedWeights(900, 100);
        assertEquals(1000 / 1800.0, w[0], 1e-12);
        assertEquals(5.0, w[1], 1e-12);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MlpClassifierGraph.build("s", 320, List.of(), new double[]{1, 1}, DataType.FLOAT, 0));
        assertTrue(e.getMessage().contains("hidden sizes"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MlpClassifierGraph.balancedWeights(10, 0));
    }
}
