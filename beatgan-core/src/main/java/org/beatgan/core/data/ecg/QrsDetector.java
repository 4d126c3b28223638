package org.beatgan.core.data.ecg;

import java.util.Arrays;

/**
 * Online QRS (R-peak) detector after Hamilton and Tompkins ("Quantitative investigation of QRS
 * detection rules using the MIT/BIH arrhythmia database", IEEE TBME 33(12), 1986) and Hamilton's
 * open-source implementation of it (EP Limited {@code qrsdet.c}), the detector BeatGAN's
 * preprocessing used through BioSPPy's {@code hamilton_segmenter}.
 *
 * <p>Why this design: a scoring command sees arbitrary new ECG, often as a stream, so the detector
 * is written as a state machine fed one sample at a time ({@link #push(double)}), and the batch
 * entry point {@link #detect(double[], double)} only feeds a whole signal through the same object
 * and {@link #finish() finishes} it. Batch and streaming detections are therefore identical by
 * construction, whatever the chunking.
 *
 * <p>Processing, with every length defined in milliseconds so that the detector runs at any
 * sampling rate (Hamilton's integer filters are for 200 Hz):
 * <ol>
 *   <li>band-pass: a low-pass made of two 25 ms moving averages and a high-pass that subtracts a
 *       125 ms moving average (both symmetric FIRs, so the band-passed signal is the input delayed
 *       by a whole number of samples, without phase distortion);</li>
 *   <li>a 10 ms difference, its absolute value, and an 80 ms moving-window integral;</li>
 *   <li>peaks of the integral: a peak is taken when the integral falls below half its maximum or
 *       95 ms after the maximum, then held for {@value #HOLD_MILLIS} ms in case a bigger one
 *       follows, which replaces it (one QRS per hold). Hamilton holds for 200 ms; with that, the P
 *       waves of long-PR records (MIT-BIH 108) peak just outside the hold before their QRS and are
 *       detected as beats (228 false positives in 108 alone, 16 with 230 ms). No two reference
 *       beats of the 44 records are closer than 250 ms. Reported beats are also at least 200 ms
 *       apart (the refractory period);</li>
 *   <li>classification: a held peak that passes a baseline-shift check (the raw derivative must
 *       have a positive and a negative slope, each at least 1/8 of the other, within 150 ms) is a
 *       QRS if it exceeds {@code noise + 0.3125 (qrs - noise)}, the medians of the last 8 QRS and
 *       noise peaks; otherwise it updates the noise estimate;</li>
 *   <li>T-wave discrimination: a candidate within 360 ms of the previous QRS whose steepest slope
 *       is less than half that of the previous QRS is taken as a T wave;</li>
 *   <li>search-back: when 1.5 median RR intervals pass without a QRS, the largest noise peak that
 *       came at least 360 ms after the last QRS and exceeds half the threshold is taken as a missed
 *       QRS;</li>
 *   <li>the R peak itself is located, as BioSPPy's {@code correct_rpeaks} and the papers do, at the
 *       largest absolute deflection of the band-passed ECG in a window around the QRS the integral
 *       points at, so that beats can be windowed around it exactly as around MIT-BIH's reference
 *       annotations.</li>
 * </ol>
 * The thresholds start from a learning period ({@value #LEARNING_SECONDS} s: the largest peak in
 * it stands for the QRS level, the noise level starts at 0); the peaks seen during learning are
 * then classified with those thresholds, so beats at the very start are not lost. If 8 s pass
 * without a QRS, the thresholds are re-learnt from the last 8 one-second maxima.
 *
 * <p>Latency: a beat is normally reported 0.33-0.45 s after its R peak (filter delays, the 80 ms
 * integral, the peak criterion and the hold; on MIT-BIH the median is 0.41 s and 99% of beats are
 * reported within 0.45 s). A beat found by search-back is reported up to 1.5 RR intervals after the
 * previous one (at most 2.1 s on MIT-BIH), and beats of the learning period at its end. The
 * search-back interval is capped at {@value #MAX_SEARCH_BACK_SECONDS} s, so no beat is ever
 * reported more than {@link #maxLatencySamples()} samples after it occurred (3.58 s at 360 Hz).
 * Reported beats are strictly increasing and at least 200 ms apart.
 *
 * <p>Detections are sample indices counted from the first sample pushed. Measured with
 * {@link DetectorEvaluation} on lead MLII of the 44 MIT-BIH records BeatGAN uses (100,733 beats,
 * 150 ms matching window, whole records): Se 99.89%, +P 99.85% with the ventricular flutter episodes
 * of record 207 excluded as EC57 prescribes (99.46% +P counting the flutter waves as false
 * positives); matched detections lie on average 1.3 ms from the reference sample.
 */
