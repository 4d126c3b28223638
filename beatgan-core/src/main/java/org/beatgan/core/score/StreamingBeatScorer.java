package org.beatgan.core.score;

import org.beatgan.core.data.ecg.BeatWindowing;
import org.beatgan.core.data.ecg.QrsDetector;
import org.beatgan.core.data.ecg.Resampler;
import org.beatgan.core.data.ecg.StreamingBandpass;
import org.beatgan.core.data.ecg.StreamingResampler;
import org.beatgan.core.model.GeneratorInference;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link EcgBeatScorer} for samples that arrive one frame (one sample per lead) at a time: each lead
 * is resampled to 360 Hz and band-passed by streaming versions of the batch filters, the first lead
 * feeds the online R-peak detector, and a beat is scored the moment its {@code [R-140, R+180)}
 * window of filtered samples is complete. Because every stage equals its batch form on the whole
 * signal (resampler, zero-phase filter, detector) and the end of the stream is handled as the batch
 * path handles the end of a record, a finished stream yields the same beats with the same scores as
 * {@link EcgBeatScorer} on the whole recording (scores up to float rounding: one beat per forward
 * pass instead of batches).
 *
 * <p>Delay: a beat is scored once the detector has reported it (typically 0.3-0.45 s after its R peak,
 * at most {@link QrsDetector#maxLatencySamples()}) and the filtered signal reaches 180 samples past
 * R (0.5 s, plus the filter's own 0.3 s), so about 0.8 s after the R peak in normal rhythm; the
 * computation itself is one generator pass per beat.
 */
public final class StreamingBeatScorer {

    /**
     * One beat scored.
     *
     * @param number    1-based beat number in the stream
     * @param sample    its R peak in input samples (the stream's own rate)
     * @param sample360 its R peak at 360 Hz
     * @param seconds   time of the R peak from the start of the stream
     * @param computeNanos time spent in the push that completed it, from its window's last sample to its score
     */
    public record ScoredBeat(int number, long sample, long sample360, double seconds, double score, boolean flagged,
                             long computeNanos) {
    }

    private final GeneratorInference generator;
    private final int nc;
    private final double fs;
    private final double threshold;
    private final StreamingResampler[] resamplers;
    private final StreamingBandpass[] bandpass;
    private final QrsDetector detector;
    private final BeatWindowing window = BeatWindowing.BEATGAN;
    /** Filtered 360 Hz samples per lead; sample i at {@code ring[l][i & mask]}. */
    private final double[][] ring;
    private final int mask;
    private long filtered;
    private final ArrayDeque<Long> pending = new ArrayDeque<>();
    private int beats;
    private int skipped;
    private boolean finished;

    public StreamingBeatScorer(GeneratorInference generator, int nc, double fs, double threshold) {
        if (nc != generator.config().nc()) {
            throw new IllegalArgumentException("the model reads " + generator.config().nc() + " leads, the stream has "
                    + nc);
        }
        this.generator = generator;
        this.nc = nc;
        this.fs = fs;
        this.threshold = threshold;
        Resampler design = fs == EcgBeatScorer.MODEL_FS ? null : Resampler.forRates(fs, EcgBeatScorer.MODEL_FS);
        resamplers = new StreamingResampler[nc];
        bandpass = new StreamingBandpass[nc];
        for (int l = 0; l < nc; l++) {
            resamplers[l] = design == null ? null : new StreamingResampler(design);
            bandpass[l] = StreamingBandpass.beatGan(EcgBeatScorer.MODEL_FS);
        }
        detector = new QrsDetector(EcgBeatScorer.MODEL_FS);
        // filtered samples must reach back from the newest one past the oldest beat not yet scored
        int keep = detector.maxLatencySamples() + window.length() + bandpass[0].latencySamples() + 4096;
        int size = Integer.highestOneBit(keep) * 2;
        ring = new double[nc][size];
        mask = size - 1;
    }

    /** Beats that could not be scored because their window starts before the stream or ends after it. */
    public int skippedAtEdges() {
        return skipped;
    }

    /** Feeds one frame (one sample per lead, in the model's lead order); returns the beats it completes. */
    public List<ScoredBeat> push(double[] frame) {
        if (finished) throw new IllegalStateException("stream already finished");
        if (frame.length != nc) {
            throw new IllegalArgumentException("frame of " + frame.length + " values, expected " + nc + " (one per lead)");
        }
        long t0 = System.nanoTime();
        for (int l = 0; l < nc; l++) {
            if (!Double.isFinite(frame[l])) {
                throw new IllegalArgumentException("sample " + (detector.samplesPushed()) + " of lead " + l + " is "
                        + frame[l] + "; samples must be finite");
            }
        }
        if (resamplers[0] == null) {
            accept360(frame);
        } else {
            double[][] r = new double[nc][];
            for (int l = 0; l < nc; l++) r[l] = resamplers[l].push(frame[l]);
            for (int k = 0; k < r[0].length; k++) {
                double[] f = new double[nc];
                for (int l = 0; l < nc; l++) f[l] = r[l][k];
                accept360(f);
            }
        }
        return emit(false, t0);
    }

    /** Ends the stream and returns the beats still waiting (as the batch path treats the record's end). */
    public List<ScoredBeat> finish() {
        if (finished) return List.of();
        long t0 = System.nanoTime();
        if (resamplers[0] != null) {
            double[][] r = new double[nc][];
            for (int l = 0; l < nc; l++) r[l] = resamplers[l].flush();
            for (int k = 0; k < r[0].length; k++) {
                double[] f = new double[nc];
                for (int l = 0; l < nc; l++) f[l] = r[l][k];
                accept360(f);
            }
        }
        finished = true;
        for (long r : detector.finish()) pending.add(r);
        double[][] rest = new double[nc][];
        for (int l = 0; l < nc; l++) rest[l] = bandpass[l].flush();
        store(rest);
        return emit(true, t0);
    }

    private void accept360(double[] frame) {
        detector.push(frame[0]);
        for (long r : detector.takeDetections()) pending.add(r);
        double[][] out = new double[nc][];
        for (int l = 0; l < nc; l++) out[l] = bandpass[l].push(frame[l]);
        store(out);
    }

    private void store(double[][] out) {
        for (int k = 0; k < out[0].length; k++) {
            for (int l = 0; l < nc; l++) ring[l][(int) ((filtered + k) & mask)] = out[l][k];
        }
        filtered += out[0].length;
    }

    /** Scores every pending beat whose window is complete; at the end, drops those that cannot be. */
    private List<ScoredBeat> emit(boolean end, long t0) {
        List<ScoredBeat> done = new ArrayList<>();
        while (!pending.isEmpty()) {
            long r = pending.peekFirst();
            if (r - window.left() < 0) {
                pending.removeFirst();
                skipped++;
                continue;
            }
            // the batch rule R + right < length: one filtered sample past the window must exist
            if (r + window.right() >= filtered) {
                if (end) {
                    pending.removeFirst();
                    skipped++;
                    continue;
                }
                break;
            }
            pending.removeFirst();
            if (filtered - (r - window.left()) > ring[0].length) {
                throw new IllegalStateException("beat at " + r + " fell out of the stream buffer");
            }
            done.add(score(r, t0));
        }
        return done;
    }

    private ScoredBeat score(long r, long t0) {
        int len = window.length();
        float[] x = new float[nc * len];
        double[] w = new double[len];
        for (int l = 0; l < nc; l++) {
            for (int t = 0; t < len; t++) w[t] = ring[l][(int) ((r - window.left() + t) & mask)];
            BeatWindowing.scaleMinMax(w, 0, len, x, l * len);
        }
        double s = generator.scores(Nd4j.create(x, new long[]{1, nc, len}, 'c')).getDouble(0);
        beats++;
        long sample = fs == EcgBeatScorer.MODEL_FS ? r : Math.round(r * fs / EcgBeatScorer.MODEL_FS);
        return new ScoredBeat(beats, sample, r, sample / fs, s, s >= threshold, System.nanoTime() - t0);
    }
}
