package org.beatgan.experiments;

import org.beatgan.core.io.Json;
import org.beatgan.experiments.report.RunReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code ./beatgan report}: a Markdown report with plots of a run folder or an experiment folder. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = {"Write run-report.md with PNG plots beside it for a train / distill run folder (loss and "
                + "validation curves, ROC / PR, test-score histograms per AAMI class, beats with reconstruction and "
                + "residual; the model.zip is scored on the test split of the run's own data config) or for an "
                + "experiment folder (comparison table, overlaid validation AUC of all runs, links to the runs).",
                "Example: ./beatgan report runs/train",
                "Example: ./beatgan report beatgan-experiments/results/teacher-paper-fold0-seed0 --eval-limit 4000 "
                        + "--out docs/example-report"})
public final class ReportCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "DIR", description = "A run folder (holds epochs.jsonl) or an experiment "
            + "folder (subfolders hold epochs.jsonl).")
    Path folder;

    @Option(names = "--out", paramLabel = "DIR", description = "Where run-report.md and the PNGs go (default: DIR).")
    Path out;

    @Option(names = "--eval-limit", paramLabel = "N", defaultValue = "0",
            description = "Score at most N test beats, stratified by class (default 0 = as the run's data config).")
    int evalLimit;

    @Option(names = "--beats", paramLabel = "K", defaultValue = "4",
            description = "Test beats drawn with reconstruction and residual: the K-1 highest-scored abnormal beats "
                    + "and a typical normal one (default: ${DEFAULT-VALUE}; 0 = none).")
    int beats;

    @Override
    public Integer call() throws Exception {
        RunReport.Written w = RunReport.write(folder, out, new RunReport.Options(evalLimit, beats));
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("report", w.report().toString());
        summary.put("kind", w.experiment() ? "experiment" : "run");
        summary.put("images", w.images().stream().map(p -> p.getFileName().toString()).toList());
        System.out.println(Json.COMPACT.writeValueAsString(summary));
        return 0;
    }

    public static void main(String[] args) {
        System.exit(Cli.execute(new ReportCommand(), args));
    }
}