public final class QrsDetector {

    /** Learning period before the first classification, seconds. */
    public static final double LEARNING_SECONDS = 2.0;
    /** Cap on the search-back interval (1.5 median RR), seconds; bounds the latency. */
    public static final double MAX_SEARCH_BACK_SECONDS = 3.0;
    /** Hamilton's threshold coefficient between the noise and QRS levels. */
    public static final double THRESHOLD = 0.3125;
    /** Fraction of the detection threshold a search-back candidate must exceed (Hamilton: 1/2). */
    public static final double SEARCH_BACK_FRACTION = 0.5;
    /** Seconds without a QRS after which the thresholds are re-learnt (Hamilton: 8). */
    public static final int RELEARN_SECONDS = 8;
    /** Peak hold, ms: a bigger integral peak within it replaces the held one. */
    public static final double HOLD_MILLIS = 230;

    private final double fs;
    // Filter lengths in samples.
    private final int nLp;
    private final int nHp;
    private final int nDer;
    private final int nWin;
    private final int delayBp;
    private final int ms95;
    private final int ms150;
    private final int ms200;
    private final int holdLen;
    private final int ms360;
    private final int ms1000;
    private final int searchBackCap;
    private final int locateHalfWidth;
    private final int blsHalfWidth;
    private final int maxLatency;

    // Delay lines (ring buffers), sized to a power of two.
    private final double[] rawRing;
    private final double[] lp1Ring;
    private final double[] lpRing;
    private final double[] bpRing; // band-passed, kept long enough to locate late (search-back) beats
    private final double[] absRing;
    private final double[] rawDerRing; // raw derivative for the baseline-shift and slope checks
    private final int mask;

    private long t = -1; // index of the last sample pushed
    private boolean finished;
    private double lastValue;

    // Peak detector on the integral.
    private double pkMax;
    private long pkMaxTime;
    private boolean pkArmed;
    private double lastMwi;
    // Peak hold (HOLD_MILLIS).
    private double heldPeak;
    private long heldTime;
    private int holdCount;

    // Learning and thresholds.
    private boolean learning = true;
    private final double[] learnPeaks = new double[64];
    private final long[] learnTimes = new long[64];
    private int learnCount;
    private double learnMax;
    private final double[] qrsBuf = new double[8];
    private final double[] noiseBuf = new double[8];
    private final double[] rrBuf = new double[8];
    private double qMedian;
    private double nMedian;
    private double rrMedian;
    private double detThreshold;
    private long lastQrsTime = Long.MIN_VALUE; // integral-peak time of the last QRS
    private double lastMaxDer;
    // Search-back candidate.
    private double sbPeak;
    private long sbTime;
    private double sbMaxDer;
    private long sbClassifiedAt;
    private long lastClassifiedAt;
    // Re-learning after 8 s without a QRS.
    private final double[] resetBuf = new double[RELEARN_SECONDS];
    private int resetCount;
    private int secondCount;
    private double secondMax;

    // Output.
    private long[] out = new long[16];
    private int outCount;
    private long lastEmitted = Long.MIN_VALUE;

    /** A detector for a signal sampled at {@code fs} Hz (physical units, e.g. mV; any scale works). */
    public QrsDetector(double fs) {
        if (!(fs >= 50 && fs <= 20_000)) {
            throw new IllegalArgumentException("sampling rate " + fs + " Hz is outside what the QRS detector"
                    + " supports (50 to 20000 Hz)");
        }
        this.fs = fs;
        nLp = Math.max(1, ms(25));
        int hp = Math.max(3, ms(125));
        nHp = hp % 2 == 0 ? hp + 1 : hp;
        nDer = Math.max(1, ms(10));
        nWin = Math.max(1, ms(80));
        delayBp = (nLp - 1) + (nHp - 1) / 2;
        ms95 = ms(95);
        ms150 = ms(150);
        ms200 = ms(200);
        holdLen = ms(HOLD_MILLIS);
        ms360 = ms(360);
        ms1000 = ms(1000);
        searchBackCap = (int) Math.round(MAX_SEARCH_BACK_SECONDS * fs);
        locateHalfWidth = ms(80);
        blsHalfWidth = ms(110);
        // Worst case: a search-back beat right after the previous QRS, found when the capped
        // search-back interval and the hold have run out, plus the integral and filter delays.
        maxLatency = searchBackCap + holdLen + ms95 + nWin + delayBp + nDer + locateHalfWidth + 1;
        // History for locating and checking late beats; the learning period (shorter than the
        // search-back cap) fits in it too.
        int need = maxLatency + 2 * (locateHalfWidth + blsHalfWidth) + nHp + 2 * nLp + nWin + nDer + 16;
        int size = Integer.highestOneBit(need) << 1;
        mask = size - 1;
        rawRing = new double[size];
        lp1Ring = new double[size];
        lpRing = new double[size];
        bpRing = new double[size];
        absRing = new double[size];
        rawDerRing = new double[size];
    }

