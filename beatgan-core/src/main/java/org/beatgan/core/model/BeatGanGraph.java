package org.beatgan.core.model;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A built BeatGAN: the SameDiff graph plus what a trainer needs to know about it (which variables
 * belong to G and D, where the batch-norm statistics live). Not thread-safe: batch-norm mode is a
 * graph constant switched in place.
 */
public final class BeatGanGraph implements DistillableModel {

    /** Scalar constant: 1 = batch statistics (training), 0 = running statistics (inference). */
    public static final String BN_MODE = "bn/training";
    /** Scalar constant: weight of the adversarial feature-matching term in loss/G. */
    public static final String W_ADV = "loss/w_adv";
    /** PyTorch's default batch-norm momentum, used by BeatGAN. */
    public static final double BN_MOMENTUM = 0.1;

    public enum Network { G, D }

    /**
     * The passes of a training step whose batch statistics move running statistics: G on the
     * beats, and D on the beats, on G(x) for D's loss ({@code Dfake}) and on G(x) for G's
     * adversarial term ({@code Dadv}). Each publishes its batch statistics under its own prefix
     * ({@code G/enc/bn2/batch_mean}, {@code D/bn2/batch_mean}, {@code Dfake/bn2/batch_mean},
     * {@code Dadv/bn2/batch_mean}); the D passes all move D's running statistics.
     */
    public enum StatisticsPass {
        G(Network.G, null), D_REAL(Network.D, "D"), D_FAKE(Network.D, "Dfake"), D_ADVERSARIAL(Network.D, "Dadv");

        private final Network network;
        private final String prefix;

        StatisticsPass(Network network, String prefix) {
            this.network = network;
            this.prefix = prefix;
        }

        public Network network() {
            return network;
        }

        /** The name a statistic of D's batch norm {@code "D/bn2"} has in this pass ({@code "Dfake/bn2"}). */
        public String statisticName(String batchNorm) {
            return prefix == null ? batchNorm : prefix + batchNorm.substring(batchNorm.indexOf('/'));
        }
    }

    private final SameDiff sd;
    private final BeatGanConfig config;
    private final DataType dtype;
    private final List<ParamSpec> gParams;
    private final List<ParamSpec> dParams;
    private final List<BatchNormStats> gBatchNorms;
    private final List<BatchNormStats> dBatchNorms;
    private final List<BatchNormStats> dFakeBatchNorms;
    private final List<BatchNormStats> dAdversarialBatchNorms;

    BeatGanGraph(SameDiff sd, BeatGanConfig config, DataType dtype, List<ParamSpec> gParams,
                 List<ParamSpec> dParams, List<BatchNormStats> gBatchNorms, List<BatchNormStats> dBatchNorms,
                 List<BatchNormStats> dFakeBatchNorms, List<BatchNormStats> dAdversarialBatchNorms) {
        this.sd = sd;
        this.config = config;
        this.dtype = dtype;
        this.gParams = List.copyOf(gParams);
        this.dParams = List.copyOf(dParams);
        this.gBatchNorms = List.copyOf(gBatchNorms);
        this.dBatchNorms = List.copyOf(dBatchNorms);
        this.dFakeBatchNorms = List.copyOf(dFakeBatchNorms);
        this.dAdversarialBatchNorms = List.copyOf(dAdversarialBatchNorms);
    }

    public SameDiff sameDiff() {
        return sd;
    }

    public BeatGanConfig config() {
        return config;
    }

    public DataType dataType() {
        return dtype;
    }

    public List<ParamSpec> params(Network net) {
        return net == Network.G ? gParams : dParams;
    }

    public List<String> paramNames(Network net) {
        return params(net).stream().map(ParamSpec::name).toList();
    }

    public List<BatchNormStats> batchNorms(Network net) {
        return net == Network.G ? gBatchNorms : dBatchNorms;
    }

