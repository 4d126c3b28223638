package org.beatgan.experiments;

import org.beatgan.core.config.ExperimentConfig;
import org.beatgan.core.data.ExperimentData;
import org.beatgan.core.io.AtomicFiles;
import org.beatgan.core.io.Json;
import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.model.BeatGanGraphBuilder;
import org.beatgan.core.train.BeatGanTrainer;
import org.beatgan.core.train.TrainingRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code ./beatgan train}: trains a BeatGAN (a teacher, or a student on its own). */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train a BeatGAN and write model.zip, epochs.jsonl, metrics.json into --out.",
                "Default: paper-width teacher (ngf=ndf=32) on a seeded subset of the shipped MIT-BIH beats."})
public final class TrainCommand implements Callable<Integer> {

    @Mixin
    ExperimentOptions experiment;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "runs/train",
            description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--resume", description = "Continue from --out's checkpoint.zip instead of starting over.")
    boolean resume;

    @Option(names = "--no-progress", description = "No console progress bar.")
    boolean noProgress;

    @Override
    public Integer call() throws Exception {
        ExperimentConfig cfg = experiment.resolve();
        ExperimentData.Prepared data = ExperimentData.prepare(cfg.data(), cfg.model().nc(),
                cfg.training().batchSize());
        System.err.println("data: " + Json.COMPACT.writeValueAsString(data.summary()));
        BeatGanGraph graph = BeatGanGraphBuilder.build(cfg.model(), cfg.training().seed());
        BeatGanTrainer trainer = new BeatGanTrainer(graph, cfg.training());
        java.nio.file.Files.createDirectories(out);
        AtomicFiles.writeString(out.resolve("experiment.yaml"), Json.YAML.writeValueAsString(cfg));
        Map<String, Object> metrics = new TrainingRun(trainer, data.data(),
                new TrainingRun.Options(out, resume, !noProgress && System.console() != null)).run();
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("out", out.toAbsolutePath().toString());
        summary.put("test", metrics.get("test"));
        summary.put("params", metrics.get("params"));
        summary.put("best_epoch", metrics.get("best_epoch"));
        System.out.println(Json.COMPACT.writeValueAsString(summary));
        return 0;
    }

    public static void main(String[] args) {
        System.exit(Cli.execute(new TrainCommand(), args));
    }
}
