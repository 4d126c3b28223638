package org.beatgan.experiments.sweep;

import org.beatgan.core.train.ObservableTraining;
import org.beatgan.core.io.ModelBundle;

import org.beatgan.core.config.ExperimentConfig;
import org.beatgan.core.data.ExperimentData;
import org.beatgan.core.io.Json;
import org.deeplearning4j.arbiter.optimize.api.CandidateGenerator;
import org.deeplearning4j.arbiter.optimize.api.data.DataProvider;
import org.deeplearning4j.arbiter.optimize.api.termination.MaxCandidatesCondition;
import org.deeplearning4j.arbiter.optimize.api.termination.MaxTimeCondition;
import org.deeplearning4j.arbiter.optimize.config.OptimizationConfiguration;
import org.deeplearning4j.arbiter.optimize.generator.GridSearchCandidateGenerator;
import org.deeplearning4j.arbiter.optimize.generator.RandomSearchGenerator;
import org.deeplearning4j.arbiter.optimize.runner.IOptimizationRunner;
import org.deeplearning4j.arbiter.optimize.runner.LocalOptimizationRunner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.List;
import org.beatgan.core.train.TrainingListener;

/**
 * A hyperparameter search over distillation settings with Arbiter's generic framework: our search
 * space, Arbiter's grid or random candidate generator, Arbiter's LocalOptimizationRunner with
 * termination conditions, a task creator that trains one SameDiff student per candidate, and a
 * results folder that makes the sweep resumable. Ends with the report (SweepReport).
 */
public final class DistillationSweep {

    private static final Logger LOG = LoggerFactory.getLogger(DistillationSweep.class);

    /** A time limit beyond which Arbiter's end time would overflow (about 31 years): "no limit". */
    private static final double MAX_SECONDS = 1e9;

    public record Outcome(int candidates, int trained, int skipped, int failed, Map<String, Object> best) {
    }

    private final ExperimentConfig cfg;
    private final SweepSpec spec;
    private final Path teacher;
    private final Path out;
    private Function<String, List<Function<ObservableTraining, TrainingListener>>> listeners = name -> List.of();
    private Consumer<Map<String, Object>> progress = m -> { };
    private SweepBackend backend;

    /** Candidates train where {@code backend} puts them (Spark) instead of in this process. */
    public DistillationSweep withBackend(SweepBackend backend) {
        this.backend = backend;
        return this;
    }

    /** Per-candidate training listeners (UI reporters) and a sink for sweep progress records. */
    public DistillationSweep withUi(Function<String, List<Function<ObservableTraining, TrainingListener>>> listeners,
                                    Consumer<Map<String, Object>> progress) {
        this.listeners = listeners;
        this.progress = progress;
        return this;
    }

    public DistillationSweep(ExperimentConfig cfg, Path teacherOverride, Path out) {
        this.cfg = cfg;
        this.spec = SweepSpec.parse(cfg.sweep());
        this.teacher = teacherOverride != null ? teacherOverride : spec.teacher() != null ? Path.of(spec.teacher()) : null;
        this.out = out;
        if (teacher == null) {
            throw new IllegalArgumentException("No teacher: pass --teacher MODEL or set sweep.teacher");
        }
        SweepCandidates.check(cfg, spec.parameters());
        String protocol = cfg.data().protocol();
        if (!protocol.equals("beatgan") && spec.metric().startsWith("val_") && !spec.metric().equals("val_score_mean")) {
            throw new IllegalArgumentException("sweep.metric " + spec.metric() + " needs anomalies in validation, which "
                    + "protocol " + protocol + " keeps out; use metric: selection or val_score_mean");
        }
    }

    public SweepSpec spec() {
        return spec;
    }

