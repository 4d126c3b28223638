package org.beatgan.core.model.mlp;

import org.beatgan.core.model.ClassifierModel;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The CRD experiment's MLP in SameDiff: hidden layers {@code Linear -> BatchNorm1d ->
 * LeakyReLU(0.2)} named {@code h1 .. hK}, then a {@code Linear} head of one output named
 * {@code logits} (its sigmoid is the probability of "abnormal"; the last hidden layer is also
 * {@code features}, whatever the depth), trained with class-weighted BCE:
 * {@code mean_b w_{y_b} (max(z,0) - z y + log(1 + exp(-|z|)))}. Weights Xavier-normal, biases 0,
 * batch-norm gamma 1 and beta 0 (PyTorch's defaults). Batch norm uses the batch's statistics
 * (biased variance) in training mode and running statistics (momentum 0.1, unbiased variance) in
 * inference mode, selected by the scalar placeholder {@code mode}; the running statistics are graph
 * constants moved after every step ({@link #afterStep}) and saved with the model.
 */
public final class MlpClassifierGraph implements ClassifierModel {

    public static final String INPUT = "x";
    public static final String LABELS = "labels";
    public static final String MODE = "mode";
    public static final String LOGITS = "logits";
    public static final String FEATURES = "features";
    public static final String LOSS = "loss/bce";
    public static final double BN_EPS = 1e-5;
    public static final double BN_MOMENTUM = 0.1;
    public static final double LEAK = 0.2;

    private final SameDiff sd;
    private final String name;
    private final int inputs;
    private final List<Integer> hidden;
    private final double[] classWeights;
    private final DataType dtype;
    private final List<String> parameters;
    private final List<String> state;
    private final List<String> activations;

    private MlpClassifierGraph(SameDiff sd, String name, int inputs, List<Integer> hidden, double[] classWeights,
                               DataType dtype, List<String> parameters, List<String> state, List<String> activations) {
        this.sd = sd;
        this.name = name;
        this.inputs = inputs;
        this.hidden = List.copyOf(hidden);
        this.classWeights = classWeights.clone();
        this.dtype = dtype;
        this.parameters = List.copyOf(parameters);
        this.state = List.copyOf(state);
        this.activations = List.copyOf(activations);
    }

    /**
     * @param classWeights the BCE weights of normal (0) and abnormal (1) examples
     */
    public static MlpClassifierGraph build(String name, int inputs, List<Integer> hidden, double[] classWeights,
                                           DataType dtype, long seed) {
        if (inputs < 1) throw new IllegalArgumentException(name + ": inputs = " + inputs + ", expected >= 1");
        if (hidden == null || hidden.isEmpty() || hidden.stream().anyMatch(h -> h == null || h < 1)) {
            throw new IllegalArgumentException(name + ": hidden sizes " + hidden + ", expected a non-empty list of sizes >= 1");
        }
        if (classWeights.length != 2 || !(classWeights[0] > 0) || !(classWeights[1] > 0)) {
            throw new IllegalArgumentException(name + ": class weights " + java.util.Arrays.toString(classWeights)
                    + ", expected two weights > 0");
        }
        SameDiff sd = SameDiff.create();
        SplittableRandom rng = new SplittableRandom(seed);
        SDVariable h = sd.placeHolder(INPUT, dtype, -1, inputs);
        SDVariable mode = sd.placeHolder(MODE, dtype);
        List<String> params = new ArrayList<>(), state = new ArrayList<>(), acts = new ArrayList<>();
        int in = inputs;
        for (int k = 0; k < hidden.size(); k++) {
            String l = "h" + (k + 1);
            int out = hidden.get(k);
            SDVariable w = sd.var(l + "/W", xavier(in, out, dtype, rng));
            SDVariable b = sd.var(l + "/b", Nd4j.zeros(dtype, out));
            SDVariable gamma = sd.var(l + "/bn/gamma", Nd4j.ones(dtype, out));
            SDVariable beta = sd.var(l + "/bn/beta", Nd4j.zeros(dtype, out));
            params.addAll(List.of(w.name(), b.name(), gamma.name(), beta.name()));
            SDVariable runMean = sd.constant(l + "/bn/running_mean", Nd4j.zeros(dtype, out));
            SDVariable runVar = sd.constant(l + "/bn/running_var", Nd4j.ones(dtype, out));
            state.addAll(List.of(runMean.name(), runVar.name()));
            SDVariable z = h.mmul(w).add(b);
            SDVariable mean = z.mean(l + "/bn/batch_mean", 0);
            SDVariable centred = z.sub(mean);
            SDVariable var = centred.mul(centred).mean(l + "/bn/batch_var", 0);
            SDVariable useMean = mean.mul(mode).add(runMean.mul(mode.rsub(1.0)));
            SDVariable useVar = var.mul(mode).add(runVar.mul(mode.rsub(1.0)));
            SDVariable norm = z.sub(useMean).mul(sd.math().rsqrt(useVar.add(BN_EPS))).mul(gamma).add(beta);
            h = sd.nn().leakyRelu(l, norm, LEAK);
            acts.add(l);
            in = out;
        }
        // the last hidden layer under a name that does not depend on the depth (CRD's feature)
        h = sd.identity(FEATURES, h);
        acts.add(FEATURES);
        SDVariable w = sd.var("head/W", xavier(in, 1, dtype, rng));
        SDVariable b = sd.var("head/b", Nd4j.zeros(dtype, 1));
        params.addAll(List.of(w.name(), b.name()));
        SDVariable z = sd.identity(LOGITS, h.mmul(w).add(b));
        sd.nn().sigmoid("prob", z);
        acts.add(LOGITS);
        SDVariable y = sd.placeHolder(LABELS, dtype, -1, 1);
        SDVariable weight = y.mul(classWeights[1]).add(y.rsub(1.0).mul(classWeights[0]));
        // BCE with logits, written out stably: max(z, 0) - z y + log(1 + exp(-|z|))
        SDVariable bce = sd.nn().relu(z, 0.0).sub(z.mul(y)).add(sd.math().log1p(sd.math().exp(sd.math().abs(z).neg())));
        bce.mul(weight).mean(LOSS);
        sd.setLossVariables(LOSS);
        List<String> all = new ArrayList<>(params);
        all.addAll(state);
        return new MlpClassifierGraph(sd, name, inputs, hidden, classWeights, dtype, params, all, acts);
    }

    private static INDArray xavier(int in, int out, DataType dtype, SplittableRandom rng) {
        double std = Math.sqrt(2.0 / (in + out));
        double[] v = new double[in * out];
        for (int i = 0; i < v.length; i++) v[i] = gaussian(rng) * std;
        return Nd4j.create(v, new long[]{in, out}, 'c').castTo(dtype);
    }

    private static double gaussian(SplittableRandom r) {
        double u = 1 - r.nextDouble(), v = r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }

    /** The class weights of a training set: n / (2 n_c), as scikit-learn's "balanced". */
    public static double[] balancedWeights(long normals, long abnormals) {
        if (normals < 1 || abnormals < 1) {
            throw new IllegalArgumentException("class-weighted BCE needs both classes, got " + normals + " normal and "
                    + abnormals + " abnormal examples");
        }
        double n = normals + abnormals;
        return new double[]{n / (2.0 * normals), n / (2.0 * abnormals)};
    }

    @Override
    public SameDiff sameDiff() {
        return sd;
    }

    @Override
    public DataType dataType() {
        return dtype;
    }

    @Override
    public String describe() {
        return name + " MLP " + inputs + " -> " + hidden + " -> 1";
    }

    @Override
    public List<String> activationNames() {
        return activations;
    }

    @Override
    public long[] inputShape() {
        return new long[]{inputs};
    }

    @Override
    public Map<String, INDArray> forward(INDArray x, boolean training, String... names) {
        if (x.rank() != 2 || x.size(1) != inputs) {
            throw new IllegalArgumentException(describe() + " expects (batch, " + inputs + "), got "
                    + java.util.Arrays.toString(x.shape()));
        }
        for (String n : names) {
            if (!sd.hasVariable(n)) {
                throw new IllegalArgumentException("No activation named '" + n + "' in " + describe() + "; its activations: "
                        + activations);
            }
        }
        Map<String, INDArray> feed = new LinkedHashMap<>(extraFeed((int) x.size(0), training, null));
        feed.put(INPUT, x.castTo(dtype));
        return sd.output(feed, names);
    }

    @Override
    public String taskLoss() {
        return LOSS;
    }

    @Override
    public List<String> trainableVariables() {
        return parameters;
    }

    /** One output: in the role logits, the head's z reads as the two-class logits [z, 0]. */
    @Override
    public Logits logits(String tap) {
        return tap.equals(LOGITS) ? new Logits(LOGITS, Logits.Form.BINARY) : new Logits(tap, Logits.Form.FLATTEN);
    }

    @Override
    public String inputName() {
        return INPUT;
    }

    @Override
    public String labelsName() {
        return LABELS;
    }

    @Override
    public String logitsName() {
        return LOGITS;
    }

    @Override
    public int classes() {
        return 1;
    }

    @Override
    public Map<String, INDArray> extraFeed(int batch, boolean training, SplittableRandom rng) {
        return Map.of(MODE, Nd4j.scalar(dtype, training ? 1.0 : 0.0));
    }

    @Override
    public List<String> stepOutputs() {
        List<String> out = new ArrayList<>();
        for (int k = 1; k <= hidden.size(); k++) {
            out.add("h" + k + "/bn/batch_mean");
            out.add("h" + k + "/bn/batch_var");
        }
        return out;
    }

    /** PyTorch's update: running = (1 - m) running + m batch, the variance unbiased (n / (n - 1)). */
    @Override
    public void afterStep(Map<String, INDArray> outputs, int batch) {
        for (int k = 1; k <= hidden.size(); k++) {
            String l = "h" + k + "/bn/";
            INDArray mean = outputs.get(l + "batch_mean"), var = outputs.get(l + "batch_var");
            sd.getArrForVarName(l + "running_mean").muli(1 - BN_MOMENTUM).addi(mean.castTo(dtype).mul(BN_MOMENTUM));
            double unbias = batch > 1 ? batch / (batch - 1.0) : 1.0;
            sd.getArrForVarName(l + "running_var").muli(1 - BN_MOMENTUM).addi(var.castTo(dtype).mul(BN_MOMENTUM * unbias));
        }
    }

    @Override
    public List<String> stateVariables() {
        return state;
    }

    @Override
    public Map<String, Object> describeSettings() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", name);
        m.put("inputs", inputs);
        m.put("hidden", hidden);
        m.put("class_weights", classWeights);
        m.put("params", parameterCount());
        return m;
    }

    public List<Integer> hidden() {
        return hidden;
    }
}
