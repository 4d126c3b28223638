package org.beatgan.core.data.ecg;

import java.util.Arrays;

/**
 * {@link Resampler#resample(double[])} for a signal that arrives piece by piece: output sample
 * {@code j} is emitted as soon as the last input sample its filter reaches has arrived, and
 * {@link #flush()} emits the rest at the end (the signal being zero beyond its end, as in the batch
 * form). Everything emitted, concatenated, equals the batch resampling of the whole signal: the same
 * taps meet the same samples in the same order.
 *
 * <p>Latency: output {@code j} waits for input {@code floor((j down + L) / up)}, {@code L} being the
 * filter's half-length at the upsampled rate, so about {@code L / up} input samples (16 output-rate
 * samples per unit of {@code max(up, down) / up} with the default design; e.g. 23 ms for 250 Hz to
 * 360 Hz).
 */
public final class StreamingResampler {

    private final int up;
    private final int down;
    private final int halfLength;
    private final double[] h;
    /** Recent input samples; input i lives at {@code ring[i & mask]}. */
    private final double[] ring;
    private final int mask;
    private long in;
    private long out;
    private boolean flushed;

    public StreamingResampler(Resampler design) {
        this.up = design.up();
        this.down = design.down();
        this.h = design.taps();
        this.halfLength = (h.length - 1) / 2;
        // inputs one output sample needs: 2 L / up + 1; keep a power of two above that plus slack
        int need = 2 * halfLength / up + 2 + down / up + 2;
        this.ring = new double[Integer.highestOneBit(Math.max(need, 16) * 2 - 1) * 2];
        this.mask = ring.length - 1;
    }

    /** Input samples received. */
    public long samplesIn() {
        return in;
    }

    /** Feeds {@code x}; returns the output samples it completes (possibly none). */
    public double[] push(double x) {
        if (flushed) throw new IllegalStateException("resampler already flushed");
        ring[(int) (in & mask)] = x;
        in++;
        double[] y = new double[0];
        // output j is complete once its highest input index floor((j down + L) / up) has arrived
        while (Math.floorDiv(out * down + halfLength, up) < in) {
            y = append(y, output(out, in));
            out++;
        }
        return y;
    }

    /** Ends the stream: the outputs up to {@code ceil(n up / down)} that were still waiting for input. */
    public double[] flush() {
        if (flushed) return new double[0];
        flushed = true;
        long total = Math.floorDiv(in * up + down - 1, down);
        double[] y = new double[(int) Math.max(0, total - out)];
        for (int k = 0; out < total; k++, out++) {
            y[k] = output(out, in);
        }
        return y;
    }

    /** Output j from the inputs below {@code n}, exactly as the batch loop sums it. */
    private double output(long j, long n) {
        long c = j * down;
        long iLo = Math.max(0, ceilDiv(c - halfLength, up));
        long iHi = Math.min(n - 1, Math.floorDiv(c + halfLength, up));
        if (iLo < n - ring.length) {
            throw new IllegalStateException("resampler ring too small");
        }
        double s = 0;
        int tap = (int) (halfLength + c - iLo * up);
        for (long i = iLo; i <= iHi; i++, tap -= up) {
            s += h[tap] * ring[(int) (i & mask)];
        }
        return s;
    }

    private static long ceilDiv(long a, long b) {
        return -Math.floorDiv(-a, b);
    }

    private static double[] append(double[] a, double v) {
        double[] r = Arrays.copyOf(a, a.length + 1);
        r[a.length] = v;
        return r;
    }
}