    /** The batch norms of one pass: their running statistics and where the pass publishes its batch statistics. */
    public List<BatchNormStats> batchNorms(StatisticsPass pass) {
        return switch (pass) {
            case G -> gBatchNorms;
            case D_REAL -> dBatchNorms;
            case D_FAKE -> dFakeBatchNorms;
            case D_ADVERSARIAL -> dAdversarialBatchNorms;
        };
    }

    /** Number of trainable scalars (BN affine included, running statistics excluded). */
    public long parameterCount(Network net) {
        long n = 0;
        for (ParamSpec p : params(net)) {
            n += sd.getArrForVarName(p.name()).length();
        }
        return n;
    }

    public INDArray array(String name) {
        INDArray a = sd.getArrForVarName(name);
        if (a == null) {
            throw new IllegalArgumentException("No array named '" + name + "' in the BeatGAN graph");
        }
        return a;
    }

    /** BeatGAN's initialisation of both networks (Xavier-normal convs, BN gamma ~ N(1, 0.02), beta 0). */
    public void initialize(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        initialize(gParams, rng.split());
        initialize(dParams, rng.split());
        resetRunningStatistics(gBatchNorms);
        resetRunningStatistics(dBatchNorms);
    }

    /**
     * BeatGAN's rule when D collapses: fresh D weights. As BeatGAN's {@code D.apply(weights_init)},
     * which sets conv weights and batch-norm affine parameters only, D's optimizer state and its
     * batch-norm running statistics are kept.
     */
    public void reinitializeDiscriminator(long seed) {
        initialize(dParams, new SplittableRandom(seed));
    }

    private void initialize(List<ParamSpec> params, SplittableRandom rng) {
        java.util.Random gauss = new java.util.Random(rng.nextLong());
        for (ParamSpec p : params) {
            INDArray arr = array(p.name());
            double[] values = new double[(int) arr.length()];
            switch (p.kind()) {
                case CONV_WEIGHT -> {
                    double std = Math.sqrt(2.0 / p.fanSum());
                    for (int i = 0; i < values.length; i++) values[i] = gauss.nextGaussian() * std;
                }
                case BN_GAMMA -> {
                    for (int i = 0; i < values.length; i++) values[i] = 1.0 + 0.02 * gauss.nextGaussian();
                }
                case BN_BETA -> {
                    // zeros
                }
            }
            arr.assign(Nd4j.create(values, arr.shape(), dtype));
        }
    }

    private void resetRunningStatistics(List<BatchNormStats> bns) {
        for (BatchNormStats bn : bns) {
            array(bn.runningMean()).assign(0.0);
            array(bn.runningVar()).assign(1.0);
        }
    }

    public void setTrainingMode(boolean training) {
        array(BN_MODE).assign(training ? 1.0 : 0.0);
    }

    public boolean isTrainingMode() {
        return array(BN_MODE).getDouble(0) != 0.0;
    }

    public void setAdversarialWeight(double wAdv) {
        if (!(wAdv >= 0) || Double.isInfinite(wAdv)) {
            throw new IllegalArgumentException("w_adv = " + wAdv + ", expected a finite weight >= 0");
        }
        array(W_ADV).assign(wAdv);
    }

    /** Names of the batch statistics of a network's primary pass (G on the beats, D on the beats). */
    public List<String> batchStatisticOutputs(Network net) {
        return batchStatisticOutputs(net == Network.G ? StatisticsPass.G : StatisticsPass.D_REAL);
    }

    /** Names of the batch statistics a training pass outputs for the running-statistics update. */
    public List<String> batchStatisticOutputs(StatisticsPass pass) {
        List<String> names = new ArrayList<>();
        for (BatchNormStats bn : batchNorms(pass)) {
            names.add(bn.batchMean());
            names.add(bn.batchVar());
        }
        return names;
    }

