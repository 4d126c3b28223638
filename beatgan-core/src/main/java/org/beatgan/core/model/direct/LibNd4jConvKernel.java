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
 * libnd4j's {@code conv1d} / {@code conv1d_bp} and, for the transposed convolution, {@code deconv2d}
 * / {@code deconv2d_bp} on (B, C, 1, L) views, as the graph builds them. Their backprops always
 * compute the weight gradient: without a gradient array one of scratch is bound.
 */
final class LibNd4jConvKernel implements ConvKernel {

    @Override
    public String suffix() {
        return "";
    }

    @Override
    public Bound conv(Arrays a) {
        Conv1DConfig cfg = Conv1DConfig.builder().k(a.kernel()).s(a.stride()).p(a.pad()).d(1)
                .paddingMode(PaddingMode.VALID).dataFormat("NCW").build();
        Runnable forward = Tape.exec(new Conv1D(a.x(), a.w(), null, a.y(), cfg));
        Runnable backward = a.dx() == null ? null : Tape.exec(new Conv1DDerivative(
                new INDArray[]{a.x(), a.w(), a.dy()}, new INDArray[]{a.dx(), weightGradient(a)}, cfg));
        return new Bound(forward, backward);
    }

    @Override
    public Bound deconv(Arrays a) {
        INDArray x = a.x();
        long batch = x.size(0);
        long channels = a.y().size(1);
        long length = a.y().size(2);
        DeConv2DConfig cfg = DeConv2DConfig.builder().kH(1).kW(a.kernel()).sH(1).sW(a.stride()).pH(0).pW(a.pad())
                .dH(1).dW(1).isSameMode(false).dataFormat("NCHW").build();
        INDArray x4 = x.reshape(batch, x.size(1), 1, x.size(2));
        DeConv2D forward = new DeConv2D(x4, a.w(), null, a.y().reshape(batch, channels, 1, length), cfg);
        Runnable backward = null;
        if (a.dx() != null) {
            int[] iArgs = java.util.Arrays.stream(forward.iArgs()).mapToInt(v -> (int) v).toArray();
            backward = Tape.exec(DynamicCustomOp.builder("deconv2d_bp")
                    .addInputs(x4, a.w(), a.dy().reshape(batch, channels, 1, length))
                    .addOutputs(a.dx().reshape(batch, x.size(1), 1, x.size(2)), weightGradient(a))
                    .addIntegerArguments(iArgs).build());
        }
        return new Bound(Tape.exec(forward), backward);
    }

    private static INDArray weightGradient(Arrays a) {
        return a.dw() != null ? a.dw() : a.w().like();
    }
}
