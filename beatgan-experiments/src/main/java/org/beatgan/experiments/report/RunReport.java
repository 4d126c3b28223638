package org.beatgan.experiments.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import org.beatgan.core.config.DataConfig;
import org.beatgan.core.config.ExperimentConfig;
import org.beatgan.core.data.ExperimentData;
import org.beatgan.core.data.ecg.AamiClass;
import org.beatgan.core.data.ecg.BeatSet;
import org.beatgan.core.io.AtomicFiles;
import org.beatgan.core.io.Json;
import org.beatgan.core.io.ModelBundle;
import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.model.GeneratorInference;
import org.beatgan.core.score.AnomalyScorer;
import org.beatgan.core.score.BinaryMetrics;
import org.beatgan.core.score.ScoringConfig;
import org.beatgan.core.train.TrainingRun;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@code ./beatgan report}: one Markdown report with PNG plots for a train / distill run folder
 * (loss and validation curves, ROC / PR, score histograms per AAMI class, beats with their
 * reconstruction and residual) or for an experiment folder (comparison table, overlaid validation
 * AUC, links to the runs). See docs/report.md.
 */
public final class RunReport {

    /** File name of the report, beside the experiment's own report.md. */
    public static final String REPORT = "run-report.md";
    private static final String CONFIG = "experiment.yaml";
    private static final String EXPERIMENT_REPORT_JSON = "report.json";

    /**
     * @param evalLimit at most this many test beats, stratified by class (0: the run's own data setting)
     * @param beats     beats drawn with reconstruction and residual (0: none)
     */
    public record Options(int evalLimit, int beats) {
        public Options {
            if (evalLimit < 0) throw new IllegalArgumentException("--eval-limit must be >= 0 (0 = the run's own), got " + evalLimit);
            if (beats < 0) throw new IllegalArgumentException("--beats must be >= 0, got " + beats);
        }
    }

    /** What was written: the report and the PNGs beside it. */
    public record Written(Path report, List<Path> images, boolean experiment) {
    }

    private final Path out;
    private final Options options;
    private final List<Path> images = new ArrayList<>();
    private final StringBuilder md = new StringBuilder();

    private RunReport(Path out, Options options) {
        this.out = out.toAbsolutePath().normalize();
        this.options = options;
    }

