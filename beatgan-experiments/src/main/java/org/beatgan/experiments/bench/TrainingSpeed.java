package org.beatgan.experiments.bench;

import org.beatgan.core.train.BeatGanTrainer;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Training throughput of one BeatGAN step (D update then G update): warm-up excluded, median of repetitions. */
public final class TrainingSpeed {

    public record Result(double beatsPerSecond, double stepMsMedian, double stepMsP90) {
    }

    private TrainingSpeed() {
    }

    /** As the training loop runs: each step's beats are announced one step ahead. */
    public static Result measure(BeatGanTrainer trainer, INDArray batch, int warmup, int reps) {
        return measure(trainer, batch, null, warmup, reps);
    }

    /** With the beats' dataset indices (terms with per-beat state, CRD's memory bank, need them). */
    public static Result measure(BeatGanTrainer trainer, INDArray batch, int[] indices, int warmup, int reps) {
        trainer.upcoming(batch);
        for (int i = 0; i < warmup; i++) {
            trainer.upcoming(batch);
            trainer.step(batch, indices, 0);
        }
        double[] ms = new double[reps];
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            trainer.upcoming(batch);
            trainer.step(batch, indices, 0);
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        double median = InferenceSpeed.quantile(ms, 0.5);
        return new Result(batch.size(0) * 1000.0 / median, median, InferenceSpeed.quantile(ms, 0.9));
    }
}
