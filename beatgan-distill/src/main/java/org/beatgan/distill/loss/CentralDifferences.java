package org.beatgan.distill.loss;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.SplittableRandom;

/**
 * Directional derivatives of per-beat anomaly scores by central differences, the first-order
 * stand-in for input and activation gradients that SameDiff M2.1 cannot differentiate again
 * (sobolev_fd, lwm_fd). Probes are stacked as {@code [base + h d_1; ..; base + h d_K;
 * base - h d_1; ..; base - h d_K]} so that one generator pass scores all of them, and the
 * derivatives come back as (n, K): {@code scale * (s(base + h d_k) - s(base - h d_k)) / 2h}. The
 * symmetric pairs also keep a training-mode batch norm's statistics over the probes close to
 * those of the base batch (the perturbations cancel in the mean to first order).
 */
final class CentralDifferences {

    private CentralDifferences() {
    }

    /** The stacked probes (2K n, ...) for base (n, ...) and directions (K, n, ...). */
    static INDArray probes(INDArray base, INDArray directions, double h) {
        long k = directions.size(0);
        INDArray moved = directions.mul(h);
        int[] reps = new int[directions.rank()];
        java.util.Arrays.fill(reps, 1);
        reps[0] = (int) k;
        INDArray tiled = Nd4j.tile(base.reshape(prepend(1, base.shape())), reps);
        INDArray plus = tiled.add(moved);
        INDArray minus = tiled.sub(moved);
        long[] flat = base.shape().clone();
        flat[0] = 2 * k * base.size(0);
        return Nd4j.concat(0, plus, minus).reshape(flat);
    }

    /** (n, K) derivatives from the probes' scores (2K n), inside a graph. */
    static SDVariable differences(SameDiff sd, SDVariable scores, int k, double h, double scale, DataType dt) {
        SDVariable m = sd.constant(matrix(k, h, scale, dt));
        return sd.mmul(sd.transpose(sd.reshape(scores, 2L * k, -1)), m);
    }

    /** (n, K) derivatives from the probes' scores (2K n). */
    static INDArray differences(INDArray scores, int k, double h, double scale) {
        return scores.reshape(2L * k, -1).transpose().mmul(matrix(k, h, scale, scores.dataType()));
    }

    /** (2K, K): +scale/2h at (k, k), -scale/2h at (K + k, k). */
    private static INDArray matrix(int k, double h, double scale, DataType dt) {
        INDArray m = Nd4j.zeros(dt, 2L * k, k);
        for (int i = 0; i < k; i++) {
            m.putScalar(i, i, scale / (2 * h));
            m.putScalar(k + i, i, -scale / (2 * h));
        }
        return m;
    }

    /** Standard normal array of {@code shape}, reproducible from {@code seed}. */
    static INDArray gaussian(long[] shape, long seed, DataType dt) {
        SplittableRandom rng = new SplittableRandom(seed);
        long n = 1;
        for (long s : shape) n *= s;
        double[] v = new double[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) {
            // Box-Muller from two uniforms: SplittableRandom has no gaussian of its own in Java 17
            double u1 = 1.0 - rng.nextDouble();
            double u2 = rng.nextDouble();
            v[i] = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
        }
        return Nd4j.create(v, shape, dt);
    }

    private static long[] prepend(long first, long[] shape) {
        long[] s = new long[shape.length + 1];
        s[0] = first;
        System.arraycopy(shape, 0, s, 1, shape.length);
        return s;
    }
}
