package org.beatgan.core.data.ecg;

/**
 * Zero-phase FIR band-pass filter, reproducing what BeatGAN's preprocessing got from
 * {@code biosppy.signals.ecg.ecg}: {@code filter_signal(ftype='FIR', band='bandpass',
 * order=int(0.3*fs), frequency=[3, 45])}, i.e. scipy {@code firwin} taps (Hamming window,
 * {@code pass_zero=False}, scaled to unit gain at the passband centre) applied with scipy
 * {@code filtfilt}.
 *
 * <p>BioSPPy's {@code get_filter} makes an even FIR order odd by adding one, so at 360 Hz the filter
 * has {@code int(0.3*360) = 108 -> 109} taps. scipy's {@code filtfilt} extends the signal at each end
 * by an odd reflection of {@code 3 * numtaps} samples and starts both passes from the steady state
 * ({@code lfilter_zi}) of the first sample of the respective pass. Because that padding is longer
 * than the filter, every output sample only ever sees the padded signal itself, never the initial
 * state; so this implementation computes the same result as scipy exactly (up to floating-point
 * summation order, about 1e-15 relative) without modelling filter states at all.
 *
 * <p>The convolutions are written as blocked axpy loops because the JIT vectorises those (a
 * dot-product formulation is about twice as slow): zero-phase filtering of a 30-minute MIT-BIH lead
 * (650,000 samples x 109 taps, two passes) takes about 50 ms.
 */
public final class BandpassFilter {

    /** Lower cut-off of BeatGAN's (BioSPPy's ECG) band-pass, Hz. */
    public static final double BEATGAN_LOW_HZ = 3.0;
    /** Upper cut-off of BeatGAN's (BioSPPy's ECG) band-pass, Hz. */
    public static final double BEATGAN_HIGH_HZ = 45.0;

    private static final int BLOCK = 2048;

    private final double[] taps;

    /** A filter with the given FIR taps (used as they are, not copied by callers later). */
    public BandpassFilter(double[] taps) {
        if (taps.length == 0) {
            throw new IllegalArgumentException("no taps");
        }
        this.taps = taps.clone();
    }

    /** BeatGAN's 3-45 Hz filter for sampling rate {@code fs}. */
    public static BandpassFilter beatGan(double fs) {
        return new BandpassFilter(firwinBandpass(beatGanNumTaps(fs), BEATGAN_LOW_HZ, BEATGAN_HIGH_HZ, fs));
    }

    /** BioSPPy's tap count for its ECG filter: {@code int(0.3*fs)}, plus one when even (109 at 360 Hz). */
    public static int beatGanNumTaps(double fs) {
        int order = (int) (0.3 * fs);
        return order % 2 == 0 ? order + 1 : order;
    }

    /**
     * scipy {@code firwin(numtaps, [low, high], pass_zero=False, window='hamming', scale=True,
     * fs=fs)}: windowed-sinc band-pass taps, scaled so that the gain at the band centre is exactly 1.
     */
    public static double[] firwinBandpass(int numtaps, double lowHz, double highHz, double fs) {
        double nyq = fs / 2;
        double left = lowHz / nyq;
        double right = highHz / nyq;
        if (numtaps < 1 || !(0 < left && left < right && right < 1)) {
            throw new IllegalArgumentException("need 0 < low < high < fs/2 and numtaps >= 1");
        }
        if (numtaps % 2 == 0) {
            // scipy refuses even lengths for filters that pass the Nyquist frequency; a band-pass
            // does not, but odd lengths keep the filter a type I linear-phase FIR with integer delay.
            throw new IllegalArgumentException("numtaps must be odd: " + numtaps);
        }
        double alpha = 0.5 * (numtaps - 1);
        double[] h = new double[numtaps];
        for (int i = 0; i < numtaps; i++) {
            double m = i - alpha;
            double v = right * sinc(right * m) - left * sinc(left * m);
            double w = numtaps == 1 ? 1.0 : 0.54 - 0.46 * Math.cos(2 * Math.PI * i / (numtaps - 1));
            h[i] = v * w;
        }
        double scaleFrequency = 0.5 * (left + right);
        double s = 0;
        for (int i = 0; i < numtaps; i++) {
            s += h[i] * Math.cos(Math.PI * (i - alpha) * scaleFrequency);
        }
        for (int i = 0; i < numtaps; i++) {
            h[i] /= s;
        }
        return h;
    }

    /** sin(pi x) / (pi x), 1 at 0 (numpy's normalised sinc); the resampler's filter design uses it too. */
    static double sinc(double x) {
        if (x == 0) {
            return 1.0;
        }
        double px = Math.PI * x;
        return Math.sin(px) / px;
    }

    public double[] taps() {
        return taps.clone();
    }

    public int numTaps() {
        return taps.length;
    }

    /** Samples of odd-reflection padding at each end, scipy's default {@code 3 * max(len(a), len(b))}. */
    public int padLength() {
        return 3 * taps.length;
    }

    /** Zero-phase filtering of a float signal (computed in double, rounded once). */
    public float[] filtfilt(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        double[] y = filtfilt(d);
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = (float) y[i];
        }
        return out;
    }

    /**
     * Zero-phase filtering, scipy {@code filtfilt(b, [1], x)} with its default odd padding.
     *
     * @throws IllegalArgumentException if {@code x} is not longer than {@link #padLength()} (scipy
     *                                  refuses such inputs too)
     */
    public double[] filtfilt(double[] x) {
        final int n = x.length;
        final int p = padLength();
        final int t = taps.length;
        if (n <= p) {
            throw new IllegalArgumentException("signal of " + n + " samples is too short for zero-phase filtering"
                    + " with " + t + " taps (needs more than " + p + ")");
        }
        final int len = n + 2 * p;
        double[] ext = new double[len];
        double first = x[0];
        double last = x[n - 1];
        for (int i = 0; i < p; i++) {
            ext[i] = 2 * first - x[p - i];
            ext[p + n + i] = 2 * last - x[n - 2 - i];
        }
        System.arraycopy(x, 0, ext, p, n);

        // Forward pass, only where the backward pass will read it: [p, p + n + t - 1).
        double[] fwd = new double[len];
        convolveCausal(ext, fwd, p, p + n + t - 1);
        // Backward pass (anti-causal convolution), only where the output is kept: [p, p + n).
        double[] out = new double[n];
        convolveAntiCausal(fwd, out, p, n);
        return out;
    }

    /** {@code y[i] = sum_k taps[k] * x[i - k]} for i in [lo, hi); needs {@code lo >= taps.length - 1}. */
    private void convolveCausal(double[] x, double[] y, int lo, int hi) {
        final double[] b = taps;
        for (int s = lo; s < hi; s += BLOCK) {
            final int e = Math.min(s + BLOCK, hi);
            for (int k = 0; k < b.length; k++) {
                final double bk = b[k];
                for (int i = s; i < e; i++) {
                    y[i] += bk * x[i - k];
                }
            }
        }
    }

    /** {@code out[j] = sum_k taps[k] * x[from + j + k]} for j in [0, count). */
    private void convolveAntiCausal(double[] x, double[] out, int from, int count) {
        final double[] b = taps;
        for (int s = 0; s < count; s += BLOCK) {
            final int e = Math.min(s + BLOCK, count);
            for (int k = 0; k < b.length; k++) {
                final double bk = b[k];
                final int off = from + k;
                for (int j = s; j < e; j++) {
                    out[j] += bk * x[j + off];
                }
            }
        }
    }
}
