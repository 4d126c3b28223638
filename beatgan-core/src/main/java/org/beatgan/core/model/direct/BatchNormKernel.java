package org.beatgan.core.model.direct;

import org.beatgan.core.util.CpuBackendSelection;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Training-mode batch norm over axes 0 and 2 of (B, C, L) arrays, bound once to its arrays: the
 * forward computes the batch statistics (biased variance, published for the running statistics)
 * and normalises; the backward differentiates through the batch statistics, as BeatGAN's graph
 * ({@code NativeBatchNorm}) does.
 */
interface BatchNormKernel {

    double EPS = org.beatgan.core.model.BeatGanArchitecture.BN_EPS;

    /** Forward and backward of one bound batch norm. */
    record Bound(Runnable forward, Runnable backward) {
    }

    Bound bind(Arrays arrays);

    /** How profiles name this kernel. */
    String name();

    /**
     * Every array of one batch norm: input, affine parameters, published statistics, output, and
     * the gradients. Parameters belong to the model; everything else to the pass.
     */
    record Arrays(INDArray x, INDArray gamma, INDArray beta, INDArray mean, INDArray var, INDArray y,
                  INDArray dy, INDArray dx, INDArray dGamma, INDArray dBeta) {

        /** Batch, channels and length of the input, which must be (B, C, L). */
        int[] batchChannelsLength() {
            long[] shape = x.shape();
            if (shape.length != 3) {
                throw new IllegalArgumentException("Batch norm expects (B, C, L), got " + java.util.Arrays.toString(shape));
            }
            return new int[]{(int) shape[0], (int) shape[1], (int) shape[2]};
        }
    }

    /**
     * On the CPU backend the Java kernels: for float 2-3x faster than libnd4j's at these shapes,
     * for double exact where libnd4j's backprop is not ({@link DoubleBatchNormKernel}); libnd4j's
     * otherwise (CUDA, half precision).
     */
    static BatchNormKernel forType(DataType type) {
        if (!CpuBackendSelection.cpuBackend()) {
            return new LibNd4jBatchNormKernel();
        }
        return switch (type) {
            case FLOAT -> new FloatBatchNormKernel();
            case DOUBLE -> new DoubleBatchNormKernel();
            default -> new LibNd4jBatchNormKernel();
        };
    }
}
