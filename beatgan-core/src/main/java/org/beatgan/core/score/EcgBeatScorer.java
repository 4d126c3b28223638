package org.beatgan.core.score;

import org.beatgan.core.data.ecg.AamiClass;
import org.beatgan.core.data.ecg.BandpassFilter;
import org.beatgan.core.data.ecg.BeatWindowing;
import org.beatgan.core.data.ecg.DetectorEvaluation;
import org.beatgan.core.data.ecg.EcgRecording;
import org.beatgan.core.data.ecg.Resampler;
import org.beatgan.core.data.ecg.QrsDetector;
import org.beatgan.core.data.wfdb.WfdbAnnotation;
import org.beatgan.core.model.GeneratorInference;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Scores the beats of a new ECG recording with a trained BeatGAN exactly as training prepared its
 * beats: the chosen leads resampled to the model's 360 Hz, band-passed with BeatGAN's zero-phase
 * 3-45 Hz FIR, a {@code [R-140, R+180)} window cut around every beat and min-max scaled, the score
 * being the mean squared reconstruction error of the eval-mode generator.
 *
 * <p>Beats come from the recording's reference annotations when it has them and they are asked for
 * (every beat annotation, WFDB's {@code isqrs}, including the few beat symbols outside BeatGAN's AAMI
 * mapping), otherwise
 * from the built-in R-peak detector run on the first chosen lead (MLII by default) at 360 Hz.
 * Beats whose window would leave the recording are counted, not scored, as in training.
 */
public final class EcgBeatScorer {

    /** The sampling rate BeatGAN's models are trained at (MIT-BIH). */
    public static final double MODEL_FS = 360;

    private static final int SCORE_BATCH = 256;

    private EcgBeatScorer() {
    }

    /** Where beats came from. */
    public enum BeatSource {
        ANNOTATIONS, DETECTOR;

        public String id() {
            return name().toLowerCase();
        }
    }

    /**
     * One beat to score.
     *
     * @param sample    the beat's sample in the recording's own sampling rate
     * @param sample360 the same instant at 360 Hz, where its window is cut
     * @param symbol    the reference annotation symbol, null for detected beats
     * @param aami      the symbol's AAMI class, null when unknown or unannotated
     */
    public record Beat(long sample, long sample360, String symbol, AamiClass aami) {
    }

    /**
     * A recording made ready: its chosen leads at 360 Hz, raw (null once dropped) and filtered, and the
     * beats that fit.
     *
     * @param skippedAtEdges beats whose window leaves the recording (not scored)
     */
    public record Prepared(EcgRecording recording, int[] leads, double[][] raw360, double[][] filtered360,
                           List<Beat> beats, BeatSource source, int skippedAtEdges) {

        /** The same without the raw 360 Hz leads (scoring and plots read the filtered ones): half the memory. */
        public Prepared withoutRaw() {
            return new Prepared(recording, leads, null, filtered360, beats, source, skippedAtEdges);
        }

        /** The chosen leads' names, in model order. */
        public List<String> leadNames() {
            return Arrays.stream(leads).mapToObj(i -> recording.leadNames().get(i)).toList();
        }

        public int nc() {
            return leads.length;
        }

        /** Scaled windows of beats {@code [from, to)} in the model's layout {@code [n][nc][320]}, flattened. */
        public float[] windows(int from, int to) {
            BeatWindowing w = BeatWindowing.BEATGAN;
            int len = w.length();
            float[] out = new float[(to - from) * nc() * len];
            for (int i = from; i < to; i++) {
                int r = (int) beats.get(i).sample360();
                for (int l = 0; l < nc(); l++) {
                    w.extractScaled(filtered360[l], r, out, ((i - from) * nc() + l) * len);
                }
            }
            return out;
        }

        /** One beat's scaled window, {@code [nc][320]}. */
        public float[][] window(int i) {
            float[] flat = windows(i, i + 1);
            int len = BeatWindowing.BEATGAN.length();
            float[][] out = new float[nc()][];
            for (int l = 0; l < nc(); l++) out[l] = Arrays.copyOfRange(flat, l * len, (l + 1) * len);
            return out;
        }
    }

