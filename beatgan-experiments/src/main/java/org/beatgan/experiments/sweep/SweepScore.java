package org.beatgan.experiments.sweep;

import org.deeplearning4j.arbiter.optimize.api.data.DataProvider;
import org.deeplearning4j.arbiter.optimize.api.data.DataSource;
import org.deeplearning4j.arbiter.optimize.api.score.ScoreFunction;

import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Arbiter score of a candidate: a value from its training run's metrics.json (the best epoch's
 * validation record), so scoring never touches the test split.
 */
final class SweepScore implements ScoreFunction {

    private final String metric;

    SweepScore(String metric) {
        this.metric = metric;
    }

    /** The score of a finished run's metrics.json content; NaN when the run has no such value. */
    @SuppressWarnings("unchecked")
    double of(Map<String, Object> metrics) {
        Map<String, Object> best = (Map<String, Object>) metrics.get("best_epoch_record");
        if (best == null) return Double.NaN;
        if (metric.equals("selection")) {
            return "val_auc".equals(metrics.get("selection")) ? number(best, "val_auc") : -number(best, "val_score_mean");
        }
        return number(best, metric);
    }

    private static double number(Map<String, Object> m, String k) {
        Object v = m.get(k);
        return v instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    @Override
    public double score(Object model, DataProvider dataProvider, Map<String, Object> dataParameters) {
        return of(castMap(model));
    }

    @Override
    public double score(Object model, Class<? extends DataSource> dataSource, Properties dataSourceProperties) {
        return of(castMap(model));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> castMap(Object model) {
        return (Map<String, Object>) model;
    }

    @Override
    public boolean minimize() {
        return metric.equals("val_score_mean");
    }

    @Override
    public List<Class<?>> getSupportedModelTypes() {
        return List.of(Map.class);
    }

    @Override
    public List<Class<?>> getSupportedDataTypes() {
        return List.of(Object.class);
    }
}
