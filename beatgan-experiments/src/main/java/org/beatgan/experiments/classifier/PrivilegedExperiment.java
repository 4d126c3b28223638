package org.beatgan.experiments.classifier;

import com.fasterxml.jackson.databind.JsonNode;
import org.beatgan.core.data.ExperimentData;
import org.beatgan.core.data.ecg.AamiClass;
import org.beatgan.core.data.ecg.BeatSet;
import org.beatgan.core.data.ecg.BeatSetCache;
import org.beatgan.core.data.ecg.PrivilegedBeats;
import org.beatgan.core.data.ecg.SplitProtocol;
import org.beatgan.core.io.AtomicFiles;
import org.beatgan.core.io.DataLocations;
import org.beatgan.core.io.Json;
import org.beatgan.core.model.mlp.MlpClassifierGraph;
import org.beatgan.core.score.BinaryMetrics;
import org.beatgan.core.train.LossExtension;
import org.beatgan.core.train.ObservableTraining;
import org.beatgan.core.train.TrainingListener;
import org.beatgan.core.train.classifier.ClassifierBundle;
import org.beatgan.core.train.classifier.ClassifierRun;
import org.beatgan.core.train.classifier.ClassifierTrainingConfig;
import org.beatgan.core.train.classifier.LrSchedule;
import org.beatgan.distill.Distiller;
import org.beatgan.experiments.report.RunSpec;
import org.beatgan.experiments.sweep.ArbiterSearch;
import org.beatgan.experiments.sweep.SweepParameter;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

/**
 * Contrastive representation distillation with privileged features on MIT-BIH: a teacher MLP
 * reads both leads and the beat's RR intervals, the student MLP the MLII lead only; per seed the
 * teacher, then the student runs (alone, + KD, + KD + CRD), then, after the Arbiter student search
 * (validation F1), the searched student; one table of the abnormal class on the DS2 test records.
 * Beats: the inter-patient protocol (DS1 for training and a stratified validation part, DS2 for
 * test). Runs and search candidates are kept and skipped on rerun.
 */
public final class PrivilegedExperiment extends ClassifierRuns {

    private static final Logger LOG = LoggerFactory.getLogger(PrivilegedExperiment.class);
    static final String SEARCHED = "student+search";

    /** Both views of the three splits, the training class weights and what the data is. */
    public record Prepared(PrivilegedBeats train, PrivilegedBeats validation, PrivilegedBeats test,
                           double[] classWeights, Map<String, Object> summary) {

        ClassifierRun.Data teacherData() {
            return new ClassifierRun.Data(train.teacherSet(), validation.teacherSet(), test.teacherSet());
        }

        ClassifierRun.Data studentData() {
            return new ClassifierRun.Data(train.studentSet(), validation.studentSet(), test.studentSet());
        }
    }

    private final PrivilegedConfig cfg;

    /** Trains nothing: the report from the runs (and the search) finished so far. */
    public PrivilegedExperiment reportOnly(boolean on) {
        this.reportOnly = on;
        return this;
    }

    public PrivilegedExperiment(PrivilegedConfig cfg, Path out, boolean progress,
                                Function<String, List<Function<ObservableTraining, TrainingListener>>> listeners) {
        super(out, progress, listeners);
        this.cfg = cfg;
    }

    public Map<String, Object> run() throws IOException {
        Prepared p = prepare(cfg.privileged());
        LOG.info("data: {}", Json.COMPACT.writeValueAsString(p.summary()));
        Map<String, Object> searched = null;
        if (cfg.search() != null) searched = reportOnly ? finishedSearch() : search(p);
        List<PrivilegedReport.Row> rows = new ArrayList<>();
        List<ClassifierExperimentConfig.Run> runs = new ArrayList<>(cfg.runs());
        for (long seed : cfg.seeds()) {
            for (ClassifierExperimentConfig.Run r : runs) rows.add(runOrFail(r, seed, p, cfg.training(), cfg.student().hidden()));
            if (searched != null) {
                ClassifierExperimentConfig.Run base = runs.stream().filter(r -> r.name().equals(cfg.search().run())).findFirst().orElseThrow();
                ClassifierExperimentConfig.Run s = new ClassifierExperimentConfig.Run(SEARCHED, "student", base.taskWeight(), base.terms());
                rows.add(runOrFail(s, seed, p, trainingOf(searched), hiddenOf(searched)));
            }
        }
        return new PrivilegedReport(cfg, rows, p.summary(), searched, out).write();
    }