    /**
     * Moves the running statistics as one step of BeatGAN's {@code optimize()} does in PyTorch,
     * where every train-mode forward pass of a batch-norm layer moves them once: G runs forward
     * twice per step (once for D's update, once for G's; the same weights, so the same batch
     * statistics move them twice), and D four times, in this order: on the beats and on G(x) in
     * D's update, then on G(x) and on the beats in G's adversarial term (with D as
     * {@code gPass} saw it, i.e. after D's update in BeatGAN's order).
     *
     * @param dPass outputs of the pass that computed D's update (D and Dfake statistics)
     * @param gPass outputs of the pass that computed G's update (G, Dadv and D statistics)
     */
    public void updateRunningStatisticsAfterStep(Map<String, INDArray> dPass, Map<String, INDArray> gPass,
                                                 long batchSize) {
        updateRunningStatistics(StatisticsPass.D_REAL, dPass, batchSize);
        updateRunningStatistics(StatisticsPass.D_FAKE, dPass, batchSize);
        updateRunningStatistics(StatisticsPass.D_ADVERSARIAL, gPass, batchSize);
        updateRunningStatistics(StatisticsPass.D_REAL, gPass, batchSize);
        updateRunningStatistics(StatisticsPass.G, gPass, batchSize);
        updateRunningStatistics(StatisticsPass.G, gPass, batchSize);
    }

    /**
     * One pass's move of the running statistics: running = (1 - m) * running + m * batch, with the
     * variance made unbiased (N / (N - 1)) as PyTorch does. Arrays are updated in place: later
     * executions of the graph see them.
     */
    public void updateRunningStatistics(StatisticsPass pass, Map<String, INDArray> outputs, long batchSize) {
        for (BatchNormStats bn : batchNorms(pass)) {
            INDArray mean = outputs.get(bn.batchMean());
            INDArray var = outputs.get(bn.batchVar());
            if (mean == null || var == null) {
                throw new IllegalArgumentException("Training pass did not output " + bn.batchMean());
            }
            long n = batchSize * bn.length();
            double unbias = n > 1 ? (double) n / (n - 1) : 1.0;
            array(bn.runningMean()).muli(1 - BN_MOMENTUM).addi(mean.castTo(dtype).mul(BN_MOMENTUM));
            array(bn.runningVar()).muli(1 - BN_MOMENTUM).addi(var.castTo(dtype).mul(BN_MOMENTUM * unbias));
        }
    }

    /**
     * Reads named activations for a batch in inference mode (running statistics), the mode used
     * for scoring and for frozen teachers.
     */
    public Map<String, INDArray> activations(INDArray x, String... names) {
        return forward(x, false, names);
    }

    /** Forward pass in the requested batch-norm mode; the previous mode is restored. */
    @Override
    public Map<String, INDArray> forward(INDArray x, boolean training, String... names) {
        checkInput(x);
        for (String n : names) {
            if (!sd.hasVariable(n)) {
                throw new IllegalArgumentException("No activation named '" + n + "' in the BeatGAN graph; "
                        + "documented names: " + ActivationNames.all());
            }
        }
        boolean before = isTrainingMode();
        setTrainingMode(training);
        try {
            Map<String, INDArray> in = new HashMap<>();
            in.put(ActivationNames.INPUT, x.castTo(dtype));
            return sd.output(in, names);
        } finally {
            setTrainingMode(before);
        }
    }

    @Override
    public String describe() {
        return "BeatGAN " + config;
    }

    @Override
    public List<String> activationNames() {
        return ActivationNames.all();
    }

    @Override
    public long[] inputShape() {
        return new long[]{config.nc(), config.isize()};
    }

    /** The generator's loss (reconstruction + weighted adversarial): what a BeatGAN student minimises. */
    @Override
    public String taskLoss() {
        return ActivationNames.LOSS_G;
    }

    @Override
    public List<String> trainableVariables() {
        return paramNames(Network.G);
    }

