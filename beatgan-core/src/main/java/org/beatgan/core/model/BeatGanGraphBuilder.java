package org.beatgan.core.model;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ops.impl.controlflow.compat.StopGradient;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv1DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.DeConv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

import static org.beatgan.core.model.ActivationNames.*;

/**
 * Builds BeatGAN (generator, discriminator, both losses, the anomaly score) as ONE SameDiff graph.
 *
 * <p>Both networks share one loss so that one gradient function serves both optimizers (rebuilding
 * it when switching losses costs seconds and floods stdout in M2.1). Cross terms are cut with
 * stop-gradients: the discriminator's loss sees {@code stopGradient(G(x))}, and the generator's
 * adversarial term runs the discriminator with stop-gradient weights. Hence
 * d(total)/d(D params) = d(loss/D)/dD and d(total)/d(G params) = d(loss/G)/dG exactly.
 */
public final class BeatGanGraphBuilder {

    private final BeatGanConfig config;
    private final DataType dtype;
    private final SameDiff sd;
    /** Scope of a further generator pass ("probe" names "probe/G/enc/act1"); null for the primary pass. */
    private final String scope;
    private final List<ParamSpec> gParams = new ArrayList<>();
    private final List<ParamSpec> dParams = new ArrayList<>();
    private final List<BatchNormStats> gBatchNorms = new ArrayList<>();
    private final List<BatchNormStats> dBatchNorms = new ArrayList<>();
    private final List<BatchNormStats> dFakeBatchNorms = new ArrayList<>();
    private final List<BatchNormStats> dAdversarialBatchNorms = new ArrayList<>();
    private SDVariable bnTraining;
    private SDVariable bnInference;

    static {
        NativeBatchNorm.register();
    }

    private BeatGanGraphBuilder(BeatGanConfig config, DataType dtype, SameDiff sd, String scope) {
        this.config = config;
        this.dtype = dtype;
        this.sd = sd;
        this.scope = scope;
    }

    /** Builds a freshly initialised BeatGAN in float32. */
    public static BeatGanGraph build(BeatGanConfig config, long seed) {
        return build(config, DataType.FLOAT, seed);
    }

    public static BeatGanGraph build(BeatGanConfig config, DataType dtype, long seed) {
        if (!dtype.isFPType()) {
            throw new IllegalArgumentException("BeatGAN needs a floating-point data type, got " + dtype);
        }
        BeatGanGraph graph = new BeatGanGraphBuilder(config, dtype, SameDiff.create(), null).assemble();
        graph.initialize(seed);
        return graph;
    }

    private BeatGanGraph assemble() {
        SDVariable x = sd.placeHolder(INPUT, dtype, -1, config.nc(), config.isize());
        bnTraining = sd.constant(BeatGanGraph.BN_MODE, Nd4j.scalar(dtype, 1.0));
        bnInference = bnTraining.rsub(1.0);

        // ---- generator
        GeneratorPass g = generator(x, 0, x, gParams, gBatchNorms);
        SDVariable gOut = g.out();

        // ---- discriminator on real beats (trainable weights, publishes running statistics)
        SDVariable dLogit = sd.reshape(D_LOGIT, discriminatorLogit("D", x, dParams, dBatchNorms, false), -1);
        sd.nn().sigmoid(D_PROB, dLogit);

        // ---- discriminator on G(x) for D's loss: G is cut off
        SDVariable fakeDetached = new StopGradient(sd, gOut).outputVariable();
        SDVariable dFakeLogit = sd.reshape(D_FAKE_LOGIT,
                discriminatorLogit("Dfake", fakeDetached, null, dFakeBatchNorms, false), -1);
        sd.nn().sigmoid(D_FAKE_PROB, dFakeLogit);

        // BCE(D(x), 1) + BCE(D(G(x)), 0), written through softplus of the logit: -log(sigmoid(z))
        // = softplus(-z) and -log(1 - sigmoid(z)) = softplus(z), finite for a saturated D (where
        // PyTorch's BCE clamps each term at 100).
        SDVariable lossReal = StableMath.softplus(sd, dLogit.neg()).mean(LOSS_D_REAL);
        SDVariable lossFake = StableMath.softplus(sd, dFakeLogit).mean(LOSS_D_FAKE);
        lossReal.add(LOSS_D, lossFake);

        // ---- generator loss: reconstruction + feature matching through a frozen copy of D
        // every beat has isize * nc values, so the mean of the per-beat scores is the overall mean
        SDVariable lossRec = g.score().mean(LOSS_G_REC);
        SDVariable advFeatures = encoderBody("Dadv", gOut, 0, null, dAdversarialBatchNorms, true);
        SDVariable realFeatures = new StopGradient(sd, sd.getVariable(D_FEATURES)).outputVariable();
        SDVariable lossAdv = sd.math().square(advFeatures.sub(realFeatures)).mean(LOSS_G_ADV);
        // the adversarial weight is a constant that a trainer overwrites in place
        SDVariable wAdv = sd.constant(BeatGanGraph.W_ADV, Nd4j.scalar(dtype, 1.0));
        lossRec.add(LOSS_G, lossAdv.mul(wAdv));

        sd.setLossVariables(LOSS_D, LOSS_G);
        return new BeatGanGraph(sd, config, dtype, gParams, dParams, gBatchNorms, dBatchNorms, dFakeBatchNorms,
                dAdversarialBatchNorms);
    }

