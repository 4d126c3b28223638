package org.beatgan.core.model.direct;

import org.beatgan.core.util.CpuBackendSelection;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * BeatGAN's 1-D convolution and transposed convolution (no bias; (B, C, L) arrays), bound once to
 * their arrays. Weights as the graph stores them: a convolution's (K, Ci, Co), a transposed
 * convolution's (1, K, Co, Ci) (libnd4j's deconv2d layout). The backward overwrites the input
 * gradient and, where one is given, the weight gradient; a pass whose weight gradients nobody reads
 * (D's weights in G's adversarial term) gives none, and a kernel that can then skips their work.
 */
interface ConvKernel {

    /** Forward and backward of one bound layer. */
    record Bound(Runnable forward, Runnable backward) {
    }

    /**
     * The layer's arrays and geometry: input, weight, output, output gradient, input gradient, weight
     * gradient (null: not needed); kernel, stride and padding.
     */
    record Arrays(INDArray x, INDArray w, INDArray y, INDArray dy, INDArray dx, INDArray dw,
                  int kernel, int stride, int pad) {
    }

    Bound conv(Arrays a);

    Bound deconv(Arrays a);

    /** How profiles name this kernel's ops ("conv1d" gives "conv1d", "conv1d_bp" and so on, suffixed). */
    String suffix();

    /**
     * On the CPU backend in float, convolutions as OpenBLAS sgemm on Java arrays
     * ({@link GemmConvKernel}); libnd4j's kernels otherwise (double precision, the reference of the
     * direct step's tests against the graph; CUDA; half precision).
     */
    static ConvKernel forType(DataType type) {
        return CpuBackendSelection.cpuBackend() && type == DataType.FLOAT ? new GemmConvKernel() : new LibNd4jConvKernel();
    }
}
