package org.beatgan.experiments;

import org.beatgan.core.config.ExperimentConfig;
import org.beatgan.core.io.Json;
import org.beatgan.distill.DistillConfig;
import org.beatgan.distill.DistillationExperiment;
import org.beatgan.distill.MutualLearning;
import org.beatgan.experiments.ui.UiOptions;
import org.beatgan.experiments.ui.UiSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code ./beatgan distill}: trains a student BeatGAN from a saved, frozen teacher, or, with a
 * {@code distill.mutual} config, peer students that learn from each other (deep mutual learning).
 */
@Command(name = "distill", mixinStandardHelpOptions = true,
        description = {"Train a student BeatGAN whose generator loss adds the config's distillation terms "
                + "(err_g = err_rec + w_adv*err_adv + sum of weight*term) against a frozen teacher; with "
                + "distill.mutual in the config, train its peer students together instead (deep mutual "
                + "learning, no teacher; each peer in --out/peer-<i>).",
                "Example: ./beatgan distill --teacher pretrained:beatgan-mitdb-fold0 "
                        + "--config notebooks-config/distill-kd-at.yaml --out runs/distill",
                "Example: ./beatgan distill --config notebooks-config/distill-dml.yaml --out runs/distill-dml"})
public final class DistillCommand implements Callable<Integer> {

    @Mixin
    ExperimentOptions experiment;

    @Option(names = "--teacher", paramLabel = "MODEL",
            description = "Teacher model.zip or pretrained:NAME (default: the config's distill.teacher).")
    Path teacher;

    @Mixin
    RunOutputOptions output;

    @Mixin
    UiOptions ui;

    @Override
    public Integer call() throws Exception {
        ExperimentConfig cfg = experiment.resolve();
        DistillConfig distill = DistillConfig.from(cfg.distill());
        if (distill.mutual() != null) {
            return mutual(cfg);
        }
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

    private int mutual(ExperimentConfig cfg) throws Exception {
        if (teacher != null) {
            throw new IllegalArgumentException("--teacher was given but the config's distill.mutual trains peers "
                    + "without a teacher; drop one of them");
        }
        Path out = output.outOr("runs/distill");
        Map<String, Map<String, Object>> peers;
        try (UiSession session = UiSession.open(ui)) {
            peers = MutualLearning.run(cfg, output.runnerOptions("runs/distill")
                    .withListeners(session.reporters(cfg.name())));
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        peers.forEach((name, metrics) -> summary.put(name, Summaries.of(out.resolve(name), metrics)));
        System.out.println(Json.COMPACT.writeValueAsString(summary));
        return 0;
    }

    public static void main(String[] args) {
        System.exit(Cli.execute(new DistillCommand(), args));
    }
}