    /**
     * Generator activations from a snapshot with batch norm folded ({@link GeneratorInference},
     * about twice as fast as the graph at batch 64), others (discriminator taps) from the graph,
     * which then runs only the discriminator (irg's teacher taps: 150 -> 40 ms a batch of 64 with
     * the generator's from the snapshot, 1 thread).
     */
    @Override
    public Frozen frozen() {
        GeneratorInference[] snapshot = new GeneratorInference[1];
        return (x, names) -> {
            String[] generator = java.util.Arrays.stream(names).filter(GeneratorInference::provides).toArray(String[]::new);
            String[] others = java.util.Arrays.stream(names).filter(n -> !GeneratorInference.provides(n)).toArray(String[]::new);
            Map<String, INDArray> out = new java.util.LinkedHashMap<>();
            if (generator.length > 0) {
                if (snapshot[0] == null) snapshot[0] = GeneratorInference.of(this);
                out.putAll(snapshot[0].activations(x, generator));
            }
            if (others.length > 0) out.putAll(activations(x, others));
            return out;
        };
    }

    /**
     * BeatGAN has no classifier head; a {@code logits} tap may name {@code score} (the per-beat
     * anomaly scores as one sample whose classes are the batch's beats, softmax across the batch,
     * as the seeds' KD did), {@code discriminator} (D's logit z per beat as [z, 0]) or
     * {@code reconstruction} (the generated beat, softmax across its time steps); any other
     * activation is flattened.
     */
    @Override
    public Logits logits(String tap) {
        return switch (tap) {
            case "score", ActivationNames.G_SCORE -> new Logits(ActivationNames.G_SCORE, Logits.Form.BATCH_AS_CLASSES);
            case "discriminator", ActivationNames.D_LOGIT -> new Logits(ActivationNames.D_LOGIT, Logits.Form.BINARY);
            case "reconstruction" -> new Logits(ActivationNames.G_OUT, Logits.Form.FLATTEN);
            default -> new Logits(tap, Logits.Form.FLATTEN);
        };
    }

    /** Per-beat anomaly score (mean squared reconstruction error), inference mode. */
    public INDArray scores(INDArray x) {
        return activations(x, ActivationNames.G_SCORE).get(ActivationNames.G_SCORE);
    }

    /**
     * The generator applied once more, with this graph's weights, to other beats {@code beats}
     * (B', nc, isize) in this graph: perturbed or adversarial copies a loss needs, differentiable
     * with respect to the generator's weights like the primary pass. Activations are named
     * {@code scope + "/" + name}. Batch norm uses the pass's own batch statistics in training mode
     * and the running statistics in inference mode; only the primary pass updates running
     * statistics.
     */
    public GeneratorPass applyGenerator(String scope, SDVariable beats) {
        return BeatGanGraphBuilder.reapplyGenerator(this, scope, beats, 0, beats);
    }

    /**
     * The generator's remainder after encoder activation {@code activation} ("G/enc/act1" ..
     * "G/enc/act5"), applied to {@code value} of that activation's shape, with the score measured
     * against {@code beats}: how the anomaly score responds to a change of an inner activation.
     */
    public GeneratorPass applyGeneratorFrom(String scope, String activation, SDVariable value, SDVariable beats) {
        List<BeatGanArchitecture.Layer> encoder = BeatGanArchitecture.encoder(BeatGanArchitecture.G_ENCODER);
        for (int k = 1; k <= encoder.size(); k++) {
            if (encoder.get(k - 1).activationName().equals(activation)) {
                return BeatGanGraphBuilder.reapplyGenerator(this, scope, value, k, beats);
            }
        }
        throw new IllegalArgumentException("A generator pass can start after an encoder activation G/enc/act1.."
                + "G/enc/act5, not '" + activation + "'");
    }

    /** Fails with a message naming the expected shape, not an op error deep in the graph. */
    public void checkInput(INDArray x) {
        config.checkBeats(x);
    }

    /** Every SameDiff variable holding state (trainable parameters and BN running statistics). */
    public List<String> stateVariableNames() {
        List<String> names = new ArrayList<>();
        for (SDVariable v : sd.variables()) {
            switch (v.getVariableType()) {
                case VARIABLE, CONSTANT -> names.add(v.name());
                default -> {
                }
            }
        }
        return names;
    }
}
