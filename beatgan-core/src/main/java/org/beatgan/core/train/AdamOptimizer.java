package org.beatgan.core.train;

import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.factory.Nd4j;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adam over a fixed set of SameDiff variables, so that G and D (and a student's adapters) each
 * have their own optimizer; {@code sd.fit} only knows one updater for all variables. Uses ND4J's
 * own Adam kernel; its state is not part of {@code sd.save} and is persisted by checkpoints.
 */
public final class AdamOptimizer {

    private final SameDiff sd;
    private final Adam config;
    private final List<String> variables;
    private final Map<String, GradientUpdater<?>> updaters = new LinkedHashMap<>();
    private final Map<String, INDArray[]> state = new LinkedHashMap<>();
    private int iteration;
    private boolean trackUpdates;
    private final Map<String, Double> lastUpdateMagnitude = new LinkedHashMap<>();

    public AdamOptimizer(SameDiff sd, List<String> variables, double lr, double beta1, double beta2) {
        if (!(lr > 0) || !(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("Invalid Adam settings lr=" + lr + ", beta1=" + beta1
                    + ", beta2=" + beta2 + "; expected lr > 0 and betas in [0, 1)");
        }
        this.sd = sd;
        this.config = new Adam(lr, beta1, beta2, Adam.DEFAULT_ADAM_EPSILON);
        this.variables = List.copyOf(variables);
        for (String v : this.variables) {
            INDArray p = sd.getArrForVarName(v);
            if (p == null) {
                throw new IllegalArgumentException("Optimizer variable '" + v + "' has no array");
            }
            INDArray m = Nd4j.zeros(p.dataType(), p.shape());
            INDArray s = Nd4j.zeros(p.dataType(), p.shape());
            state.put(v, new INDArray[]{m, s});
            AdamUpdater u = new AdamUpdater(config);
            u.setState(Map.of(AdamUpdater.M_STATE, m, AdamUpdater.V_STATE, s), false);
            updaters.put(v, u);
        }
    }

    public List<String> variables() {
        return variables;
    }

    public int iteration() {
        return iteration;
    }

    /** Applies one Adam step; the gradient arrays are consumed (overwritten with the update). */
    public void step(Map<String, INDArray> gradients, int epoch) {
        for (String v : variables) {
            INDArray g = gradients.get(v);
            if (g == null) {
                throw new IllegalStateException("No gradient for variable '" + v + "'");
            }
            updaters.get(v).applyUpdater(g, iteration, epoch);
            if (trackUpdates) {
                lastUpdateMagnitude.put(v, g.norm1Number().doubleValue() / g.length());
            }
            sd.getArrForVarName(v).subi(g);
        }
        iteration++;
    }

    /** Record the mean magnitude of every update (for the training UI); off by default. */
    public void trackUpdateMagnitudes(boolean on) {
        trackUpdates = on;
    }

    /** Mean |update| per variable of the last step, when tracking is on. */
    public Map<String, Double> lastUpdateMagnitudes() {
        return Map.copyOf(lastUpdateMagnitude);
    }

    public double learningRate() {
        return config.getLearningRate();
    }

    /** First and second moments per variable ("name#M", "name#V"), for checkpoints. */
    public Map<String, INDArray> stateArrays() {
        Map<String, INDArray> out = new LinkedHashMap<>();
        state.forEach((v, ms) -> {
            out.put(v + "#M", ms[0]);
            out.put(v + "#V", ms[1]);
        });
        return out;
    }

    public void restore(Map<String, INDArray> arrays, int iteration) {
        for (Map.Entry<String, INDArray[]> e : state.entrySet()) {
            INDArray m = arrays.get(e.getKey() + "#M");
            INDArray s = arrays.get(e.getKey() + "#V");
            if (m == null || s == null) {
                throw new IllegalArgumentException("Checkpoint lacks optimizer state for " + e.getKey());
            }
            e.getValue()[0].assign(m);
            e.getValue()[1].assign(s);
        }
        this.iteration = iteration;
    }
}