    /**
     * The generator applied once more to {@code input} in an existing BeatGAN graph, with the
     * graph's own weights (no new parameters): from the beats ({@code fromStage} 0) or from encoder
     * activation {@code fromStage} (1..5). Activations are named {@code scope + "/" + name}; the
     * score is against {@code beats}. Batch norms use the pass's own batch statistics in training
     * mode and the running statistics in inference mode, and publish nothing.
     */
    static GeneratorPass reapplyGenerator(BeatGanGraph graph, String scope, SDVariable input, int fromStage,
                                          SDVariable beats) {
        if (scope == null || scope.isBlank() || scope.endsWith("/")) {
            throw new IllegalArgumentException("Generator pass scope must be a non-blank name without a trailing '/', got '"
                    + scope + "'");
        }
        if (fromStage < 0 || fromStage > 5) {
            throw new IllegalArgumentException("Generator passes start at the beats (0) or an encoder activation "
                    + "(1..5), got " + fromStage);
        }
        BeatGanGraphBuilder b = new BeatGanGraphBuilder(graph.config(), graph.dataType(), graph.sameDiff(), scope);
        b.bnTraining = graph.sameDiff().getVariable(BeatGanGraph.BN_MODE);
        b.bnInference = b.bnTraining.rsub(1.0);
        return b.generator(input, fromStage, beats, null, null);
    }

    /**
     * Generator from stage {@code fromStage}: encoder, latent, decoder and per-beat score against
     * {@code beats}. Null {@code params} reuses the graph's weights.
     */
    private GeneratorPass generator(SDVariable input, int fromStage, SDVariable beats, List<ParamSpec> params,
                                    List<BatchNormStats> bns) {
        SDVariable act5 = encoderBody("G", input, fromStage, params, bns, false);
        SDVariable latent = layer(BeatGanArchitecture.latent(), act5, scoped(G_LATENT), null, 0, params, bns, false);
        SDVariable out = decoder(latent, params, bns);
        SDVariable score = sd.math().square(out.sub(beats)).mean(scoped(G_SCORE), 1, 2);
        return new GeneratorPass(scope, out, score);
    }

    private String scoped(String name) {
        return scope == null ? name : scope + "/" + name;
    }

