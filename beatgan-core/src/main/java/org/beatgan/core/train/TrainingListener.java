package org.beatgan.core.train;

import java.util.Map;

/** Receives training progress (the DL4J UI bridge and console reporters implement this). */
public interface TrainingListener {

    /** After every optimisation step; {@code stats} holds each loss term by name. */
    default void onIteration(int epoch, long iteration, Map<String, Double> stats, int batchSize, double seconds) {
    }

    /** After every epoch, with the record written to epochs.jsonl. */
    default void onEpoch(Map<String, Object> record) {
    }

    /** When BeatGAN's rule re-initialised the discriminator. */
    default void onDiscriminatorReinit(int epoch, long iteration, int totalReinits) {
    }
}
