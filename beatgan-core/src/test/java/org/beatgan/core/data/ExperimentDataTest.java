package org.beatgan.core.data;

import org.beatgan.core.config.DataConfig;
import org.beatgan.core.data.ecg.AamiClass;
import org.beatgan.core.data.ecg.BeatSet;
import org.beatgan.core.io.DataLocations;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ExperimentDataTest {

    @Test
    void demoArraysSplitIntoTrainValTest() throws IOException {
        DataConfig cfg = new DataConfig(DataLocations.beatganDemo().toString(), "beatgan", 0, 0, 0, 0);
        ExperimentData.Prepared p = ExperimentData.prepare(cfg, 1, 16);
        Map<String, Integer> all = p.summary().get("all");
        assertEquals(64, all.get("N"));
        assertEquals(64, all.get("ABNORMAL"));
        assertEquals(0, p.summary().get("train").getOrDefault("ABNORMAL", 0), "train holds normal beats only");
        int used = p.train().length + p.val().length + p.test().length;
        assertEquals(128, used, "every demo beat is used exactly once");
        assertArrayEquals(new long[]{16, 1, 320}, p.data().train().next().getFeatures().shape());
    }

    @Test
    void subsampleIsStratifiedAndKeepsRareClasses() {
        int n = 1000;
        float[] data = new float[n * 320];
        AamiClass[] labels = new AamiClass[n];
        for (int i = 0; i < n; i++) labels[i] = i < 990 ? AamiClass.N : i < 998 ? AamiClass.V : AamiClass.Q;
        BeatSet set = new BeatSet(data, 1, 320, labels, new int[n], new int[n]);
        int[] all = java.util.stream.IntStream.range(0, n).toArray();
        int[] sub = ExperimentData.subsample(set, all, 100, 3);
        Map<AamiClass, Integer> c = set.countsPerClass(sub);
        assertEquals(99, c.get(AamiClass.N));
        assertEquals(1, c.get(AamiClass.V));
        assertEquals(1, c.get(AamiClass.Q), "a class of 2 beats keeps one");
        assertArrayEquals(sub, ExperimentData.subsample(set, all, 100, 3), "seeded");
        assertSame(all, ExperimentData.subsample(set, all, 0, 3), "0 keeps everything");
    }

    @Test
    void badDataSettingsGiveClearErrors(@TempDir Path empty) {
        assertThrows(NoSuchFileException.class,
                () -> ExperimentData.prepare(new DataConfig("/no/such/dir", "beatgan", 0, 0, 0, 0), 1, 16));
        IOException e = assertThrows(IOException.class,
                () -> ExperimentData.prepare(new DataConfig(empty.toString(), "beatgan", 0, 0, 0, 0), 1, 16));
        assertTrue(e.getMessage().contains(empty.toString()) && e.getMessage().contains(".hea"), e.getMessage());
        IllegalArgumentException p = assertThrows(IllegalArgumentException.class, () -> ExperimentData.protocol("loso"));
        assertTrue(p.getMessage().contains("'loso'"));
        IllegalArgumentException f = assertThrows(IllegalArgumentException.class,
                () -> new DataConfig(null, "beatgan", 7, 0, 0, 0));
        assertTrue(f.getMessage().contains("fold = 7"));
    }

    @Test
    void csvSeriesAreAnotherDataSource(@TempDir Path dir) throws IOException {
        StringBuilder rows = new StringBuilder();
        java.util.Random r = new java.util.Random(1);
        for (int i = 0; i < 60; i++) {
            rows.append(i < 40 ? "N" : "1");
            for (int t = 0; t < 320; t++) rows.append(',').append(Math.sin(t / 10.0 + i) + (i < 40 ? 0 : r.nextGaussian()));
            rows.append('\n');
        }
        Path csv = dir.resolve("series.csv");
        Files.writeString(csv, rows);
        ExperimentData.Prepared p = ExperimentData.prepare(new DataConfig(csv.toString(), "beatgan", 0, 0, 0, 0), 1, 8);
        assertEquals(40, p.summary().get("all").get("N"));
        assertEquals(20, p.summary().get("all").get("ABNORMAL"));

        Path shortCsv = dir.resolve("short.csv");
        Files.writeString(shortCsv, "N,1,2,3\n1,3,2,1\n");
        IOException e = assertThrows(IOException.class, () -> ExperimentData.load(shortCsv, 1));
        assertTrue(e.getMessage().contains("length 3") && e.getMessage().contains("320"), e.getMessage());
    }

    @Test
    void aTrainingSetSmallerThanTheBatchTrainsInOneBatch() throws Exception {
        DataConfig cfg = new DataConfig(DataLocations.beatganDemo().toString(), "beatgan", 0, 10, 0, 0);
        ExperimentData.Prepared p = ExperimentData.prepare(cfg, 1, 64);
        assertEquals(10, p.batchSize(), "the batch shrinks to the 10 training beats");
        assertEquals(10, p.data().train().next().numExamples());
        DataConfig one = new DataConfig(DataLocations.beatganDemo().toString(), "beatgan", 0, 1, 0, 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ExperimentData.prepare(one, 1, 64));
        assertTrue(e.getMessage().contains("Only 1 training beats") && e.getMessage().contains("at least 2"),
                e.getMessage());
    }
}
