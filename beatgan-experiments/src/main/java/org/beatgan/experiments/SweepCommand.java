package org.beatgan.experiments;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.beatgan.core.config.ExperimentConfig;
import org.beatgan.core.io.Json;
import org.beatgan.experiments.sweep.DistillationSweep;
import org.beatgan.experiments.sweep.SweepBackend;
import org.beatgan.experiments.ui.UiOptions;
import org.beatgan.experiments.ui.UiSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code ./beatgan sweep}: Arbiter search over distillation hyperparameters (T, alpha, beta, ...). */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = {"Search distillation hyperparameters with Arbiter (grid or random search) and write "
                + "results.csv, results.md, score_vs_<param>.png, best-config.yaml and best.json into --out.",
                "Every finished candidate is saved as it ends; rerunning into the same --out skips them.",
                "Example: ./beatgan sweep --config notebooks-config/distill-sweep.yaml --teacher pretrained:beatgan-mitdb-fold0 --out runs/sweep --quick"})
public final class SweepCommand implements Callable<Integer> {

    @Option(names = "--config", paramLabel = "FILE", required = true, description = "Sweep config (YAML with a 'sweep' section).")
    Path config;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "runs/sweep", description = "Results folder (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--teacher", paramLabel = "MODEL", description = "Teacher model.zip or pretrained:NAME (default: the config's sweep.teacher).")
    Path teacher;

    @picocli.CommandLine.Mixin
    UiOptions ui;

    @Option(names = "--spark", paramLabel = "MASTER", arity = "0..1", fallbackValue = "",
            description = "Train the candidates on Apache Spark, one candidate per task: local[N] for an embedded Spark, "
                    + "or no value under spark-submit (its --master). Teacher, data and --out must be on storage "
                    + "every executor sees (README, \"Sweeps on Spark\").")
    String spark;

    @Option(names = "--quick", description = "A few minutes' sweep: 3 candidates, 1 epoch, 512 training and 512 evaluation beats.")
    boolean quick;

    @Override
    public Integer call() throws Exception {
        ExperimentConfig cfg = ExperimentConfig.load(config);
        if (quick) {
            ObjectNode o = Json.MAPPER.createObjectNode();
            o.with("training").put("epochs", 1);
            o.with("data").put("trainLimit", 512).put("evalLimit", 512);
            o.with("sweep").put("candidates", Math.min(3, cfg.sweep() == null ? 3 : cfg.sweep().path("candidates").asInt(3)))
                    .put("gridPoints", 2);
            cfg = cfg.with(o);
        }
        if (spark != null && ui.ui) {
            throw new IllegalArgumentException("--ui is not served from a Spark sweep's driver (Spark's Netty and the "
                    + "UI's Vert.x clash): record the sweep with --stats-file F and view it with ./beatgan ui --stats-file F");
        }
        DistillationSweep.Outcome outcome;
        try (UiSession session = UiSession.open(ui);
             SweepBackend backend = spark == null ? null : SweepBackend.find("spark").open(spark, "beatgan sweep " + cfg.name())) {
            outcome = new DistillationSweep(cfg, teacher, out).withBackend(backend)
                    .withUi(session::reporters, session.sweepProgress(cfg.name())).run();
        }
        System.out.println(DistillationSweep.summaryJson(outcome));
        System.err.println("sweep: " + outcome.trained() + " trained, " + outcome.skipped() + " skipped (already finished), "
                + outcome.failed() + " failed; results in " + out.toAbsolutePath());
        return 0;
    }

    public static void main(String[] args) {
        System.exit(Cli.execute(new SweepCommand(), args));
    }
}
