package org.beatgan.distill;

import org.nd4j.autodiff.samediff.SDVariable;

import java.util.Arrays;

/**
 * A graph tensor with its static shape; -1 marks a dimension known only at run time (the batch,
 * or the class axis of batch-wise anomaly-score logits). Losses that need a size (pooling
 * matrices, flattening) fail with a clear message if it is unknown.
 */
public record Tensor(SDVariable var, long[] shape) {

    public Tensor {
        shape = shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public long channels() {
        return shape[1];
    }

    /** Spatial dimensions of a (B, C, ...) map: (L) or (H, W). */
    public long[] spatial() {
        return Arrays.copyOfRange(shape, 2, shape.length);
    }

    /** Elements per sample: the product of all non-batch dimensions. */
    public long perSample() {
        long n = 1;
        for (int i = 1; i < shape.length; i++) {
            if (shape[i] < 0) {
                throw new IllegalArgumentException(describe() + ": per-sample size unknown before run time");
            }
            n *= shape[i];
        }
        return n;
    }

    public String describe() {
        return var.name() + " " + Arrays.toString(shape);
    }
}