    private int ms(double millis) {
        return (int) Math.round(millis * fs / 1000.0);
    }

    /** R-peak sample indices of a whole signal: the online detector fed every sample, then finished. */
    public static int[] detect(double[] signal, double fs) {
        QrsDetector d = new QrsDetector(fs);
        d.push(signal, 0, signal.length);
        long[] a = d.takeDetections();
        long[] b = d.finish();
        int[] r = new int[a.length + b.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = (int) a[i];
        }
        for (int i = 0; i < b.length; i++) {
            r[a.length + i] = (int) b[i];
        }
        return r;
    }

    public double samplingFrequency() {
        return fs;
    }

    /** Samples pushed so far. */
    public long samplesPushed() {
        return t + 1;
    }

    /**
     * Upper bound on the delay between a beat's R peak and the push that reports it, in samples:
     * after pushing sample {@code n}, no beat before {@code n - maxLatencySamples()} is reported
     * any more.
     */
    public int maxLatencySamples() {
        return maxLatency;
    }

    /** Delay of the detector's band-passed signal behind the input, samples. */
    int bandpassDelay() {
        return delayBp;
    }

    /** Feeds {@code samples[from, to)}. */
    public void push(double[] samples, int from, int to) {
        for (int i = from; i < to; i++) {
            push(samples[i]);
        }
    }

    /** Feeds one sample; beats it completes are collected for {@link #takeDetections()}. */
    public void push(double x) {
        if (finished) {
            throw new IllegalStateException("detector already finished");
        }
        if (Double.isNaN(x) || Double.isInfinite(x)) {
            throw new IllegalArgumentException("sample " + (t + 1) + " is not finite: " + x);
        }
        step(x);
        lastValue = x;
    }

    /** Beats reported since the last call, in increasing order (sample indices). */
    public long[] takeDetections() {
        long[] r = Arrays.copyOf(out, outCount);
        outCount = 0;
        return r;
    }

    /**
     * Ends the stream: the signal is continued with its last value until every pending decision is
     * made, and the beats reported by that (only those inside the signal) are returned. The detector
     * accepts no samples afterwards.
     */
    public long[] finish() {
        if (!finished) {
            long n = t + 1;
            if (n > 0) {
                double v = lastValue;
                for (int i = 0; i < maxLatency + ms1000; i++) {
                    step(v);
                }
            }
            finished = true;
            // Drop anything located in the padding.
            int k = 0;
            for (int i = 0; i < outCount; i++) {
                if (out[i] < n) {
                    out[k++] = out[i];
                }
            }
            outCount = k;
        }
        return takeDetections();
    }

    private void step(double x) {
        long now = ++t;
        int i = (int) (now & mask);
        rawRing[i] = x;
        // Low-pass: two 25 ms moving averages.
        double s = 0;
        for (int k = 0; k < nLp; k++) {
            s += rawRing[(int) ((now - k) & mask)];
        }
        lp1Ring[i] = s / nLp;
        s = 0;
        for (int k = 0; k < nLp; k++) {
            s += lp1Ring[(int) ((now - k) & mask)];
        }
        lpRing[i] = s / nLp;
        // High-pass: the centre sample minus the 125 ms moving average.
        s = 0;
        for (int k = 0; k < nHp; k++) {
            s += lpRing[(int) ((now - k) & mask)];
        }
        double bp = lpRing[(int) ((now - (nHp - 1) / 2) & mask)] - s / nHp;
        bpRing[i] = bp;
        double der = bp - bpRing[(int) ((now - nDer) & mask)];
        absRing[i] = Math.abs(der);
        rawDerRing[i] = x - rawRing[(int) ((now - nDer) & mask)];
        s = 0;
        for (int k = 0; k < nWin; k++) {
            s += absRing[(int) ((now - k) & mask)];
        }
        double mwi = s / nWin;
        if (now < delayBp + nDer + nWin) {
            // Filters still filling: their start-up transient is no peak.
            lastMwi = mwi;
            return;
        }
        peak(mwi, now);
        lastMwi = mwi;
    }

