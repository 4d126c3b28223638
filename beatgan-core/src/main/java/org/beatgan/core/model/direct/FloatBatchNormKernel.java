package org.beatgan.core.model.direct;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * Batch norm for float arrays as Java loops. Why: libnd4j's {@code moments} + {@code batchnorm}
 * take ~520 µs and {@code batchnorm_bp} ~425 µs on a (64, 16, 80) float array with one thread;
 * here, copied to Java arrays (bulk copies) so the JIT vectorises the loops, a student step's 25
 * forwards take 6.0 ms and 21 backwards 5.4 ms (~240 and ~260 µs a call, {@code bench --profile};
 * 8.7 and 7.2 ms when the loops read the native memory element by element). Statistics are
 * accumulated in double (two passes for the variance); results equal libnd4j's to float rounding
 * (tested).
 */
final class FloatBatchNormKernel implements BatchNormKernel {

    @Override
    public String name() {
        return "batchnorm (Java)";
    }

    private final Scratch scratch = new Scratch();

    @Override
    public Bound bind(Arrays a) {
        Bound1 b = new Bound1(a, scratch);
        return new Bound(b::forward, b::backward);
    }

    private static final class Bound1 {
        /**
         * The bound arrays: the buffers below do not keep them alive, and one only buffers reach
         * (a convolution's output when the convolutions run on buffers too) would be collected and
         * its memory freed under them.
         */
        @SuppressWarnings({"unused", "FieldCanBeLocal"})
        private final Arrays owners;
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
        private final Scratch scratch;
        private final int size;

        Bound1(Arrays a, Scratch scratch) {
            this.owners = a;
            this.scratch = scratch;
            int[] bcl = a.batchChannelsLength();
            batch = bcl[0];
            channels = bcl[1];
            length = bcl[2];
            gamma = a.gamma();
            beta = a.beta();
            x = floats(a.x(), "Batch norm input");
            y = floats(a.y(), "Batch norm output");
            dy = floats(a.dy(), "Batch norm output gradient");
            dx = floats(a.dx(), "Batch norm input gradient");
            mean = floats(a.mean(), "Batch norm batch mean");
            var = floats(a.var(), "Batch norm batch variance");
            dGamma = floats(a.dGamma(), "Batch norm gamma gradient");
            dBeta = floats(a.dBeta(), "Batch norm beta gradient");
            mu = new double[channels];
            inv = new double[channels];
            size = batch * channels * length;
        }

        void forward() {
            g = gamma.toFloatVector();
            float[] b = beta.toFloatVector();
            float[] xs = scratch.x(size);
            float[] ys = scratch.y(size);
            x.get(0, xs, 0, size);
            double n = (double) batch * length;
            for (int c = 0; c < channels; c++) {
                double s = 0;
                for (int i = 0; i < batch; i++) {
                    int o = (i * channels + c) * length;
                    s += sum(xs, o, o + length);
                }
                double m = s / n;
                double s2 = 0;
                for (int i = 0; i < batch; i++) {
                    int o = (i * channels + c) * length;
                    s2 += squaredDeviations(xs, o, o + length, (float) m);
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
                    for (int l = o; l < o + length; l++) {
                        ys[l] = xs[l] * scale + shift;
                    }
                }
            }
            y.put(0, ys, 0, size);
        }

        /** dx = g inv (dy - mean(dy) - xhat mean(dy xhat)); dgamma = sum(dy xhat); dbeta = sum(dy). */
        void backward() {
            float[] xs = scratch.x(size);
            float[] dys = scratch.y(size);
            float[] dxs = scratch.z(size);
            x.get(0, xs, 0, size);
            dy.get(0, dys, 0, size);
            double n = (double) batch * length;
            for (int c = 0; c < channels; c++) {
                float m = (float) mu[c];
                double sumDy = 0;
                double sumDyX = 0;
                for (int i = 0; i < batch; i++) {
                    int o = (i * channels + c) * length;
                    sumDy += sum(dys, o, o + length);
                    sumDyX += products(dys, xs, o, o + length, m);
                }
                dBeta.put(c, (float) sumDy);
                dGamma.put(c, (float) (sumDyX * inv[c]));
                float k = (float) (g[c] * inv[c]);
                float meanDy = (float) (sumDy / n);
                float meanDyX = (float) (sumDyX * inv[c] * inv[c] / n);
                for (int i = 0; i < batch; i++) {
                    int o = (i * channels + c) * length;
                    for (int l = o; l < o + length; l++) {
                        dxs[l] = k * (dys[l] - meanDy - (xs[l] - m) * meanDyX);
                    }
                }
            }
            dx.put(0, dxs, 0, size);
        }
    }

    /*
     * Sums with four independent accumulators: one accumulator is a chain of dependent additions
     * (a few cycles each), four let the CPU overlap them; in double, so the order barely matters.
     */

    private static double sum(float[] a, int from, int to) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = from;
        for (; i + 3 < to; i += 4) {
            s0 += a[i];
            s1 += a[i + 1];
            s2 += a[i + 2];
            s3 += a[i + 3];
        }
        for (; i < to; i++) {
            s0 += a[i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    private static double squaredDeviations(float[] a, int from, int to, float m) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = from;
        for (; i + 3 < to; i += 4) {
            float d0 = a[i] - m, d1 = a[i + 1] - m, d2 = a[i + 2] - m, d3 = a[i + 3] - m;
            s0 += d0 * d0;
            s1 += d1 * d1;
            s2 += d2 * d2;
            s3 += d3 * d3;
        }
        for (; i < to; i++) {
            float d = a[i] - m;
            s0 += d * d;
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** Sum of dy (x - m). */
    private static double products(float[] dy, float[] x, int from, int to, float m) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = from;
        for (; i + 3 < to; i += 4) {
            s0 += dy[i] * (x[i] - m);
            s1 += dy[i + 1] * (x[i + 1] - m);
            s2 += dy[i + 2] * (x[i + 2] - m);
            s3 += dy[i + 3] * (x[i + 3] - m);
        }
        for (; i < to; i++) {
            s0 += dy[i] * (x[i] - m);
        }
        return (s0 + s1) + (s2 + s3);
    }

    /**
     * Java-heap copies of a batch norm's arrays, shared by the batch norms of one kernel (one
     * pass, run on one thread): the loops then run on arrays the JIT vectorises, and the copies
     * in and out are bulk memory copies.
     */
    private static final class Scratch {
        private float[] x = new float[0];
        private float[] y = new float[0];
        private float[] z = new float[0];

        float[] x(int n) {
            if (x.length < n) x = new float[n];
            return x;
        }

        float[] y(int n) {
            if (y.length < n) y = new float[n];
            return y;
        }

        float[] z(int n) {
            if (z.length < n) z = new float[n];
            return z;
        }
    }

    /** The array's memory as a float buffer; only whole, C-ordered float arrays qualify. */
    static FloatBuffer floats(INDArray a, String what) {
        if (a.dataType() != DataType.FLOAT || a.isView() || a.offset() != 0 || a.ordering() != 'c'
                || a.data().length() < a.length()) {
            throw new IllegalArgumentException(what + " must be a whole C-ordered float array, got "
                    + a.shapeInfoToString());
        }
        return a.data().pointer().asByteBuffer().order(ByteOrder.nativeOrder()).asFloatBuffer();
    }
}
