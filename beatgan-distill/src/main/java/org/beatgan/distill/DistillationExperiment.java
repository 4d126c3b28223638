package org.beatgan.distill;

import org.beatgan.core.config.ExperimentConfig;
import org.beatgan.core.data.ExperimentData;
import org.beatgan.core.io.ModelBundle;
import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.train.ExperimentRunner;
import org.beatgan.core.train.GeneratorLossExtension;

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
        return ExperimentRunner.run(cfg, extensions(cfg, ModelBundle.load(teacherModel).graph()), options);
    }

    public static Map<String, Object> run(ExperimentConfig cfg, BeatGanGraph teacher, ExperimentData.Prepared data,
                                          ExperimentRunner.Options options) throws IOException {
        return ExperimentRunner.run(cfg, data, extensions(cfg, teacher), options);
    }

    /** No terms: the student trains alone (the baseline of every comparison). */
    static Function<BeatGanGraph, List<GeneratorLossExtension>> extensions(ExperimentConfig cfg, BeatGanGraph teacher) {
        DistillConfig d = DistillConfig.from(cfg.distill());
        if (d.terms().isEmpty()) {
            return g -> List.of();
        }
        return student -> List.of(new BeatGanDistillation(teacher, student, d.terms()));
    }
}
