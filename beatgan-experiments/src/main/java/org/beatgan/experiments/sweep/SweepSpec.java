package org.beatgan.experiments.sweep;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code sweep} section of a config: search space, generator, budget and score.
 *
 * @param generator  grid or random (Arbiter's GridSearchCandidateGenerator / RandomSearchGenerator)
 * @param candidates at most this many candidates (random search draws exactly this many)
 * @param gridPoints points per continuous parameter in a grid search (log-spaced on a log range)
 * @param parallel   candidates trained at once (1 suits a 2-core machine)
 * @param metric     the score: val_auc, val_ap, val_f1 (maximised), val_score_mean (minimised),
 *                   or selection (the run's own model-selection value: val_auc when validation
 *                   holds anomalies, else minus the mean validation score)
 */
public record SweepSpec(String teacher, String generator, int candidates, int gridPoints, int parallel, String metric,
                        double maxMinutes, long seed, List<SweepParameter> parameters) {

    public static final List<String> METRICS = List.of("selection", "val_auc", "val_ap", "val_f1", "val_score_mean");

    public static SweepSpec parse(JsonNode n) {
        if (n == null || n.isNull() || !n.isObject()) {
            throw new IllegalArgumentException("The config has no 'sweep' section");
        }
        String generator = n.path("generator").asText("grid");
        if (!generator.equals("grid") && !generator.equals("random")) {
            throw new IllegalArgumentException("sweep.generator = '" + generator + "', expected grid or random");
        }
        int candidates = n.path("candidates").asInt(100);
        int gridPoints = n.path("gridPoints").asInt(3);
        int parallel = n.path("parallel").asInt(1);
        double maxMinutes = n.path("maxMinutes").asDouble(24 * 60);
        if (candidates < 1 || gridPoints < 1 || parallel < 1 || !(maxMinutes > 0)) {
            throw new IllegalArgumentException("sweep: candidates, gridPoints and parallel must be >= 1 and maxMinutes > 0 (got "
                    + candidates + ", " + gridPoints + ", " + parallel + ", " + maxMinutes + ")");
        }
        String metric = n.path("metric").asText("selection");
        if (!METRICS.contains(metric)) {
            throw new IllegalArgumentException("sweep.metric = '" + metric + "', expected one of " + METRICS);
        }
        List<SweepParameter> params = new ArrayList<>();
        JsonNode p = n.path("parameters");
        p.fields().forEachRemaining(e -> params.add(SweepParameter.parse(e.getKey(), e.getValue())));
        if (params.isEmpty()) {
            throw new IllegalArgumentException("sweep.parameters is empty: nothing to search");
        }
        return new SweepSpec(n.hasNonNull("teacher") ? n.get("teacher").asText() : null, generator, candidates,
                gridPoints, parallel, metric, maxMinutes, n.path("seed").asLong(0), List.copyOf(params));
    }

    public boolean minimize() {
        return metric.equals("val_score_mean");
    }
}