    /** A run folder (holds epochs.jsonl) or an experiment folder (run subfolders) into {@code out}. */
    public static Written write(Path folder, Path out, Options options) throws IOException {
        Path dir = folder.toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(folder.toString(), null, "expected a run or experiment folder");
        }
        RunReport r = new RunReport(out == null ? dir : out, options);
        Files.createDirectories(r.out);
        boolean experiment;
        if (Files.exists(dir.resolve(TrainingRun.EPOCHS))) {
            r.run(dir);
            experiment = false;
        } else {
            List<Path> runs = runFolders(dir);
            if (runs.isEmpty()) {
                throw new IllegalArgumentException(folder + ": neither a run folder (no " + TrainingRun.EPOCHS
                        + ") nor an experiment folder (no subfolder holds " + TrainingRun.EPOCHS + ")");
            }
            r.experiment(dir, runs);
            experiment = true;
        }
        Path report = r.out.resolve(REPORT);
        AtomicFiles.writeString(report, r.md.toString());
        return new Written(report, List.copyOf(r.images), experiment);
    }

    /** Subfolders (up to 4 levels down) holding epochs.jsonl, in path order. */
    static List<Path> runFolders(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir, 5)) {
            return s.filter(p -> p.getFileName().toString().equals(TrainingRun.EPOCHS) && Files.isRegularFile(p))
                    .map(Path::getParent).filter(p -> !p.equals(dir)).sorted().toList();
        }
    }

    // ------------------------------------------------------------------ run folder

    private void run(Path run) throws IOException {
        long start = System.nanoTime();
        List<JsonNode> epochs = epochs(run);
        JsonNode metrics = optionalJson(run.resolve(TrainingRun.METRICS), "the run's test metrics (a JSON object)");
        Path cfgFile = run.resolve(CONFIG);
        ExperimentConfig cfg = Files.exists(cfgFile) ? config(cfgFile) : null;
        Path model = run.resolve(TrainingRun.MODEL);

        String name = run.getFileName().toString();
        if (name.startsWith("seed-") && run.getParent() != null && run.getParent().getFileName() != null) {
            name = run.getParent().getFileName() + "/" + name;
        }
        md.append("# Run report: ").append(name).append("\n\n");
        md.append("Run folder: [`").append(display(run)).append("`](").append(link(run)).append(")");
        if (cfg != null) {
            md.append(" · config: [experiment.yaml](").append(link(cfgFile)).append(")");
        }
        md.append("\n\n");
        describeConfig(cfg, metrics);
        describeMetrics(metrics);

        md.append("## Training curves\n\n");
        md.append(epochs.size()).append(" epoch records in [epochs.jsonl](").append(link(run.resolve(TrainingRun.EPOCHS)))
                .append(")");
        int best = bestEpoch(epochs, metrics);
        if (best > 0) md.append("; best epoch (by validation AUC) ").append(best);
        md.append(".\n\n");
        lossCurves(epochs);
        validationCurves(epochs, best);

        Scored scored = null;
        String skipped = null;
        if (!Files.exists(model)) {
            skipped = "No `model.zip` in the run folder: the test scores, their histograms and the beat plots are "
                    + "left out; the curves above come from the logs only.";
        } else {
            scored = score(run, model, cfg, metrics);
        }
        curves(run, scored);
        if (scored != null) {
            histograms(scored);
            beats(scored);
        } else {
            md.append("> **Note:** ").append(skipped).append("\n\n");
        }
        epochTable(epochs);
        md.append(String.format(Locale.ROOT, "\n---\nWritten by `./beatgan report` in %.1f s.\n",
                (System.nanoTime() - start) / 1e9));
    }

    private void describeConfig(ExperimentConfig cfg, JsonNode metrics) throws JsonProcessingException {
        if (cfg == null) {
            md.append("No `experiment.yaml` in the run folder: settings unknown.\n\n");
            return;
        }
        var m = cfg.model();
        var t = cfg.training();
        DataConfig d = cfg.data();
        md.append("| setting | value |\n|---|---|\n");
        md.append("| name | ").append(cell(cfg.name())).append(" |\n");
        md.append(String.format(Locale.ROOT, "| model | nc %d, isize %d, nz %d, ngf %d, ndf %d |%n", m.nc(), m.isize(),
                m.nz(), m.ngf(), m.ndf()));
        md.append("| training | ").append(t.epochs()).append(" epochs, batch ").append(t.batchSize()).append(", lr ")
                .append(t.lr()).append(", seed ").append(t.seed()).append(" |\n");
        md.append("| data | ").append(d.path() == null ? "shipped MIT-BIH" : "`" + d.path() + "`").append(", protocol ")
                .append(d.protocol()).append(", fold ").append(d.fold()).append(", train limit ")
                .append(d.trainLimit() == 0 ? "all" : d.trainLimit()).append(", eval limit ")
                .append(d.evalLimit() == 0 ? "all" : d.evalLimit()).append(", seed ").append(d.seed()).append(" |\n");
        md.append("| scoring | ").append(cfg.scoring().mode().id()).append(" |\n");
        if (cfg.distill() != null && cfg.distill().path("terms").size() > 0) {
            List<String> terms = new ArrayList<>();
            for (JsonNode term : cfg.distill().path("terms")) {
                String name = term.path("name").asText(term.path("loss").asText());
                terms.add(name + " (" + term.path("loss").asText() + ", weight " + term.path("weight").asText() + ")");
            }
            md.append("| distillation terms | ").append(cell(String.join(", ", terms))).append(" |\n");
        }
        if (cfg.experiment() != null && cfg.experiment().has("teacher")) {
            JsonNode teacher = cfg.experiment().get("teacher");
            md.append("| teacher | ").append(cell(teacher.isTextual() ? teacher.asText() : Json.COMPACT.writeValueAsString(teacher)))
                    .append(" |\n");
        }
        md.append('\n');
    }

    private void describeMetrics(JsonNode metrics) {
        if (metrics == null) {
            md.append("No `metrics.json` (the run did not finish, or was not evaluated): the test metrics below are "
                    + "recomputed from `model.zip`.\n\n");
            return;
        }
        JsonNode t = metrics.path("test");
        md.append("## Test metrics (metrics.json)\n\n| test AUC | test AP | test best F1 | threshold | beats | params G | params D | best epoch | epochs |\n");
        md.append("|---|---|---|---|---|---|---|---|---|\n");
        md.append("| ").append(num(t.path("auc"), "%.4f")).append(" | ").append(num(t.path("ap"), "%.4f")).append(" | ")
                .append(num(t.path("best_f1"), "%.4f")).append(" | ").append(num(t.path("threshold"), "%.5g"))
                .append(" | ").append(t.path("beats").asText("")).append(" | ")
                .append(count(metrics.path("params").path("G"))).append(" | ")
                .append(count(metrics.path("params").path("D"))).append(" | ")
                .append(metrics.path("best_epoch").asText("")).append(" | ")
                .append(metrics.path("epochs").asText("")).append(metrics.path("stopped_early").asBoolean() ? " (stopped early)" : "")
                .append(" |\n\n");
    }

    private static int bestEpoch(List<JsonNode> epochs, JsonNode metrics) {
        if (metrics != null && metrics.path("best_epoch").isInt()) return metrics.path("best_epoch").asInt();
        int best = -1;
        double bestAuc = Double.NEGATIVE_INFINITY;
        for (JsonNode e : epochs) {
            double auc = e.path("val_auc").asDouble(Double.NaN);
            if (Double.isFinite(auc) && auc > bestAuc) {
                bestAuc = auc;
                best = e.path("epoch").asInt(-1);
            }
        }
        return best;
    }

    private void lossCurves(List<JsonNode> epochs) throws IOException {
        Set<String> keys = new LinkedHashSet<>();
        for (JsonNode e : epochs) {
            e.fieldNames().forEachRemaining(k -> {
                if ((k.startsWith("loss_") || k.startsWith("distill_")) && e.get(k).isNumber()) keys.add(k);
            });
        }
        if (keys.isEmpty()) {
            md.append("No loss terms (`loss_*`, `distill_*`) in the epoch records.\n\n");
            return;
        }
        Map<String, double[][]> series = new LinkedHashMap<>();
        boolean positive = true;
        double lo = Double.POSITIVE_INFINITY, hi = 0;
        for (String k : keys) {
            double[][] xy = series(epochs, k);
            series.put(k, xy);
            for (double v : xy[1]) {
                positive &= v > 0;
                lo = Math.min(lo, Math.abs(v));
                hi = Math.max(hi, Math.abs(v));
            }
        }
        boolean log = positive && hi / lo > 50;
        lineChart("losses.png", "Training losses per epoch" + (log ? " (log scale)" : ""), "epoch",
                "loss (epoch mean)", series, log, null);
        md.append("![losses](losses.png)\n\n");
        md.append("Every loss term of the epoch records: ").append(String.join(", ", keys.stream().map(k -> "`" + k + "`").toList()))
                .append(keys.stream().anyMatch(k -> k.startsWith("distill_"))
                        ? " (`distill_<term>` raw, `distill_<term>_weighted` times its weight)" : "")
                .append(log ? "; log y axis (the terms span " + String.format(Locale.ROOT, "%.0fx", hi / lo) + ")" : "")
                .append(".\n\n");
    }

    private void validationCurves(List<JsonNode> epochs, int best) throws IOException {
        Map<String, double[][]> series = new LinkedHashMap<>();
        for (String k : new String[]{"val_auc", "val_ap", "val_auc_eval", "val_ap_eval"}) {
            double[][] xy = series(epochs, k);
            if (xy[0].length > 0) series.put(k, xy);
        }
        if (series.isEmpty()) {
            md.append("No validation metrics (`val_auc`, `val_ap`) in the epoch records.\n\n");
            return;
        }
        lineChart("validation.png", "Validation AUC and AP per epoch" + (best > 0 ? " (best epoch " + best + ")" : ""),
                "epoch", "validation metric", series, false, new double[]{0, 1});
        md.append("![validation AUC and AP](validation.png)\n\n");
    }

    private record Scored(BeatSet beats, int[] indices, double[] scores, int[] labels, AamiClass[] classes,
                          BeatGanGraph graph, DataConfig data, ScoringConfig scoring, BinaryMetrics metrics) {
    }

    private Scored score(Path run, Path model, ExperimentConfig cfg, JsonNode metrics) throws IOException {
        DataConfig data;
        ScoringConfig scoring = cfg != null ? cfg.scoring() : ScoringConfig.eval();
        if (cfg != null) {
            data = cfg.data();
        } else if (metrics != null && metrics.has("data")) {
            try {
                data = Json.MAPPER.treeToValue(metrics.get("data"), DataConfig.class);
            } catch (JsonProcessingException | IllegalArgumentException e) {
                throw new IOException(run.resolve(TrainingRun.METRICS) + ": 'data' is not a data config: " + e.getMessage(), e);
            }
        } else {
            throw new NoSuchFileException(run.resolve(CONFIG).toString(), null,
                    "needed to know which data the model is scored on (or a metrics.json with a 'data' section)");
        }
        if (options.evalLimit() > 0) {
            data = new DataConfig(data.path(), data.protocol(), data.fold(), data.trainLimit(), options.evalLimit(), data.seed());
        }
        BeatGanGraph graph;
        try {
            graph = ModelBundle.load(model).graph();
        } catch (IOException | RuntimeException e) {
            String msg = e.getMessage() == null ? e.toString() : e.getMessage();
            throw new IOException(msg.contains(model.toString()) ? msg
                    : model + ": not a readable model bundle (" + msg + ")", e);
        }
        // the training part is not used: any batch size the split can fill will do
        ExperimentData.Prepared prepared = ExperimentData.prepare(data, graph.config().nc(), 2);
        AnomalyScorer.Scored s = AnomalyScorer.score(graph, prepared.data().test(), scoring);
        int[] test = prepared.test();
        if (s.scores().length != test.length) {
            throw new IllegalStateException("scored " + s.scores().length + " test beats, expected " + test.length);
        }
        AamiClass[] classes = new AamiClass[test.length];
        for (int i = 0; i < test.length; i++) {
            classes[i] = prepared.beats().label(test[i]);
            if ((classes[i].isAnomaly() ? 1 : 0) != s.labels()[i]) {
                throw new IllegalStateException("test beat " + i + ": label " + s.labels()[i] + " but class " + classes[i]);
            }
        }
        Scored scored = new Scored(prepared.beats(), test, s.scores(), s.labels(), classes, graph, data, scoring,
                s.metrics());
        BinaryMetrics m = scored.metrics();
        md.append("## Test scores (recomputed)\n\n");
        md.append("`model.zip` scored on ").append(String.format("%,d", test.length)).append(" test beats of ")
                .append(data.path() == null ? "the shipped MIT-BIH records" : "`" + data.path() + "`").append(" (protocol ")
                .append(data.protocol()).append(", fold ").append(data.fold()).append(", seed ").append(data.seed())
                .append(data.evalLimit() > 0 ? ", at most " + data.evalLimit() + " beats stratified by class" : ", all beats")
                .append("), ").append(scoring.mode().id()).append(" scoring. Beats per class: `")
                .append(Json.COMPACT.writeValueAsString(prepared.summary().get("test"))).append("`.\n\n");
        md.append(String.format(Locale.ROOT, "| test AUC | test AP | test best F1 | threshold |%n|---|---|---|---|%n"
                + "| %.4f | %.4f | %.4f | %.5g |%n%n", m.auc(), m.ap(), m.bestF1(), m.threshold()));
        return scored;
    }

    private void curves(Path run, Scored scored) throws IOException {
        Path file = run.resolve(TrainingRun.CURVES);
        CurvePlots.Curve roc, pr;
        String source;
        if (Files.exists(file)) {
            JsonNode c = optionalJson(file, "ROC and PR curves: {roc: {fpr, tpr}, pr: {recall, precision}}");
            roc = curve(file, c, "roc", "fpr", "tpr");
            pr = curve(file, c, "pr", "recall", "precision");
            source = "from [test_curves.json](" + link(file) + ") (the run's own test evaluation)";
        } else if (scored != null) {
            BinaryMetrics m = scored.metrics();
            roc = new CurvePlots.Curve(m.rocFpr(), m.rocTpr());
            pr = new CurvePlots.Curve(m.prRecall(), m.prPrecision());
            source = "recomputed from the scores above (no test_curves.json in the run folder)";
        } else {
            md.append("## ROC and precision-recall\n\nNo `test_curves.json` and no `model.zip`: no curves.\n\n");
            return;
        }
        CurvePlots.write(out.resolve("roc.png"), "Test ROC", "false positive rate", "true positive rate",
                Map.of("test", roc));
        CurvePlots.write(out.resolve("pr.png"), "Test precision-recall", "recall", "precision", Map.of("test", pr));
        images.add(out.resolve("roc.png"));
        images.add(out.resolve("pr.png"));
        md.append("## ROC and precision-recall\n\nCurves ").append(source).append(".\n\n")
                .append("| ROC | precision-recall |\n|---|---|\n| ![ROC](roc.png) | ![PR](pr.png) |\n\n");
    }

    private static CurvePlots.Curve curve(Path file, JsonNode c, String part, String x, String y) throws IOException {
        JsonNode xs = c.path(part).path(x), ys = c.path(part).path(y);
        if (!xs.isArray() || !ys.isArray() || xs.size() != ys.size() || xs.isEmpty()) {
            throw new IOException(file + ": expected " + part + "." + x + " and " + part + "." + y
                    + " as number arrays of the same length");
        }
        double[] a = new double[xs.size()], b = new double[ys.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = xs.get(i).asDouble(Double.NaN);
            b[i] = ys.get(i).asDouble(Double.NaN);
        }
        return new CurvePlots.Curve(a, b);
    }

    private void histograms(Scored s) throws IOException {
        Map<AamiClass, List<Double>> byClass = new LinkedHashMap<>();
        for (AamiClass c : AamiClass.values()) byClass.put(c, new ArrayList<>());
        for (int i = 0; i < s.scores().length; i++) byClass.get(s.classes()[i]).add(s.scores()[i]);
        Map<String, double[]> groups = new LinkedHashMap<>();
        byClass.forEach((c, v) -> {
            if (!v.isEmpty()) groups.put(c.name(), v.stream().mapToDouble(Double::doubleValue).toArray());
        });
        md.append("## Score distributions per class\n\n");
        ScoreHistogramPlot.write(out.resolve("scores.png"), "Test anomaly scores per class", groups);
        images.add(out.resolve("scores.png"));
        md.append("![scores per class](scores.png)\n\n");
        double[] normal = groups.get(AamiClass.N.name());
        md.append("| class | beats | mean score | median | 95th percentile | AUC against N |\n|---|---|---|---|---|---|\n");
        List<String> pairs = new ArrayList<>();
        for (Map.Entry<String, double[]> g : groups.entrySet()) {
            double[] v = g.getValue();
            String auc = "";
            if (normal != null && !g.getKey().equals(AamiClass.N.name())) {
                double[] both = new double[normal.length + v.length];
                int[] labels = new int[both.length];
                System.arraycopy(normal, 0, both, 0, normal.length);
                System.arraycopy(v, 0, both, normal.length, v.length);
                Arrays.fill(labels, normal.length, both.length, 1);
                auc = String.format(Locale.ROOT, "%.4f", BinaryMetrics.of(both, labels).auc());
                String name = "scores-N-vs-" + g.getKey() + ".png";
                Map<String, double[]> pair = new LinkedHashMap<>();
                pair.put("N", normal);
                pair.put(g.getKey(), v);
                ScoreHistogramPlot.write(out.resolve(name), "Test scores: N against " + g.getKey() + " (AUC " + auc + ")", pair);
                images.add(out.resolve(name));
                pairs.add(name);
            }
            double[] sorted = v.clone();
            Arrays.sort(sorted);
            md.append(String.format(Locale.ROOT, "| %s | %,d | %.5g | %.5g | %.5g | %s |%n", g.getKey(), v.length,
                    Arrays.stream(v).average().orElse(Double.NaN), quantile(sorted, 0.5), quantile(sorted, 0.95), auc));
        }
        md.append('\n');
        if (!pairs.isEmpty()) {
            md.append("Normal beats against each class (density-normalised, common bins):\n\n");
            md.append("|").append(" |".repeat(pairs.size())).append("\n|").append("---|".repeat(pairs.size())).append("\n|");
            for (String p : pairs) md.append(" ![").append(p).append("](").append(p).append(") |");
            md.append("\n\n");
        }
    }

    private void beats(Scored s) throws IOException {
        int k = options.beats();
        if (k == 0) return;
        Integer[] order = new Integer[s.scores().length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -s.scores()[i]));
        int[] rank = new int[order.length];
        for (int r = 0; r < order.length; r++) rank[order[r]] = r + 1;
        List<Integer> abnormal = Arrays.stream(order).filter(i -> s.labels()[i] == 1).toList();
        List<Integer> normal = Arrays.stream(order).filter(i -> s.labels()[i] == 0).toList();
        List<Integer> chosen = new ArrayList<>();
        List<String> kinds = new ArrayList<>();
        int wantAbnormal = normal.isEmpty() ? k : Math.min(k - 1, abnormal.size());
        for (int j = 0; j < Math.min(wantAbnormal, abnormal.size()); j++) {
            chosen.add(abnormal.get(j));
            kinds.add("most anomalous-scored abnormal #" + (j + 1));
        }
        if (!normal.isEmpty()) {
            chosen.add(normal.get(normal.size() / 2));
            kinds.add("typical normal (median score)");
            for (int j = 0; chosen.size() < k && j < normal.size(); j++) {
                if (j != normal.size() / 2) {
                    chosen.add(normal.get(j));
                    kinds.add("highest-scored normal #" + (j + 1));
                }
            }
        }
        BeatSet beats = s.beats();
        int nc = beats.nc(), len = beats.length();
        float[] flat = new float[chosen.size() * nc * len];
        for (int j = 0; j < chosen.size(); j++) beats.copyBeat(s.indices()[chosen.get(j)], flat, j * nc * len);
        INDArray x = Nd4j.create(flat, new long[]{chosen.size(), nc, len}, 'c').castTo(s.graph().dataType());
        float[] rec = GeneratorInference.of(s.graph()).reconstruct(x).castTo(DataType.FLOAT).dup('c').data().asFloat();
        List<BeatResidualPlot.Beat> panels = new ArrayList<>();
        md.append("## Beats, reconstruction and residual\n\n![beats](beats.png)\n\n");
        md.append("| panel | beat | class | record | R sample | score | rank of ").append(s.scores().length).append(" |\n");
        md.append("|---|---|---|---|---|---|---|\n");
        for (int j = 0; j < chosen.size(); j++) {
            int i = chosen.get(j), b = s.indices()[i];
            float[][] in = new float[nc][len], re = new float[nc][len];
            for (int l = 0; l < nc; l++) {
                System.arraycopy(flat, (j * nc + l) * len, in[l], 0, len);
                System.arraycopy(rec, (j * nc + l) * len, re[l], 0, len);
            }
            String where = beats.record(b) >= 0 ? "record " + beats.record(b) + " @" + beats.rSample(b) : "beat " + b;
            panels.add(new BeatResidualPlot.Beat(String.format(Locale.ROOT, "%s%s, %s, score %s (rank %d of %d)",
                    s.classes()[i], kinds.get(j).startsWith("typical") ? " (typical normal)" : "", where,
                    PlotCanvas.compact(s.scores()[i]), rank[i], s.scores().length), in, re));
            md.append(String.format(Locale.ROOT, "| %d | %s | %s | %s | %s | %.5g | %d |%n", j + 1, kinds.get(j),
                    s.classes()[i], beats.record(b) >= 0 ? String.valueOf(beats.record(b)) : "",
                    beats.rSample(b) >= 0 ? String.valueOf(beats.rSample(b)) : "", s.scores()[i], rank[i]));
        }
        BeatResidualPlot.write(out.resolve("beats.png"), "Test beats: input, reconstruction G(x) and residual", panels);
        images.add(out.resolve("beats.png"));
        md.append("\nLead 0 drawn; the band under each beat (and the tint behind it) is the residual (x - G(x))² per "
                + "time step summed over leads, one colour scale for all panels. Reconstructions use running batch-norm "
                + "statistics (eval mode)")
                .append(s.scoring().mode() == ScoringConfig.Mode.EVAL ? ", as the scores."
                        : "; the scores and ranks are " + s.scoring().mode().id() + " scores.")
                .append("\n\n");
    }

    private void epochTable(List<JsonNode> epochs) {
        Set<String> present = new LinkedHashSet<>();
        for (JsonNode e : epochs) e.fieldNames().forEachRemaining(k -> {
            if (e.get(k).isNumber()) present.add(k);
        });
        List<String> cols = new ArrayList<>();
        for (String k : new String[]{"loss_d", "loss_g_rec", "loss_g_adv"}) if (present.contains(k)) cols.add(k);
        present.stream().filter(k -> k.startsWith("distill_") && k.endsWith("_weighted")).forEach(cols::add);
        for (String k : new String[]{"val_auc", "val_ap", "val_f1", "seconds"}) if (present.contains(k)) cols.add(k);
        md.append("<details><summary>Epoch records (").append(epochs.size()).append(")</summary>\n\n| epoch |");
        cols.forEach(c -> md.append(' ').append(c).append(" |"));
        md.append("\n|---|").append("---|".repeat(cols.size())).append('\n');
        for (JsonNode e : epochs) {
            md.append("| ").append(e.path("epoch").asText("")).append(e.path("best").asBoolean() ? " *" : "").append(" |");
            for (String c : cols) {
                JsonNode v = e.path(c);
                md.append(' ').append(v.isNumber() ? c.equals("seconds") ? String.format(Locale.ROOT, "%.0f", v.asDouble())
                        : String.format(Locale.ROOT, "%.4g", v.asDouble()) : "").append(" |");
            }
            md.append('\n');
        }
        md.append("\n`*`: a new best validation AUC (model.zip saved).\n\n</details>\n");
    }

    // ------------------------------------------------------------------ experiment folder

    private void experiment(Path dir, List<Path> runs) throws IOException {
        long start = System.nanoTime();
        Path reportJson = dir.resolve(EXPERIMENT_REPORT_JSON);
        JsonNode report = optionalJson(reportJson, "the comparison report (summary, runs, pending)");
        md.append("# Experiment report: ").append(report != null && report.hasNonNull("experiment")
                ? report.get("experiment").asText() : dir.getFileName()).append("\n\n");
        md.append("Experiment folder: [`").append(display(dir)).append("`](").append(link(dir)).append("), ")
                .append(runs.size()).append(" run folders.");
        List<String> own = new ArrayList<>();
        for (String f : new String[]{"report.md", "study.md"}) {
            if (Files.exists(dir.resolve(f))) own.add("[" + f + "](" + link(dir.resolve(f)) + ")");
        }
        if (!own.isEmpty()) md.append(" Its own report").append(own.size() > 1 ? "s: " : ": ").append(String.join(", ", own)).append('.');
        md.append("\n\n");
        if (report != null) summaryTable(reportJson, report);

        md.append("## Runs\n\n| run | epochs | best epoch | test AUC | test AP | test best F1 | params G | links |\n");
        md.append("|---|---|---|---|---|---|---|---|\n");
        Map<String, double[][]> val = new LinkedHashMap<>();
        for (Path run : runs) {
            String name = dir.relativize(run).toString();
            List<JsonNode> epochs = epochs(run);
            double[][] xy = series(epochs, "val_auc");
            if (xy[0].length > 0) val.put(name, xy);
            JsonNode m = optionalJson(run.resolve(TrainingRun.METRICS), "the run's test metrics (a JSON object)");
            md.append("| ").append(cell(name)).append(" | ").append(epochs.size()).append(" | ");
            if (m == null) {
                md.append(bestEpoch(epochs, null)).append(" | no metrics.json (unfinished?) | | | | ");
            } else {
                JsonNode t = m.path("test");
                md.append(m.path("best_epoch").asText("")).append(" | ").append(num(t.path("auc"), "%.4f")).append(" | ")
                        .append(num(t.path("ap"), "%.4f")).append(" | ").append(num(t.path("best_f1"), "%.4f"))
                        .append(" | ").append(count(m.path("params").path("G"))).append(" | ");
            }
            md.append("[folder](").append(link(run)).append(")");
            if (Files.exists(run.resolve(REPORT))) md.append(" · [report](").append(link(run.resolve(REPORT))).append(")");
            md.append(" |\n");
        }
        md.append("\nA run's own report: `./beatgan report ").append(display(dir)).append("/<run>`.\n\n");
        if (!val.isEmpty()) {
            lineChart("val_auc.png", "Validation AUC per epoch, " + val.size() + " runs", "epoch", "validation AUC", val,
                    false, null);
            md.append("## Validation AUC of all runs\n\n![validation AUC](val_auc.png)\n\n");
        }
        md.append(String.format(Locale.ROOT, "\n---\nWritten by `./beatgan report` in %.1f s.\n",
                (System.nanoTime() - start) / 1e9));
    }

    private void summaryTable(Path file, JsonNode report) {
        JsonNode summary = report.path("summary");
        if (!summary.isObject() || summary.isEmpty()) return;
        md.append("## Comparison (").append(EXPERIMENT_REPORT_JSON).append(")\n\n");
        md.append("| model | runs | params G | test AUC | test AP | test best F1 |\n|---|---|---|---|---|---|\n");
        summary.fields().forEachRemaining(e -> {
            JsonNode s = e.getValue();
            md.append("| ").append(cell(e.getKey())).append(" | ").append(s.path("runs").asText(""));
            if (s.has("error")) {
                md.append(" | | failed: ").append(cell(s.path("error").asText())).append(" | | |\n");
                return;
            }
            md.append(" | ").append(count(s.path("params_G"))).append(" | ").append(pm(s, "test_auc")).append(" | ")
                    .append(pm(s, "test_ap")).append(" | ").append(pm(s, "test_best_f1")).append(" |\n");
        });
        JsonNode pending = report.path("pending");
        if (pending.isArray() && !pending.isEmpty()) {
            List<String> p = new ArrayList<>();
            pending.forEach(n -> p.add(n.asText()));
            md.append("\nNot finished (not in the table): ").append(cell(String.join(", ", p))).append(".\n");
        }
        md.append("\nmean ± sample std over seeds.\n\n");
    }

    private static String pm(JsonNode s, String key) {
        JsonNode mean = s.path(key + "_mean"), std = s.path(key + "_std");
        if (!mean.isNumber()) return "";
        return String.format(Locale.ROOT, "%.4f", mean.asDouble())
                + (std.isNumber() && s.path("runs").asInt() > 1 ? String.format(Locale.ROOT, " ± %.4f", std.asDouble()) : "");
    }

    // ------------------------------------------------------------------ files

    /** epochs.jsonl as JSON objects; an error naming the file and line if it is empty or not JSON lines. */
    static List<JsonNode> epochs(Path run) throws IOException {
        Path file = run.resolve(TrainingRun.EPOCHS);
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "expected one JSON object per epoch");
        }
        List<String> lines = Files.readAllLines(file);
        List<JsonNode> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) continue;
            JsonNode n;
            try {
                n = Json.MAPPER.readTree(lines.get(i));
            } catch (JsonProcessingException e) {
                throw new IOException(file + " line " + (i + 1) + ": not valid JSON (" + e.getOriginalMessage()
                        + "); expected one JSON object per epoch", e);
            }
            if (n == null || !n.isObject()) {
                throw new IOException(file + " line " + (i + 1) + ": expected a JSON object per epoch, got "
                        + (n == null ? "nothing" : n.getNodeType().toString().toLowerCase(Locale.ROOT)));
            }
            out.add(n);
        }
        if (out.isEmpty()) throw new IOException(file + ": no epoch records (expected one JSON object per line)");
        return out;
    }

    /** A JSON object file, or null if absent; corrupt content is an error naming the file and what was expected. */
    static JsonNode optionalJson(Path file, String expected) throws IOException {
        if (!Files.exists(file)) return null;
        JsonNode n;
        try {
            n = Json.MAPPER.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new IOException(file + ": not valid JSON (" + e.getOriginalMessage() + "); expected " + expected, e);
        }
        if (n == null || !n.isObject()) throw new IOException(file + ": expected " + expected);
        return n;
    }

    private static ExperimentConfig config(Path file) throws IOException {
        try {
            return ExperimentConfig.load(file);
        } catch (IOException | IllegalArgumentException e) {
            String msg = String.valueOf(e.getMessage());
            throw new IOException(msg.contains(file.toString()) ? msg
                    : file + ": not a valid run config (" + msg + ")", e);
        }
    }

    // ------------------------------------------------------------------ helpers

    /** {x = epoch, y = value} of the records that have a finite {@code key}. */
    private static double[][] series(List<JsonNode> epochs, String key) {
        List<double[]> pts = new ArrayList<>();
        for (int i = 0; i < epochs.size(); i++) {
            JsonNode e = epochs.get(i);
            double y = e.path(key).asDouble(Double.NaN);
            if (e.path(key).isNumber() && Double.isFinite(y)) pts.add(new double[]{e.path("epoch").asDouble(i + 1), y});
        }
        double[][] xy = new double[2][pts.size()];
        for (int i = 0; i < pts.size(); i++) {
            xy[0][i] = pts.get(i)[0];
            xy[1][i] = pts.get(i)[1];
        }
        return xy;
    }

    private void lineChart(String file, String title, String xTitle, String yTitle, Map<String, double[][]> series,
                           boolean logY, double[] yRange) throws IOException {
        System.setProperty("java.awt.headless", "true");
        int legendRows = series.size();
        XYChart chart = new XYChartBuilder().width(legendRows > 8 ? 1200 : 1000)
                .height(Math.max(560, 80 + 22 * legendRows)).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setYAxisLogarithmic(logY);
        chart.getStyler().setXAxisDecimalPattern("0");
        if (yRange != null) chart.getStyler().setYAxisMin(yRange[0]).setYAxisMax(yRange[1]);
        boolean markers = series.values().stream().allMatch(xy -> xy[0].length <= 60) && series.size() <= 8;
        for (Map.Entry<String, double[][]> e : series.entrySet()) {
            double[][] xy = e.getValue();
            if (xy[0].length == 0) continue;
            var s = chart.addSeries(e.getKey(), xy[0], xy[1]);
            if (!markers) s.setMarker(SeriesMarkers.NONE);
        }
        byte[] png = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        AtomicFiles.write(out.resolve(file), o -> o.write(png));
        images.add(out.resolve(file));
    }

    private static double quantile(double[] sorted, double q) {
        if (sorted.length == 0) return Double.NaN;
        double pos = q * (sorted.length - 1);
        int i = (int) Math.floor(pos);
        return i + 1 < sorted.length ? sorted[i] + (pos - i) * (sorted[i + 1] - sorted[i]) : sorted[i];
    }

    private String link(Path target) {
        Path rel = out.relativize(target.toAbsolutePath().normalize());
        String s = rel.toString().replace('\\', '/');
        return s.isEmpty() ? "." : s.replace(" ", "%20");
    }

    private static String display(Path p) {
        Path cwd = Path.of("").toAbsolutePath();
        Path abs = p.toAbsolutePath().normalize();
        return abs.startsWith(cwd) ? cwd.relativize(abs).toString() : abs.toString();
    }

    private static String cell(String s) {
        return s == null ? "" : s.replace("|", "\\|").replace("\n", " ");
    }

    private static String num(JsonNode n, String fmt) {
        return n.isNumber() ? String.format(Locale.ROOT, fmt, n.asDouble()) : "";
    }

    private static String count(JsonNode n) {
        return n.isNumber() ? String.format(Locale.ROOT, "%,d", n.asLong()) : "";
    }
}
