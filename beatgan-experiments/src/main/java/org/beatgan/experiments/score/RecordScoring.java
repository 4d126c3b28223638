package org.beatgan.experiments.score;

import org.beatgan.core.data.ecg.AamiClass;
import org.beatgan.core.data.ecg.BeatSet;
import org.beatgan.core.data.ecg.DetectorEvaluation;
import org.beatgan.core.data.ecg.EcgRecording;
import org.beatgan.core.io.AtomicFiles;
import org.beatgan.core.io.Json;
import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.model.GeneratorInference;
import org.beatgan.core.score.BinaryMetrics;
import org.beatgan.core.score.EcgBeatScorer;
import org.beatgan.experiments.report.BeatResidualPlot;
import org.beatgan.experiments.report.RecordStripPlot;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The batch side of {@code ./beatgan score}: scores recordings (or beat arrays) one after the other,
 * collects one row per beat and per-record figures, and writes scores.csv, summary.json and the plots
 * at the end. Every file is written atomically, after all scoring succeeded.
 */
final class RecordScoring {

    static final String SCORES = "scores.csv";
    static final String SUMMARY = "summary.json";
    static final String TOP_BEATS = "top-beats.png";
    static final String STRIPS = "strips";
    /** Seconds of ECG each side of a flagged beat in its strip. */
    private static final double STRIP_HALF_SECONDS = 3.0;

    /** One scored beat with what the plots need to find it again. */
    private record Row(String record, int beat, long sample, double seconds, String symbol, AamiClass aami,
                       double score, boolean flagged, int part, int index) {
    }

    /** A scored input: prepared recording or beat array, kept until the plots are drawn. */
    private record Part(String name, EcgBeatScorer.Prepared prepared, BeatSet beats) {
        float[][] window(int i) {
            if (prepared != null) return prepared.window(i);
            float[][] w = new float[beats.nc()][beats.length()];
            for (int l = 0; l < beats.nc(); l++) {
                for (int t = 0; t < beats.length(); t++) w[l][t] = beats.value(i, l, t);
            }
            return w;
        }
    }

    private final GeneratorInference generator;
    private final ScoreCommand.Threshold threshold;
    private final Path out;
    private final int top;
    private final int strips;
    private final List<Row> rows = new ArrayList<>();
    private final List<Part> parts = new ArrayList<>();
    private final List<Map<String, Object>> records = new ArrayList<>();
    private final List<DetectorEvaluation.Result> detectorResults = new ArrayList<>();
    private double scoringSeconds;

    RecordScoring(BeatGanGraph graph, ScoreCommand.Threshold threshold, Path out, int top, int strips) {
        this.generator = GeneratorInference.of(graph);
        this.threshold = threshold;
        this.out = out;
        this.top = top;
        this.strips = strips;
    }

