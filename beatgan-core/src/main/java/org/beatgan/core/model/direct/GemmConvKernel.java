package org.beatgan.core.model.direct;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.FloatBuffer;

import static org.beatgan.core.model.direct.FloatBatchNormKernel.floats;
import static org.bytedeco.openblas.global.openblas.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas.CblasTrans;
import static org.bytedeco.openblas.global.openblas.cblas_sgemm;

/**
 * BeatGAN's convolutions in float as one OpenBLAS {@code sgemm} per product over the whole batch,
 * on Java-array copies of the layer's arrays, with im2col / col2im as Java loops. Why: libnd4j's
 * {@code conv1d_bp} and {@code deconv2d_bp} were two thirds of the student's direct step (16-19 of
 * 52-54 ms of op time for 23 conv1d backprops) and always compute the weight gradient, which D's
 * weights in G's adversarial term do not need; here a layer without a weight gradient skips that
 * product. The same orderings as scoring's {@code GemmGenerator}, but on the batch-major (B, C, L)
 * arrays the rest of the direct step uses.
 *
 * <p>A convolution's weights (K, Ci, Co) are, as stored, the (K Ci x Co) matrix whose transpose
 * multiplies the im2col columns (rows ordered by tap, then input channel); a transposed
 * convolution's (1, K, Co, Ci) are the (K Co x Ci) matrix that gives its columns before col2im.
 * Arrays that only live during one call are shared by the layers of one kernel (one pass on one
 * thread); what a backward needs from its forward (the weights, the columns) is the layer's own.
 */
final class GemmConvKernel implements ConvKernel {

    private final Scratch scratch = new Scratch();

    @Override
    public String suffix() {
        return " (sgemm)";
    }

