package org.beatgan.core.model;

/**
 * Where one batch-norm layer keeps its running statistics and where a training pass publishes
 * its batch statistics. The running statistics are CONSTANT arrays updated in place after each
 * step; the layer itself is a {@link NativeBatchNorm}.
 *
 * @param runningMean name of the running-mean constant (C)
 * @param runningVar  name of the running-variance constant (C), unbiased as in PyTorch
 * @param batchMean   name of the batch-mean output of a training pass (C)
 * @param batchVar    name of the biased batch-variance output of a training pass (C)
 * @param length      length of the normalised axis; together with the batch size it gives the
 *                    element count behind the unbiased correction
 */
public record BatchNormStats(String runningMean, String runningVar, String batchMean, String batchVar,
                             long length) {
}