    /**
     * Encoder body shared by G and D ({@link BeatGanArchitecture#encoder}), ending at (ndf*16) x 10.
     * Generator and discriminator each own one set of weights.
     *
     * @param prefix      "G", "D" (the discriminator on real beats) or a further D pass ("Dfake", "Dadv")
     * @param fromStage   0: {@code input} is beats; k (1..5): {@code input} is activation k
     * @param params      where new parameters are recorded; null to reuse the graph's
     * @param bns         where the pass publishes its batch statistics; null for passes that publish none
     * @param stopWeights run with stop-gradient copies of the (discriminator) weights
     */
    private SDVariable encoderBody(String prefix, SDVariable input, int fromStage, List<ParamSpec> params,
                                   List<BatchNormStats> bns, boolean stopWeights) {
        String paramPrefix = prefix.equals("G") ? BeatGanArchitecture.G_ENCODER : BeatGanArchitecture.D;
        List<BeatGanArchitecture.Layer> layers = BeatGanArchitecture.encoder(paramPrefix);
        SDVariable h = input;
        long length = config.isize() >> fromStage;
        for (int k = fromStage + 1; k <= BeatGanArchitecture.ENCODER_STAGES; k++) {
            BeatGanArchitecture.Layer l = layers.get(k - 1);
            // D's further passes publish their statistics under their own prefix (Dfake/bn2/batch_mean)
            String statistics = l.batchNorm() == null || prefix.equals("G") || prefix.equals("D") ? l.batchNorm()
                    : prefix + l.batchNorm().substring(paramPrefix.length());
            length = l.outputLength(length);
            h = layer(l, h, actName(prefix, k), statistics, length, params, bns, stopWeights);
        }
        return h;
    }

    /** Discriminator: encoder body plus its head; returns the (B, 1, 1) logit. */
    private SDVariable discriminatorLogit(String prefix, SDVariable input, List<ParamSpec> params,
                                          List<BatchNormStats> bns, boolean stopWeights) {
        SDVariable features = encoderBody(prefix, input, 0, params, bns, stopWeights);
        return layer(BeatGanArchitecture.discriminatorHead(), features, null, null, 0, params, bns, stopWeights);
    }

    private String actName(String prefix, int k) {
        switch (prefix) {
            case "G":
                return scoped(gEnc(k));
            case "D":
                return dEnc(k);
            default:
                return prefix + (k == 5 ? "/features" : "/act" + k);
        }
    }

    /** Decoder: the table's transposed convolutions from the latent (length 1) to the beat. */
    private SDVariable decoder(SDVariable z, List<ParamSpec> params, List<BatchNormStats> bns) {
        SDVariable h = z;
        long length = 1;
        for (BeatGanArchitecture.Layer l : BeatGanArchitecture.decoder()) {
            length = l.outputLength(length);
            h = layer(l, h, scoped(l.activationName()), l.batchNorm(), length, params, bns, false);
        }
        return h;
    }

    /**
     * One table layer: convolution (or transposed convolution), batch norm, activation, its output
     * named {@code name} (null: unnamed).
     *
     * @param statistics   where the batch norm publishes its batch statistics
     * @param outputLength the layer's output length (batch-norm statistics count it)
     */
    private SDVariable layer(BeatGanArchitecture.Layer l, SDVariable in, String name, String statistics,
                             long outputLength, List<ParamSpec> params, List<BatchNormStats> bns,
                             boolean stopWeights) {
        SDVariable w = weight(l.weight(), l.weightShape(config), l.fanSum(config), params, stopWeights);
        boolean last = l.batchNorm() == null && l.activation() == BeatGanArchitecture.Activation.NONE;
        SDVariable h = l.kind() == BeatGanArchitecture.Kind.CONV
                ? conv(last ? name : null, in, w, l.kernel(), l.stride(), l.pad())
                : deconv(in, w, l.kernel(), l.stride(), l.pad());
        if (l.batchNorm() != null) {
            h = batchNorm(statistics, l.batchNorm(), h, l.outChannels(config), outputLength, params, bns, stopWeights);
        }
        return switch (l.activation()) {
            case LEAKY_RELU -> sd.nn().leakyRelu(name, h, BeatGanArchitecture.LEAKY_SLOPE);
            case RELU -> StableMath.relu(sd, name, h);
            case TANH -> sd.nn().tanh(name, h);
            case NONE -> last || name == null ? h : sd.identity(name, h);
        };
    }

    private SDVariable conv(String name, SDVariable in, SDVariable w, int kernel, int stride, int pad) {
        Conv1DConfig cfg = Conv1DConfig.builder()
                .k(kernel).s(stride).p(pad).d(1)
                .paddingMode(PaddingMode.VALID).dataFormat("NCW").build();
        return sd.cnn().conv1d(name, in, w, cfg);
    }