    @Override
    public Bound conv(Arrays a) {
        Geometry g = Geometry.of(a, "convolution");
        if (a.w().rank() != 3 || a.w().size(0) != g.k || a.w().size(1) != g.ci || a.w().size(2) != g.co) {
            throw new IllegalArgumentException("Convolution weight must be (K, Ci, Co) = (" + g.k + ", " + g.ci + ", "
                    + g.co + "), got " + java.util.Arrays.toString(a.w().shape()));
        }
        if (g.lo != (g.li + 2 * g.p - g.k) / g.s + 1) {
            throw new IllegalArgumentException("Convolution output length " + g.lo + " does not follow from input "
                    + g.li + ", kernel " + g.k + ", stride " + g.s + ", padding " + g.p);
        }
        Buffers b = new Buffers(a);
        int rows = g.k * g.ci;
        int n = g.batch * g.lo;
        float[] w = new float[rows * g.co];
        float[] dw = b.dw == null ? null : new float[w.length];
        // the backward's weight gradient needs the forward's columns: kept per layer only then
        float[] kept = b.dw == null ? null : new float[rows * n];
        Runnable forward = () -> {
            b.w.get(0, w, 0, w.length);
            float[] x = scratch.get(0, g.inSize());
            b.x.get(0, x, 0, g.inSize());
            float[] cols = kept != null ? kept : scratch.get(1, rows * n);
            im2col(x, g.batch, g.ci, g.li, g.lo, g.k, g.s, g.p, cols);
            float[] ycm = scratch.get(2, g.co * n);
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, g.co, n, rows, 1f, w, g.co, cols, n, 0f, ycm, n);
            float[] y = scratch.get(3, g.outSize());
            toBatchMajor(ycm, g.batch, g.co, g.lo, y);
            b.y.put(0, y, 0, g.outSize());
        };
        Runnable backward = b.dx == null ? null : () -> {
            float[] dy = scratch.get(0, g.outSize());
            b.dy.get(0, dy, 0, g.outSize());
            float[] dcm = scratch.get(1, g.co * n);
            toChannelMajor(dy, g.batch, g.co, g.lo, dcm);
            if (dw != null) {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, g.co, n, 1f, kept, n, dcm, n, 0f, dw, g.co);
                b.dw.put(0, dw, 0, dw.length);
            }
            float[] dcols = scratch.get(2, rows * n);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, n, g.co, 1f, w, g.co, dcm, n, 0f, dcols, n);
            float[] dx = scratch.get(3, g.inSize());
            col2im(dcols, g.batch, g.ci, g.li, g.lo, g.k, g.s, g.p, dx);
            b.dx.put(0, dx, 0, g.inSize());
        };
        return new Bound(forward, backward);
    }

    @Override
    public Bound deconv(Arrays a) {
        Geometry g = Geometry.of(a, "transposed convolution");
        if (a.w().rank() != 4 || a.w().size(0) != 1 || a.w().size(1) != g.k || a.w().size(2) != g.co
                || a.w().size(3) != g.ci) {
            throw new IllegalArgumentException("Transposed convolution weight must be (1, K, Co, Ci) = (1, " + g.k
                    + ", " + g.co + ", " + g.ci + "), got " + java.util.Arrays.toString(a.w().shape()));
        }
        if (g.lo != (g.li - 1) * g.s - 2 * g.p + g.k) {
            throw new IllegalArgumentException("Transposed convolution output length " + g.lo + " does not follow "
                    + "from input " + g.li + ", kernel " + g.k + ", stride " + g.s + ", padding " + g.p);
        }
        Buffers b = new Buffers(a);
        int rows = g.k * g.co;
        int n = g.batch * g.li;
        float[] w = new float[rows * g.ci];
        float[] dw = b.dw == null ? null : new float[w.length];
        float[] kept = b.dw == null ? null : new float[g.ci * n];
        Runnable forward = () -> {
            b.w.get(0, w, 0, w.length);
            float[] x = scratch.get(0, g.inSize());
            b.x.get(0, x, 0, g.inSize());
            float[] xcm = kept != null ? kept : scratch.get(1, g.ci * n);
            toChannelMajor(x, g.batch, g.ci, g.li, xcm);
            float[] cols = scratch.get(2, rows * n);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, n, g.ci, 1f, w, g.ci, xcm, n, 0f, cols, n);
            float[] y = scratch.get(3, g.outSize());
            // the transposed convolution's output is the convolution's input gradient for these columns
            col2im(cols, g.batch, g.co, g.lo, g.li, g.k, g.s, g.p, y);
            b.y.put(0, y, 0, g.outSize());
        };
        Runnable backward = b.dx == null ? null : () -> {
            float[] dy = scratch.get(0, g.outSize());
            b.dy.get(0, dy, 0, g.outSize());
            float[] dcols = scratch.get(1, rows * n);
            im2col(dy, g.batch, g.co, g.lo, g.li, g.k, g.s, g.p, dcols);
            if (dw != null) {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, g.ci, n, 1f, dcols, n, kept, n, 0f, dw, g.ci);
                b.dw.put(0, dw, 0, dw.length);
            }
            float[] dxcm = scratch.get(2, g.ci * n);
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, g.ci, n, rows, 1f, w, g.ci, dcols, n, 0f, dxcm, n);
            float[] dx = scratch.get(3, g.inSize());
            toBatchMajor(dxcm, g.batch, g.ci, g.li, dx);
            b.dx.put(0, dx, 0, g.inSize());
        };
        return new Bound(forward, backward);
    }

    /**
     * Columns of a batch-major (B, C, Li) array for a convolution to length Lo: row t C + c,
     * column b Lo + j holds x[b][c][j s - p + t], zero where that reads outside the input.
     */
    static void im2col(float[] x, int batch, int channels, int li, int lo, int k, int s, int p, float[] cols) {
        int n = batch * lo;
        for (int t = 0; t < k; t++) {
            int first = Math.min(lo, firstInRange(p - t, s));
            int last = Math.max(first, Math.min(lo, Math.floorDiv(li - 1 + p - t, s) + 1));
            for (int c = 0; c < channels; c++) {
                int row = (t * channels + c) * n;
                for (int b = 0; b < batch; b++) {
                    int dst = row + b * lo;
                    int src = (b * channels + c) * li - p + t;
                    java.util.Arrays.fill(cols, dst, dst + first, 0f);
                    if (s == 1) {
                        System.arraycopy(x, src + first, cols, dst + first, last - first);
                    } else {
                        for (int j = first; j < last; j++) {
                            cols[dst + j] = x[src + j * s];
                        }
                    }
                    java.util.Arrays.fill(cols, dst + last, dst + lo, 0f);
                }
            }
        }
    }

    /** The adjoint of {@link #im2col}: x (B, C, Li) = the sum of the columns at the positions they read. */
    static void col2im(float[] cols, int batch, int channels, int li, int lo, int k, int s, int p, float[] x) {
        java.util.Arrays.fill(x, 0, batch * channels * li, 0f);
        int n = batch * lo;
        for (int t = 0; t < k; t++) {
            int first = firstInRange(p - t, s);
            int last = Math.min(lo, Math.floorDiv(li - 1 + p - t, s) + 1);
            for (int c = 0; c < channels; c++) {
                int row = (t * channels + c) * n;
                for (int b = 0; b < batch; b++) {
                    int src = row + b * lo;
                    int dst = (b * channels + c) * li - p + t;
                    for (int j = first; j < last; j++) {
                        x[dst + j * s] += cols[src + j];
                    }
                }
            }
        }
    }

    /** (B, C, L) to (C, B L). */
    static void toChannelMajor(float[] a, int batch, int channels, int length, float[] to) {
        for (int b = 0; b < batch; b++) {
            for (int c = 0; c < channels; c++) {
                System.arraycopy(a, (b * channels + c) * length, to, (c * batch + b) * length, length);
            }
        }
    }

    /** (C, B L) to (B, C, L). */
    static void toBatchMajor(float[] a, int batch, int channels, int length, float[] to) {
        for (int c = 0; c < channels; c++) {
            for (int b = 0; b < batch; b++) {
                System.arraycopy(a, (c * batch + b) * length, to, (b * channels + c) * length, length);
            }
        }
    }

    /** The smallest j >= 0 with j s >= offset. */
    private static int firstInRange(int offset, int s) {
        return offset <= 0 ? 0 : (offset + s - 1) / s;
    }

    /** Batch, channels in and out, lengths in and out, kernel, stride, padding. */
    private record Geometry(int batch, int ci, int co, int li, int lo, int k, int s, int p) {

        static Geometry of(Arrays a, String what) {
            INDArray x = a.x();
            INDArray y = a.y();
            if (x.rank() != 3 || y.rank() != 3 || x.size(0) != y.size(0)) {
                throw new IllegalArgumentException("The " + what + " expects (B, C, L) input and output of one batch, got "
                        + java.util.Arrays.toString(x.shape()) + " and " + java.util.Arrays.toString(y.shape()));
            }
            return new Geometry((int) x.size(0), (int) x.size(1), (int) y.size(1), (int) x.size(2), (int) y.size(2),
                    a.kernel(), a.stride(), a.pad());
        }

        int inSize() {
            return batch * ci * li;
        }

        int outSize() {
            return batch * co * lo;
        }
    }

    /**
     * The layer's arrays' memory (whole C-ordered float arrays only), and the arrays themselves: a
     * buffer on an array's memory does not keep the array alive, and an array that only the tape's
     * buffers reach (a convolution's output, read by the batch norm's buffers) would be collected
     * and its memory freed under them, corrupting the native heap.
     */
    private static final class Buffers {
        @SuppressWarnings({"unused", "FieldCanBeLocal"})
        private final Arrays owners;
        final FloatBuffer x;
        final FloatBuffer w;
        final FloatBuffer y;
        final FloatBuffer dy;
        final FloatBuffer dx;
        final FloatBuffer dw;

        Buffers(Arrays a) {
            owners = a;
            x = floats(a.x(), "Convolution input");
            w = floats(a.w(), "Convolution weight");
            y = floats(a.y(), "Convolution output");
            dy = a.dx() == null ? null : floats(a.dy(), "Convolution output gradient");
            dx = a.dx() == null ? null : floats(a.dx(), "Convolution input gradient");
            dw = a.dw() == null ? null : floats(a.dw(), "Convolution weight gradient");
        }
    }

    /**
     * Arrays by slot and exact length, shared by the layers of one kernel. Exact, because a Java
     * array handed to {@code cblas_sgemm} is copied in and out whole by JNI: an array grown to the
     * largest layer made every small layer pay for the largest's copies.
     */
    private static final class Scratch {
        private final java.util.Map<Long, float[]> arrays = new java.util.HashMap<>();

        float[] get(int slot, int n) {
            return arrays.computeIfAbsent(((long) slot << 32) | n, k -> new float[n]);
        }
    }
}
