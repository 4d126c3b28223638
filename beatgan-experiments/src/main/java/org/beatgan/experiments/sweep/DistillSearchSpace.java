package org.beatgan.experiments.sweep;

import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Arbiter search space over the distillation hyperparameters: one Arbiter leaf space per
 * {@link SweepParameter}; a candidate is the map parameter name -> value.
 */
public final class DistillSearchSpace implements ParameterSpace<Map<String, Double>> {

    private final List<SweepParameter> params;
    private final List<ParameterSpace<?>> leaves = new ArrayList<>();

    public DistillSearchSpace(List<SweepParameter> params) {
        this.params = List.copyOf(params);
        for (SweepParameter p : params) {
            leaves.add(p.toArbiter());
        }
    }

    @Override
    public Map<String, Double> getValue(double[] input) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (int i = 0; i < params.size(); i++) {
            out.put(params.get(i).name(), ((Number) leaves.get(i).getValue(input)).doubleValue());
        }
        return out;
    }

    @Override
    public int numParameters() {
        return leaves.stream().mapToInt(ParameterSpace::numParameters).sum();
    }

    @Override
    public List<ParameterSpace> collectLeaves() {
        return new ArrayList<>(leaves);
    }

    @Override
    public Map<String, ParameterSpace> getNestedSpaces() {
        Map<String, ParameterSpace> m = new LinkedHashMap<>();
        for (int i = 0; i < params.size(); i++) m.put(params.get(i).name(), leaves.get(i));
        return m;
    }

    @Override
    public boolean isLeaf() {
        return false;
    }

    @Override
    public void setIndices(int... indices) {
        throw new UnsupportedOperationException("indices are set on the leaf spaces");
    }
}
