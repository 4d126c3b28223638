package org.beatgan.experiments.classifier;

import com.fasterxml.jackson.databind.JsonNode;
import org.beatgan.core.data.image.ChannelNormalization;
import org.beatgan.core.data.image.Cifar10BinaryReader;
import org.beatgan.core.data.image.FashionMnistReader;
import org.beatgan.core.data.image.ImageSet;
import org.beatgan.core.io.DataLocations;
import org.beatgan.core.io.Json;
import org.beatgan.core.model.image.ClassifierSpec;
import org.beatgan.core.model.image.ImageClassifierGraph;
import org.beatgan.core.train.LossExtension;
import org.beatgan.core.train.ObservableTraining;
import org.beatgan.core.train.TrainingListener;
import org.beatgan.core.train.classifier.ClassifierBundle;
import org.beatgan.core.train.classifier.ClassifierRun;
import org.beatgan.core.train.classifier.ClassifierTrainingConfig;
import org.beatgan.distill.DistillTermSpec;
import org.beatgan.distill.DistillationLosses;
import org.beatgan.experiments.sweep.ArbiterSearch;
import org.beatgan.experiments.sweep.SweepParameter;
import org.beatgan.distill.Distiller;
import org.beatgan.experiments.report.RunSpec;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
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
 * A classifier distillation experiment: per seed, the teacher, then every student run (alone or
 * with its distillation terms against that seed's teacher), each a {@link ClassifierRun} in its own
 * folder, then one report ({@link ClassifierReport}). The same seed gives every student run the
 * same initialisation, batch order and dropout masks. Finished runs are kept and skipped,
 * half-finished ones resume from their checkpoint, and several processes into the same folder
 * share the runs (each run is locked by the process training it).
 */
public final class ClassifierExperiment extends ClassifierRuns {

    private static final Logger LOG = LoggerFactory.getLogger(ClassifierExperiment.class);

    /** The split data, normalised, with what it is. */
    public record Prepared(ClassifierRun.Data data, int channels, int height, int width, int classes,
                           Map<String, Object> summary) {
    }

    private final ClassifierExperimentConfig cfg;

    /** Trains nothing: the report from the runs (and the search) finished so far. */
    public ClassifierExperiment reportOnly(boolean on) {
        this.reportOnly = on;
        return this;
    }

    public ClassifierExperiment(ClassifierExperimentConfig cfg, Path out, boolean progress,
                                Function<String, List<Function<ObservableTraining, TrainingListener>>> listeners) {
        super(out, progress, listeners);
        this.cfg = cfg;
    }

    public Map<String, Object> run() throws IOException {
        Prepared p = prepare(cfg.data());
        LOG.info("data: {}", Json.COMPACT.writeValueAsString(p.summary()));
        List<ClassifierExperimentConfig.Run> runs = new ArrayList<>(cfg.runs());
        Map<String, ClassifierTrainingConfig> training = new LinkedHashMap<>();
        Map<String, Object> searched = null;
        if (cfg.search() != null) {
            searched = reportOnly ? finishedSearch() : search(p);
        }
        if (searched != null) {
            @SuppressWarnings("unchecked") Map<String, Double> best = (Map<String, Double>) searched.get("params");
            ClassifierExperimentConfig.Run r = applied(base(), best, base().name() + SEARCHED_SUFFIX);
            runs.add(r);
            training.put(r.name(), trainingOf(best));
        }
        List<ClassifierReport.Row> rows = new ArrayList<>();
        for (long seed : cfg.seeds()) {
            for (ClassifierExperimentConfig.Run r : runs) {
                Path dir = runDir(r.name(), seed);
                ClassifierTrainingConfig t = training.getOrDefault(r.name(), cfg.training());
                try {
                    if (Files.exists(dir.resolve(ClassifierRun.METRICS))) requireSameSettings(r, seed, dir, t);
                    if (!reportOnly && !Files.exists(dir.resolve(ClassifierRun.METRICS))) train(r, seed, p, t, dir);
                    if (Files.exists(dir.resolve(ClassifierRun.METRICS))) {
                        rows.add(ClassifierReport.Row.of(r, seed, dir));
                    }
                } catch (Exception e) {
                    LOG.warn("{} seed {} failed: {}", r.name(), seed, e.toString());
                    rows.add(ClassifierReport.Row.failed(r, seed, e));
                }
            }
        }
        return new ClassifierReport(cfg, runs, rows, p.summary(), searched, out).write();
    }

    static final String SEARCHED_SUFFIX = "+search";

    private ClassifierExperimentConfig.Run base() {
        return cfg.runs().stream().filter(r -> r.name().equals(cfg.search().run())).findFirst().orElseThrow();
    }

    /** The run with a candidate's T (every temperature term) and alpha (the searched term's weight). */
    private ClassifierExperimentConfig.Run applied(ClassifierExperimentConfig.Run base, Map<String, Double> v, String name) {
        String term = cfg.search().term() != null ? cfg.search().term() : base.terms().get(0).name();
        List<DistillTermSpec> terms = new ArrayList<>();
        for (DistillTermSpec t : base.terms()) {
            com.fasterxml.jackson.databind.node.ObjectNode params = t.params() != null && t.params().isObject()
                    ? ((com.fasterxml.jackson.databind.node.ObjectNode) t.params()).deepCopy() : Json.MAPPER.createObjectNode();
            if (v.containsKey("T") && DistillationLosses.takesTemperature(t.loss())) params.put("T", v.get("T"));
            double weight = v.containsKey("alpha") && t.name().equals(term) ? v.get("alpha") : t.weight();
            terms.add(new DistillTermSpec(t.name(), t.loss(), weight, params, t.inputs()));
        }
        return new ClassifierExperimentConfig.Run(name, base.model(), base.taskWeight(), terms);
    }

    private ClassifierTrainingConfig trainingOf(Map<String, Double> v) {
        return v.containsKey("lr") ? cfg.training().withLr(v.get("lr")) : cfg.training();
    }

    /** The Arbiter search over the run's hyperparameters (scored by validation accuracy); the best candidate's record. */
    private Map<String, Object> search(Prepared p) throws IOException {
        ClassifierExperimentConfig.Search s = cfg.search();
        List<SweepParameter> params = new ArrayList<>();
        for (var e : s.parameters().entrySet()) params.add(SweepParameter.parse(e.getKey(), e.getValue()));
        Path dir = out.resolve("search");
        List<Map<String, Object>> all = ArbiterSearch.run(dir, params, s.generator(), s.gridPoints(), s.candidates(),
                s.seed(), (values, runDir) -> {
                    ClassifierExperimentConfig.Run r = applied(base(), values, base().name() + " candidate");
                    train(r, s.seed(), p, trainingOf(values).withEpochs(s.epochs()), runDir);
                    JsonNode m = metrics(runDir);
                    Map<String, Object> rec = new LinkedHashMap<>();
                    rec.put("score", m.path("best_epoch_record").path("val_accuracy").asDouble(Double.NaN));
                    rec.put("best_epoch", m.path("best_epoch").asInt());
                    return rec;
                });
        Map<String, Object> best = ArbiterSearch.summarise(dir, all);
        LOG.info("search: best {} (val accuracy {})", best.get("params"), best.get("score"));
        return best;
    }

    /** Trains one run (unless another process holds it); a distilled run first needs its seed's teacher. */
    private void train(ClassifierExperimentConfig.Run r, long seed, Prepared p, ClassifierTrainingConfig training,
                       Path dir) throws IOException {
        Path teacherModel = null;
        if (r.distilled()) {
            ClassifierExperimentConfig.Run t = cfg.runs().stream().filter(x -> x.model().equals("teacher")).findFirst()
                    .orElseThrow();
            Path tdir = runDir(t.name(), seed);
            if (!Files.exists(tdir.resolve(ClassifierRun.METRICS))) train(t, seed, p, cfg.training(), tdir);
            teacherModel = tdir.resolve(ClassifierRun.MODEL);
            if (!Files.exists(teacherModel)) {
                throw new IOException("the teacher of seed " + seed + " (" + tdir + ") is not trained yet");
            }
        }
        Path teacherFile = teacherModel;
        String arch = r.model().equals("teacher") ? cfg.models().teacher() : cfg.models().student();
        ClassifierTrainingConfig t = training.withSeed(seed).withTaskWeight(r.taskWeight());
        trainLocked(dir, r.name(), seed, cfg.name() + " " + r.name() + " seed " + seed, t, spec(r, t, arch), () -> {
            ImageClassifierGraph model = build(arch, p, seed);
            List<LossExtension> ext = new ArrayList<>();
            if (r.distilled()) {
                ImageClassifierGraph teacher = build(cfg.models().teacher(), p, seed);
                ClassifierBundle.restore(teacher.sameDiff(), teacherFile, false);
                ext.add(new Distiller(teacher, model, r.terms(), (int) p.data().train().numExamples(), seed));
            }
            return new Built(model, ext, p.data());
        });
    }

    /** A finished run counts only if this config would train it the same way. */
    private void requireSameSettings(ClassifierExperimentConfig.Run r, long seed, Path dir, ClassifierTrainingConfig training)
            throws IOException {
        JsonNode m = metrics(dir);
        var saved = Json.MAPPER.treeToValue(m.path("training"), ClassifierTrainingConfig.class);
        var want = training.withSeed(seed).withTaskWeight(r.taskWeight());
        String arch = r.model().equals("teacher") ? cfg.models().teacher() : cfg.models().student();
        RunSpec.require(dir, spec(r, want, arch));
        String savedModel = m.path("model").path("model").asText();
        if (!saved.equals(want) || !savedModel.equalsIgnoreCase(arch)) {
            throw new IllegalStateException(dir + " holds a run trained with other settings (" + saved + ", " + savedModel
                    + "; this config: " + want + ", " + arch + "); move it away or use another --out folder");
        }
    }

    /** What a run is trained with, as its folder records it (RunSpec). */
    static Map<String, Object> spec(ClassifierExperimentConfig.Run r, ClassifierTrainingConfig training, Object architecture) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", r.model());
        m.put("architecture", architecture);
        m.put("taskWeight", r.taskWeight());
        m.put("terms", r.terms());
        m.put("training", training);
        return m;
    }

    Path runDir(String run, long seed) {
        return out.resolve(slug(run)).resolve("seed-" + seed);
    }

    static String slug(String name) {
        return name.toLowerCase().replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "");
    }

    /** An architecture of the tutorial by name, at the data's shape; the seed fixes its initialisation. */
    static ImageClassifierGraph build(String arch, Prepared p, long seed) {
        ClassifierSpec spec = switch (arch) {
            case "deepNN" -> ClassifierSpec.deepNN(p.classes());
            case "lightNN" -> ClassifierSpec.lightNN(p.classes());
            default -> throw new IllegalArgumentException("models: '" + arch + "' is not an architecture (deepNN, lightNN)");
        };
        return ImageClassifierGraph.build(spec, p.channels(), p.height(), p.width(), DataType.FLOAT, seed);
    }

    /** Reads, subsets (stratified), splits off validation and normalises the data. */
    public static Prepared prepare(ClassifierExperimentConfig.ImageData d) throws IOException {
        ImageSet train, test;
        Path dir;
        if (d.dataset().equals("cifar10")) {
            if (d.dir() == null) {
                throw new IllegalArgumentException("data.dir: CIFAR-10 cannot be downloaded here; put its binary files ("
                        + String.join(", ", Cifar10BinaryReader.TRAIN_FILES) + ", " + Cifar10BinaryReader.TEST_FILE
                        + ") in a folder and give it as data.dir");
            }
            dir = Path.of(d.dir());
            train = Cifar10BinaryReader.read(dir, true);
            test = Cifar10BinaryReader.read(dir, false);
        } else {
            dir = d.dir() != null ? Path.of(d.dir()) : DataLocations.fashionMnist();
            train = FashionMnistReader.read(dir, true);
            test = FashionMnistReader.read(dir, false);
        }
        ImageSet[] split = train.split(d.validation(), d.seed());
        ImageSet val = split[0];
        ImageSet pool = split[1];
        ImageSet tr = pool.stratified(d.trainLimit(), d.seed());
        ImageSet te = test.stratified(d.testLimit(), d.seed());
        String norm = d.normalization() != null ? d.normalization() : train.channels() == 3 ? "tutorial" : "dataset";
        ChannelNormalization n = norm.equals("tutorial") ? ChannelNormalization.TUTORIAL : ChannelNormalization.of(tr);
        DataSet trainSet = n.apply(tr), valSet = n.apply(val), testSet = n.apply(te);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("dataset", d.dataset());
        summary.put("dir", dir.toString());
        summary.put("shape", List.of(train.channels(), train.height(), train.width()));
        summary.put("train", tr.count());
        summary.put("validation", val.count());
        summary.put("test", te.count());
        summary.put("normalization", Map.of("kind", norm, "mean", n.mean(), "std", n.std()));
        return new Prepared(new ClassifierRun.Data(trainSet, valSet, testSet), train.channels(), train.height(),
                train.width(), train.classes(), summary);
    }

    static JsonNode metrics(Path dir) throws IOException {
        return Json.MAPPER.readTree(dir.resolve(ClassifierRun.METRICS).toFile());
    }
}
