package org.beatgan.experiments;

import org.beatgan.core.config.ExperimentConfig;
import org.beatgan.core.io.Json;
import org.beatgan.core.train.ExperimentRunner;
import org.beatgan.experiments.ui.UiOptions;
import org.beatgan.experiments.ui.UiSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code ./beatgan train}: trains a BeatGAN (a teacher, or a student on its own). */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train a BeatGAN and write model.zip, epochs.jsonl, metrics.json into --out.",
                "Default: paper-width teacher (ngf=ndf=32) on a seeded subset of the shipped MIT-BIH beats."})
public final class TrainCommand implements Callable<Integer> {

    @Mixin
    ExperimentOptions experiment;

    @Mixin
    RunOutputOptions output;

    @Mixin
    UiOptions ui;

    @Override
    public Integer call() throws Exception {
        ExperimentConfig cfg = experiment.resolve();
        Map<String, Object> metrics;
        try (UiSession session = UiSession.open(ui)) {
            metrics = ExperimentRunner.run(cfg, g -> List.of(),
                    output.runnerOptions("runs/train").withListeners(session.reporters(cfg.name())));
        }
        System.out.println(Json.COMPACT.writeValueAsString(Summaries.of(output.outOr("runs/train"), metrics)));
        return 0;
    }

    public static void main(String[] args) {
        System.exit(Cli.execute(new TrainCommand(), args));
    }
}
