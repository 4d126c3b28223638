package org.beatgan.experiments.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.beatgan.core.config.ExperimentConfig;
import org.beatgan.core.data.ExperimentData;
import org.beatgan.core.io.AtomicFiles;
import org.beatgan.core.io.Json;
import org.beatgan.core.io.ModelBundle;
import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.model.GeneratorInference;
import org.beatgan.core.train.BeatGanTrainer;
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
 */
public final class ComparisonExperiment {

    private static final Logger LOG = LoggerFactory.getLogger(ComparisonExperiment.class);

    record Variant(String name, JsonNode terms, JsonNode mutual) {

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

    record Row(String variant, long seed, double auc, double ap, double f1, long paramsG, long adapterParams,
               double secondsPerEpoch, long modelBytes, double beatsPerS64, double latencyMs, double latencyP90Ms,
               String error) {
        static Row failed(String variant, long seed, Exception e) {
            return new Row(variant, seed, Double.NaN, Double.NaN, Double.NaN, 0, 0, Double.NaN, 0, Double.NaN,
                    Double.NaN, Double.NaN, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    private final ExperimentConfig cfg;
    private final Path out;
    private final Path teacherModel;
    private final boolean progress;
    private final Function<String, List<Function<BeatGanTrainer, TrainingListener>>> listeners;

    /** @param listeners per-run training listeners by run name (e.g. UI reporters) */
    public ComparisonExperiment(ExperimentConfig cfg, Path out, Path teacherModel, boolean progress,
                                Function<String, List<Function<BeatGanTrainer, TrainingListener>>> listeners) {
        this.cfg = cfg;
        this.out = out;
        this.teacherModel = teacherModel;
        this.progress = progress;
        this.listeners = listeners;
    }

    public Map<String, Object> run() throws IOException {
        JsonNode exp = cfg.experiment();
        if (exp == null || !exp.has("variants") || !exp.has("seeds")) {
            throw new IllegalArgumentException("The comparison needs an 'experiment' section with 'seeds' and 'variants'");
        }
        List<Long> seeds = new ArrayList<>();
        exp.get("seeds").forEach(s -> seeds.add(s.asLong()));
        List<Variant> variants = new ArrayList<>();
        exp.get("variants").forEach(v -> variants.add(new Variant(v.get("name").asText(), v.path("terms"),
                v.get("mutual"))));
        if (seeds.isEmpty() || variants.isEmpty()) {
            throw new IllegalArgumentException("experiment.seeds and experiment.variants must not be empty");
        }
        for (Variant v : variants) {
            v.distill();   // validate early
        }
        ExperimentData.Prepared data = ExperimentData.prepare(cfg.data(), cfg.model().nc(), cfg.training().batchSize());
        LOG.info("data: {}", Json.COMPACT.writeValueAsString(data.summary()));

        Path teacherPath = teacherModel != null ? teacherModel : trainTeacher(exp.path("teacher"),
                data.withFreshIterators());
        BeatGanGraph teacher = ModelBundle.load(teacherPath).graph();
        List<Row> rows = new ArrayList<>();
        rows.add(measure("teacher", 0, teacherPath, teacherModel != null ? null : out.resolve("teacher")));

        for (Variant v : variants) {
            for (long seed : seeds) {
                try {
                    // fresh iterators: every variant sees the same epoch shuffles, whichever ran (or was
                    // skipped as finished) before it
                    ExperimentData.Prepared fresh = data.withFreshIterators();
                    rows.addAll(runVariant(v, seed, teacher, fresh));
                } catch (Exception e) {
                    // one method that cannot run (shape, missing inputs, divergence) must not stop the others
                    LOG.warn("{} seed {} failed: {}", v.name(), seed, e.toString());
                    v.runNames().forEach(n -> rows.add(Row.failed(n, seed, e)));
                }
            }
        }
        return new ComparisonReport(cfg, rows, variants.stream().flatMap(v -> v.runNames().stream()).toList(), out,
                teacherPath, data.summary()).write();
    }

    /**
     * Trains one variant for one seed, unless all its runs finished: a student distilled from the
     * teacher, or the peers of a mutual variant trained together; returns a row per run.
     */
    private List<Row> runVariant(Variant v, long seed, BeatGanGraph teacher, ExperimentData.Prepared data)
            throws IOException {
        List<String> names = v.runNames();
        List<Path> dirs = names.stream().map(n -> runDir(n, seed)).toList();
        if (!dirs.stream().allMatch(d -> Files.exists(d.resolve(TrainingRun.METRICS)))) {
            ObjectNode o = Json.MAPPER.createObjectNode();
            o.putObject("training").put("seed", seed);
            o.set("distill", v.distillSection());
            ExperimentConfig vc = cfg.with(o);
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
        } else {
            LOG.info("{} seed {}: already finished, skipped", v.name(), seed);
        }
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            rows.add(measure(names.get(i), seed, dirs.get(i).resolve(TrainingRun.MODEL), dirs.get(i)));
        }
        return rows;
    }

    /** A run's folder: the report finds its curves there by the run's name (see ComparisonReport). */
    private Path runDir(String runName, long seed) {
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
        JsonNode all = runDir == null ? ModelBundle.metricsBeside(model)
                : Files.exists(runDir.resolve(TrainingRun.METRICS)) ? Json.MAPPER.readTree(runDir.resolve(TrainingRun.METRICS).toFile())
                : null;
        if (all != null) {
            JsonNode t = all.path("test");
            auc = t.path("auc").asDouble(Double.NaN);
            ap = t.path("ap").asDouble(Double.NaN);
            f1 = t.path("best_f1").asDouble(Double.NaN);
            adapters = all.path("params").path("adapters").asLong(0);
            secondsPerEpoch = all.path("train_seconds").asDouble(Double.NaN) / Math.max(1, all.path("epochs").asInt(1));
        }
        InferenceSpeed.Result speed = InferenceSpeed.measure(m.graph().config(),
                GeneratorInference.of(m.graph())::scores, 20, 100);
        return new Row(variant, seed, auc, ap, f1, m.graph().parameterCount(BeatGanGraph.Network.G), adapters,
                secondsPerEpoch, ModelBundle.size(model), speed.beatsPerSecondBatch64(), speed.latencyMsMedian(),
                speed.latencyMsP90(), null);
    }

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
        if (r.error() != null) m.put("error", r.error());
        m.put("model_bytes", r.modelBytes());
        m.put("infer_beats_per_s_batch64", r.beatsPerS64());
        m.put("latency_ms_batch1_median", r.latencyMs());
        m.put("latency_ms_batch1_p90", r.latencyP90Ms());
        return m;
    }
}
