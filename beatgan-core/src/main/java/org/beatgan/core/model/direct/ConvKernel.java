package org.beatgan.core.model.direct;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Conv1D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Conv1DDerivative;
import org.nd4j.linalg.api.ops.impl.layers.convolution.DeConv2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv1DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.DeConv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;

/**
 * BeatGAN's 1-D convolution and transposed convolution (no bias; (B, C, L) arrays) on libnd4j's
 * kernels, bound once to their arrays: {@code conv1d} / {@code conv1d_bp} and, for the transposed
 * convolution, {@code deconv2d} / {@code deconv2d_bp} on (B, C, 1, L) views, as the graph builds
 * them. Weights as the graph stores them: a convolution's (K, Ci, Co), a transposed
 * convolution's (1, K, Co, Ci). The backward overwrites the input gradient and, where one is
 * given, the weight gradient.
 *
 * <p>A convolution whose weight gradient nobody reads (D's weights in G's adversarial term) takes
 * its input gradient as the transposed convolution of the output gradient, one {@code deconv2d}
 * forward on the same weights viewed as (1, K, Ci, Co), instead of {@code conv1d_bp}, which always
 * computes both gradients.
 */
final class ConvKernel {

    /** Forward and backward (null for a pass without gradients) of one bound layer, and the backward's name. */
    record Bound(Runnable forward, Runnable backward, String backwardName) {
    }

    /**
     * The layer's arrays and geometry: input, weight, output, output gradient, input gradient (null:
     * a forward-only pass), weight gradient (null: not needed); kernel, stride and padding.
     */
    record Arrays(INDArray x, INDArray w, INDArray y, INDArray dy, INDArray dx, INDArray dw,
                  int kernel, int stride, int pad) {
    }

    private ConvKernel() {
    }

    static Bound conv(Arrays a) {
        Conv1DConfig cfg = Conv1DConfig.builder().k(a.kernel()).s(a.stride()).p(a.pad()).d(1)
                .paddingMode(PaddingMode.VALID).dataFormat("NCW").build();
        Runnable forward = Tape.exec(new Conv1D(a.x(), a.w(), null, a.y(), cfg));
        if (a.dx() == null) return new Bound(forward, null, null);
        long li = a.x().size(2);
        long lo = a.y().size(2);
        if (a.dw() == null && (lo - 1) * a.stride() - 2L * a.pad() + a.kernel() == li) {
            // the input gradient alone: the transposed convolution of dy (when its output length is the input's)
            long batch = a.x().size(0);
            INDArray w4 = a.w().reshape(1, a.kernel(), a.w().size(1), a.w().size(2));
            DeConv2D transposed = new DeConv2D(a.dy().reshape(batch, a.y().size(1), 1, lo), w4, null,
                    a.dx().reshape(batch, a.x().size(1), 1, li), deconvConfig(a));
            return new Bound(forward, Tape.exec(transposed), "conv1d_bp (input only)");
        }
        INDArray dw = a.dw() != null ? a.dw() : a.w().like();
        return new Bound(forward, Tape.exec(new Conv1DDerivative(new INDArray[]{a.x(), a.w(), a.dy()},
                new INDArray[]{a.dx(), dw}, cfg)), "conv1d_bp");
    }

    static Bound deconv(Arrays a) {
        INDArray x = a.x();
        long batch = x.size(0);
        long channels = a.y().size(1);
        long length = a.y().size(2);
        INDArray x4 = x.reshape(batch, x.size(1), 1, x.size(2));
        DeConv2D forward = new DeConv2D(x4, a.w(), null, a.y().reshape(batch, channels, 1, length), deconvConfig(a));
        if (a.dx() == null) return new Bound(Tape.exec(forward), null, null);
        int[] iArgs = java.util.Arrays.stream(forward.iArgs()).mapToInt(v -> (int) v).toArray();
        Runnable backward = Tape.exec(DynamicCustomOp.builder("deconv2d_bp")
                .addInputs(x4, a.w(), a.dy().reshape(batch, channels, 1, length))
                .addOutputs(a.dx().reshape(batch, x.size(1), 1, x.size(2)), a.dw() != null ? a.dw() : a.w().like())
                .addIntegerArguments(iArgs).build());
        return new Bound(Tape.exec(forward), backward, "deconv2d_bp");
    }

    private static DeConv2DConfig deconvConfig(Arrays a) {
        return DeConv2DConfig.builder().kH(1).kW(a.kernel()).sH(1).sW(a.stride()).pH(0).pW(a.pad())
                .dH(1).dW(1).isSameMode(false).dataFormat("NCHW").build();
    }
}
