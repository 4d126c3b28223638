package org.beatgan.distill;

import org.beatgan.core.config.ExperimentConfig;
import org.beatgan.core.data.ExperimentData;
import org.beatgan.core.io.ModelBundle;
import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.train.ExperimentRunner;
import org.beatgan.core.train.LossExtension;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** A student training run against a saved teacher, with the config's distillation terms. */
public final class DistillationExperiment {

    private DistillationExperiment() {
    }

    public static Map<String, Object> run(ExperimentConfig cfg, Path teacherModel, ExperimentRunner.Options options)
            throws IOException {
        return run(cfg, ModelBundle.load(teacherModel).graph(), ExperimentRunner.prepareData(cfg), options);
    }

    public static Map<String, Object> run(ExperimentConfig cfg, BeatGanGraph teacher, ExperimentData.Prepared data,
                                          ExperimentRunner.Options options) throws IOException {
        return ExperimentRunner.run(cfg, data, extensions(cfg, teacher, data), options);
    }

    /**
     * No terms: the student trains alone (the baseline of every comparison). Terms with training
     * state learn the training-set size (CRD's n_data) and the run's seed from here.
     */
    static Function<BeatGanGraph, List<LossExtension>> extensions(ExperimentConfig cfg, BeatGanGraph teacher,
                                                                          ExperimentData.Prepared data) {
        DistillConfig d = DistillConfig.from(cfg.distill());
        if (d.terms().isEmpty()) {
            return g -> List.of();
        }
        return student -> List.of(new Distiller(teacher, student, d.terms(), data.train().length,
                cfg.training().seed()));
    }
}
