package org.beatgan.core.model.direct;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.ByteOrder;
import java.nio.DoubleBuffer;

/**
 * Batch norm for double arrays as Java loops, exact to double round-off. Why: libnd4j's
 * {@code batchnorm_bp} in double is accurate to only ~5e-10 relative (its input gradient against
 * the exact formula on a (32, 16, 80) array; the forward agrees to 1e-14), which is invisible in
 * training but keeps a double-precision step from matching an independent float64 implementation
 * (the PyTorch step trace) to round-off. Double runs are for checks, so these loops favour
 * plainness over speed.
 */
final class DoubleBatchNormKernel implements BatchNormKernel {

    @Override
    public String name() {
        return "batchnorm (Java, double)";
    }

    @Override
    public Bound bind(Arrays a) {
        Bound1 b = new Bound1(a);
        return new Bound(b::forward, b::backward);
    }

    private static final class Bound1 {
        private final INDArray gamma;
        private final INDArray beta;
        private final DoubleBuffer x;
        private final DoubleBuffer y;
        private final DoubleBuffer dy;
        private final DoubleBuffer dx;
        private final DoubleBuffer mean;
        private final DoubleBuffer var;
        private final DoubleBuffer dGamma;
        private final DoubleBuffer dBeta;
        private final int batch;
        private final int channels;
        private final int length;
        private final double[] mu;
        private final double[] inv;
        private double[] g;

        Bound1(Arrays a) {
            int[] bcl = a.batchChannelsLength();
            batch = bcl[0];
            channels = bcl[1];
            length = bcl[2];
            gamma = a.gamma();
            beta = a.beta();
            x = doubles(a.x(), "input");
            y = doubles(a.y(), "output");
            dy = doubles(a.dy(), "output gradient");
            dx = doubles(a.dx(), "input gradient");
            mean = doubles(a.mean(), "batch mean");
            var = doubles(a.var(), "batch variance");
            dGamma = doubles(a.dGamma(), "gamma gradient");
            dBeta = doubles(a.dBeta(), "beta gradient");
            mu = new double[channels];
            inv = new double[channels];
        }

        private int at(int i, int c) {
            return (i * channels + c) * length;
        }

        void forward() {
            g = gamma.toDoubleVector();
            double[] b = beta.toDoubleVector();
            double n = (double) batch * length;
            for (int c = 0; c < channels; c++) {
                double s = 0;
                for (int i = 0; i < batch; i++) {
                    for (int l = at(i, c), end = l + length; l < end; l++) s += x.get(l);
                }
                double m = s / n;
                double s2 = 0;
                for (int i = 0; i < batch; i++) {
                    for (int l = at(i, c), end = l + length; l < end; l++) {
                        double d = x.get(l) - m;
                        s2 += d * d;
                    }
                }
                double v = s2 / n;
                mu[c] = m;
                inv[c] = 1.0 / Math.sqrt(v + EPS);
                mean.put(c, m);
                var.put(c, v);
                for (int i = 0; i < batch; i++) {
                    for (int l = at(i, c), end = l + length; l < end; l++) {
                        y.put(l, (x.get(l) - m) * inv[c] * g[c] + b[c]);
                    }
                }
            }
        }

        /** dx = g inv (dy - mean(dy) - xhat mean(dy xhat)); dgamma = sum(dy xhat); dbeta = sum(dy). */
        void backward() {
            double n = (double) batch * length;
            for (int c = 0; c < channels; c++) {
                double sumDy = 0;
                double sumDyXhat = 0;
                for (int i = 0; i < batch; i++) {
                    for (int l = at(i, c), end = l + length; l < end; l++) {
                        sumDy += dy.get(l);
                        sumDyXhat += dy.get(l) * (x.get(l) - mu[c]) * inv[c];
                    }
                }
                dBeta.put(c, sumDy);
                dGamma.put(c, sumDyXhat);
                double k = g[c] * inv[c];
                for (int i = 0; i < batch; i++) {
                    for (int l = at(i, c), end = l + length; l < end; l++) {
                        double xhat = (x.get(l) - mu[c]) * inv[c];
                        dx.put(l, k * (dy.get(l) - sumDy / n - xhat * sumDyXhat / n));
                    }
                }
            }
        }
    }

    /** The array's memory as a double buffer; only whole, C-ordered double arrays qualify. */
    static DoubleBuffer doubles(INDArray a, String what) {
        if (a.dataType() != DataType.DOUBLE || a.isView() || a.offset() != 0 || a.ordering() != 'c'
                || a.data().length() < a.length()) {
            throw new IllegalArgumentException("Batch norm " + what + " must be a whole C-ordered double array, got "
                    + a.shapeInfoToString());
        }
        return a.data().pointer().asByteBuffer().order(ByteOrder.nativeOrder()).asDoubleBuffer();
    }
}
