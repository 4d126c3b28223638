package org.beatgan.experiments;

import org.beatgan.core.config.DataConfig;
import org.beatgan.core.io.Json;
import org.beatgan.core.io.PretrainedModels;
import org.beatgan.core.score.ScoringConfig;
import org.beatgan.experiments.report.ModelEvaluation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code ./beatgan evaluate}: a saved (or shipped) model's validation and test metrics, recomputed. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = {"Score a saved model (model.zip, or pretrained:NAME) on a data split and write metrics.json "
                + "(validation and test AUC / AP / best F1), test_curves.json, roc.png and pr.png into --out.",
                "Example: ./beatgan evaluate --model pretrained:beatgan-mitdb-fold0",
                "Example: ./beatgan evaluate --model runs/train/model.zip --scoring batch-stats --eval-limit 2048"})
public final class EvaluateCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "MODEL",
            description = "model.zip of a run, or pretrained:NAME (./beatgan models lists them).")
    Path model;

    @Option(names = "--data", paramLabel = "DIR", description = "Data folder (default: the shipped MIT-BIH records).")
    String data;

    @Option(names = "--protocol", paramLabel = "P", defaultValue = "beatgan",
            description = "beatgan | clean | inter-patient (default: ${DEFAULT-VALUE}).")
    String protocol;

    @Option(names = "--fold", paramLabel = "K", defaultValue = "0", description = "Fold 0..4 (default: ${DEFAULT-VALUE}).")
    int fold;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0",
            description = "Seed of the split and of the --eval-limit subsets; the one the model was trained with "
                    + "(default: ${DEFAULT-VALUE}, as the shipped models).")
    long seed;

    @Option(names = "--eval-limit", paramLabel = "N", defaultValue = "0",
            description = "At most N validation and N test beats, stratified by class (default 0 = all).")
    int evalLimit;

    @Option(names = "--scoring", paramLabel = "MODE", defaultValue = "eval",
            description = "eval (running batch-norm statistics) or batch-stats (BeatGAN's validate(): shuffled "
                    + "batches in training mode; eval-mode metrics are reported beside). Default: ${DEFAULT-VALUE}.")
    String scoring;

    @Option(names = "--scoring-batch", paramLabel = "B", defaultValue = "64",
            description = "Batch size of batch-stats scoring (default: ${DEFAULT-VALUE}).")
    int scoringBatch;

    @Option(names = "--scoring-seed", paramLabel = "S", defaultValue = "0",
            description = "Seed of the batch-stats order (default: ${DEFAULT-VALUE}).")
    long scoringSeed;

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default: runs/evaluate/<model name>).")
    Path out;

    @Override
    public Integer call() throws Exception {
        ScoringConfig sc = new ScoringConfig(ScoringConfig.Mode.of(scoring), scoringBatch, scoringSeed);
        DataConfig dc = new DataConfig(data, protocol, fold, 0, evalLimit, seed);
        Path dir = out != null ? out : Path.of("runs", "evaluate", PretrainedModels.isReference(model)
                ? model.toString().substring(PretrainedModels.SCHEME.length())
                : model.toAbsolutePath().getParent().getFileName().toString());
        Map<String, Object> metrics = ModelEvaluation.run(model, dc, sc, dir);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("out", dir.toAbsolutePath().toString());
        for (String k : new String[]{"validation", "test", "validation_eval", "test_eval"}) {
            if (metrics.containsKey(k)) summary.put(k, metrics.get(k));
        }
        System.out.println(Json.COMPACT.writeValueAsString(summary));
        return 0;
    }

    public static void main(String[] args) {
        System.exit(Cli.execute(new EvaluateCommand(), args));
    }
}
