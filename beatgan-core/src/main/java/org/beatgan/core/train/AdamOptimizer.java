package org.beatgan.core.train;

import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adam over a fixed set of SameDiff variables, so that G and D (and a student's adapters) each
 * have their own optimizer; {@code sd.fit} only knows one updater for all variables. Its state is
 * not part of {@code sd.save} and is persisted by checkpoints.
 *
 * <p>The update is PyTorch's {@code torch.optim.Adam} (BeatGAN's optimizer), not ND4J's
 * {@code AdamUpdater}: PyTorch adds epsilon to the bias-corrected root
 * {@code sqrt(v / (1 - beta2^t))}, ND4J (like TensorFlow) to the raw {@code sqrt(v)}. With
 * beta2 = 0.999 the raw root is 32x smaller at step 1, so ND4J's epsilon weighs ~30x more there
 * and the two differ by ~3e-7 / |g| relative for early steps (seen in the PyTorch step trace).
 */
public final class AdamOptimizer {

    private final SameDiff sd;
    /** PyTorch's default epsilon, as BeatGAN uses it. */
    public static final double EPSILON = 1e-8;

    private double lr;
    private final double beta1;
    private final double beta2;
    private final List<String> variables;
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
        this.lr = lr;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.variables = List.copyOf(variables);
        for (String v : this.variables) {
            INDArray p = sd.getArrForVarName(v);
            if (p == null) {
                throw new IllegalArgumentException("Optimizer variable '" + v + "' has no array");
            }
            INDArray m = Nd4j.zeros(p.dataType(), p.shape());
            INDArray s = Nd4j.zeros(p.dataType(), p.shape());
            state.put(v, new INDArray[]{m, s});
        }
    }

    public List<String> variables() {
        return variables;
    }

    public int iteration() {
        return iteration;
    }

    /**
     * Applies one Adam step; the gradient arrays are consumed (overwritten with the update). As
     * PyTorch: m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2, then
     * p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps). That equals libnd4j's fused
     * {@code adam_updater}, {@code lr sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps')}, with
     * eps' = eps sqrt(1 - b2^t): one native op per variable with this step's epsilon.
     */
    public void step(Map<String, INDArray> gradients, int epoch) {
        int t = iteration + 1;
        double stepEpsilon = EPSILON * Math.sqrt(1 - Math.pow(beta2, t));
        for (String v : variables) {
            INDArray g = gradients.get(v);
            if (g == null) {
                throw new IllegalStateException("No gradient for variable '" + v + "'");
            }
            INDArray[] ms = state.get(v);
            if (g.dataType() != ms[0].dataType() || !java.util.Arrays.equals(g.shape(), ms[0].shape())) {
                throw new IllegalStateException("Gradient of '" + v + "' is " + g.dataType() + " "
                        + java.util.Arrays.toString(g.shape()) + ", the variable " + ms[0].dataType() + " "
                        + java.util.Arrays.toString(ms[0].shape()));
            }
            // in place: the gradient becomes the update, the moments move
            Nd4j.exec(new org.nd4j.linalg.api.ops.impl.updaters.AdamUpdater(g, ms[1], ms[0], lr, beta1, beta2,
                    stepEpsilon, iteration));
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
        return lr;
    }

    /** Sets the rate of the next steps (a learning-rate schedule); moments are kept. */
    public void setLearningRate(double lr) {
        if (!(lr > 0) || !Double.isFinite(lr)) {
            throw new IllegalArgumentException("Invalid learning rate " + lr + ", expected a finite value > 0");
        }
        this.lr = lr;
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
