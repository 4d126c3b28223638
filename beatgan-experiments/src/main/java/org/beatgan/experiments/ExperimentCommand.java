package org.beatgan.experiments;

import org.beatgan.core.config.ExperimentConfig;
import org.beatgan.core.io.Json;
import org.beatgan.experiments.classifier.ClassifierExperiment;
import org.beatgan.experiments.classifier.ClassifierExperimentConfig;
import org.beatgan.experiments.classifier.PrivilegedConfig;
import org.beatgan.experiments.classifier.PrivilegedExperiment;
import org.beatgan.experiments.report.ComparisonExperiment;
import org.beatgan.experiments.ui.UiOptions;
import org.beatgan.experiments.ui.UiSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code ./beatgan experiment}: the distillation comparison (teacher vs student variants over seeds). */
@Command(name = "experiment", mixinStandardHelpOptions = true,
        description = {"Run an experiment: a BeatGAN comparison (e.g. notebooks-config/distill-comparison.yaml) or a "
                + "classifier distillation (a config with models: teacher/student, e.g. "
                + "notebooks-config/kd-tutorial-fashion-mnist.yaml). A comparison trains the "
                + "teacher (or reuse --teacher) and every student variant for every seed on the same data, then "
                + "write report.md, report.json, roc.png and pr.png into --out. Finished runs are skipped on rerun; "
                + "several processes into the same --out share the runs (each run is locked by the process training it)."})
public final class ExperimentCommand implements Callable<Integer> {

    @Option(names = "--config", paramLabel = "FILE", required = true, description = "Comparison config (YAML).")
    Path config;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "runs/comparison",
            description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--teacher", paramLabel = "MODEL", description = "Reuse a trained teacher: model.zip or pretrained:NAME (./beatgan models).")
    Path teacher;

    @Option(names = "--no-progress", description = "No console progress bar.")
    boolean noProgress;

    @Option(names = "--quick", description = "A minutes-long version of the privileged-features experiment "
            + "(6,000 training and test beats, 3 epochs, one seed, 2 search candidates).")
    boolean quick;

    @Option(names = "--report-only", description = "Train nothing: write the report from the runs finished so far "
            + "(e.g. while other processes of the same experiment train the rest).")
    boolean reportOnly;

    @picocli.CommandLine.Mixin
    UiOptions ui;

    @Override
    public Integer call() throws Exception {
        Map<String, Object> report;
        if (PrivilegedConfig.isPrivilegedExperiment(config)) {
            // contrastive distillation with privileged features (MLPs on MIT-BIH beats)
            PrivilegedConfig pcfg = PrivilegedConfig.load(config);
            if (quick) pcfg = pcfg.quick();
            try (UiSession session = UiSession.open(ui)) {
                report = new PrivilegedExperiment(pcfg, out, !noProgress && System.console() != null,
                        session::reporters).reportOnly(reportOnly).run();
            }
            System.out.println(Json.COMPACT.writeValueAsString(report.get("summary")));
            System.err.println("report: " + out.resolve("report.md").toAbsolutePath());
            return 0;
        }
        if (quick) {
            throw new IllegalArgumentException("--quick applies to the privileged-features experiment (crd-privileged*.yaml)");
        }
        if (ClassifierExperimentConfig.isClassifierExperiment(config)) {
            // a classifier distillation (the KD tutorial's experiments): its own config format
            ClassifierExperimentConfig ccfg = ClassifierExperimentConfig.load(config);
            try (UiSession session = UiSession.open(ui)) {
                report = new ClassifierExperiment(ccfg, out, !noProgress && System.console() != null,
                        session::reporters).reportOnly(reportOnly).run();
            }
            System.out.println(Json.COMPACT.writeValueAsString(report.get("summary")));
            System.err.println("report: " + out.resolve("report.md").toAbsolutePath());
            return 0;
        }
        ExperimentConfig cfg = ExperimentConfig.load(config);
        try (UiSession session = UiSession.open(ui)) {
            report = new ComparisonExperiment(cfg, out, teacher, !noProgress && System.console() != null,
                    session::reporters).reportOnly(reportOnly).run();
        }
        System.out.println(Json.COMPACT.writeValueAsString(report.get("summary")));
        System.err.println("report: " + out.resolve("report.md").toAbsolutePath());
        return 0;
    }

    public static void main(String[] args) {
        System.exit(Cli.execute(new ExperimentCommand(), args));
    }
}