    /**
     * Resamples, filters and finds the beats of {@code rec}.
     *
     * @param leads          lead indices from {@link EcgRecording#selectLeads}
     * @param useAnnotations take the reference annotations as beats (requires an annotated recording)
     */
    public static Prepared prepare(EcgRecording rec, int[] leads, boolean useAnnotations) {
        if (useAnnotations && !rec.annotated()) {
            throw new IllegalArgumentException(rec.name() + " has no reference annotations to take beats from");
        }
        long n360 = rec.fs() == MODEL_FS ? rec.length() : Resampler.forRates(rec.fs(), MODEL_FS).outputLength(rec.length());
        int minimum = 3 * BandpassFilter.beatGanNumTaps(MODEL_FS) + 1;
        if (n360 < minimum) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT,
                    "%s: %d samples (%.2f s at %s Hz) are too few to score; BeatGAN's filter needs at least %d samples at "
                            + "360 Hz (%.2f s), and one beat window is %d samples", rec.name(), rec.length(),
                    rec.durationSeconds(), rec.fs(), minimum, minimum / MODEL_FS, BeatWindowing.BEATGAN.length()));
        }
        double[][] raw = new double[leads.length][];
        double[][] filtered = new double[leads.length][];
        BandpassFilter filter = BandpassFilter.beatGan(MODEL_FS);
        for (int l = 0; l < leads.length; l++) {
            raw[l] = rec.fs() == MODEL_FS ? rec.leads()[leads[l]] : Resampler.resample(rec.leads()[leads[l]], rec.fs(), MODEL_FS);
            filtered[l] = filter.filtfilt(raw[l]);
        }
        int length = raw[0].length;
        BeatWindowing w = BeatWindowing.BEATGAN;
        List<Beat> beats = new ArrayList<>();
        int skipped = 0;
        double ratio = MODEL_FS / rec.fs();
        if (useAnnotations) {
            for (WfdbAnnotation a : rec.annotations()) {
                if (!DetectorEvaluation.isBeat(a.code())) continue;
                AamiClass c = AamiClass.fromSymbol(a.symbol()).orElse(null);
                long s360 = Math.round(a.sample() * ratio);
                if (w.fits(s360, length)) beats.add(new Beat(a.sample(), s360, a.symbol(), c));
                else skipped++;
            }
        } else {
            for (int r : detect(raw[0])) {
                if (w.fits(r, length)) beats.add(new Beat(Math.round(r / ratio), r, null, null));
                else skipped++;
            }
        }
        return new Prepared(rec, leads, raw, filtered, List.copyOf(beats),
                useAnnotations ? BeatSource.ANNOTATIONS : BeatSource.DETECTOR, skipped);
    }

    /** R peaks of a 360 Hz lead by the built-in detector. */
    public static int[] detect(double[] lead360) {
        return QrsDetector.detect(lead360, MODEL_FS);
    }

    /**
     * How the built-in detector does on an annotated recording, and which reference beat each detected
     * beat of {@code detected} is (the nearest reference beat within the standard 150 ms, else none).
     *
     * @param symbols per beat of {@code detected}: the matched reference symbol, null when unmatched
     */
    public record DetectorCheck(DetectorEvaluation.Result figures, String[] symbols) {
    }

    /**
     * Compares the detector on {@code detected}'s first lead (all its detections, also those too near
     * the edges to be scored) with the reference beat annotations, ventricular flutter episodes excluded
     * as the standard comparison does.
     */
    public static DetectorCheck checkDetector(Prepared detected) {
        EcgRecording rec = detected.recording();
        if (!rec.annotated()) {
            throw new IllegalArgumentException(rec.name() + " has no reference annotations to check the detector against");
        }
        double ratio = rec.fs() / MODEL_FS;
        int[] det = Arrays.stream(detect(detected.raw360()[0])).map(r -> (int) Math.round(r * ratio)).toArray();
        int[] ref = DetectorEvaluation.referenceBeats(rec.annotations());
        DetectorEvaluation.Result figures = DetectorEvaluation.compare(rec.name(), ref, det, rec.fs(),
                DetectorEvaluation.flutterEpisodes(rec.annotations(), rec.length()));
        List<WfdbAnnotation> beats = rec.annotations().stream().filter(a -> DetectorEvaluation.isBeat(a.code())).toList();
        long tol = Math.round(DetectorEvaluation.MATCH_WINDOW_SECONDS * rec.fs());
        String[] symbols = new String[detected.beats().size()];
        for (int i = 0; i < symbols.length; i++) {
            long s = detected.beats().get(i).sample();
            int k = Arrays.binarySearch(ref, (int) s);
            int at = k >= 0 ? k : -k - 1;
            int best = -1;
            for (int j = Math.max(0, at - 1); j <= Math.min(ref.length - 1, at); j++) {
                if (Math.abs(ref[j] - s) <= tol && (best < 0 || Math.abs(ref[j] - s) < Math.abs(ref[best] - s))) best = j;
            }
            symbols[i] = best < 0 ? null : beats.get(best).symbol();
        }
        return new DetectorCheck(figures, symbols);
    }

    /** Anomaly score of every prepared beat, in beat order. */
    public static double[] score(GeneratorInference generator, Prepared p) {
        int n = p.beats().size();
        double[] scores = new double[n];
        int len = BeatWindowing.BEATGAN.length();
        for (int from = 0; from < n; from += SCORE_BATCH) {
            int to = Math.min(n, from + SCORE_BATCH);
            float[] x = p.windows(from, to);
            double[] s = generator.scores(Nd4j.create(x, new long[]{to - from, p.nc(), len}, 'c')).toDoubleVector();
            System.arraycopy(s, 0, scores, from, to - from);
        }
        return scores;
    }
}
