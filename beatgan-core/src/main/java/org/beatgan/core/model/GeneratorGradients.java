package org.beatgan.core.model;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv1DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.DeConv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Map;

/**
 * Gradients of a frozen generator's anomaly score in inference mode: {@code d score_b / d x_b}
 * and {@code d score_b / d activation_b} per beat (in inference mode beats do not interact, so the
 * gradient of the batch's summed score holds each beat's own gradient).
 *
 * <p>Why not the training graph: its batch norm ({@link NativeBatchNorm}) back-propagates through
 * batch statistics, which is right in training mode only; in inference mode it would give a wrong
 * input gradient. This graph is built from {@link GeneratorInference}'s layers, with each batch
 * norm folded into its convolution as a fixed affine map, so its gradients are exact. Made by
 * {@link GeneratorInference#gradients()}; a snapshot like its source. Not thread-safe.
 */
public final class GeneratorGradients {

    private static final double LEAKY_SLOPE = BeatGanArchitecture.LEAKY_SLOPE;
    private static final String LOSS = "score_sum";

    private final BeatGanConfig config;
    private final DataType dtype;
    private final SameDiff sd = SameDiff.create();

    GeneratorGradients(BeatGanConfig config, DataType dtype, List<GeneratorInference.Layer> layers) {
        this.config = config;
        this.dtype = dtype;
        SDVariable x = sd.placeHolder(ActivationNames.INPUT, dtype, -1, config.nc(), config.isize());
        // SameDiff differentiates only graphs with a trainable variable: a zero shift of the input
        // is one, and costs a sum where every weight would cost a weight gradient
        SDVariable h = x.add(sd.var("input_shift", Nd4j.scalar(dtype, 0.0)));
        int i = 0;
        for (GeneratorInference.Layer l : layers) {
            SDVariable w = sd.constant("w" + i, l.weight());
            SDVariable b = sd.constant("b" + i, l.bias());
            i++;
            if (l.kind() == BeatGanArchitecture.Kind.CONV) {
                h = sd.cnn().conv1d(h, w, b, Conv1DConfig.builder().k(l.kernel()).s(l.stride()).p(l.pad()).d(1)
                        .paddingMode(PaddingMode.VALID).dataFormat("NCW").build());
            } else {
                SDVariable h4 = sd.expandDims(h, 2);
                h = sd.squeeze(sd.cnn().deconv2d(h4, w, b, DeConv2DConfig.builder().kH(1).kW(l.kernel()).sH(1)
                        .sW(l.stride()).pH(0).pW(l.pad()).dH(1).dW(1).isSameMode(false).dataFormat("NCHW")
                        .build()), 2);
            }
            h = switch (l.activation()) {
                case LEAKY_RELU -> sd.nn().leakyRelu(l.output(), h, LEAKY_SLOPE);
                case RELU -> sd.nn().relu(l.output(), h, 0.0);
                case TANH -> sd.nn().tanh(l.output(), h);
                case NONE -> sd.identity(l.output(), h);
            };
        }
        SDVariable score = sd.math().square(h.sub(x)).mean(ActivationNames.G_SCORE, 1, 2);
        score.sum(LOSS);
        sd.setLossVariables(LOSS);
    }

    /**
     * Per-beat gradients of the anomaly score with respect to the input ({@link ActivationNames#INPUT})
     * and/or generator activations ({@link GeneratorInference#provides}), each shaped like what it
     * is the gradient of.
     */
    public Map<String, INDArray> scoreGradients(INDArray x, String... withRespectTo) {
        config.checkBeats(x);
        for (String n : withRespectTo) {
            if (!n.equals(ActivationNames.INPUT) && (!GeneratorInference.provides(n) || n.equals(ActivationNames.G_SCORE))) {
                throw new IllegalArgumentException("No score gradient with respect to '" + n + "'; expected the input '"
                        + ActivationNames.INPUT + "' or a generator activation");
            }
        }
        return sd.calculateGradients(Map.of(ActivationNames.INPUT, x.castTo(dtype)), withRespectTo);
    }
}
