package org.beatgan.experiments.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.beatgan.core.train.ObservableTraining;
import org.beatgan.core.config.ExperimentConfig;
import org.beatgan.core.data.ExperimentData;
import org.beatgan.core.io.AtomicFiles;
import org.beatgan.core.io.Json;
import org.beatgan.core.io.ModelBundle;
import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.model.GeneratorInference;
import org.beatgan.core.train.ExperimentRunner;
import org.beatgan.core.train.TrainingListener;
import org.beatgan.core.train.TrainingRun;
import org.beatgan.distill.DistillConfig;
import org.beatgan.distill.DistillationExperiment;
import org.beatgan.distill.MutualLearning;
import org.beatgan.experiments.bench.InferenceSpeed;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The distillation comparison: a teacher, then every student variant (its distillation terms) for
 * every seed on the same data, then one report (Markdown, JSON, ROC/PR PNGs). Each finished run
 * keeps its folder; rerunning the experiment into the same output skips finished runs and resumes
 * a half-finished one from its checkpoint. A variant with {@code mutual} instead of {@code terms}
 * trains its peers together (deep mutual learning, {@link MutualLearning}); every peer is a row of
 * its own, named {@code <variant>/peer-<i>}.
 *
 * <p>A variant may also override {@code model} and {@code training} settings and its own
 * {@code seeds}; {@code widths: [6, 4]} expands it into one variant per student width
 * (ngf = ndf), named {@code w6/<name>}. Several processes of the same experiment into the same
 * folder share the work: each run is locked by the process training it (an OS file lock, gone
 * when that process ends), and the others go on to the next run. With {@code report: size-study}
 * the experiment also writes the student-size study ({@link SizeStudyReport}).
 */
public final class ComparisonExperiment {

    private static final Logger LOG = LoggerFactory.getLogger(ComparisonExperiment.class);

    /**
     * One row group of the report: a name, its distillation terms (or mutual peers), its own
     * settings over the experiment's ({@code model}, {@code training}) and seeds; {@code width}
     * is the student width it was expanded for (0: not expanded), {@code base} its name without
     * the width.
     */
    record Variant(String name, String base, int width, JsonNode terms, JsonNode mutual, ObjectNode settings,
                   List<Long> seeds) {

        private static final List<String> KEYS = List.of("name", "terms", "mutual", "widths", "seeds", "model",
                "training");

        /** The config's variants, widths expanded, each checked (unknown keys, distillation section). */
        static List<Variant> parse(JsonNode exp, List<Long> defaultSeeds) {
            List<Variant> out = new ArrayList<>();
            for (JsonNode v : exp.path("variants")) {
                v.fieldNames().forEachRemaining(k -> {
                    if (!KEYS.contains(k)) {
                        throw new IllegalArgumentException("experiment.variants: unknown key '" + k + "' in "
                                + v + " (known: " + KEYS + ")");
                    }
                });
                if (!v.path("name").isTextual()) {
                    throw new IllegalArgumentException("experiment.variants: every variant needs a name: " + v);
                }
                String name = v.get("name").asText();
                List<Long> seeds = new ArrayList<>();
                v.path("seeds").forEach(x -> seeds.add(x.asLong()));
                List<Integer> widths = new ArrayList<>();
                v.path("widths").forEach(x -> widths.add(x.asInt()));
                if (widths.stream().anyMatch(w -> w < 1)) {
                    throw new IllegalArgumentException("experiment.variants: " + name + ": widths must be >= 1: "
                            + v.get("widths"));
                }
                if (widths.isEmpty()) widths.add(0);
                for (int w : widths) {
                    ObjectNode settings = Json.MAPPER.createObjectNode();
                    if (v.has("model")) settings.set("model", v.get("model").deepCopy());
                    if (v.has("training")) settings.set("training", v.get("training").deepCopy());
                    if (w > 0) ((ObjectNode) settings.with("model")).put("ngf", w).put("ndf", w);
                    Variant variant = new Variant(w > 0 ? "w" + w + "/" + name : name, name, w, v.path("terms"),
                            v.get("mutual"), settings, seeds.isEmpty() ? defaultSeeds : List.copyOf(seeds));
                    variant.distill();   // validate early
                    out.add(variant);
                }
            }
            if (out.isEmpty()) {
                throw new IllegalArgumentException("experiment.variants must not be empty");
            }
            return out;
        }

        /** The report rows of this variant: itself, or one per mutual peer. */
        List<String> runNames() {
            if (mutual == null) {
                return List.of(name);
            }
            List<String> names = new ArrayList<>();
            for (int i = 0; i < distill().mutual().peers(); i++) names.add(name + "/" + MutualLearning.peerName(i));
            return names;
        }

        ObjectNode distillSection() {
            ObjectNode d = Json.MAPPER.createObjectNode();
            d.set("terms", terms.isMissingNode() ? Json.MAPPER.createArrayNode() : terms);
            if (mutual != null) d.set("mutual", mutual);
            return d;
        }

        DistillConfig distill() {
            return DistillConfig.from(distillSection());
        }
    }

