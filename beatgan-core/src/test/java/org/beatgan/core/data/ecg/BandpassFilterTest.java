package org.beatgan.core.data.ecg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.beatgan.core.data.TestData;
import org.beatgan.core.data.wfdb.WfdbRecord;
import org.beatgan.core.data.wfdb.WfdbRecordReader;
import org.junit.jupiter.api.Test;

class BandpassFilterTest {

    private static final double FS = 360;
    private final BandpassFilter filter = BandpassFilter.beatGan(FS);

    @Test
    void usesBioSppysTapCount() {
        assertEquals(109, BandpassFilter.beatGanNumTaps(360), "int(0.3*360) = 108, made odd");
        assertEquals(75, BandpassFilter.beatGanNumTaps(250));
        assertEquals(31, BandpassFilter.beatGanNumTaps(100));
        assertEquals(109, filter.numTaps());
        assertEquals(327, filter.padLength());
    }

    @Test
    void tapsMatchScipyFirwin() {
        // scipy.signal.firwin(109, [3/180, 45/180], pass_zero=False)
        double[] b = filter.taps();
        assertEquals(-0.0006171574254302328, b[0], 1e-15);
        assertEquals(-0.000516792445490209, b[1], 1e-15);
        assertEquals(0.2332819326578833, b[54], 1e-14);
        double sum = 0;
        for (int i = 0; i < b.length; i++) {
            assertEquals(b[i], b[b.length - 1 - i], 1e-15, "linear phase needs symmetric taps");
            sum += b[i];
        }
        assertEquals(0.20538016841247395, sum, 1e-12, "DC gain");
        assertEquals(1.0, Math.abs(gain(b, 24.0)), 1e-12, "unit gain at the band centre (3+45)/2 Hz");
    }

    private static double gain(double[] b, double f) {
        double re = 0;
        double im = 0;
        for (int k = 0; k < b.length; k++) {
            re += b[k] * Math.cos(2 * Math.PI * f / FS * k);
            im -= b[k] * Math.sin(2 * Math.PI * f / FS * k);
        }
        return Math.hypot(re, im);
    }

    @Test
    void passesTenHertzWithoutPhaseShift() {
        double[] x = sine(10, 3600);
        double[] y = filter.filtfilt(x);
        assertEquals(x.length, y.length);
        // |H(10 Hz)|^2 = 1.006795 for the forward-backward filter (scipy freqz).
        double g = 1.006795250562293;
        for (int i = 1000; i < 2600; i++) {
            assertEquals(g * x[i], y[i], 1e-6, "sample " + i);
        }
        assertEquals(0, bestLag(x, y, 1000, 2600, 10), "zero phase: best alignment at lag 0");
    }

    @Test
    void stronglyAttenuatesBaselineWanderAndHighFrequencies() {
        // BioSPPy's short FIR only reaches about -27 dB at 0.5 Hz (|H|^2 = 0.046); that is what
        // BeatGAN trained on.
        assertTrue(ratio(0.5, 36000) < 0.05, "0.5 Hz");
        assertTrue(ratio(100, 3600) < 1e-3, "100 Hz");
        assertTrue(ratio(60, 3600) < 1e-3, "60 Hz mains");
        assertEquals(0.9987, ratio(15, 3600), 1e-3, "15 Hz passes");
    }

    @Test
    void floatVariantAgreesAndLengthIsKept() {
        double[] x = sine(7, 1000);
        float[] xf = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            xf[i] = (float) x[i];
        }
        float[] yf = filter.filtfilt(xf);
        double[] y = filter.filtfilt(x);
        assertEquals(1000, yf.length);
        for (int i = 0; i < y.length; i++) {
            assertEquals(y[i], yf[i], 1e-6);
        }
    }

    @Test
    void rejectsSignalsNotLongerThanThePadding() {
        assertThrows(IllegalArgumentException.class, () -> filter.filtfilt(new double[327]));
        assertEquals(328, filter.filtfilt(new double[328]).length);
        assertThrows(IllegalArgumentException.class, () -> BandpassFilter.firwinBandpass(108, 3, 45, 360));
        assertThrows(IllegalArgumentException.class, () -> BandpassFilter.firwinBandpass(109, 45, 3, 360));
    }

    @Test
    void matchesScipyFiltfiltOnRecord100() throws Exception {
        WfdbRecord r = WfdbRecordReader.read(TestData.mitdb(), "100", null);
        long t0 = System.nanoTime();
        double[] y = filter.filtfilt(r.physicalDouble(0));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        // scipy.signal.filtfilt(firwin(...), [1.0], (adc - 1024) / 200) for lead MLII of record 100,
        // including both padded edges.
        assertArrayEquals(new double[] {-0.006116246968684747, -0.006469903312077811, -0.005762903494307011},
                new double[] {y[0], y[1], y[2]}, 1e-13);
        assertEquals(-0.09354987094454949, y[100], 1e-13);
        assertEquals(-0.005924437628421229, y[325000], 1e-13);
        assertEquals(-0.053991697378734216, y[649999], 1e-13);
        assertTrue(ms < 5000, "filtering one lead took " + ms + " ms");
    }

    private static double[] sine(double hz, int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = Math.sin(2 * Math.PI * hz * i / FS);
        }
        return x;
    }

    private double ratio(double hz, int n) {
        double[] x = sine(hz, n);
        return amplitude(filter.filtfilt(x)) / amplitude(x);
    }

    /** Peak amplitude away from the edges. */
    private static double amplitude(double[] y) {
        double m = 0;
        for (int i = y.length / 4; i < 3 * y.length / 4; i++) {
            m = Math.max(m, Math.abs(y[i]));
        }
        return m;
    }

    private static int bestLag(double[] x, double[] y, int from, int to, int maxLag) {
        int best = 0;
        double bestDot = Double.NEGATIVE_INFINITY;
        for (int lag = -maxLag; lag <= maxLag; lag++) {
            double dot = 0;
            for (int i = from; i < to; i++) {
                dot += x[i] * y[i + lag];
            }
            if (dot > bestDot) {
                bestDot = dot;
                best = lag;
            }
        }
        return best;
    }
}