    /** Scores one recording; {@code source} null: its annotations when it has them, else the detector. */
    void scoreRecording(EcgRecording rec, int[] leads, EcgBeatScorer.BeatSource source) {
        long t0 = System.nanoTime();
        // auto: the reference beats when the record has some (an annotation file may hold only rhythm or
        // noise labels), else the detector
        boolean hasBeats = rec.annotations().stream().anyMatch(a -> DetectorEvaluation.isBeat(a.code()));
        boolean annotations = source == null ? rec.annotated() && hasBeats
                : source == EcgBeatScorer.BeatSource.ANNOTATIONS;
        EcgBeatScorer.Prepared p = EcgBeatScorer.prepare(rec, leads, annotations);
        long t1 = System.nanoTime();
        double[] scores = EcgBeatScorer.score(generator, p);
        long t2 = System.nanoTime();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("record", rec.name());
        r.put("fs", rec.fs());
        r.put("seconds_of_ecg", rec.durationSeconds());
        r.put("leads", java.util.Arrays.stream(leads).mapToObj(i -> rec.leadNames().get(i)).toList());
        r.put("beat_source", p.source().id());
        r.put("beats", p.beats().size());
        r.put("skipped_at_edges", p.skippedAtEdges());
        // detected beats take the symbol of the reference beat they match, so their classes are known too
        String[] symbols = new String[p.beats().size()];
        AamiClass[] classes = new AamiClass[p.beats().size()];
        for (int i = 0; i < symbols.length; i++) {
            symbols[i] = p.beats().get(i).symbol();
            classes[i] = p.beats().get(i).aami();
        }
        if (rec.annotated() && hasBeats) {
            EcgBeatScorer.DetectorCheck d = EcgBeatScorer.checkDetector(
                    p.source() == EcgBeatScorer.BeatSource.DETECTOR ? p : EcgBeatScorer.prepare(rec, leads, false));
            r.put("detector", detectorFigures(d.figures()));
            detectorResults.add(d.figures());
            if (p.source() == EcgBeatScorer.BeatSource.DETECTOR) {
                for (int i = 0; i < symbols.length; i++) {
                    symbols[i] = d.symbols()[i];
                    classes[i] = symbols[i] == null ? null : AamiClass.fromSymbol(symbols[i]).orElse(null);
                }
            }
        }
        int flagged = 0;
        int part = parts.size();
        // kept for the plots at the end: a folder of records must not hold every raw lead twice
        parts.add(new Part(rec.name(), p.withoutRaw(), null));
        for (int i = 0; i < scores.length; i++) {
            EcgBeatScorer.Beat b = p.beats().get(i);
            boolean f = scores[i] >= threshold.value();
            if (f) flagged++;
            rows.add(new Row(rec.name(), i + 1, b.sample(), b.sample() / rec.fs(), symbols[i], classes[i], scores[i], f,
                    part, i));
        }
        r.put("flagged", flagged);
        r.put("prepare_seconds", (t1 - t0) / 1e9);
        r.put("score_seconds", (t2 - t1) / 1e9);
        r.put("beats_per_s", scores.length / Math.max(1e-9, (t2 - t1) / 1e9));
        scoringSeconds += (t2 - t0) / 1e9;
        records.add(r);
    }

    static Map<String, Object> detectorFigures(DetectorEvaluation.Result d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("reference_beats", d.reference());
        m.put("true_positives", d.truePositives());
        m.put("false_positives", d.falsePositives());
        m.put("false_negatives", d.falseNegatives());
        m.put("sensitivity", d.sensitivity());
        m.put("positive_predictivity", d.positivePredictivity());
        m.put("mean_abs_offset_ms", d.meanAbsOffsetMillis());
        m.put("match_window_ms", DetectorEvaluation.MATCH_WINDOW_SECONDS * 1000);
        return m;
    }