    /** Hamilton's peak detector on the integral, then the {@value #HOLD_MILLIS} ms hold. */
    private void peak(double mwi, long now) {
        double pk = 0;
        long pkTime = 0;
        if (mwi > lastMwi && mwi > pkMax) {
            pkMax = mwi;
            pkMaxTime = now;
            pkArmed = true;
        } else if (pkArmed && mwi < pkMax / 2) {
            pk = pkMax;
            pkTime = pkMaxTime;
            pkMax = 0;
            pkArmed = false;
        } else if (pkArmed && now - pkMaxTime > ms95) {
            pk = pkMax;
            pkTime = pkMaxTime;
            pkMax = 0;
            pkArmed = false;
        }
        double newPeak = 0;
        long newTime = 0;
        if (pk > 0 && holdCount == 0) {
            heldPeak = pk;
            heldTime = pkTime;
            holdCount = holdLen;
        } else if (pk <= 0 && holdCount > 0) {
            if (--holdCount == 0) {
                newPeak = heldPeak;
                newTime = heldTime;
            }
        } else if (pk > 0) {
            if (pk > heldPeak) {
                heldPeak = pk;
                heldTime = pkTime;
                holdCount = holdLen;
            } else if (--holdCount == 0) {
                newPeak = heldPeak;
                newTime = heldTime;
            }
        }
        if (learning) {
            learn(newPeak, newTime, now);
        } else {
            classify(newPeak, newTime, now);
        }
    }

    private void learn(double peak, long time, long now) {
        if (peak > 0 && learnCount < learnPeaks.length) {
            learnPeaks[learnCount] = peak;
            learnTimes[learnCount++] = time;
            learnMax = Math.max(learnMax, peak);
        }
        if (now >= Math.round(LEARNING_SECONDS * fs) + delayBp + nDer + nWin && learnMax > 0) {
            learning = false;
            Arrays.fill(qrsBuf, learnMax);
            Arrays.fill(noiseBuf, 0);
            Arrays.fill(rrBuf, ms1000);
            qMedian = learnMax;
            nMedian = 0;
            rrMedian = ms1000;
            detThreshold = threshold();
            for (int k = 0; k < learnCount; k++) {
                classifyCandidate(learnPeaks[k], learnTimes[k], learnTimes[k] + holdLen);
            }
            learnCount = 0;
        }
    }

    private double threshold() {
        return nMedian + THRESHOLD * (qMedian - nMedian);
    }

    /** One sample's decisions after learning: the candidate (if any), search-back, re-learning. */
    private void classify(double newPeak, long time, long now) {
        if (newPeak > 0) {
            classifyCandidate(newPeak, time, now);
        }
        if (lastQrsTime != Long.MIN_VALUE && sbPeak > 0) {
            double interval = Math.min(1.5 * rrMedian, searchBackCap);
            if (now - lastClassifiedAt > interval && sbPeak > detThreshold * SEARCH_BACK_FRACTION) {
                acceptQrs(sbPeak, sbTime, sbMaxDer, sbClassifiedAt);
            }
        }
        // Re-learn the thresholds after RELEARN_SECONDS without a QRS, from the one-second maxima.
        if (newPeak > secondMax) {
            secondMax = newPeak;
        }
        if (++secondCount >= ms1000) {
            secondCount = 0;
            resetBuf[resetCount++] = secondMax;
            secondMax = 0;
            if (resetCount == resetBuf.length) {
                resetCount = 0;
                for (int q = 0; q < qrsBuf.length; q++) {
                    qrsBuf[q] = resetBuf[q % resetBuf.length];
                }
                Arrays.fill(noiseBuf, 0);
                qMedian = median(qrsBuf);
                nMedian = 0;
                rrMedian = ms1000;
                Arrays.fill(rrBuf, ms1000);
                detThreshold = threshold();
                sbPeak = 0;
            }
        }
    }