    /**
     * 1-D transposed convolution as deconv2d on (B, C, 1, W) with a 1 x k kernel; M2.1 has no
     * native 1-D transposed convolution. Output length (W-1)*s - 2p + k, as PyTorch's.
     */
    private SDVariable deconv(SDVariable in, SDVariable w, int kernel, int stride, int pad) {
        DeConv2DConfig cfg = DeConv2DConfig.builder()
                .kH(1).kW(kernel).sH(1).sW(stride).pH(0).pW(pad).dH(1).dW(1)
                .isSameMode(false).dataFormat("NCHW").build();
        SDVariable in4 = sd.expandDims(in, 2);
        return sd.squeeze(sd.cnn().deconv2d(in4, w, cfg), 2);
    }

    /**
     * Batch norm over batch and length: batch statistics in training mode, running statistics in
     * inference mode, selected by the {@link BeatGanGraph#BN_MODE} constant. The pass that creates
     * the parameters creates the running statistics; a pass with {@code bns} publishes its batch
     * statistics as {@code statistics + "/batch_mean"} and {@code "/batch_var"}.
     */
    private SDVariable batchNorm(String statistics, String name, SDVariable h, long channels, long length,
                                 List<ParamSpec> params, List<BatchNormStats> bns, boolean stopWeights) {
        SDVariable gamma = param(name + "/gamma", new long[]{channels}, ParamSpec.Kind.BN_GAMMA, 0,
                params, stopWeights);
        SDVariable beta = param(name + "/beta", new long[]{channels}, ParamSpec.Kind.BN_BETA, 0,
                params, stopWeights);
        boolean publishes = bns != null;
        SDVariable runMean;
        SDVariable runVar;
        if (params != null) {
            runMean = sd.constant(name + "/running_mean", Nd4j.zeros(dtype, channels));
            runVar = sd.constant(name + "/running_var", Nd4j.ones(dtype, channels));
        } else {
            runMean = sd.getVariable(name + "/running_mean");
            runVar = sd.getVariable(name + "/running_var");
        }
        // Statistics are computed from a stop-gradient copy of h: libnd4j's fused batch norm
        // backprop already differentiates through batch statistics (NativeBatchNorm), and cutting
        // the copy at its source keeps SameDiff from back-propagating zeros through the statistics.
        // One moments op gives both (biased) statistics: four fewer ops per batch norm than
        // mean, subtract, square, mean and two reshapes, and one pass over h less.
        SDVariable detached = new StopGradient(sd, h).outputVariable();
        int[] axes = {0, 2};
        SDVariable[] moments = publishes
                ? sd.math().moments(new String[]{statistics + "/batch_mean", statistics + "/batch_var"}, detached,
                axes, false)
                : sd.math().moments(detached, axes, false);
        SDVariable batchMean = moments[0];
        SDVariable batchVar = moments[1];
        if (publishes) {
            bns.add(new BatchNormStats(name + "/running_mean", name + "/running_var",
                    statistics + "/batch_mean", statistics + "/batch_var", length));
        }
        SDVariable useMean = batchMean.mul(bnTraining).add(runMean.mul(bnInference));
        SDVariable useVar = batchVar.mul(bnTraining).add(runVar.mul(bnInference));
        return new NativeBatchNorm(sd, h, useMean, useVar, gamma, beta, BeatGanArchitecture.BN_EPS, 1).outputVariable();
    }

    private SDVariable weight(String name, long[] shape, long fanSum, List<ParamSpec> params,
                              boolean stopWeights) {
        return param(name, shape, ParamSpec.Kind.CONV_WEIGHT, fanSum, params, stopWeights);
    }

    /** Creates a parameter (params != null) or looks up the graph's existing one. */
    private SDVariable param(String name, long[] shape, ParamSpec.Kind kind, long fanSum,
                             List<ParamSpec> params, boolean stopWeights) {
        SDVariable v;
        if (params != null) {
            v = sd.var(name, Nd4j.zeros(dtype, shape));
            params.add(new ParamSpec(name, kind, fanSum));
        } else {
            v = sd.getVariable(name);
            if (v == null) {
                throw new IllegalStateException("Parameter " + name + " used before creation");
            }
        }
        return stopWeights ? new StopGradient(sd, v).outputVariable() : v;
    }
}
