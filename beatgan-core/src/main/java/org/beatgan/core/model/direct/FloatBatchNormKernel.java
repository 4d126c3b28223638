package org.beatgan.core.model.direct;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * Batch norm for float arrays as Java loops over the arrays' native memory. Why: libnd4j's
 * {@code moments} + {@code batchnorm} take ~520 µs and {@code batchnorm_bp} ~425 µs on a
 * (64, 16, 80) float array with one thread, these loops ~200 and ~185 µs, and a student step has
 * 21 batch norms. Statistics are accumulated in double (two passes for the variance); results
 * equal libnd4j's to float rounding (tested).
 */
final class FloatBatchNormKernel implements BatchNormKernel {

    @Override
    public String name() {
        return "batchnorm (Java)";
    }

    @Override
    public Bound bind(Arrays a) {
        Bound1 b = new Bound1(a);
        return new Bound(b::forward, b::backward);
    }

    private static final class Bound1 {
        private final INDArray gamma;
        private final INDArray beta;
        private final FloatBuffer x;
        private final FloatBuffer y;
        private final FloatBuffer dy;
        private final FloatBuffer dx;
        private final FloatBuffer mean;
        private final FloatBuffer var;
        private final FloatBuffer dGamma;
        private final FloatBuffer dBeta;
        private final int batch;
        private final int channels;
        private final int length;
        /** Statistics of the last forward, in double, for the backward. */
        private final double[] mu;
        private final double[] inv;
        private float[] g;

        Bound1(Arrays a) {
            long[] shape = a.x().shape();
            if (shape.length != 3) {
                throw new IllegalArgumentException("Batch norm expects (B, C, L), got " + java.util.Arrays.toString(shape));
            }
            batch = (int) shape[0];
            channels = (int) shape[1];
            length = (int) shape[2];
            gamma = a.gamma();
            beta = a.beta();
            x = floats(a.x(), "input");
            y = floats(a.y(), "output");
            dy = floats(a.dy(), "output gradient");
            dx = floats(a.dx(), "input gradient");
            mean = floats(a.mean(), "batch mean");
            var = floats(a.var(), "batch variance");
            dGamma = floats(a.dGamma(), "gamma gradient");
            dBeta = floats(a.dBeta(), "beta gradient");
            mu = new double[channels];
            inv = new double[channels];
        }

        void forward() {
            g = gamma.toFloatVector();
            float[] b = beta.toFloatVector();
            double n = (double) batch * length;
            for (int c = 0; c < channels; c++) {
                double s = 0;
                for (int i = 0; i < batch; i++) {
                    int o = (i * channels + c) * length;
                    for (int l = 0; l < length; l++) {
                        s += x.get(o + l);
                    }
                }
                double m = s / n;
                double s2 = 0;
                for (int i = 0; i < batch; i++) {
                    int o = (i * channels + c) * length;
                    for (int l = 0; l < length; l++) {
                        double d = x.get(o + l) - m;
                        s2 += d * d;
                    }
                }
                double v = s2 / n;
                mu[c] = m;
                inv[c] = 1.0 / Math.sqrt(v + EPS);
                mean.put(c, (float) m);
                var.put(c, (float) v);
            }
            for (int i = 0; i < batch; i++) {
                for (int c = 0; c < channels; c++) {
                    int o = (i * channels + c) * length;
                    float scale = (float) (inv[c] * g[c]);
                    float shift = (float) (b[c] - mu[c] * inv[c] * g[c]);
                    for (int l = 0; l < length; l++) {
                        y.put(o + l, x.get(o + l) * scale + shift);
                    }
                }
            }
        }

        /** dx = g inv (dy - mean(dy) - xhat mean(dy xhat)); dgamma = sum(dy xhat); dbeta = sum(dy). */
        void backward() {
            double n = (double) batch * length;
            for (int c = 0; c < channels; c++) {
                float m = (float) mu[c];
                double sumDy = 0;
                double sumDyX = 0;
                for (int i = 0; i < batch; i++) {
                    int o = (i * channels + c) * length;
                    for (int l = 0; l < length; l++) {
                        float d = dy.get(o + l);
                        sumDy += d;
                        sumDyX += d * (x.get(o + l) - m);
                    }
                }
                dBeta.put(c, (float) sumDy);
                dGamma.put(c, (float) (sumDyX * inv[c]));
                float k = (float) (g[c] * inv[c]);
                float meanDy = (float) (sumDy / n);
                float meanDyX = (float) (sumDyX * inv[c] * inv[c] / n);
                for (int i = 0; i < batch; i++) {
                    int o = (i * channels + c) * length;
                    for (int l = 0; l < length; l++) {
                        dx.put(o + l, k * (dy.get(o + l) - meanDy - (x.get(o + l) - m) * meanDyX));
                    }
                }
            }
        }
    }

    /** The array's memory as a float buffer; only whole, C-ordered float arrays qualify. */
    static FloatBuffer floats(INDArray a, String what) {
        if (a.dataType() != DataType.FLOAT || a.isView() || a.offset() != 0 || a.ordering() != 'c'
                || a.data().length() < a.length()) {
            throw new IllegalArgumentException("Batch norm " + what + " must be a whole C-ordered float array, got "
                    + a.shapeInfoToString());
        }
        return a.data().pointer().asByteBuffer().order(ByteOrder.nativeOrder()).asFloatBuffer();
    }
}
