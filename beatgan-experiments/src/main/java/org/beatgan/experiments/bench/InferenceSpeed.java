package org.beatgan.experiments.bench;

import org.beatgan.core.model.BeatGanConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.function.UnaryOperator;

/**
 * Scoring speed of a generator in inference mode (forward pass + per-beat score): beats/s at a
 * batch of 64 and the latency of one beat. Warm-up runs are excluded: at least 10 calls and
 * {@link #WARMUP_SECONDS} per batch size, because the scoring path's loops are Java and reach
 * full speed only once the JIT has compiled them (5 warm-up calls left the student's batch-64
 * scoring at 8,200-9,500 beats/s where a warmed-up loop measured 11,900); medians over
 * repetitions.
 */
public final class InferenceSpeed {

    public record Result(double beatsPerSecondBatch64, double latencyMsMedian, double latencyMsP90) {
    }

    static final double WARMUP_SECONDS = 1.5;

    private InferenceSpeed() {
    }

    private static void warmUp(UnaryOperator<INDArray> scorer, INDArray x) {
        long end = System.nanoTime() + (long) (WARMUP_SECONDS * 1e9);
        for (int i = 0; i < 10 || System.nanoTime() < end; i++) {
            scorer.apply(x);
        }
    }

    /** @param scorer beats (batch, nc, isize) to per-beat scores */
    public static Result measure(BeatGanConfig config, UnaryOperator<INDArray> scorer, int reps64, int reps1) {
        INDArray x64 = Nd4j.rand(DataType.FLOAT, 64, config.nc(), config.isize()).muli(2).subi(1);
        INDArray x1 = x64.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 1)).dup();
        warmUp(scorer, x64);
        double[] t64 = new double[reps64];
        for (int i = 0; i < reps64; i++) {
            long t0 = System.nanoTime();
            scorer.apply(x64);
            t64[i] = (System.nanoTime() - t0) / 1e9;
        }
        warmUp(scorer, x1);
        double[] t1 = new double[reps1];
        for (int i = 0; i < reps1; i++) {
            long t0 = System.nanoTime();
            scorer.apply(x1);
            t1[i] = (System.nanoTime() - t0) / 1e6;
        }
        return new Result(64 / quantile(t64, 0.5), quantile(t1, 0.5), quantile(t1, 0.9));
    }

    public static double quantile(double[] v, double q) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[(int) Math.round(q * (s.length - 1))];
    }
}
