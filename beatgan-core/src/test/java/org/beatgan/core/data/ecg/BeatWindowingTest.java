package org.beatgan.core.data.ecg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BeatWindowingTest {

    private final BeatWindowing w = BeatWindowing.BEATGAN;

    @Test
    void windowIs320SamplesAroundR() {
        assertEquals(320, w.length());
        assertEquals(BeatWindowing.BEAT_LENGTH, w.length());
        assertEquals(320, BeatWindowing.BEATGAN_PUBLISHED.length());
        double[] ramp = new double[1000];
        for (int i = 0; i < ramp.length; i++) {
            ramp[i] = i;
        }
        double[] out = new double[320];
        w.copy(ramp, 500, out, 0);
        assertEquals(360, out[0]);
        assertEquals(500, out[140], "R is sample 140 of the window");
        assertEquals(679, out[319]);
        BeatWindowing.BEATGAN_PUBLISHED.copy(ramp, 500, out, 0);
        assertEquals(361, out[0], "BeatGAN's published arrays start one sample later");
    }

    @Test
    void skipsWindowsLeavingTheRecordWithBeatGansStrictEnd() {
        assertTrue(w.fits(140, 1000));
        assertFalse(w.fits(139, 1000));
        assertTrue(w.fits(1000 - 181, 1000));
        assertFalse(w.fits(1000 - 180, 1000), "BeatGAN requires R + 180 < length");
        assertFalse(w.fits(-5, 1000));
    }

    @Test
    void scalesEachWindowToMinusOneOne() {
        double[] ramp = new double[1000];
        for (int i = 0; i < ramp.length; i++) {
            ramp[i] = 3 + 0.5 * i;
        }
        float[] dest = new float[330];
        w.extractScaled(ramp, 500, dest, 10);
        assertEquals(0f, dest[9], "writes only its own slot");
        assertEquals(-1f, dest[10]);
        assertEquals(1f, dest[329]);
        assertEquals(2.0 * 140 / 319 - 1, dest[150], 1e-6);
    }

    @Test
    void constantWindowsBecomeZeroInsteadOfNaN() {
        float[] dest = {5, 5, 5};
        BeatWindowing.scaleMinMax(new double[] {2, 2, 2}, 0, 3, dest, 0);
        assertArrayEquals(new float[] {0, 0, 0}, dest);
        float[] f = {7, 7};
        BeatWindowing.scaleMinMax(f, 0, 2, f, 0);
        assertArrayEquals(new float[] {0, 0}, f);
        float[] g = {1, 3, 2};
        BeatWindowing.scaleMinMax(g, 0, 3, g, 0);
        assertArrayEquals(new float[] {-1, 1, 0}, g, "in place on floats");
    }

    @Test
    void rejectsEmptyWindows() {
        assertThrows(IllegalArgumentException.class, () -> new BeatWindowing(10, 0));
        assertThrows(IllegalArgumentException.class, () -> new BeatWindowing(-1, 10));
    }
}
