package org.beatgan.experiments.classifier;

import org.beatgan.core.model.ClassifierModel;
import org.beatgan.core.train.LossExtension;
import org.beatgan.core.train.ObservableTraining;
import org.beatgan.core.train.TrainingListener;
import org.beatgan.core.train.classifier.ClassifierRun;
import org.beatgan.core.train.classifier.ClassifierTrainer;
import org.beatgan.core.train.classifier.ClassifierTrainingConfig;
import org.beatgan.experiments.report.RunLock;
import org.beatgan.experiments.report.RunSpec;
import org.beatgan.experiments.sweep.ArbiterSearch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * What the two classifier experiments ({@link ClassifierExperiment}, {@link PrivilegedExperiment})
 * share: their output folder and options, the finished search, and the skeleton of one run (its
 * lock, skip when finished, its spec, the trainer with the UI listeners, resume from a checkpoint).
 * The experiments differ in what they build: the models, the distiller, the data each model reads.
 */
abstract class ClassifierRuns {

    private static final Logger LOG = LoggerFactory.getLogger(ClassifierRuns.class);

    /** A run's model, its extensions (the distiller, or none) and the data it trains on. */
    record Built(ClassifierModel model, List<LossExtension> extensions, ClassifierRun.Data data) {
    }

    protected final Path out;
    protected final boolean progress;
    protected final Function<String, List<Function<ObservableTraining, TrainingListener>>> listeners;
    protected boolean reportOnly;

    ClassifierRuns(Path out, boolean progress,
                   Function<String, List<Function<ObservableTraining, TrainingListener>>> listeners) {
        this.out = out;
        this.progress = progress;
        this.listeners = listeners;
    }

    /** The finished search's best candidate, or null. */
    protected Map<String, Object> finishedSearch() throws IOException {
        return ArbiterSearch.finishedBest(out.resolve("search"));
    }

    /**
     * Trains one run into {@code dir} unless another process holds it or it is finished: builds it (under
     * the run's lock), records its spec, attaches the UI listeners, resumes from a checkpoint when there
     * is one.
     *
     * @param label    "&lt;experiment&gt; &lt;run&gt; seed &lt;s&gt;", for the log and the UI
     * @return whether this call trained it (false: finished or locked by another process)
     */
    protected boolean trainLocked(Path dir, String runName, long seed, String label, ClassifierTrainingConfig training,
                                  Map<String, Object> spec, BuildRun build) throws IOException {
        Files.createDirectories(dir);
        try (RunLock lock = RunLock.tryAcquire(dir)) {
            if (lock == null) {
                LOG.info("{} seed {}: another process is training it, skipped", runName, seed);
                return false;
            }
            if (Files.exists(dir.resolve(ClassifierRun.METRICS))) return false;
            Built b = build.build();
            RunSpec.write(dir, spec);
            ClassifierTrainer trainer = new ClassifierTrainer(b.model(), training, b.extensions());
            for (Function<ObservableTraining, TrainingListener> f : listeners.apply(label)) {
                trainer.addListener(f.apply(trainer));
            }
            boolean resume = Files.exists(dir.resolve(ClassifierRun.CHECKPOINT));
            LOG.info("{} seed {}: training {}{}", runName, seed, b.model().describe(), resume ? " (resuming)" : "");
            new ClassifierRun(trainer, b.data(), new ClassifierRun.Options(dir, resume, progress)).run();
            return true;
        }
    }

    /** Builds a run's model and extensions (may read files: the teacher's weights). */
    @FunctionalInterface
    interface BuildRun {
        Built build() throws IOException;
    }
}
