package org.beatgan.core.data.ecg;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.beatgan.core.data.wfdb.AnnotationCodes;
import org.beatgan.core.data.wfdb.WfdbAnnotation;
import org.beatgan.core.data.wfdb.WfdbRecord;
import org.beatgan.core.data.wfdb.WfdbRecordReader;

/**
 * Beat-by-beat comparison of R-peak detections with reference beat annotations, per record and
 * pooled, in the terms QRS-detector papers report: true positives, false positives, false
 * negatives, sensitivity {@code Se = TP / (TP + FN)} and positive predictivity
 * {@code +P = TP / (TP + FP)}.
 *
 * <p>Conventions, chosen to match the literature (ANSI/AAMI EC57 and the WFDB {@code bxb} tool):
 * <ul>
 *   <li>Reference beats are the annotations WFDB's {@code isqrs} counts as QRS complexes: every
 *       beat code, i.e. {@code N L R a V F J A S E j / Q e n f B ? r}; rhythm, noise, artefact and
 *       wave annotations ({@code + ~ | " [ ] ! x p t u ...}) are not beats. In particular {@code !}
 *       (ventricular flutter wave) and {@code x} (non-conducted P wave) are not beats.</li>
 *   <li>A detection matches the nearest still unmatched reference beat within
 *       {@value #MATCH_WINDOW_SECONDS} s; detections are taken in time order. Unmatched detections
 *       are false positives, unmatched reference beats false negatives.</li>
 *   <li>The whole record is scored (no learning period is excluded, which is stricter than EC57).
 *       Optionally, as EC57 prescribes, the ventricular flutter/fibrillation episodes (between the
 *       {@code [} and {@code ]} annotations) are left out: neither detections nor reference beats
 *       inside them count.</li>
 * </ul>
 * The offset of each matched detection to its reference sample is recorded too, because beats are
 * later windowed around the detected sample exactly as around the reference one: a detector that
 * finds every beat 20 ms late shifts every window.
 */
public final class DetectorEvaluation {

    /** Matching window of the standard comparison, seconds (either side). */
    public static final double MATCH_WINDOW_SECONDS = 0.150;

    /** WFDB's {@code isqrs} annotation codes (the QRS table of the WFDB library's ecgmap.h). */
    private static final Set<Integer> QRS_CODES = Set.of(
            AnnotationCodes.NORMAL, AnnotationCodes.LBBB, AnnotationCodes.RBBB, AnnotationCodes.ABERR,
            AnnotationCodes.PVC, AnnotationCodes.FUSION, AnnotationCodes.NPC, AnnotationCodes.APC,
            AnnotationCodes.SVPB, AnnotationCodes.VESC, AnnotationCodes.NESC, AnnotationCodes.PACE,
            AnnotationCodes.UNKNOWN, AnnotationCodes.BBB, AnnotationCodes.LEARN, AnnotationCodes.AESC,
            AnnotationCodes.SVESC, AnnotationCodes.PFUS, AnnotationCodes.RONT);

    /**
     * Comparison of one record (or, from {@link #pool(List)}, of several).
     *
     * @param record             record name ("pooled" for the sum)
     * @param reference          reference beats compared
     * @param truePositives      detections matched to a reference beat
     * @param falsePositives     detections matched to none
     * @param falseNegatives     reference beats matched by no detection
     * @param sumAbsOffset       sum over matches of |detection - reference|, seconds
     * @param sumOffset          sum over matches of (detection - reference), seconds
     */
    public record Result(String record, int reference, int truePositives, int falsePositives,
                         int falseNegatives, double sumAbsOffset, double sumOffset) {

        /** {@code TP / (TP + FN)}; 1 when there is no reference beat. */
        public double sensitivity() {
            int d = truePositives + falseNegatives;
            return d == 0 ? 1.0 : (double) truePositives / d;
        }

        /** {@code TP / (TP + FP)}; 1 when there is no detection. */
        public double positivePredictivity() {
            int d = truePositives + falsePositives;
            return d == 0 ? 1.0 : (double) truePositives / d;
        }

        /** Mean |detection - reference| over matched beats, milliseconds. */
        public double meanAbsOffsetMillis() {
            return truePositives == 0 ? 0 : 1000 * sumAbsOffset / truePositives;
        }

        /** Mean (detection - reference) over matched beats, milliseconds (positive: late). */
        public double meanOffsetMillis() {
            return truePositives == 0 ? 0 : 1000 * sumOffset / truePositives;
        }
    }

    private DetectorEvaluation() {
    }

    /** Whether an annotation code is a beat (WFDB's {@code isqrs}). */
    public static boolean isBeat(int code) {
        return QRS_CODES.contains(code);
    }

    /** Sample indices of the beat annotations, in order. */
    public static int[] referenceBeats(List<WfdbAnnotation> annotations) {
        return annotations.stream().filter(a -> isBeat(a.code())).mapToInt(a -> (int) a.sample()).toArray();
    }

