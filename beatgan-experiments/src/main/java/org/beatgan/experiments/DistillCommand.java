package org.beatgan.experiments;

import org.beatgan.core.config.ExperimentConfig;
import org.beatgan.core.io.Json;
import org.beatgan.distill.DistillConfig;
import org.beatgan.distill.DistillationExperiment;
import org.beatgan.experiments.ui.UiOptions;
import org.beatgan.experiments.ui.UiSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code ./beatgan distill}: trains a student BeatGAN from a saved, frozen teacher. */
@Command(name = "distill", mixinStandardHelpOptions = true,
        description = {"Train a student BeatGAN whose generator loss adds the config's distillation terms "
                + "(err_g = err_rec + w_adv*err_adv + sum of weight*term) against a frozen teacher.",
                "Example: ./beatgan distill --teacher runs/train/model.zip "
                        + "--config notebooks-config/distill-kd-at.yaml --out runs/distill"})
public final class DistillCommand implements Callable<Integer> {

    @Mixin
    ExperimentOptions experiment;

    @Option(names = "--teacher", paramLabel = "MODEL",
            description = "Teacher model.zip (default: the config's distill.teacher).")
    Path teacher;

    @Mixin
    RunOutputOptions output;

    @Mixin
    UiOptions ui;

    @Override
    public Integer call() throws Exception {
        ExperimentConfig cfg = experiment.resolve();
        DistillConfig distill = DistillConfig.from(cfg.distill());
        Path teacherPath = teacher != null ? teacher
                : distill.teacher() != null ? Path.of(distill.teacher()) : null;
        if (teacherPath == null) {
            throw new IllegalArgumentException("No teacher: pass --teacher MODEL or set distill.teacher in the config");
        }
        Map<String, Object> metrics;
        try (UiSession session = UiSession.open(ui)) {
            metrics = DistillationExperiment.run(cfg, teacherPath,
                    output.runnerOptions("runs/distill").withListeners(session.reporters(cfg.name())));
        }
        System.out.println(Json.COMPACT.writeValueAsString(Summaries.of(output.outOr("runs/distill"), metrics)));
        return 0;
    }

    public static void main(String[] args) {
        System.exit(Cli.execute(new DistillCommand(), args));
    }
}
