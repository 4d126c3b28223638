package org.beatgan.core.data.ecg;

import java.util.Arrays;

/**
 * {@link BandpassFilter#filtfilt(double[])} for a signal that arrives piece by piece: samples go in
 * with {@link #push}, filtered samples come out as soon as they are determined, and
 * {@link #flush()} emits the rest at the end of the stream. The concatenation of everything emitted
 * equals {@code filtfilt} of the whole signal (bit for bit in practice: the same products are summed
 * in the same order), whatever the chunking.
 *
 * <p>Why it can: filtfilt pads each end with an odd reflection of {@code 3 * numtaps} samples, runs
 * the FIR forwards, then backwards. Because the taps are finite, output sample {@code j} depends
 * only on input samples {@code j - (numtaps-1) ... j + (numtaps-1)} of the padded signal: it is
 * determined once input {@code j + numtaps - 1} has arrived, so the latency is
 * {@link #latencySamples()} = {@code numtaps - 1} samples (108, i.e. 0.3 s, for BeatGAN's filter at
 * 360 Hz). Of the start padding only the reflection {@code 2 x[0] - x[k]}, {@code k < numtaps},
 * reaches the output, so nothing is emitted before {@code numtaps} samples have arrived; the end
 * reflection {@code 2 x[n-1] - x[n-1-k]} needs the last samples, which {@link #flush()} uses. The
 * two FIR passes are computed exactly as {@code filtfilt} computes them (forward pass over the
 * padded signal, then the anti-causal pass over its result), not as one convolution with the taps'
 * autocorrelation, so that the floating-point summation order is the same too.
 *
 * <p>Streams shorter than {@code 3 * numtaps + 1} samples, which {@code filtfilt} refuses, are still
 * filtered here (with the same reflections) as long as they have at least {@code numtaps} samples.
 */
public final class StreamingBandpass {

    private final double[] taps;
    private final int t;
    // Input history (the last 2t samples) and the first t samples for the start reflection.
    private final double[] xRing;
    private final int xMask;
    private final double[] head;
    // Forward-pass history, F(i) for the last 2t indices i.
    private final double[] fRing;
    private final int fMask;

    private long n; // samples received
    private long forwardDone; // F(i) computed for i < forwardDone
    private long emitted; // outputs emitted
    private boolean flushed;

    /** Streams {@code filter}'s zero-phase filtering. */
    public StreamingBandpass(BandpassFilter filter) {
        this.taps = filter.taps();
        this.t = taps.length;
        int xs = Integer.highestOneBit(Math.max(2, 2 * t)) << 1;
        xRing = new double[xs];
        xMask = xs - 1;
        head = new double[t];
        // flush() needs F(j) .. F(j + 2t - 2) at once
        int fs = Integer.highestOneBit(Math.max(2, 2 * t)) << 1;
        fRing = new double[fs];
        fMask = fs - 1;
    }

    /** BeatGAN's 3-45 Hz band-pass ({@link BandpassFilter#beatGan(double)}) as a stream. */
    public static StreamingBandpass beatGan(double fs) {
        return new StreamingBandpass(BandpassFilter.beatGan(fs));
    }

    /** Samples by which the output lags the input: {@code numtaps - 1}. */
    public int latencySamples() {
        return t - 1;
    }

    /** Samples received so far. */
    public long samplesIn() {
        return n;
    }

    /** Filtered samples emitted so far. */
    public long samplesOut() {
        return emitted;
    }

    /** Feeds one sample; returns the filtered samples it determines (none or one, at the start up to one). */
    public double[] push(double x) {
        return push(new double[] {x}, 0, 1);
    }

    /** Feeds {@code samples[from, to)}; returns the filtered samples they determine, in order. */
    public double[] push(double[] samples, int from, int to) {
        if (flushed) {
            throw new IllegalStateException("stream already flushed");
        }
        if (from < 0 || to > samples.length || from > to) {
            throw new IndexOutOfBoundsException("range [" + from + ", " + to + ") of " + samples.length);
        }
        double[] out = new double[Math.max(0, (int) Math.min(Integer.MAX_VALUE, n + (to - from) - (t - 1) - emitted))];
        int k = 0;
        for (int i = from; i < to; i++) {
            long idx = n++;
            xRing[(int) (idx & xMask)] = samples[i];
            if (idx < t) {
                head[(int) idx] = samples[i];
            }
            if (idx >= t - 1) {
                // Every forward sample up to idx is now known; output idx - (t-1) too.
                advanceForward(idx + 1, -1);
                out[k++] = backward(emitted++);
            }
        }
        return k == out.length ? out : Arrays.copyOf(out, k);
    }

    /** Feeds a whole block. */
    public double[] push(double[] samples) {
        return push(samples, 0, samples.length);
    }

    /**
     * Ends the stream and returns the remaining {@link #latencySamples()} filtered samples (computed
     * with filtfilt's end reflection).
     *
     * @throws IllegalStateException if fewer than {@code numtaps} samples arrived (the reflection
     *                               needs them) or the stream was already flushed
     */
    public double[] flush() {
        if (flushed) {
            throw new IllegalStateException("stream already flushed");
        }
        if (n < t) {
            throw new IllegalStateException("stream of " + n + " samples is too short for zero-phase filtering with "
                    + t + " taps (needs at least " + t + ")");
        }
        flushed = true;
        advanceForward(n + t - 1, n);
        double[] out = new double[(int) (n - emitted)];
        for (int k = 0; k < out.length; k++) {
            out[k] = backward(emitted++);
        }
        return out;
    }

    /**
     * The padded signal {@code E(i)}: the start reflection for i < 0, the input, and (once the
     * length {@code len} is known, else -1) the end reflection for i >= len.
     */
    private double ext(long i, long len) {
        if (i < 0) {
            return 2 * head[0] - head[(int) -i];
        }
        if (len >= 0 && i >= len) {
            double last = xRing[(int) ((len - 1) & xMask)];
            return 2 * last - xRing[(int) ((2 * len - 2 - i) & xMask)];
        }
        return xRing[(int) (i & xMask)];
    }

    /** Computes the forward pass {@code F(i) = sum_k taps[k] E(i-k)} for every i < upTo. */
    private void advanceForward(long upTo, long len) {
        for (long i = forwardDone; i < upTo; i++) {
            double y = 0;
            for (int k = 0; k < t; k++) {
                y += taps[k] * ext(i - k, len);
            }
            fRing[(int) (i & fMask)] = y;
        }
        forwardDone = Math.max(forwardDone, upTo);
    }

    /** Output {@code j = sum_k taps[k] F(j+k)}, the anti-causal pass. */
    private double backward(long j) {
        double y = 0;
        for (int k = 0; k < t; k++) {
            y += taps[k] * fRing[(int) ((j + k) & fMask)];
        }
        return y;
    }
}
