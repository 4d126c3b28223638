package org.beatgan.experiments.report;

import org.beatgan.core.config.DataConfig;
import org.beatgan.core.data.ExperimentData;
import org.beatgan.core.io.AtomicFiles;
import org.beatgan.core.io.Json;
import org.beatgan.core.io.ModelBundle;
import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.model.BeatGanGraph.Network;
import org.beatgan.core.score.AnomalyScorer;
import org.beatgan.core.score.BinaryMetrics;
import org.beatgan.core.score.ScoringConfig;
import org.beatgan.core.train.TrainingRun;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Recomputes a saved model's validation and test metrics on a data split ({@code ./beatgan
 * evaluate}): {@code metrics.json}, {@code test_curves.json} and ROC / PR plots into a folder.
 * With batch-stats scoring, eval-mode metrics are reported beside ({@code validation_eval},
 * {@code test_eval}).
 */
public final class ModelEvaluation {

    private ModelEvaluation() {
    }

    public static Map<String, Object> run(Path model, DataConfig dataConfig, ScoringConfig scoring, Path out)
            throws IOException {
        BeatGanGraph graph = ModelBundle.load(model).graph();
        // the training part is not used: any batch size the split can fill will do
        ExperimentData.Prepared data = ExperimentData.prepare(dataConfig, graph.config().nc(), 2);
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("model", model.toString());
        metrics.put("config", graph.config());
        metrics.put("params", Map.of("G", graph.parameterCount(Network.G), "D", graph.parameterCount(Network.D)));
        metrics.put("data", dataConfig);
        metrics.put("split", data.summary());
        metrics.put("scoring", scoring);
        metrics.put("validation", validation(AnomalyScorer.score(graph, data.data().validation(), scoring)));
        AnomalyScorer.Scored test = AnomalyScorer.score(graph, data.data().test(), scoring);
        metrics.put("test", TrainingRun.testMetrics(test));
        if (scoring.mode() != ScoringConfig.Mode.EVAL) {
            metrics.put("validation_eval", validation(AnomalyScorer.score(graph, data.data().validation())));
            metrics.put("test_eval", TrainingRun.testMetrics(AnomalyScorer.score(graph, data.data().test())));
        }
        Files.createDirectories(out);
        BinaryMetrics m = test.metrics();
        Map<String, Object> curves = new LinkedHashMap<>();
        curves.put("roc", Map.of("fpr", m.rocFpr(), "tpr", m.rocTpr()));
        curves.put("pr", Map.of("recall", m.prRecall(), "precision", m.prPrecision()));
        AtomicFiles.write(out.resolve(TrainingRun.CURVES), o -> Json.COMPACT.writeValue(o, curves));
        String label = String.format("%s (AUC %.4f)", model.getFileName(), m.auc());
        CurvePlots.write(out.resolve("roc.png"), "Test ROC, " + scoring.mode().id() + " scoring", "false positive rate",
                "true positive rate", Map.of(label, new CurvePlots.Curve(m.rocFpr(), m.rocTpr())));
        CurvePlots.write(out.resolve("pr.png"), "Test precision-recall, " + scoring.mode().id() + " scoring", "recall",
                "precision", Map.of(String.format("%s (AP %.4f)", model.getFileName(), m.ap()),
                        new CurvePlots.Curve(m.prRecall(), m.prPrecision())));
        AtomicFiles.write(out.resolve(TrainingRun.METRICS), o -> Json.MAPPER.writeValue(o, metrics));
        return metrics;
    }

    private static Map<String, Object> validation(AnomalyScorer.Scored val) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("score_mean", val.meanScore());
        v.put("beats", val.scores().length);
        if (val.hasBothClasses()) {
            v.putAll(TrainingRun.testMetrics(val));
        }
        return v;
    }
}
