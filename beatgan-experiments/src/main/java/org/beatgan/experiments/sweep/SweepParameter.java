package org.beatgan.experiments.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;
import org.deeplearning4j.arbiter.optimize.distribution.LogUniformDistribution;
import org.deeplearning4j.arbiter.optimize.parameter.continuous.ContinuousParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.discrete.DiscreteParameterSpace;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * One searched hyperparameter: either a list of values ({@code values: [1, 2, 4, 8]}) or a
 * continuous range ({@code min}, {@code max}, optionally {@code log: true}, sampled uniformly in
 * log space, which suits weights spanning decades such as beta for attention transfer).
 *
 * <p>Names: {@code T} (temperature of every KD-type term), {@code alpha} (weight of the term
 * {@code term}, default "kd"), {@code beta} (weight of the term {@code term}, default "at"),
 * {@code lr} (learning rate), {@code width} (student ngf = ndf).
 */
public record SweepParameter(String name, List<Double> values, double min, double max, boolean log, String term) {

    public static final Set<String> NAMES = Set.of("T", "alpha", "beta", "lr", "width");

    public static SweepParameter parse(String name, JsonNode n) {
        if (!NAMES.contains(name)) {
            throw new IllegalArgumentException("sweep.parameters: unknown parameter '" + name + "', known: " + NAMES);
        }
        String term = n.path("term").asText(name.equals("alpha") ? "kd" : name.equals("beta") ? "at" : null);
        SweepParameter p;
        if (n.has("values")) {
            List<Double> values = new ArrayList<>();
            n.get("values").forEach(v -> {
                if (!v.isNumber()) {
                    throw new IllegalArgumentException("sweep.parameters." + name + ": value " + v + " is not a number");
                }
                values.add(v.asDouble());
            });
            if (values.isEmpty()) {
                throw new IllegalArgumentException("sweep.parameters." + name + ": empty list of values");
            }
            p = new SweepParameter(name, List.copyOf(values), Double.NaN, Double.NaN, false, term);
        } else if (n.has("min") && n.has("max")) {
            double min = n.get("min").asDouble(), max = n.get("max").asDouble();
            if (!(min < max)) {
                throw new IllegalArgumentException("sweep.parameters." + name + ": empty range [" + min + ", " + max
                        + "], expected min < max");
            }
            boolean log = n.path("log").asBoolean(false);
            if (log && min <= 0) {
                throw new IllegalArgumentException("sweep.parameters." + name + ": log scale needs min > 0, got " + min);
            }
            p = new SweepParameter(name, null, min, max, log, term);
        } else {
            throw new IllegalArgumentException("sweep.parameters." + name + ": give 'values: [...]' or 'min' and 'max'");
        }
        p.validateDomain();
        return p;
    }

    private void validateDomain() {
        double lo = values != null ? values.stream().mapToDouble(Double::doubleValue).min().orElseThrow() : min;
        switch (name) {
            case "T" -> require(lo > 0, "a temperature must be > 0");
            case "lr" -> require(lo > 0, "a learning rate must be > 0");
            case "alpha", "beta" -> require(lo >= 0, "a loss weight must be >= 0");
            case "width" -> {
                require(values != null, "width takes a list of values");
                require(values.stream().allMatch(v -> v >= 1 && v == Math.rint(v)), "widths must be integers >= 1");
            }
            default -> {
            }
        }
    }

    private void require(boolean ok, String why) {
        if (!ok) {
            throw new IllegalArgumentException("sweep.parameters." + name + ": " + why + " (got "
                    + (values != null ? values : "[" + min + ", " + max + "]") + ")");
        }
    }

    /** The Arbiter leaf space for this parameter. */
    public ParameterSpace<?> toArbiter() {
        if (values != null) {
            return new DiscreteParameterSpace<>(values.toArray(new Double[0]));
        }
        return log ? new ContinuousParameterSpace(new LogUniformDistribution(min, max))
                : new ContinuousParameterSpace(min, max);
    }
}