    /** One finished (or failed) run, measured; {@code epochs} trained and the best (selected) one. */
    record Row(String variant, long seed, double auc, double ap, double f1, long paramsG, long adapterParams,
               double secondsPerEpoch, long modelBytes, double beatsPerS64, double latencyMs, double latencyP90Ms,
               int epochs, int bestEpoch, String error) {
        static Row failed(String variant, long seed, Exception e) {
            return new Row(variant, seed, Double.NaN, Double.NaN, Double.NaN, 0, 0, Double.NaN, 0, Double.NaN,
                    Double.NaN, Double.NaN, 0, 0, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    private final ExperimentConfig cfg;
    private final Path out;
    private final Path teacherModel;
    private final boolean progress;
    private final Function<String, List<Function<ObservableTraining, TrainingListener>>> listeners;
    private boolean reportOnly;

    /**
     * @param teacherModel a trained teacher to reuse (else {@code experiment.teacher} when it names a
     *                     model, else the teacher is trained from {@code experiment.teacher}'s settings)
     * @param listeners per-run training listeners by run name (e.g. UI reporters)
     */
    public ComparisonExperiment(ExperimentConfig cfg, Path out, Path teacherModel, boolean progress,
                                Function<String, List<Function<ObservableTraining, TrainingListener>>> listeners) {
        this.cfg = cfg;
        this.out = out;
        this.teacherModel = teacherModel != null ? teacherModel
                : cfg.experiment() != null && cfg.experiment().path("teacher").isTextual()
                ? Path.of(cfg.experiment().get("teacher").asText()) : null;
        this.progress = progress;
        this.listeners = listeners;
    }

    /**
     * Trains nothing: the report is written from the runs finished so far (others are listed as
     * pending), e.g. while other processes are still training.
     */
    public ComparisonExperiment reportOnly(boolean on) {
        this.reportOnly = on;
        return this;
    }

    public Map<String, Object> run() throws IOException {
        JsonNode exp = cfg.experiment();
        if (exp == null || !exp.has("variants") || !exp.has("seeds")) {
            throw new IllegalArgumentException("The comparison needs an 'experiment' section with 'seeds' and 'variants'");
        }
        List<Long> seeds = new ArrayList<>();
        exp.get("seeds").forEach(s -> seeds.add(s.asLong()));
        if (seeds.isEmpty()) {
            throw new IllegalArgumentException("experiment.seeds must not be empty");
        }
        List<Variant> variants = Variant.parse(exp, seeds);
        String reportKind = exp.path("report").asText("comparison");
        if (!List.of("comparison", "size-study").contains(reportKind)) {
            throw new IllegalArgumentException("experiment.report: '" + reportKind
                    + "' is not a report (expected comparison or size-study)");
        }
        SizeStudyReport.Settings study = reportKind.equals("size-study") ? SizeStudyReport.Settings.from(exp) : null;
        ExperimentData.Prepared data = ExperimentData.prepare(cfg.data(), cfg.model().nc(), cfg.training().batchSize());
        LOG.info("data: {}", Json.COMPACT.writeValueAsString(data.summary()));

        Path teacherPath = teacherModel != null ? teacherModel : reportOnly ? out.resolve("teacher").resolve(TrainingRun.MODEL)
                : trainTeacher(exp.path("teacher"), data.withFreshIterators());
        BeatGanGraph teacher = reportOnly ? null : ModelBundle.load(teacherPath).graph();
        List<Row> rows = new ArrayList<>();
        rows.add(measure("teacher", 0, teacherPath, teacherModel != null ? null : out.resolve("teacher")));

        List<String> pending = new ArrayList<>();
        for (Variant v : variants) {
            for (long seed : v.seeds()) {
                try {
                    // fresh iterators: every variant sees the same epoch shuffles, whichever ran (or was
                    // skipped as finished) before it
                    List<Row> done = runVariant(v, seed, teacher, reportOnly ? null : data.withFreshIterators());
                    if (done.isEmpty()) {
                        v.runNames().forEach(n -> pending.add(n + " seed " + seed));
                    }
                    rows.addAll(done);
                } catch (Exception e) {
                    // one method that cannot run (shape, missing inputs, divergence) must not stop the others
                    LOG.warn("{} seed {} failed: {}", v.name(), seed, e.toString());
                    v.runNames().forEach(n -> rows.add(Row.failed(n, seed, e)));
                }
            }
        }
        if (!pending.isEmpty()) {
            LOG.info("{} runs not finished (not in this report): {}", pending.size(), pending);
        }
        Map<String, Object> report = new ComparisonReport(cfg, rows,
                variants.stream().flatMap(v -> v.runNames().stream()).toList(), out, teacherPath, data.summary(),
                pending).write();
        if (study != null) {
            report.put("study", new SizeStudyReport(cfg, study, variants, rows, pending, out).write());
        }
        return report;
    }

    /**
     * Trains one variant for one seed, unless all its runs finished: a student distilled from the
     * teacher, or the peers of a mutual variant trained together; returns a row per run, or no
     * rows when the runs are not finished (report only, or another process is training them).
     */
    private List<Row> runVariant(Variant v, long seed, BeatGanGraph teacher, ExperimentData.Prepared data)
            throws IOException {
        List<String> names = v.runNames();
        List<Path> dirs = names.stream().map(n -> runDir(n, seed)).toList();
        if (finished(dirs)) {
            requireSameSettings(v, seed, dirs);
        }
        if (!finished(dirs)) {
            if (reportOnly) {
                return List.of();
            }
            Files.createDirectories(dirs.get(0));
            try (RunLock lock = RunLock.tryAcquire(dirs.get(0))) {
                if (lock == null) {
                    LOG.info("{} seed {}: another process is training it, skipped", v.name(), seed);
                    return List.of();
                }
                if (!finished(dirs)) {   // it may have finished while we waited for the lock
                    train(v, seed, teacher, data, names, dirs);
                }
            }
        } else {
            LOG.info("{} seed {}: already finished, skipped", v.name(), seed);
        }
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            rows.add(measure(names.get(i), seed, dirs.get(i).resolve(TrainingRun.MODEL), dirs.get(i)));
        }
        return rows;
    }

    /** The config a variant's run of one seed trains with. */
    private ExperimentConfig runConfig(Variant v, long seed) throws IOException {
        ObjectNode o = v.settings().deepCopy();
        ((ObjectNode) o.with("training")).put("seed", seed);
        o.set("distill", v.distillSection());
        return cfg.with(o);
    }

    /**
     * A finished run counts only if it was trained with this config's model and training settings:
     * an edited config must not silently reuse runs of the old one.
     */
    private void requireSameSettings(Variant v, long seed, List<Path> dirs) throws IOException {
        ExperimentConfig vc = runConfig(v, seed);
        for (Path d : dirs) {
            RunSpec.require(d, spec(vc));
            JsonNode m = Json.MAPPER.readTree(d.resolve(TrainingRun.METRICS).toFile());
            var training = Json.MAPPER.treeToValue(m.path("training"), org.beatgan.core.train.TrainingConfig.class);
            var model = Json.MAPPER.treeToValue(m.path("config"), org.beatgan.core.model.BeatGanConfig.class);
            if (!vc.training().equals(training) || !vc.model().equals(model)) {
                throw new IllegalStateException(d + " holds a run trained with other settings (training " + training
                        + ", model " + model + "; this config: " + vc.training() + ", " + vc.model()
                        + "); move it away or use another --out folder");
            }
        }
    }

    /** What a run is trained with, as its folder records it (RunSpec). */
    private static Map<String, Object> spec(ExperimentConfig vc) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", vc.model());
        m.put("training", vc.training());
        m.put("distill", vc.distill());
        return m;
    }

    private static boolean finished(List<Path> dirs) {
        return dirs.stream().allMatch(d -> Files.exists(d.resolve(TrainingRun.METRICS)));
    }

    private void train(Variant v, long seed, BeatGanGraph teacher, ExperimentData.Prepared data, List<String> names,
                       List<Path> dirs) throws IOException {
        {
            for (Path d : dirs) Files.deleteIfExists(d.resolve(SPEED));   // measured again for the new model
            ExperimentConfig vc = runConfig(v, seed);
            for (Path d : dirs) RunSpec.write(d, spec(vc));
            boolean resume = dirs.stream().allMatch(d -> Files.exists(d.resolve(TrainingRun.CHECKPOINT)));
            boolean mutual = v.mutual() != null;
            LOG.info("{} seed {}: training{}{}", v.name(), seed, mutual ? " " + names.size() + " peers together" : "",
                    resume ? " (resuming)" : "");
            List<ExperimentRunner.Options> options = new ArrayList<>();
            for (int i = 0; i < names.size(); i++) {
                // one progress bar per line of output: none for peers trained together
                options.add(new ExperimentRunner.Options(dirs.get(i), resume, progress && !mutual)
                        .withListeners(listeners.apply(cfg.name() + " " + names.get(i) + " seed " + seed)));
            }
            if (mutual) {
                MutualLearning.run(vc, data, options);
            } else {
                DistillationExperiment.run(vc, teacher, data, options.get(0));
            }
        }
    }

    /** A run's folder: the report finds its curves there by the run's name (see ComparisonReport). */
    Path runDir(String runName, long seed) {
        return runDir(out, runName, seed);
    }

    static Path runDir(Path out, String runName, long seed) {
        return out.resolve(slug(runName)).resolve("seed-" + seed);
    }

    private Path trainTeacher(JsonNode overrides, ExperimentData.Prepared data) throws IOException {
        Path dir = out.resolve("teacher");
        if (Files.exists(dir.resolve(TrainingRun.METRICS))) {
            LOG.info("teacher: already trained in {}", dir);
            return dir.resolve(TrainingRun.MODEL);
        }
        ObjectNode o = overrides.isObject() ? ((ObjectNode) overrides).deepCopy() : Json.MAPPER.createObjectNode();
        ((ObjectNode) o.with("training")).put("seed", 0);
        ExperimentConfig tc = cfg.with(o);
        LOG.info("teacher: training {}", tc.model());
        ExperimentRunner.run(tc, data, g -> List.of(), new ExperimentRunner.Options(dir,
                Files.exists(dir.resolve(TrainingRun.CHECKPOINT)), progress)
                .withListeners(listeners.apply(cfg.name() + " teacher")));
        return dir.resolve(TrainingRun.MODEL);
    }

    private Row measure(String variant, long seed, Path model, Path runDir) throws IOException {
        ModelBundle.Loaded m = ModelBundle.load(model);
        double auc = Double.NaN, ap = Double.NaN, f1 = Double.NaN, secondsPerEpoch = Double.NaN;
        long adapters = 0;
        int epochs = 0, bestEpoch = 0;
        JsonNode all = runDir == null ? ModelBundle.metricsBeside(model)
                : Files.exists(runDir.resolve(TrainingRun.METRICS)) ? Json.MAPPER.readTree(runDir.resolve(TrainingRun.METRICS).toFile())
                : null;
        if (all != null) {
            JsonNode t = all.path("test");
            auc = t.path("auc").asDouble(Double.NaN);
            ap = t.path("ap").asDouble(Double.NaN);
            f1 = t.path("best_f1").asDouble(Double.NaN);
            adapters = all.path("params").path("adapters").asLong(0);
            epochs = all.path("epochs").asInt(0);
            bestEpoch = all.path("best_epoch").asInt(0);
            secondsPerEpoch = all.path("train_seconds").asDouble(Double.NaN) / Math.max(1, epochs);
        }
        Speed speed = speed(m.graph(), runDir != null ? runDir : out.resolve("teacher"));
        return new Row(variant, seed, auc, ap, f1, m.graph().parameterCount(BeatGanGraph.Network.G), adapters,
                secondsPerEpoch, ModelBundle.size(model), speed.beatsPerSecondBatch64(), speed.latencyMsMedian(),
                speed.latencyMsP90(), epochs, bestEpoch, null);
    }

    /** Scoring speed of a run's model, measured once (right after it trained) and kept in its folder. */
    record Speed(double beatsPerSecondBatch64, double latencyMsMedian, double latencyMsP90) {
    }

    private static Speed speed(BeatGanGraph graph, Path dir) throws IOException {
        Path file = dir.resolve(SPEED);
        if (Files.exists(file)) {
            return Json.MAPPER.readValue(file.toFile(), Speed.class);
        }
        InferenceSpeed.Result r = InferenceSpeed.measure(graph.config(), GeneratorInference.of(graph)::scores, 20, 100);
        Speed s = new Speed(r.beatsPerSecondBatch64(), r.latencyMsMedian(), r.latencyMsP90());
        Files.createDirectories(dir);
        AtomicFiles.write(file, o -> Json.MAPPER.writeValue(o, s));
        return s;
    }

    static final String SPEED = "speed.json";

    static String slug(String name) {
        return name.toLowerCase().replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "");
    }

    static Map<String, Object> toMap(Row r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("variant", r.variant());
        m.put("seed", r.seed());
        m.put("test_auc", r.auc());
        m.put("test_ap", r.ap());
        m.put("test_best_f1", r.f1());
        m.put("params_G", r.paramsG());
        m.put("adapter_params", r.adapterParams());
        m.put("train_seconds_per_epoch", r.secondsPerEpoch());
        m.put("epochs", r.epochs());
        m.put("best_epoch", r.bestEpoch());
        if (r.error() != null) m.put("error", r.error());
        m.put("model_bytes", r.modelBytes());
        m.put("infer_beats_per_s_batch64", r.beatsPerS64());
        m.put("latency_ms_batch1_median", r.latencyMs());
        m.put("latency_ms_batch1_p90", r.latencyP90Ms());
        return m;
    }
}
