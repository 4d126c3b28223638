package org.beatgan.core.data.ecg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ResamplerTest {

    private static double[] sine(double hz, double fs, int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = Math.sin(2 * Math.PI * hz * i / fs);
        }
        return x;
    }

    /** Max |y - sin(2 pi hz t)| at the output sample times, one second away from both ends. */
    private static double maxErrorAgainstAnalyticSine(double[] y, double hz, double fsOut) {
        double err = 0;
        int margin = (int) fsOut;
        for (int j = margin; j < y.length - margin; j++) {
            err = Math.max(err, Math.abs(y[j] - Math.sin(2 * Math.PI * hz * j / fsOut)));
        }
        return err;
    }

    @Test
    void reducesTheRatioOfTheRates() {
        assertArrayEquals(new int[] {36, 25}, Resampler.ratio(250, 360));
        assertArrayEquals(new int[] {18, 25}, Resampler.ratio(500, 360));
        assertArrayEquals(new int[] {45, 16}, Resampler.ratio(128, 360));
        assertArrayEquals(new int[] {9, 25}, Resampler.ratio(1000, 360));
        assertArrayEquals(new int[] {360, 257}, Resampler.ratio(257, 360));
        assertArrayEquals(new int[] {720, 257}, Resampler.ratio(128.5, 360));
        assertArrayEquals(new int[] {1, 1}, Resampler.ratio(360, 360));
        Resampler r = Resampler.forRates(250, 360);
        assertEquals(36, r.up());
        assertEquals(25, r.down());
        assertEquals(2 * 16 * 36 + 1, r.taps().length);
        assertEquals(2, new Resampler(4, 6).up(), "reduced by the gcd");
    }

    @Test
    void keepsFrequencyAndAmplitudeOfASineFromCommonRatesTo360Hz() {
        for (double fs : new double[] {128, 250, 257, 500, 1000}) {
            double[] x = sine(7, fs, (int) (10 * fs));
            double[] y = Resampler.resample(x, fs, 360);
            assertEquals(3600, y.length, "ceil(n * up / down) at " + fs + " Hz");
            double err = maxErrorAgainstAnalyticSine(y, 7, 360);
            assertTrue(err < 1e-3, fs + " Hz -> 360 Hz: max error " + err);
        }
    }

    @Test
    void outputLengthIsTheCeiling() {
        Resampler r = Resampler.forRates(250, 360);
        assertEquals(15, r.resample(new double[10]).length, "10 * 36 / 25 = 14.4 -> 15");
        assertEquals(15, r.outputLength(10));
        assertEquals(0, r.resample(new double[0]).length);
        assertEquals(2, r.resample(new double[] {1.0}).length, "36 / 25 = 1.44 -> 2");
    }

    @Test
    void attenuatesWhatLiesAboveTheNewNyquistFrequency() {
        // A 250 Hz tone sampled at 1000 Hz cannot be represented at 360 Hz (Nyquist 180 Hz).
        double[] y = Resampler.resample(sine(250, 1000, 10_000), 1000, 360);
        double peak = 0;
        for (int j = 360; j < y.length - 360; j++) {
            peak = Math.max(peak, Math.abs(y[j]));
        }
        double db = 20 * Math.log10(peak);
        assertTrue(db < -40, "250 Hz tone after 1000 -> 360 Hz: " + db + " dB");
        // Without the low-pass, keeping every 25th of 9x upsampled samples would alias it to 110 Hz at full size.
        double[] passed = Resampler.resample(sine(100, 1000, 10_000), 1000, 360);
        assertTrue(maxErrorAgainstAnalyticSine(passed, 100, 360) < 1e-3, "100 Hz is in the passband");
    }

    @Test
    void sameRateIsTheIdentity() {
        double[] x = sine(7, 360, 1000);
        double[] y = Resampler.resample(x, 360, 360);
        assertArrayEquals(x, y);
        assertNotSame(x, y);
    }

    @Test
    void scipyDesignReproducesScipyResamplePoly() {
        // scipy.signal.resample_poly(x, 36, 25) and (x, 9, 25), default window ('kaiser', 5.0), for
        // x[i] = sin(0.3 i) + 0.01 i^2 - (i % 7) * 0.1, i = 0..49.
        double[] x = new double[50];
        for (int i = 0; i < x.length; i++) {
            x[i] = Math.sin(0.3 * i) + 0.01 * i * i - (i % 7) * 0.1;
        }
        double[] y = new Resampler(36, 25, 5.0, 10).resample(x);
        assertEquals(72, y.length);
        assertEquals(6.567403590598806e-18, y[0], 1e-13);
        assertEquals(0.13646270880960007, y[1], 1e-13);
        assertEquals(0.28294574982321224, y[2], 1e-13);
        assertEquals(6.3847784040370525, y[35], 1e-12);
        assertEquals(6.792579610320254, y[36], 1e-12);
        assertEquals(27.815284389576714, y[70], 1e-12);
        assertEquals(18.10712524352596, y[71], 1e-12);
        double[] d = new Resampler(9, 25, 5.0, 10).resample(x);
        assertEquals(18, d.length);
        assertEquals(0.05772011209296473, d[0], 1e-13);
        assertEquals(0.8407531687104876, d[5], 1e-13);
        assertEquals(24.803958550948803, d[17], 1e-12);
    }

    @Test
    void rejectsRatesItCannotHandle() {
        for (double bad : new double[] {0, -250, Double.NaN, Double.POSITIVE_INFINITY}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Resampler.forRates(bad, 360));
            assertTrue(e.getMessage().contains(String.valueOf(bad)) && e.getMessage().contains("positive and finite"),
                    e.getMessage());
        }
        // 360 / 2003 cannot be reduced, and 2003 > 2000.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Resampler.forRates(2003, 360));
        assertTrue(e.getMessage().contains("2003.0 Hz") && e.getMessage().contains("at most 2000"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Resampler.forRates(Math.PI * 100, 360));
        assertTrue(e.getMessage().contains("up/down"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Resampler(0, 5));
        assertThrows(IllegalArgumentException.class, () -> new Resampler(2001, 1));
    }

    @Test
    void besselI0MatchesKnownValues() {
        assertEquals(1.0, Resampler.besselI0(0), 0);
        assertEquals(1.2660658777520082, Resampler.besselI0(1), 1e-15);
        assertEquals(27.239871823604442, Resampler.besselI0(5), 1e-12);
        assertEquals(427.56411572180474, Resampler.besselI0(8), 1e-10);
    }
}