    /** Scores an array of already windowed beats; {@code labelled}: their class is known (BeatGAN's file names). */
    void scoreBeats(BeatSet beats, String name, boolean labelled) {
        long t0 = System.nanoTime();
        int n = beats.size();
        double[] scores = new double[n];
        for (int from = 0; from < n; from += 256) {
            int to = Math.min(n, from + 256);
            float[] x = new float[(to - from) * beats.beatSize()];
            for (int i = from; i < to; i++) beats.copyBeat(i, x, (i - from) * beats.beatSize());
            double[] s = generator.scores(Nd4j.create(x, new long[]{to - from, beats.nc(), beats.length()}, 'c'))
                    .toDoubleVector();
            System.arraycopy(s, 0, scores, from, to - from);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        int part = parts.size();
        parts.add(new Part(name, null, beats));
        int flagged = 0;
        for (int i = 0; i < n; i++) {
            boolean f = scores[i] >= threshold.value();
            if (f) flagged++;
            AamiClass c = labelled ? beats.label(i) : null;
            rows.add(new Row(name, i + 1, -1, Double.NaN, null, c, scores[i], f, part, i));
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("record", name);
        r.put("beat_source", "array");
        r.put("beats", n);
        r.put("flagged", flagged);
        r.put("score_seconds", seconds);
        r.put("beats_per_s", n / Math.max(1e-9, seconds));
        scoringSeconds += seconds;
        records.add(r);
    }

    /** Writes every output and returns summary.json's content. */
    Map<String, Object> finish(String modelName) throws IOException {
        Files.createDirectories(out);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("model", modelName);
        summary.put("threshold", threshold.describe());
        summary.put("beats", rows.size());
        long flagged = rows.stream().filter(Row::flagged).count();
        summary.put("flagged", flagged);
        summary.put("seconds", scoringSeconds);
        summary.put("beats_per_s", rows.size() / Math.max(1e-9, scoringSeconds));
        if (!detectorResults.isEmpty()) {
            summary.put("detector", detectorFigures(DetectorEvaluation.pool(detectorResults)));
        }
        Map<String, Object> classes = confusion();
        if (!classes.isEmpty()) summary.put("per_class", classes);
        Map<String, Object> metrics = metrics();
        if (metrics != null) summary.put("metrics", metrics);
        summary.put("records", records);
        summary.put("outputs", writePlots());
        AtomicFiles.writeString(out.resolve(SCORES), csv());
        AtomicFiles.write(out.resolve(SUMMARY), o -> Json.MAPPER.writeValue(o, summary));
        return summary;
    }

    /** Per AAMI class of the known beats: beats, flagged, the flagged fraction. */
    private Map<String, Object> confusion() {
        Map<String, Object> m = new LinkedHashMap<>();
        List<AamiClass> order = new ArrayList<>(AamiClass.AAMI);
        order.add(AamiClass.ABNORMAL);
        for (AamiClass c : order) {
            long n = rows.stream().filter(r -> r.aami() == c).count();
            if (n == 0) continue;
            long f = rows.stream().filter(r -> r.aami() == c && r.flagged()).count();
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("beats", n);
            e.put("flagged", f);
            e.put("not_flagged", n - f);
            e.put(c == AamiClass.N ? "false_alarm_rate" : "detection_rate", (double) f / n);
            m.put(c.name(), e);
        }
        return m;
    }

    /** AUC / AP of normal (N) against anomalous beats among those whose class is known, when both occur. */
    private Map<String, Object> metrics() {
        List<Row> known = rows.stream().filter(r -> r.aami() != null).toList();
        double[] s = known.stream().mapToDouble(Row::score).toArray();
        int[] y = known.stream().mapToInt(r -> r.aami().isAnomaly() ? 1 : 0).toArray();
        int pos = java.util.Arrays.stream(y).sum();
        if (pos == 0 || pos == y.length) return null;
        BinaryMetrics m = BinaryMetrics.of(s, y);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("auc", m.auc());
        out.put("ap", m.ap());
        out.put("best_f1", m.bestF1());
        out.put("beats", y.length);
        out.put("anomalies", pos);
        long tp = known.stream().filter(r -> r.flagged() && r.aami().isAnomaly()).count();
        long fp = known.stream().filter(r -> r.flagged() && !r.aami().isAnomaly()).count();
        out.put("sensitivity_at_threshold", (double) tp / pos);
        out.put("false_alarm_rate_at_threshold", (double) fp / (y.length - pos));
        out.put("precision_at_threshold", tp + fp == 0 ? Double.NaN : (double) tp / (tp + fp));
        return out;
    }

    private String csv() {
        StringBuilder sb = new StringBuilder("record,beat,sample,time_s,symbol,aami,score,flagged\n");
        for (Row r : rows) {
            sb.append(r.record()).append(',').append(r.beat()).append(',')
                    .append(r.sample() < 0 ? "" : Long.toString(r.sample())).append(',')
                    .append(Double.isNaN(r.seconds()) ? "" : String.format(Locale.ROOT, "%.3f", r.seconds())).append(',')
                    .append(r.symbol() == null ? "" : r.symbol()).append(',')
                    .append(r.aami() == null ? "" : r.aami().name()).append(',')
                    .append(String.format(Locale.ROOT, "%.6g", r.score())).append(',')
                    .append(r.flagged() ? 1 : 0).append('\n');
        }
        return sb.toString();
    }

    /** top-beats.png and strips/*.png; returns the files written. */
    private List<String> writePlots() throws IOException {
        List<String> files = new ArrayList<>();
        List<Row> ranked = rows.stream().sorted(Comparator.comparingDouble(Row::score).reversed()).toList();
        if (top > 0 && !ranked.isEmpty()) {
            List<Row> chosen = ranked.subList(0, Math.min(top, ranked.size()));
            float[][][] inputs = new float[chosen.size()][][];
            for (int i = 0; i < chosen.size(); i++) {
                inputs[i] = parts.get(chosen.get(i).part()).window(chosen.get(i).index());
            }
            int nc = inputs[0].length;
            int len = inputs[0][0].length;
            float[] flat = new float[chosen.size() * nc * len];
            for (int i = 0; i < chosen.size(); i++) {
                for (int l = 0; l < nc; l++) System.arraycopy(inputs[i][l], 0, flat, (i * nc + l) * len, len);
            }
            INDArray rec = generator.reconstruct(Nd4j.create(flat, new long[]{chosen.size(), nc, len}, 'c'));
            List<BeatResidualPlot.Beat> beats = new ArrayList<>();
            for (int i = 0; i < chosen.size(); i++) {
                Row r = chosen.get(i);
                float[][] x = new float[nc][];
                for (int l = 0; l < nc; l++) {
                    x[l] = rec.slice(i).slice(l).toFloatVector();
                }
                beats.add(new BeatResidualPlot.Beat(title(r), inputs[i], x));
            }
            BeatResidualPlot.write(out.resolve(TOP_BEATS), "Most anomalous beats (threshold "
                    + String.format(Locale.ROOT, "%.4g", threshold.value()) + ")", beats);
            files.add(TOP_BEATS);
        }
        // most anomalous flagged beats first, but never two in one strip: a run of PVCs would fill every strip
        List<Row> flaggedRecordBeats = new ArrayList<>();
        for (Row r : ranked) {
            if (flaggedRecordBeats.size() >= strips) break;
            if (!r.flagged() || parts.get(r.part()).prepared() == null) continue;
            boolean near = flaggedRecordBeats.stream().anyMatch(o -> o.part() == r.part()
                    && Math.abs(o.seconds() - r.seconds()) < 2 * STRIP_HALF_SECONDS);
            if (!near) flaggedRecordBeats.add(r);
        }
        if (!flaggedRecordBeats.isEmpty()) {
            Files.createDirectories(out.resolve(STRIPS));
        }
        for (Row r : flaggedRecordBeats) {
            EcgBeatScorer.Prepared p = parts.get(r.part()).prepared();
            double[] lead = p.filtered360()[0];
            long centre = p.beats().get(r.index()).sample360();
            int half = (int) Math.round(STRIP_HALF_SECONDS * EcgBeatScorer.MODEL_FS);
            int from = (int) Math.max(0, centre - half);
            int to = (int) Math.min(lead.length, centre + half);
            List<RecordStripPlot.Mark> marks = new ArrayList<>();
            for (Row o : rows) {
                if (o.part() != r.part()) continue;
                long s = p.beats().get(o.index()).sample360();
                if (s >= from && s < to) {
                    marks.add(new RecordStripPlot.Mark(s, (o.symbol() == null ? "" : o.symbol() + " ")
                            + String.format(Locale.ROOT, "%.3g", o.score()), o.flagged()));
                }
            }
            String file = STRIPS + "/" + r.record() + "-beat-" + r.beat() + ".png";
            RecordStripPlot.write(out.resolve(file), title(r) + " (filtered " + p.recording().leadNames().get(p.leads()[0])
                    + ", 360 Hz)", java.util.Arrays.copyOfRange(lead, from, to), EcgBeatScorer.MODEL_FS, from, marks);
            files.add(file);
        }
        return files;
    }

    private static String title(Row r) {
        StringBuilder t = new StringBuilder(r.record()).append(" beat ").append(r.beat());
        if (!Double.isNaN(r.seconds())) t.append(String.format(Locale.ROOT, " at %.1f s", r.seconds()));
        if (r.symbol() != null) t.append(" '").append(r.symbol()).append('\'');
        else if (r.aami() != null) t.append(' ').append(r.aami().name());
        t.append(String.format(Locale.ROOT, ", score %.4g", r.score()));
        return t.toString();
    }
}
