package org.beatgan.core.train;

/** A loss became NaN or infinite; the update was not applied, so the weights are still finite. */
public class TrainingDivergedException extends RuntimeException {
    public TrainingDivergedException(String message) {
        super(message);
    }
}
