package org.beatgan.core.train;

import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * A loss extension with work to do on the training data before the first training step (FT's
 * paraphraser, an auto-encoder pre-trained on the teacher's features). {@link ExperimentRunner}
 * calls it for every extension that has it, only when a run starts from scratch: what it trains
 * lives in the student's graph, so a resumed run gets it back from the checkpoint.
 */
public interface Pretrainable {

    /**
     * @param train the training batches on an iterator of their own (resetting it starts a pass),
     *              so the training run's shuffles stay what they would be without pre-training
     */
    void pretrain(DataSetIterator train);
}