    /**
     * Ventricular flutter/fibrillation episodes, {@code [start, end)} sample pairs from the
     * {@code [} and {@code ]} annotations (an episode still open at the end runs to
     * {@code length}).
     */
    public static List<long[]> flutterEpisodes(List<WfdbAnnotation> annotations, long length) {
        List<long[]> out = new ArrayList<>();
        long start = -1;
        for (WfdbAnnotation a : annotations) {
            if (a.code() == AnnotationCodes.VFON && start < 0) {
                start = a.sample();
            } else if (a.code() == AnnotationCodes.VFOFF && start >= 0) {
                out.add(new long[] {start, a.sample() + 1});
                start = -1;
            }
        }
        if (start >= 0) {
            out.add(new long[] {start, length});
        }
        return out;
    }

    /**
     * Compares sorted detections with sorted reference beats.
     *
     * @param fs       sampling rate of both, Hz (for the matching window and the offsets)
     * @param excluded {@code [start, end)} sample ranges in which nothing is counted (may be empty)
     */
    public static Result compare(String record, int[] reference, int[] detections, double fs, List<long[]> excluded) {
        int[] ref = without(reference, excluded);
        int[] det = without(detections, excluded);
        int tol = (int) Math.round(MATCH_WINDOW_SECONDS * fs);
        boolean[] used = new boolean[ref.length];
        int tp = 0;
        double sumAbs = 0;
        double sum = 0;
        int lo = 0;
        for (int d : det) {
            while (lo < ref.length && ref[lo] < d - tol) {
                lo++;
            }
            int best = -1;
            for (int j = lo; j < ref.length && ref[j] <= d + tol; j++) {
                if (!used[j] && (best < 0 || Math.abs(ref[j] - d) < Math.abs(ref[best] - d))) {
                    best = j;
                }
            }
            if (best >= 0) {
                used[best] = true;
                tp++;
                sumAbs += Math.abs(d - ref[best]) / fs;
                sum += (d - ref[best]) / fs;
            }
        }
        return new Result(record, ref.length, tp, det.length - tp, ref.length - tp, sumAbs, sum);
    }

    private static int[] without(int[] samples, List<long[]> excluded) {
        if (excluded.isEmpty()) {
            return samples;
        }
        return java.util.Arrays.stream(samples).filter(s -> {
            for (long[] e : excluded) {
                if (s >= e[0] && s < e[1]) {
                    return false;
                }
            }
            return true;
        }).toArray();
    }

    /** The sum of several comparisons (Se and +P of the pooled counts, offsets over all matches). */
    public static Result pool(List<Result> results) {
        int ref = 0;
        int tp = 0;
        int fp = 0;
        int fn = 0;
        double abs = 0;
        double off = 0;
        for (Result r : results) {
            ref += r.reference();
            tp += r.truePositives();
            fp += r.falsePositives();
            fn += r.falseNegatives();
            abs += r.sumAbsOffset();
            off += r.sumOffset();
        }
        return new Result("pooled", ref, tp, fp, fn, abs, off);
    }

    /**
     * Runs {@link QrsDetector} on one lead of a WFDB record (MLII when present, see
     * {@link MitBihBeatDataset#leadOrder}) and compares it with the record's reference annotations.
     */
    public static Result evaluateRecord(Path dir, String record, boolean excludeFlutter) throws IOException {
        WfdbRecord rec = WfdbRecordReader.read(dir, record);
        int lead = MitBihBeatDataset.leadOrder(rec.header())[0];
        double fs = rec.header().samplingFrequency();
        int[] detections = QrsDetector.detect(rec.physicalDouble(lead), fs);
        List<long[]> excluded = excludeFlutter ? flutterEpisodes(rec.annotations(), rec.length()) : List.of();
        return compare(record, referenceBeats(rec.annotations()), detections, fs, excluded);
    }

    /** {@link #evaluateRecord} for each record, in parallel, results in the order given. */
    public static List<Result> evaluate(Path dir, List<String> records, boolean excludeFlutter) throws IOException {
        try {
            return records.parallelStream().map(r -> {
                try {
                    return evaluateRecord(dir, r, excludeFlutter);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).toList();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** A fixed-width table of the results, one line per record and a pooled line at the end. */
    public static String table(List<Result> results) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-8s %7s %7s %5s %5s %8s %8s %9s %9s%n",
                "record", "beats", "TP", "FP", "FN", "Se %", "+P %", "|off| ms", "off ms"));
        for (Result r : results) {
            line(sb, r);
        }
        line(sb, pool(results));
        return sb.toString();
    }

    private static void line(StringBuilder sb, Result r) {
        sb.append(String.format(Locale.ROOT, "%-8s %7d %7d %5d %5d %8.3f %8.3f %9.2f %9.2f%n", r.record(),
                r.reference(), r.truePositives(), r.falsePositives(), r.falseNegatives(), 100 * r.sensitivity(),
                100 * r.positivePredictivity(), r.meanAbsOffsetMillis(), r.meanOffsetMillis()));
    }
}
