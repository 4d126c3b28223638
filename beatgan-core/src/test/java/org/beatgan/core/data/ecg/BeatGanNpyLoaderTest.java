package org.beatgan.core.data.ecg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import org.beatgan.core.data.TestData;
import org.beatgan.core.data.npy.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BeatGanNpyLoaderTest {

    @Test
    void loadsTheDemoArraysAsNormalAndAbnormal() throws Exception {
        BeatSet two = BeatGanNpyLoader.load(TestData.demo(), 2);
        assertEquals(128, two.size());
        assertEquals(2, two.nc());
        assertEquals(320, two.length());
        Map<AamiClass, Integer> c = two.countsPerClass();
        assertEquals(64, c.get(AamiClass.N));
        assertEquals(64, c.get(AamiClass.ABNORMAL));
        assertEquals(AamiClass.N, two.label(0));
        assertEquals(AamiClass.ABNORMAL, two.label(127));
        assertEquals(-1, two.record(0));

        // Scaled per beat and lead, from the float64 values.
        double[] raw = Npy.read(TestData.demo().resolve("normal_samples.npy")).asDoubles();
        double[] lead1 = Arrays.copyOfRange(raw, 320, 640);
        double min = Arrays.stream(lead1).min().orElseThrow();
        double max = Arrays.stream(lead1).max().orElseThrow();
        for (int t = 0; t < 320; t++) {
            assertEquals((float) (2 * (lead1[t] - min) / (max - min) - 1), two.value(0, 1, t), 0f);
        }

        BeatSet one = BeatGanNpyLoader.load(TestData.demo(), 1);
        assertEquals(1, one.nc());
        assertTrue(one.contentEquals(two.firstLeads(1)));
        BeatSet unscaled = BeatGanNpyLoader.load(TestData.demo(), 1, false);
        assertEquals((float) raw[5], unscaled.value(0, 0, 5));
    }

    @Test
    void loadsAnySubsetOfTheAamiFiles(@TempDir Path dir) throws Exception {
        Npy.writeFloat64(dir.resolve("N_samples.npy"), ramp(3 * 2 * 8), 3, 2, 8);
        Npy.writeFloat32(dir.resolve("V_samples.npy"), new float[2 * 3 * 8], 2, 3, 8);
        Npy.writeFloat64(dir.resolve("Q_samples.npy"), new double[0], 0, 2, 8);
        BeatSet s = BeatGanNpyLoader.load(dir, 2);
        assertEquals(5, s.size());
        assertEquals(AamiClass.N, s.label(2));
        assertEquals(AamiClass.V, s.label(3));
        assertEquals(0f, s.value(4, 1, 3), "constant beats scale to 0");
        assertEquals(-1f, s.value(1, 0, 0));
        assertEquals(1f, s.value(1, 0, 7));
        BeatSet raw = BeatGanNpyLoader.load(dir, 2, false);
        assertEquals(16 + 8 + 2, raw.value(1, 1, 2), 0f, "beat 1, lead 1, t=2 of the C-order ramp");
    }

    @Test
    void reportsBadArraysNamingTheFile(@TempDir Path dir) throws Exception {
        Path n = dir.resolve("N_samples.npy");
        Npy.writeInt32(n, new int[16], 1, 2, 8);
        assertError(dir, 2, "N_samples.npy", "dtype i4");
        Npy.writeFloat64(n, new double[16], 2, 8);
        assertError(dir, 2, "N_samples.npy", "rank 2");
        Npy.writeFloat64(n, new double[16], 2, 1, 8);
        assertError(dir, 2, "N_samples.npy", "cannot take nc=2");
        Npy.writeFloat64(n, new double[32], 2, 2, 8);
        byte[] b = Files.readAllBytes(n);
        Files.write(n, Arrays.copyOf(b, b.length - 9));
        assertError(dir, 2, "N_samples.npy", "truncated");
        Files.write(n, "garbage that is not an array".getBytes());
        assertError(dir, 2, "N_samples.npy", "bad magic");
        Npy.writeFloat64(n, new double[32], 2, 2, 8);
        Npy.writeFloat64(dir.resolve("S_samples.npy"), new double[36], 2, 2, 9);
        assertError(dir, 2, "S_samples.npy", "beat length 9 differs");
    }

    @Test
    void rejectsEmptyAndMixedFolders(@TempDir Path dir) throws Exception {
        assertError(dir, 1, dir.toString(), "no beat arrays");
        Npy.writeFloat64(dir.resolve("N_samples.npy"), new double[8], 1, 1, 8);
        Npy.writeFloat64(dir.resolve("normal_samples.npy"), new double[8], 1, 1, 8);
        assertError(dir, 1, dir.toString(), "both");
    }

    private static void assertError(Path dir, int nc, String file, String problem) {
        IOException e = assertThrows(IOException.class, () -> BeatGanNpyLoader.load(dir, nc));
        assertTrue(e.getMessage().contains(file) && e.getMessage().contains(problem),
                "'" + e.getMessage() + "' should name " + file + " and say " + problem);
    }

    private static double[] ramp(int n) {
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = i;
        }
        return d;
    }
}
