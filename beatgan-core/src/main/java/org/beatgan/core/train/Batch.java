package org.beatgan.core.train;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * What a {@link LossExtension} sees of one training step's batch.
 *
 * @param x         the beats (batch, nc, length)
 * @param indices   each beat's index in the training set (0 .. n - 1), or null when the data
 *                  source does not provide them; extensions keeping per-beat state need them
 * @param iteration the trainer's step counter before this step (restored on resume), a
 *                  reproducible seed for per-step randomness
 */
public record Batch(INDArray x, int[] indices, long iteration) {

    public Batch {
        if (indices != null && indices.length != x.size(0)) {
            throw new IllegalArgumentException(indices.length + " dataset indices for a batch of " + x.size(0)
                    + " beats; expected one per beat");
        }
    }

    /** A batch without dataset indices (scoring, probes, data sources that do not know them). */
    public static Batch of(INDArray x) {
        return new Batch(x, null, 0);
    }

    /** The first {@code n} beats (all of them in a smaller batch), a view: what probing losses work on. */
    public INDArray firstBeats(int n) {
        long k = Math.min(n, x.size(0));
        return x.get(NDArrayIndex.interval(0, k), NDArrayIndex.all(), NDArrayIndex.all());
    }

    /** The dataset indices, or a clear error naming who needed them. */
    public int[] requireIndices(String who) {
        if (indices == null) {
            throw new IllegalStateException(who + " needs each beat's index in the training set, but this batch has "
                    + "none; train from a BeatDataSetIterator (it attaches them) or pass them to BeatGanTrainer.step");
        }
        return indices;
    }
}
