package org.beatgan.core.data.ecg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.beatgan.core.data.TestData;
import org.beatgan.core.data.wfdb.WfdbRecord;
import org.beatgan.core.data.wfdb.WfdbRecordReader;
import org.junit.jupiter.api.Test;

class QrsDetectorTest {

    private static final double FS = 360;

    private static WfdbRecord read(String record) throws Exception {
        return WfdbRecordReader.read(TestData.mitdb(), record);
    }

    private static double[] mlii(WfdbRecord rec) {
        return rec.physicalDouble(MitBihBeatDataset.leadOrder(rec.header())[0]);
    }

    @Test
    void findsTheBeatsOfRealRecordsIncludingPvcRichOnes() throws Exception {
        // 119: bigeminy with many PVCs; 208: PVCs, couplets and fusion beats; 100: clean sinus rhythm.
        List<DetectorEvaluation.Result> results = new ArrayList<>();
        for (String r : List.of("100", "119", "208")) {
            WfdbRecord rec = read(r);
            int[] det = QrsDetector.detect(mlii(rec), FS);
            DetectorEvaluation.Result res = DetectorEvaluation.compare(r, DetectorEvaluation.referenceBeats(
                    rec.annotations()), det, FS, List.of());
            results.add(res);
            assertTrue(res.sensitivity() >= 0.995 && res.positivePredictivity() >= 0.995,
                    r + ": Se " + res.sensitivity() + ", +P " + res.positivePredictivity());
            assertTrue(res.meanAbsOffsetMillis() < 10, r + ": mean |offset| " + res.meanAbsOffsetMillis() + " ms");
        }
        DetectorEvaluation.Result pooled = DetectorEvaluation.pool(results);
        assertTrue(pooled.sensitivity() >= 0.998 && pooled.positivePredictivity() >= 0.998, pooled.toString());
    }

    @Test
    void streamingInRandomChunksGivesTheBatchDetectionsWithinTheLatencyBound() throws Exception {
        double[] x = mlii(read("208"));
        int[] batch = QrsDetector.detect(x, FS);
        Random rnd = new Random(5);
        QrsDetector d = new QrsDetector(FS);
        List<Long> streamed = new ArrayList<>();
        int i = 0;
        long worst = 0;
        while (i < x.length) {
            int len = Math.min(x.length - i, 1 + rnd.nextInt(rnd.nextBoolean() ? 5 : 3000));
            d.push(x, i, i + len);
            i += len;
            for (long r : d.takeDetections()) {
                long latency = (d.samplesPushed() - 1) - r;
                worst = Math.max(worst, latency - (len - 1));
                // Reported somewhere in this chunk: at most the bound after the sample that completed it.
                assertTrue(latency - (len - 1) <= d.maxLatencySamples(), "beat " + r + " reported " + latency
                        + " samples late in a chunk of " + len);
                assertTrue(latency >= 0.15 * FS, "beat " + r + " confirmed before its peak hold ended");
                streamed.add(r);
            }
        }
        for (long r : d.finish()) {
            streamed.add(r);
        }
        assertArrayEquals(batch, streamed.stream().mapToInt(Long::intValue).toArray());
        for (int k = 1; k < batch.length; k++) {
            assertTrue(batch[k] - batch[k - 1] >= 0.2 * FS, "refractory period at beat " + k);
        }
        assertTrue(worst >= 0.2 * FS && worst <= d.maxLatencySamples(), "worst latency " + worst);
    }

    @Test
    void detectsEverySpikeOfASyntheticTrainAtAnotherRate() {
        // Triangular 80 ms "QRS" spikes every 0.8 s at 250 Hz plus baseline wander: each spike
        // found within one sample of its apex, nothing else.
        double fs = 250;
        int n = (int) (60 * fs);
        double[] x = new double[n];
        List<Integer> apices = new ArrayList<>();
        for (int c = (int) (0.5 * fs); c + 20 < n; c += (int) (0.8 * fs)) {
            apices.add(c);
            for (int k = -10; k <= 10; k++) {
                x[c + k] += 1.0 - Math.abs(k) / 10.0;
            }
        }
        for (int i = 0; i < n; i++) {
            x[i] += 0.3 * Math.sin(2 * Math.PI * 0.2 * i / fs);
        }
        int[] det = QrsDetector.detect(x, fs);
        assertEquals(apices.size(), det.length);
        for (int k = 0; k < det.length; k++) {
            assertTrue(Math.abs(det[k] - apices.get(k)) <= 1, "spike " + k + " at " + apices.get(k) + ", found " + det[k]);
        }
    }

    @Test
    void runsOnAResampledRecord() throws Exception {
        // Record 119 taken to 250 Hz and back to MIT-BIH time: the detector designs its filters for fs.
        WfdbRecord rec = read("119");
        double[] x250 = Resampler.resample(mlii(rec), 360, 250);
        int[] det = QrsDetector.detect(x250, 250);
        int[] in360 = new int[det.length];
        for (int k = 0; k < det.length; k++) {
            in360[k] = (int) Math.round(det[k] * 360.0 / 250);
        }
        DetectorEvaluation.Result res = DetectorEvaluation.compare("119@250", DetectorEvaluation.referenceBeats(
                rec.annotations()), in360, FS, List.of());
        assertTrue(res.sensitivity() >= 0.995 && res.positivePredictivity() >= 0.995, res.toString());
    }

    @Test
    void rejectsBadInputAndUseAfterFinish() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new QrsDetector(10));
        assertTrue(e.getMessage().contains("10.0 Hz"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new QrsDetector(Double.NaN));
        QrsDetector d = new QrsDetector(FS);
        d.push(0.1);
        e = assertThrows(IllegalArgumentException.class, () -> d.push(Double.NaN));
        assertTrue(e.getMessage().contains("sample 1"), e.getMessage());
        assertEquals(0, d.finish().length, "a flat signal has no beats");
        assertThrows(IllegalStateException.class, () -> d.push(0.0));
        assertEquals(0, QrsDetector.detect(new double[0], FS).length);
    }
}