    public Outcome run() throws IOException {
        if (!ModelBundle.exists(teacher)) {
            throw new NoSuchFileException(teacher.toString(), null, "teacher model not found");
        }
        Files.createDirectories(out);
        CandidateStore store = new CandidateStore(out);
        int before = store.all().size();
        if (before > 0) {
            LOG.info("{} finished candidates in {}: they are skipped, not retrained", before, out);
            System.err.println("sweep: " + before + " finished candidates found in " + out + "; skipping them");
        }
        SweepScore score = new SweepScore(spec.metric());
        CandidateTrainer trainer;
        DataProvider provider;
        if (backend == null) {
            ExperimentData.Prepared data = ExperimentData.prepare(cfg.data(), cfg.model().nc(), cfg.training().batchSize());
            trainer = (index, values, dir) -> CandidateTraining.train(cfg, teacher, data, index, values, dir,
                    listeners.apply(cfg.name() + " candidate " + index));
            provider = new PreparedData(data);
        } else {
            // the candidates read their beats where they train; the driver reads only the records
            trainer = backend.trainer(cfg, teacher, out);
            provider = new PreparedData(null);
            LOG.info("candidates train on {} ({} at once)", backend.name(), backend.slots());
        }
        CandidateTaskCreator tasks = new CandidateTaskCreator(trainer, store, progress, spec.candidates(),
                spec.minimize());
        DistillSearchSpace space = new DistillSearchSpace(spec.parameters());
        CandidateGenerator generator;
        if (spec.generator().equals("grid")) {
            GridSearchCandidateGenerator grid = new GridSearchCandidateGenerator(space, spec.gridPoints(),
                    GridSearchCandidateGenerator.Mode.Sequential, null);
            LOG.info("grid search: {} candidates (capped at {})", grid.getTotalNumCandidates(), spec.candidates());
            generator = grid;
        } else {
            generator = new RandomSearchGenerator(space, null);
        }
        generator.setRngSeed(spec.seed());
        OptimizationConfiguration conf = new OptimizationConfiguration.Builder()
                .candidateGenerator(generator)
                .dataProvider(provider)
                .modelSaver(store)
                .scoreFunction(score)
                .terminationConditions(new MaxCandidatesCondition(spec.candidates()),
                        new MaxTimeCondition((long) Math.ceil(Math.min(spec.maxMinutes() * 60, MAX_SECONDS)), TimeUnit.SECONDS))
                .rngSeed(spec.seed())
                .build();
        IOptimizationRunner runner = backend == null ? new LocalOptimizationRunner(spec.parallel(), conf, tasks)
                : backend.runner(conf, tasks);
        runner.execute();
        LOG.info("Arbiter: {} completed, {} failed, best score {} (candidate {})", runner.numCandidatesCompleted(),
                runner.numCandidatesFailed(), runner.bestScore(), runner.bestScoreCandidateIndex());
        Map<String, Object> best = new SweepReport(cfg, spec, out, teacher).write(store.all());
        return new Outcome(tasks.trained.get() + tasks.skipped.get() + tasks.failed.get(), tasks.trained.get(),
                tasks.skipped.get(), tasks.failed.get(), best);
    }

    /** Arbiter wants a data provider; every task reads the already prepared beats (never serialised). */
    private static final class PreparedData implements DataProvider {
        private final transient ExperimentData.Prepared data;

        PreparedData(ExperimentData.Prepared data) {
            this.data = data;
        }

        @Override
        public Object trainData(Map<String, Object> dataParameters) {
            return data;
        }

        @Override
        public Object testData(Map<String, Object> dataParameters) {
            return data;
        }

        @Override
        public Class<?> getDataType() {
            return ExperimentData.Prepared.class;
        }
    }

    static Map<String, Object> summary(Outcome o) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("candidates", o.candidates());
        m.put("trained", o.trained());
        m.put("skipped", o.skipped());
        m.put("failed", o.failed());
        m.put("best", o.best());
        return m;
    }

    public static String summaryJson(Outcome o) throws IOException {
        return Json.COMPACT.writeValueAsString(summary(o));
    }
}
