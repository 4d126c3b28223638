package org.beatgan.core.train;

import org.beatgan.core.train.ObservableTraining;
import org.beatgan.core.config.ExperimentConfig;
import org.beatgan.core.data.ExperimentData;
import org.beatgan.core.io.AtomicFiles;
import org.beatgan.core.io.Json;
import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.model.BeatGanGraphBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Runs one experiment config end to end: data, model, trainer (with any loss extensions, e.g.
 * distillation; those that are {@link Pretrainable} pre-train first when the run starts from
 * scratch), the training run into an output folder. Every command and experiment that
 * trains goes through here.
 */
public final class ExperimentRunner {

    private static final Logger LOG = LoggerFactory.getLogger(ExperimentRunner.class);

    private ExperimentRunner() {
    }

    /**
     * @param listeners one factory per listener, called with the run's trainer (a UI reporter needs
     *                  the trainer's networks and optimizers)
     */
    public record Options(Path out, boolean resume, boolean progressBar,
                          List<Function<ObservableTraining, TrainingListener>> listeners) {
        public Options(Path out, boolean resume, boolean progressBar) {
            this(out, resume, progressBar, List.of());
        }

        public Options withListeners(List<Function<ObservableTraining, TrainingListener>> more) {
            List<Function<ObservableTraining, TrainingListener>> all = new ArrayList<>(listeners);
            all.addAll(more);
            return new Options(out, resume, progressBar, all);
        }
    }

    /** Trains and returns metrics.json's content. */
    public static Map<String, Object> run(ExperimentConfig cfg,
                                          Function<BeatGanGraph, List<LossExtension>> extensions,
                                          Options options) throws IOException {
        return run(cfg, prepareData(cfg), extensions, options);
    }

    /** The config's data (split, subsets, iterators), logged; for callers that need it before the run. */
    public static ExperimentData.Prepared prepareData(ExperimentConfig cfg) throws IOException {
        ExperimentData.Prepared data = ExperimentData.prepare(cfg.data(), cfg.model().nc(), cfg.training().batchSize());
        LOG.info("data: {}", Json.COMPACT.writeValueAsString(data.summary()));
        return data;
    }

    /** As {@link #run(ExperimentConfig, Function, Options)} on already prepared data (shared by many runs). */
    public static Map<String, Object> run(ExperimentConfig cfg, ExperimentData.Prepared data,
                                          Function<BeatGanGraph, List<LossExtension>> extensions,
                                          Options options) throws IOException {
        cfg = withDataBatch(cfg, data);
        BeatGanGraph graph = BeatGanGraphBuilder.build(cfg.model(), cfg.training().seed());
        List<LossExtension> ext = extensions.apply(graph);
        TrainingRun run = trainingRun(cfg, graph, ext, data.data(), options);
        if (!TrainingRun.resumes(options.out(), options.resume())) {
            for (LossExtension e : ext) {
                if (e instanceof Pretrainable p) {
                    p.pretrain(data.withFreshIterators().data().train());
                }
            }
        }
        return run.run();
    }

    /**
     * The config with the batch size the data allows: a training set smaller than the batch trains in
     * batches of all its beats (ExperimentData logs it), and experiment.yaml and checkpoints then record
     * that batch.
     */
    public static ExperimentConfig withDataBatch(ExperimentConfig cfg, ExperimentData.Prepared data) {
        return data.batchSize() == cfg.training().batchSize() ? cfg
                : cfg.withTraining(cfg.training().withBatchSize(data.batchSize()));
    }

    /**
     * The trainer and training run of an already built graph with its extensions, listeners
     * attached and experiment.yaml written; for callers that drive the run's steps themselves.
     */
    public static TrainingRun trainingRun(ExperimentConfig cfg, BeatGanGraph graph,
                                          List<LossExtension> extensions, TrainingRun.Data data,
                                          Options options) throws IOException {
        BeatGanTrainer trainer = new BeatGanTrainer(graph, cfg.training(), new ArrayList<>(extensions));
        options.listeners().forEach(f -> trainer.addListener(f.apply(trainer)));
        Files.createDirectories(options.out());
        AtomicFiles.writeString(options.out().resolve("experiment.yaml"), Json.YAML.writeValueAsString(cfg));
        return new TrainingRun(trainer, data, new TrainingRun.Options(options.out(), options.resume(),
                options.progressBar(), cfg.scoring()));
    }
}