    private PrivilegedReport.Row runOrFail(ClassifierExperimentConfig.Run r, long seed, Prepared p,
                                           ClassifierTrainingConfig training, List<Integer> hidden) {
        Path dir = runDir(r.name(), seed);
        try {
            if (!reportOnly) train(r, seed, p, training, hidden, dir);
            if (!Files.exists(dir.resolve(ClassifierRun.METRICS))) {
                return PrivilegedReport.Row.failed(r.name(), seed, new IllegalStateException(reportOnly
                        ? "not finished yet" : "another process is training it"));
            }
            return PrivilegedReport.Row.of(r.name(), seed, dir);
        } catch (Exception e) {
            LOG.warn("{} seed {} failed: {}", r.name(), seed, e.toString());
            return PrivilegedReport.Row.failed(r.name(), seed, e);
        }
    }

    Path runDir(String run, long seed) {
        return out.resolve(ClassifierExperiment.slug(run)).resolve("seed-" + seed);
    }

    /** The teacher of a seed: trained (once) on the teacher's view. */
    private Path teacher(long seed, Prepared p) throws IOException {
        ClassifierExperimentConfig.Run t = cfg.runs().stream().filter(x -> x.model().equals("teacher")).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("runs: distilled runs need a run of the teacher (model: teacher)"));
        Path dir = runDir(t.name(), seed);
        train(t, seed, p, cfg.training(), cfg.student().hidden(), dir);
        Path m = dir.resolve(ClassifierRun.MODEL);
        if (!Files.exists(dir.resolve(ClassifierRun.METRICS))) throw new IOException("the teacher of seed " + seed + " is not trained yet");
        return m;
    }

    private MlpClassifierGraph teacherModel(Prepared p, long seed) {
        return MlpClassifierGraph.build("teacher", p.train().teacherWidth(), cfg.teacher().hidden(), p.classWeights(),
                DataType.FLOAT, seed);
    }

    /** Trains one run into {@code dir} unless it is finished or another process holds it. */
    private void train(ClassifierExperimentConfig.Run r, long seed, Prepared p, ClassifierTrainingConfig training,
                       List<Integer> hidden, Path dir) throws IOException {
        if (Files.exists(dir.resolve(ClassifierRun.METRICS))) {
            requireSameSettings(r, seed, training, hidden, dir);
            return;
        }
        Path teacherFile = r.distilled() ? teacher(seed, p) : null;
        boolean isTeacher = r.model().equals("teacher");
        ClassifierTrainingConfig t = training.withSeed(seed).withTaskWeight(r.taskWeight());
        MlpClassifierGraph[] trained = new MlpClassifierGraph[1];
        boolean ran = trainLocked(dir, r.name(), seed, cfg.name() + " " + r.name() + " seed " + seed, t,
                ClassifierExperiment.spec(r, t, isTeacher ? cfg.teacher().hidden() : hidden), () -> {
                    MlpClassifierGraph model = isTeacher ? teacherModel(p, seed)
                            : MlpClassifierGraph.build("student", p.train().studentWidth(), hidden, p.classWeights(),
                            DataType.FLOAT, seed);
                    List<LossExtension> ext = new ArrayList<>();
                    if (r.distilled()) {
                        MlpClassifierGraph teacher = teacherModel(p, seed);
                        ClassifierBundle.restore(teacher.sameDiff(), teacherFile, false);
                        INDArray teacherTrain = p.train().teacherFeatures();
                        ext.add(Distiller.privileged(teacher, model, r.terms(), p.train().size(), seed,
                                batch -> Nd4j.pullRows(teacherTrain, 1, batch.requireIndices("the privileged teacher's view"))));
                    }
                    trained[0] = model;
                    return new Built(model, ext, isTeacher ? p.teacherData() : p.studentData());
                });
        if (ran) {
            // a finished ClassifierRun leaves the best epoch's weights in the model
            evaluate(trained[0], isTeacher ? p.test().teacherSet() : p.test().studentSet(), p.test(), dir);
        }
    }

    /** A finished run counts only if this config would train it the same way (training settings, hidden sizes). */
    private void requireSameSettings(ClassifierExperimentConfig.Run r, long seed, ClassifierTrainingConfig training,
                                     List<Integer> hidden, Path dir) throws IOException {
        JsonNode m = Json.MAPPER.readTree(dir.resolve(ClassifierRun.METRICS).toFile());
        ClassifierTrainingConfig saved = Json.MAPPER.treeToValue(m.path("training"), ClassifierTrainingConfig.class);
        ClassifierTrainingConfig want = training.withSeed(seed).withTaskWeight(r.taskWeight());
        List<Integer> savedHidden = new ArrayList<>();
        m.path("model").path("hidden").forEach(h -> savedHidden.add(h.asInt()));
        List<Integer> wantHidden = r.model().equals("teacher") ? cfg.teacher().hidden() : hidden;
        RunSpec.require(dir, ClassifierExperiment.spec(r, want, wantHidden));
        if (!saved.equals(want) || !savedHidden.equals(wantHidden)) {
            throw new IllegalStateException(dir + " holds a run trained with other settings (" + saved + ", hidden "
                    + savedHidden + "; this config: " + want + ", hidden " + wantHidden + "); move it away or use another --out folder");
        }
    }

    /**
     * The abnormal class on the test set (threshold 0.5) and every AAMI class's recall, into
     * test_detail.json; {@code model} holds the best epoch's weights (a finished ClassifierRun leaves them).
     */
    static Map<String, Object> evaluate(MlpClassifierGraph model, DataSet test, PrivilegedBeats beats, Path dir) throws IOException {
        int n = (int) test.numExamples();
        double[] prob = new double[n];
        int[] labels = new int[n];
        for (int from = 0; from < n; from += 1024) {
            int to = Math.min(n, from + 1024);
            INDArray x = test.getFeatures().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to),
                    org.nd4j.linalg.indexing.NDArrayIndex.all());
            INDArray z = model.forward(x, false, MlpClassifierGraph.LOGITS).get(MlpClassifierGraph.LOGITS);
            for (int i = from; i < to; i++) prob[i] = 1 / (1 + Math.exp(-z.getDouble(i - from, 0)));
        }
        Map<AamiClass, int[]> perClass = new LinkedHashMap<>();
        long tp = 0, fp = 0, fn = 0;
        for (int i = 0; i < n; i++) {
            labels[i] = beats.beats().isAnomaly(i) ? 1 : 0;
            boolean abnormal = prob[i] >= 0.5;
            int[] c = perClass.computeIfAbsent(beats.beats().label(i), k -> new int[2]);
            c[1]++;
            // recall of a class: normal beats called normal, abnormal beats called abnormal
            if (abnormal == beats.beats().isAnomaly(i)) c[0]++;
            if (abnormal && labels[i] == 1) tp++;
            if (abnormal && labels[i] == 0) fp++;
            if (!abnormal && labels[i] == 1) fn++;
        }
        BinaryMetrics m = BinaryMetrics.of(prob, labels);
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("beats", n);
        d.put("abnormal", m.positives());
        d.put("f1", tp + fp + fn == 0 ? 0.0 : 2.0 * tp / (2.0 * tp + fp + fn));
        d.put("auc", m.auc());
        d.put("ap", m.ap());
        d.put("sensitivity", tp + fn == 0 ? Double.NaN : tp / (double) (tp + fn));
        d.put("precision", tp + fp == 0 ? 0.0 : tp / (double) (tp + fp));
        Map<String, Object> recall = new LinkedHashMap<>();
        for (AamiClass c : AamiClass.values()) {
            int[] v = perClass.get(c);
            recall.put(c.name(), v == null ? null : Map.of("recall", v[0] / (double) v[1], "beats", v[1]));
        }
        d.put("class_recall", recall);
        AtomicFiles.write(dir.resolve(PrivilegedReport.DETAIL), o -> Json.MAPPER.writeValue(o, d));
        return d;
    }

    // ---- the student search ---------------------------------------------------------------

    private List<List<Integer>> hiddenChoices() {
        List<List<Integer>> out = new ArrayList<>();
        JsonNode h = cfg.search().parameters().get("hidden");
        if (h == null) return List.of(cfg.student().hidden());
        for (JsonNode v : h.path("values")) {
            List<Integer> sizes = new ArrayList<>();
            v.forEach(x -> sizes.add(x.asInt()));
            out.add(new PrivilegedConfig.Mlp(sizes).hidden());   // validated as any hidden sizes
        }
        if (out.isEmpty()) throw new IllegalArgumentException("search.parameters.hidden: expected values: [[...], ...]");
        return out;
    }

    private List<SweepParameter> searchParameters() {
        List<SweepParameter> ps = new ArrayList<>();
        for (var e : cfg.search().parameters().entrySet()) {
            if (e.getKey().equals("hidden")) {
                List<Double> idx = new ArrayList<>();
                for (int i = 0; i < hiddenChoices().size(); i++) idx.add((double) i);
                ps.add(new SweepParameter("hidden", idx, 0, 0, false, null));
                continue;
            }
            JsonNode n = e.getValue();
            if (n.has("values")) {
                List<Double> v = new ArrayList<>();
                n.get("values").forEach(x -> v.add(x.asDouble()));
                if (v.isEmpty() || v.stream().anyMatch(x -> !(x > 0) && !(e.getKey().equals("reg") && x == 0))) {
                    throw new IllegalArgumentException("search.parameters." + e.getKey() + ": values " + v + " must be > 0");
                }
                ps.add(new SweepParameter(e.getKey(), v, 0, 0, false, null));
            } else {
                double min = n.path("min").asDouble(Double.NaN), max = n.path("max").asDouble(Double.NaN);
                boolean log = n.path("log").asBoolean(false);
                if (!(min < max) || (log && !(min > 0)) || min < 0) {
                    throw new IllegalArgumentException("search.parameters." + e.getKey() + ": expected 0 <= min < max (min > 0 "
                            + "with log), got " + n);
                }
                ps.add(new SweepParameter(e.getKey(), null, min, max, log, null));
            }
        }
        return ps;
    }

    private ClassifierTrainingConfig trainingOf(Map<String, Object> best) {
        @SuppressWarnings("unchecked") Map<String, Number> v = (Map<String, Number>) best.get("params");
        ClassifierTrainingConfig t = cfg.training();
        double lr = v.containsKey("lr") ? v.get("lr").doubleValue() : t.lr();
        double reg = v.containsKey("reg") ? v.get("reg").doubleValue() : t.weightDecay();
        double minLr = v.containsKey("minLr") ? v.get("minLr").doubleValue() : t.schedule().minLr();
        LrSchedule s = t.schedule();
        LrSchedule schedule = new LrSchedule(s.kind(), s.factor(), s.patience(), s.threshold(), minLr, s.stepSize(), s.gamma());
        return new ClassifierTrainingConfig(t.epochs(), t.batchSize(), lr, t.beta1(), t.beta2(), reg, t.taskWeight(),
                t.seed(), schedule, t.selection());
    }

    private List<Integer> hiddenOf(Map<String, Object> best) {
        @SuppressWarnings("unchecked") Map<String, Number> v = (Map<String, Number>) best.get("params");
        return v.containsKey("hidden") ? hiddenChoices().get(v.get("hidden").intValue()) : cfg.student().hidden();
    }

    /** Runs the search (seed search.seed, its own epochs); returns the best candidate's record. */
    private Map<String, Object> search(Prepared p) throws IOException {
        PrivilegedConfig.Search s = cfg.search();
        ClassifierExperimentConfig.Run base = cfg.runs().stream().filter(r -> r.name().equals(s.run())).findFirst().orElseThrow();
        List<SweepParameter> params = searchParameters();
        List<List<Integer>> hidden = hiddenChoices();
        Path dir = out.resolve("search");
        List<Map<String, Object>> all = ArbiterSearch.run(dir, params, s.generator(), s.gridPoints(), s.candidates(), s.seed(),
                (values, runDir) -> {
                    Map<String, Object> fake = Map.of("params", values);
                    ClassifierTrainingConfig t = trainingOf(fake).withEpochs(s.epochs());
                    if (t.schedule().minLr() > t.lr()) {
                        throw new IllegalArgumentException("minLr " + t.schedule().minLr() + " > lr " + t.lr());
                    }
                    List<Integer> h = values.containsKey("hidden") ? hidden.get(values.get("hidden").intValue()) : cfg.student().hidden();
                    train(base, s.seed(), p, t, h, runDir);
                    JsonNode m = Json.MAPPER.readTree(runDir.resolve(ClassifierRun.METRICS).toFile());
                    Map<String, Object> r = new LinkedHashMap<>();
                    r.put("score", m.path("best_epoch_record").path("val_f1").asDouble(Double.NaN));
                    r.put("hidden", h);
                    r.put("best_epoch", m.path("best_epoch").asInt());
                    return r;
                });
        Map<String, Object> best = ArbiterSearch.summarise(dir, all);
        LOG.info("search: best {} (val F1 {})", best.get("params"), best.get("score"));
        return best;
    }

    // ---- data ------------------------------------------------------------------------------

    /** Two-lead beats of the 44 records, both views, DS1 split into training and stratified validation, DS2 for test. */
    public static Prepared prepare(PrivilegedConfig.Privileged d) throws IOException {
        Path mitdb = d.mitdb() != null ? Path.of(d.mitdb()) : DataLocations.mitdb();
        BeatSet beats = new BeatSetCache(ExperimentData.cacheDir()).loadOrBuild(mitdb, 2).beats();
        PrivilegedBeats all = PrivilegedBeats.of(beats, mitdb);
        List<Integer> ds1 = new ArrayList<>(), ds2 = new ArrayList<>();
        for (int i = 0; i < beats.size(); i++) {
            if (SplitProtocol.DS1.contains(beats.record(i))) ds1.add(i);
            else if (SplitProtocol.DS2.contains(beats.record(i))) ds2.add(i);
        }
        int[][] split = stratifiedSplit(all, ds1, d.validation(), d.seed());
        int[] train = limit(all, split[1], d.trainLimit(), d.seed() + 1);
        int[] test = limit(all, ds2.stream().mapToInt(Integer::intValue).toArray(), d.testLimit(), d.seed() + 2);
        PrivilegedBeats tr = all.subset(train), va = all.subset(split[0]), te = all.subset(test);
        long abnormal = 0;
        for (int i = 0; i < tr.size(); i++) if (tr.beats().isAnomaly(i)) abnormal++;
        double[] weights = MlpClassifierGraph.balancedWeights(tr.size() - abnormal, abnormal);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("mitdb", mitdb.toString());
        summary.put("train", Map.of("beats", tr.size(), "per_class", tr.beats().countsPerClass()));
        summary.put("validation", Map.of("beats", va.size(), "per_class", va.beats().countsPerClass()));
        summary.put("test", Map.of("beats", te.size(), "per_class", te.beats().countsPerClass()));
        summary.put("class_weights", weights);
        summary.put("teacher_inputs", all.teacherWidth());
        summary.put("student_inputs", all.studentWidth());
        return new Prepared(tr, va, te, weights, summary);
    }

    /** {validation, training} indices: a seeded fraction of each label's beats for validation. */
    static int[][] stratifiedSplit(PrivilegedBeats all, List<Integer> pool, double fraction, long seed) {
        List<Integer> val = new ArrayList<>(), train = new ArrayList<>();
        for (int label = 0; label <= 1; label++) {
            List<Integer> members = new ArrayList<>();
            for (int i : pool) if ((all.beats().isAnomaly(i) ? 1 : 0) == label) members.add(i);
            java.util.Collections.shuffle(members, new Random(seed * 31 + label));
            int nv = (int) Math.round(members.size() * fraction);
            val.addAll(members.subList(0, nv));
            train.addAll(members.subList(nv, members.size()));
        }
        java.util.Collections.sort(val);
        java.util.Collections.sort(train);
        return new int[][]{val.stream().mapToInt(Integer::intValue).toArray(), train.stream().mapToInt(Integer::intValue).toArray()};
    }

    /** A stratified, seeded subset of at most {@code limit} (0: all). */
    static int[] limit(PrivilegedBeats all, int[] idx, int limit, long seed) {
        if (limit <= 0 || limit >= idx.length) return idx;
        List<Integer> l = new ArrayList<>();
        for (int i : idx) l.add(i);
        List<Integer> ab = l.stream().filter(i -> all.beats().isAnomaly(i)).collect(java.util.stream.Collectors.toList());
        List<Integer> no = l.stream().filter(i -> !all.beats().isAnomaly(i)).collect(java.util.stream.Collectors.toList());
        java.util.Collections.shuffle(ab, new Random(seed));
        java.util.Collections.shuffle(no, new Random(seed + 7));
        int na = (int) Math.round((double) limit * ab.size() / idx.length);
        List<Integer> keep = new ArrayList<>(ab.subList(0, na));
        keep.addAll(no.subList(0, limit - na));
        java.util.Collections.sort(keep);
        return keep.stream().mapToInt(Integer::intValue).toArray();
    }
}
