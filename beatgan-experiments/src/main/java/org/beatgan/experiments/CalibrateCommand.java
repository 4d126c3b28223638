package org.beatgan.experiments;

import org.beatgan.core.config.DataConfig;
import org.beatgan.core.data.ExperimentData;
import org.beatgan.core.io.Json;
import org.beatgan.core.io.ModelBundle;
import org.beatgan.core.io.PretrainedModels;
import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.score.AnomalyScorer;
import org.beatgan.core.score.ScoreCalibration;
import org.beatgan.core.score.ScoringConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code ./beatgan calibrate}: stores a normal-beat score calibration in a model that has none (models
 * trained before calibrations existed, or imported from PyTorch). Training stores one by itself.
 */
@Command(name = "calibrate", mixinStandardHelpOptions = true,
        description = {"Score the validation normal beats of a data split with a saved model (eval mode) and write "
                + "the model again with their score quantiles (calibration.json), from which ./beatgan score picks its "
                + "flagging threshold at a false-alarm rate. Training stores a calibration itself; this is for older "
                + "or imported models. Only validation beats are used, never test beats.",
                "Example: ./beatgan calibrate --model runs/old/model.zip --out runs/old/model-calibrated.zip"})
public final class CalibrateCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "MODEL",
            description = "model.zip of a run, or pretrained:NAME.")
    Path model;

    @Option(names = "--out", required = true, paramLabel = "FILE",
            description = "Model file to write (may be --model itself; written atomically).")
    Path out;

    @Option(names = "--data", paramLabel = "DIR", description = "Data folder (default: the shipped MIT-BIH records).")
    String data;

    @Option(names = "--protocol", paramLabel = "P", defaultValue = "beatgan",
            description = "Split protocol the model was trained with: beatgan | clean | inter-patient "
                    + "(default: ${DEFAULT-VALUE}).")
    String protocol;

    @Option(names = "--fold", paramLabel = "K", defaultValue = "0", description = "Fold 0..4 (default: ${DEFAULT-VALUE}).")
    int fold;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0",
            description = "Seed of the split, the one the model was trained with (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        BeatGanGraph graph = ModelBundle.load(model).graph();
        DataConfig dc = new DataConfig(data, protocol, fold, 0, 0, seed);
        ExperimentData.Prepared prepared = ExperimentData.prepare(dc, graph.config().nc(), 2);
        AnomalyScorer.Scored val = AnomalyScorer.score(graph, prepared.data().validation());
        ScoreCalibration calibration = ScoreCalibration.ofNormal(val, ScoringConfig.Mode.EVAL.id());
        if (PretrainedModels.isReference(model)) {
            // a shipped model is read from the classpath: write its bytes out first, then add the entry
            java.nio.file.Files.createDirectories(out.toAbsolutePath().getParent());
            org.beatgan.core.io.AtomicFiles.write(out, o -> o.write(PretrainedModels.modelBytes(model)));
            ModelBundle.withEntries(out, out, ModelBundle.calibrationEntry(calibration));
        } else {
            ModelBundle.withEntries(model, out, ModelBundle.calibrationEntry(calibration));
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("out", out.toAbsolutePath().toString());
        summary.put("normal_validation_beats", calibration.beats());
        summary.put("threshold_at_1pct_false_alarms", calibration.thresholdAtFalseAlarmRate(0.01));
        summary.put("median_normal_score", calibration.quantile(0.5));
        System.out.println(Json.COMPACT.writeValueAsString(summary));
        return 0;
    }

    public static void main(String[] args) {
        System.exit(Cli.execute(new CalibrateCommand(), args));
    }
}
