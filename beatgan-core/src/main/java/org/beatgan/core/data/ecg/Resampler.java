package org.beatgan.core.data.ecg;

/**
 * Anti-aliased rational resampling, as {@code scipy.signal.resample_poly} does it: the ratio of the
 * two rates is reduced to a fraction {@code up / down}; conceptually the signal is upsampled by
 * {@code up} (zeros inserted), low-pass filtered with a Kaiser-windowed sinc FIR whose cut-off is
 * {@code min(1/up, 1/down)} of the upsampled Nyquist frequency, and every {@code down}-th sample is
 * kept. It is computed in polyphase form (only the taps that meet a non-zero input sample are
 * multiplied), the filter is centred (zero phase: output sample {@code j} lies at input time
 * {@code j * down / up}), and the signal is taken as zero outside its ends, like scipy's default
 * {@code padtype='constant'}. The output has {@code ceil(n * up / down)} samples.
 *
 * <p>Why written here rather than taken from a library: the one maintained Java DSP library on
 * Maven Central with a {@code resample_poly} port, {@code com.github.psambit9791:jdsp} (3.1.0),
 * computes the right thing but declares JUnit 5.0.3, the Surefire provider, PDFBox, JFreeChart and
 * SSJ as compile-scope dependencies (18 MB, and an old JUnit on every user's classpath); the
 * algorithm is forty lines. Commons Math (already on the classpath) has no resampler.
 *
 * <p>The default design ({@link #forRates(double, double)}) uses Kaiser beta {@value #DEFAULT_BETA}
 * and a half-length of {@value #DEFAULT_HALF_LENGTH_PER_RATE} x {@code max(up, down)} taps: passband
 * ripple about 1e-4 (scipy's beta 5 / 10 x gives about 2e-3, visible in a 7 Hz sine) and more than 80 dB
 * rejection above 1.16 x the output Nyquist frequency. {@link #Resampler(int, int, double, int)}
 * with beta 5 and 10 reproduces scipy's default filter exactly.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class Resampler {

    /** Largest {@code up} or {@code down} accepted: beyond it the filter ({@code ~32 x max} taps) is absurd. */
    public static final int MAX_FACTOR = 2000;
    /** Kaiser window beta of the default design. */
    public static final double DEFAULT_BETA = 8.0;
    /** Filter half-length per unit of {@code max(up, down)} in the default design (scipy: 10). */
    public static final int DEFAULT_HALF_LENGTH_PER_RATE = 16;

    private final int up;
    private final int down;
    private final int halfLength;
    private final double[] h; // centred: h[halfLength + m] for m in [-halfLength, halfLength], scaled by up

    /** The default design for an already reduced (or reducible) {@code up / down}. */
    public Resampler(int up, int down) {
        this(up, down, DEFAULT_BETA, DEFAULT_HALF_LENGTH_PER_RATE);
    }

    /**
     * A resampler by {@code up / down} (reduced by their gcd) with a Kaiser-windowed sinc of
     * {@code 2 * halfLengthPerRate * max(up, down) + 1} taps.
     */
    public Resampler(int up, int down, double beta, int halfLengthPerRate) {
        if (up < 1 || down < 1) {
            throw new IllegalArgumentException("up and down must be positive: " + up + "/" + down);
        }
        if (!(beta >= 0) || Double.isInfinite(beta) || halfLengthPerRate < 1) {
            throw new IllegalArgumentException("need a finite beta >= 0 and halfLengthPerRate >= 1: " + beta
                    + ", " + halfLengthPerRate);
        }
        int g = gcd(up, down);
        up /= g;
        down /= g;
        if (up > MAX_FACTOR || down > MAX_FACTOR) {
            throw new IllegalArgumentException("resampling by " + up + "/" + down + " is not supported: up and"
                    + " down must reduce to at most " + MAX_FACTOR);
        }
        this.up = up;
        this.down = down;
        int maxRate = Math.max(up, down);
        this.halfLength = halfLengthPerRate * maxRate;
        this.h = up == 1 && down == 1 ? new double[] {1.0} : design(halfLength, 1.0 / maxRate, beta, up);
    }

    /**
     * The default resampler from {@code fromHz} to {@code toHz}.
     *
     * @throws IllegalArgumentException for non-positive or non-finite rates, and for rates whose ratio
     *                                  does not reduce to a fraction with numerator and denominator
     *                                  up to {@value #MAX_FACTOR}
     */
    public static Resampler forRates(double fromHz, double toHz) {
        int[] r = ratio(fromHz, toHz);
        return new Resampler(r[0], r[1]);
    }

    /** Resamples {@code x} from {@code fromHz} to {@code toHz} with the default design. */
    public static double[] resample(double[] x, double fromHz, double toHz) {
        return forRates(fromHz, toHz).resample(x);
    }

    /**
     * {@code {up, down}}, the reduced fraction {@code toHz / fromHz}, found exactly for integer rates
     * and to 1e-9 relative for others (e.g. 128.5 Hz to 360 Hz is 720/257).
     */
    public static int[] ratio(double fromHz, double toHz) {
        for (double r : new double[] {fromHz, toHz}) {
            if (!(r > 0) || Double.isInfinite(r)) {
                throw new IllegalArgumentException("sampling rate " + r + " Hz is not supported for resampling:"
                        + " rates must be positive and finite");
            }
        }
        double q = toHz / fromHz;
        for (int down = 1; down <= MAX_FACTOR; down++) {
            double upD = Math.rint(q * down);
            if (upD >= 1 && Math.abs(upD / down - q) <= 1e-9 * q) {
                if (upD > MAX_FACTOR) {
                    break;
                }
                return new int[] {(int) upD, down};
            }
        }
        throw new IllegalArgumentException("cannot resample from " + fromHz + " Hz to " + toHz + " Hz: the ratio"
                + " of the rates must reduce to a fraction up/down with up and down at most " + MAX_FACTOR
                + " (e.g. 128, 250, 257, 500 or 1000 Hz to 360 Hz)");
    }

    public int up() {
        return up;
    }

    public int down() {
        return down;
    }

    /** The filter taps at the upsampled rate, centred, already multiplied by {@code up}. */
    public double[] taps() {
        return h.clone();
    }

    /** Output length for {@code n} input samples: {@code ceil(n * up / down)}. */
    public long outputLength(long n) {
        return Math.floorDiv(Math.multiplyExact(n, up) + down - 1, down);
    }

    /** The resampled signal. The identity ratio returns a copy. */
    public double[] resample(double[] x) {
        if (up == 1 && down == 1) {
            return x.clone();
        }
        long lenL = outputLength(x.length);
        if (lenL > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("output of " + lenL + " samples does not fit one array");
        }
        int len = (int) lenL;
        double[] y = new double[len];
        int n = x.length;
        for (int j = 0; j < len; j++) {
            // Upsampled time of output j is j*down; input i sits at i*up. Taps h[L + j*down - i*up].
            long c = (long) j * down;
            long iLo = Math.max(0, ceilDiv(c - halfLength, up));
            long iHi = Math.min(n - 1, Math.floorDiv(c + halfLength, up));
            double s = 0;
            int tap = (int) (halfLength + c - iLo * up);
            for (long i = iLo; i <= iHi; i++, tap -= up) {
                s += h[tap] * x[(int) i];
            }
            y[j] = s;
        }
        return y;
    }

    /**
     * scipy {@code firwin(2L+1, cutoff, window=('kaiser', beta))} (unit gain at DC), times {@code up}.
     *
     * @param cutoff relative to the Nyquist frequency of the upsampled signal
     */
    private static double[] design(int halfLength, double cutoff, double beta, int up) {
        int numtaps = 2 * halfLength + 1;
        double[] h = new double[numtaps];
        double i0Beta = besselI0(beta);
        double sum = 0;
        for (int k = 0; k < numtaps; k++) {
            int m = k - halfLength;
            double r = (double) m / halfLength;
            double w = besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / i0Beta;
            h[k] = cutoff * BandpassFilter.sinc(cutoff * m) * w;
            sum += h[k];
        }
        for (int k = 0; k < numtaps; k++) {
            h[k] = h[k] / sum * up;
        }
        return h;
    }

    /**
     * Modified Bessel function of the first kind, order 0, by its power series (converges fast for
     * the window's arguments, 0..beta). Commons Math 3 only has the unmodified {@code BesselJ},
     * so I0 is summed here.
     */
    static double besselI0(double x) {
        double term = 1;
        double sum = 1;
        double q = x * x / 4;
        for (int k = 1; k < 500; k++) {
            term *= q / ((double) k * k);
            sum += term;
            if (term < 1e-17 * sum) {
                break;
            }
        }
        return sum;
    }

    private static long ceilDiv(long a, long b) {
        return -Math.floorDiv(-a, b);
    }

    private static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }
}
