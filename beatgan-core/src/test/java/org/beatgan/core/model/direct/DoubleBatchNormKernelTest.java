package org.beatgan.core.model.direct;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The double-precision Java batch norm against the exact formula written out here, and a
 * tripwire for libnd4j's {@code batchnorm_bp} in double, whose input gradient is ~5e-10 off
 * (M2.1; the reason the Java kernel exists).
 */
class DoubleBatchNormKernelTest {
    @Test
    void javaKernelIsExactInDouble() {
        double[] errors = errors(new DoubleBatchNormKernel());
        assertTrue(errors[0] < 1e-14, "output " + errors[0]);
        assertTrue(errors[1] < 1e-13, "gamma gradient " + errors[1]);
        assertTrue(errors[2] < 1e-13, "relative input gradient " + errors[2]);
        assertTrue(errors[3] < 1e-13, "batch statistics " + errors[3]);
    }

    @Test
    void libnd4jBackpropInDoubleIsOnlyAccurateTo1e9Tripwire() {
        double[] errors = errors(new LibNd4jBatchNormKernel());
        assertTrue(errors[0] < 1e-13, "output " + errors[0]);
        // if this fails, M2.1's batchnorm_bp became exact: DoubleBatchNormKernel may go
        assertTrue(errors[2] > 1e-11 && errors[2] < 1e-8, "relative input gradient " + errors[2]);
    }

    /** Max errors of output, gamma gradient, relative input gradient and statistics. */
    private static double[] errors(BatchNormKernel kernel) {
        int B = 32, C = 16, L = 80;
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.randn(DataType.DOUBLE, B, C, L).muli(0.3).addi(0.1);
        INDArray dy = Nd4j.randn(DataType.DOUBLE, B, C, L).muli(1e-3);
        INDArray gamma = Nd4j.rand(DataType.DOUBLE, C).addi(0.5);
        INDArray beta = Nd4j.randn(DataType.DOUBLE, C);
        INDArray mean = Nd4j.create(DataType.DOUBLE, C), var = Nd4j.create(DataType.DOUBLE, C);
        INDArray y = x.like(), dx = x.like(), dg = gamma.like(), db = beta.like();
        BatchNormKernel.Bound k = kernel.bind(new BatchNormKernel.Arrays(x, gamma, beta, mean, var, y, dy, dx, dg, db));
        k.forward().run();
        k.backward().run();
        double[][][] X = toArr(x), DY = toArr(dy);
        double worst = 0, max = 0, worstY = 0, worstG = 0, worstStats = 0;
        for (int c = 0; c < C; c++) {
            double m = 0; for (int b = 0; b < B; b++) for (int l = 0; l < L; l++) m += X[b][c][l];
            m /= B * L;
            double v = 0; for (int b = 0; b < B; b++) for (int l = 0; l < L; l++) v += (X[b][c][l] - m) * (X[b][c][l] - m);
            v /= B * L;
            worstStats = Math.max(worstStats, Math.max(Math.abs(m - mean.getDouble(c)), Math.abs(v - var.getDouble(c))));
            double inv = 1 / Math.sqrt(v + 1e-5);
            double g = gamma.getDouble(c);
            double sdy = 0, sdyx = 0;
            for (int b = 0; b < B; b++) for (int l = 0; l < L; l++) { double xh = (X[b][c][l] - m) * inv; sdy += DY[b][c][l]; sdyx += DY[b][c][l] * xh; }
            worstG = Math.max(worstG, Math.max(Math.abs(sdyx - dg.getDouble(c)), Math.abs(sdy - db.getDouble(c))));
            int n = B * L;
            for (int b = 0; b < B; b++) for (int l = 0; l < L; l++) {
                double xh = (X[b][c][l] - m) * inv;
                double yy = g * xh + beta.getDouble(c);
                worstY = Math.max(worstY, Math.abs(yy - y.getDouble(b, c, l)));
                double d = g * inv * (DY[b][c][l] - sdy / n - xh * sdyx / n);
                max = Math.max(max, Math.abs(d));
                worst = Math.max(worst, Math.abs(d - dx.getDouble(b, c, l)));
            }
        }
        return new double[]{worstY, worstG, worst / max, worstStats};
    }

    private static double[][][] toArr(INDArray a) {
        int B = (int) a.size(0), C = (int) a.size(1), L = (int) a.size(2);
        double[] d = a.dup('c').data().asDouble();
        double[][][] o = new double[B][C][L];
        for (int b = 0; b < B; b++) for (int c = 0; c < C; c++) for (int l = 0; l < L; l++) o[b][c][l] = d[(b * C + c) * L + l];
        return o;
    }
}