    /** A held integral peak: QRS, T wave, baseline shift or noise. */
    private void classifyCandidate(double newPeak, long time, long now) {
        double[] maxDer = new double[1];
        if (baselineShift(time, maxDer)) {
            return;
        }
        boolean tWave = lastQrsTime != Long.MIN_VALUE && time - lastQrsTime < ms360
                && maxDer[0] < 0.5 * lastMaxDer;
        if (newPeak > detThreshold && !tWave) {
            acceptQrs(newPeak, time, maxDer[0], now);
            return;
        }
        shift(noiseBuf, newPeak);
        nMedian = median(noiseBuf);
        detThreshold = threshold();
        // Early peaks (possible T waves) are no search-back candidates: a T wave can mask a
        // small following QRS.
        if (newPeak > sbPeak && (lastQrsTime == Long.MIN_VALUE || time - lastQrsTime >= ms360)) {
            sbPeak = newPeak;
            sbTime = time;
            sbMaxDer = maxDer[0];
            sbClassifiedAt = now;
        }
    }

    private void acceptQrs(double peak, long time, double maxDer, long classifiedAt) {
        shift(qrsBuf, peak);
        qMedian = median(qrsBuf);
        if (lastQrsTime != Long.MIN_VALUE) {
            shift(rrBuf, time - lastQrsTime);
            rrMedian = median(rrBuf);
        }
        detThreshold = threshold();
        lastQrsTime = time;
        lastClassifiedAt = classifiedAt;
        lastMaxDer = maxDer;
        sbPeak = 0;
        resetCount = 0;
        secondCount = 0;
        secondMax = 0;
        emit(locate(time));
    }


    /**
     * The R peak for an integral peak at {@code time}: the largest absolute deflection of the
     * band-passed signal around the centre of the integration window, moved back to input time.
     */
    private long locate(long time) {
        long centre = time - (nWin - 1) / 2 - nDer / 2;
        long bestHi = centre;
        long bestLo = centre;
        double hi = Double.NEGATIVE_INFINITY;
        double lo = Double.POSITIVE_INFINITY;
        for (long k = centre - locateHalfWidth; k <= centre + locateHalfWidth; k++) {
            if (k < 0 || k > t) {
                continue;
            }
            double a = bpRing[(int) (k & mask)];
            if (a > hi) {
                hi = a;
                bestHi = k;
            }
            if (a < lo) {
                lo = a;
                bestLo = k;
            }
        }
        long best = -lo > hi ? bestLo : bestHi;
        return best - delayBp;
    }

    /**
     * Hamilton's baseline-shift check on the raw derivative around the QRS the integral points at:
     * a QRS has a positive and a negative slope, each at least 1/8 of the other, within 150 ms.
     * Also reports the steepest positive slope for T-wave discrimination.
     */
    private boolean baselineShift(long time, double[] maxDerOut) {
        long centre = time - (nWin - 1) / 2 - nDer / 2 - delayBp;
        double max = 0;
        double min = 0;
        long maxT = centre;
        long minT = centre;
        for (long k = centre - blsHalfWidth; k <= centre + blsHalfWidth; k++) {
            if (k < 0 || k > t) {
                continue;
            }
            double v = rawDerRing[(int) (k & mask)];
            if (v > max) {
                max = v;
                maxT = k;
            } else if (v < min) {
                min = v;
                minT = k;
            }
        }
        maxDerOut[0] = Math.max(max, -min);
        min = -min;
        return !(max > min / 8 && min > max / 8 && Math.abs(maxT - minT) < ms150);
    }

    private void emit(long r) {
        if (r < 0) {
            return;
        }
        if (lastEmitted != Long.MIN_VALUE && r - lastEmitted < ms200) {
            return;
        }
        lastEmitted = r;
        if (outCount == out.length) {
            out = Arrays.copyOf(out, out.length * 2);
        }
        out[outCount++] = r;
    }

    private static void shift(double[] buf, double v) {
        System.arraycopy(buf, 0, buf, 1, buf.length - 1);
        buf[0] = v;
    }

    private static double median(double[] buf) {
        double[] c = buf.clone();
        Arrays.sort(c);
        int n = c.length;
        return n % 2 == 1 ? c[n / 2] : 0.5 * (c[n / 2 - 1] + c[n / 2]);
    }
}
