package org.beatgan.core.model;

import org.beatgan.core.model.BeatGanArchitecture.Kind;
import org.beatgan.core.model.GeneratorInference.Layer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.bytedeco.openblas.global.openblas.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas.cblas_sgemm;

/**
 * The folded generator for one batch size in float, each layer one OpenBLAS {@code sgemm} on Java
 * arrays plus Java loops (im2col, col2im, activations). Why: at batch 1 libnd4j's convolution
 * kernels spend 30-110 µs per call on setup for a few thousand multiply-adds, so the student's
 * twelve layers took 0.7-1.2 ms; this path takes ~0.2 ms. Activations are kept channel-major,
 * (C, B, L), so a layer over the whole batch is one matrix product.
 */
final class GemmGenerator {

    private static final float LEAKY_SLOPE = (float) BeatGanArchitecture.LEAKY_SLOPE;

    private interface Step {
        float[] run(float[] in);
    }

    /** A layer's output array (channel-major, overwritten by each run) and its shape. */
    private record Output(String name, float[] data, int channels, int length) {
    }

    private final int batch;
    private final int channels;
    private final int length;
    private final float[] input;
    private final List<Step> steps = new ArrayList<>();
    private final List<Output> outputs = new ArrayList<>();

    GemmGenerator(List<Layer> layers, int batch, int channels, int length) {
        this.batch = batch;
        this.channels = channels;
        this.length = length;
        this.input = new float[batch * channels * length];
        int c = channels;
        int len = length;
        for (Layer l : layers) {
            float[] w = l.weight().data().asFloat();
            float[] bias = l.bias().data().asFloat();
            int co = (int) l.weight().size(2);
            int lo = l.outputLength(len);
            float[] out = new float[co * batch * lo];
            steps.add(l.kind() == Kind.CONV
                    ? conv(w, bias, c, co, len, lo, l.kernel(), l.stride(), l.pad(), l.activation(), out)
                    : deconv(w, bias, c, co, len, lo, l.kernel(), l.stride(), l.pad(), l.activation(), out));
            outputs.add(new Output(l.output(), out, co, lo));
            len = lo;
            c = co;
        }
        if (c != channels || len != length) {
            throw new IllegalStateException("Generator output (" + c + ", " + len + ") is not the input's shape");
        }
    }

    /**
     * G(x) for beats given as (B, C, L) in C order; the result is channel-major (C, B, L) and is
     * overwritten by the next call.
     */
    float[] run(float[] beats) {
        toChannelMajor(beats, input);
        float[] h = input;
        for (Step s : steps) {
            h = s.run(h);
        }
        return h;
    }

    /** Per-beat mean squared reconstruction error. */
    float[] scores(float[] beats) {
        return scoresOf(run(beats), beats);
    }

    /** Per-beat scores of the last {@link #run} output against its beats. */
    float[] scoresOf(float[] out, float[] beats) {
        float[] scores = new float[batch];
        int perBeat = channels * length;
        for (int b = 0; b < batch; b++) {
            double sum = 0;
            for (int c = 0; c < channels; c++) {
                int o = (c * batch + b) * length;
                int x = (b * channels + c) * length;
                for (int l = 0; l < length; l++) {
                    double d = out[o + l] - beats[x + l];
                    sum += d * d;
                }
            }
            scores[b] = (float) (sum / perBeat);
        }
        return scores;
    }

    /** G(x) as (B, C, L) in C order. */
    float[] reconstruct(float[] beats) {
        return batchMajor(run(beats), channels, length);
    }

    /**
     * The named layer output of the last {@link #run} as (B, C, L) in C order, with its shape, or
     * null for a name that is no layer's output.
     */
    Activation activation(String name) {
        for (Output o : outputs) {
            if (o.name().equals(name)) {
                return new Activation(batchMajor(o.data(), o.channels(), o.length()),
                        new long[]{batch, o.channels(), o.length()});
            }
        }
        return null;
    }

    record Activation(float[] data, long[] shape) {
    }

    private float[] batchMajor(float[] a, int c, int len) {
        float[] r = new float[a.length];
        for (int b = 0; b < batch; b++) {
            for (int k = 0; k < c; k++) {
                System.arraycopy(a, (k * batch + b) * len, r, (b * c + k) * len, len);
            }
        }
        return r;
    }

    private void toChannelMajor(float[] beats, float[] to) {
        for (int b = 0; b < batch; b++) {
            for (int c = 0; c < channels; c++) {
                System.arraycopy(beats, (b * channels + c) * length, to, (c * batch + b) * length, length);
            }
        }
    }

    /**
     * Convolution as (Co x Ci K + 1) times (Ci K + 1 x B Lo): im2col columns with a row of ones,
     * weights w[k][ci][co] rearranged to rows per output channel with the bias last.
     */
    private Step conv(float[] w, float[] bias, int ci, int co, int li, int lo, int k, int s, int p,
                      BeatGanArchitecture.Activation act, float[] out) {
        int rows = ci * k + 1;
        int n = batch * lo;
        float[] m = new float[co * rows];
        for (int o = 0; o < co; o++) {
            for (int c = 0; c < ci; c++) {
                for (int t = 0; t < k; t++) {
                    m[o * rows + c * k + t] = w[(t * ci + c) * co + o];
                }
            }
            m[o * rows + rows - 1] = bias[o];
        }
        // positions a tap reads outside the input (padding) stay zero
        float[] cols = new float[rows * n];
        Arrays.fill(cols, (rows - 1) * n, rows * n, 1f);
        return in -> {
            for (int c = 0; c < ci; c++) {
                for (int t = 0; t < k; t++) {
                    int first = firstInRange(p - t, s);
                    int last = Math.min(lo, Math.floorDiv(li - 1 + p - t, s) + 1);
                    int r = (c * k + t) * n;
                    for (int b = 0; b < batch; b++) {
                        int src = (c * batch + b) * li - p + t;
                        int dst = r + b * lo;
                        for (int j = first; j < last; j++) {
                            cols[dst + j] = in[src + j * s];
                        }
                    }
                }
            }
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, co, n, rows, 1f, m, rows, cols, n, 0f, out, n);
            activate(out, act);
            return out;
        };
    }

    /**
     * Transposed convolution as (Co K x Ci) times (Ci x B Li), then col2im: each column entry added
     * at output position li s - p + k. Weights w[0][k][co][ci] are already rows per (co, k).
     */
    private Step deconv(float[] w, float[] bias, int ci, int co, int li, int lo, int k, int s, int p,
                        BeatGanArchitecture.Activation act, float[] out) {
        int n = batch * li;
        float[] m = new float[co * k * ci];
        for (int t = 0; t < k; t++) {
            for (int o = 0; o < co; o++) {
                System.arraycopy(w, (t * co + o) * ci, m, (o * k + t) * ci, ci);
            }
        }
        float[] cols = new float[co * k * n];
        return in -> {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, co * k, n, ci, 1f, m, ci, in, n, 0f, cols, n);
            for (int o = 0; o < co; o++) {
                int base = o * batch * lo;
                Arrays.fill(out, base, base + batch * lo, bias[o]);
                for (int t = 0; t < k; t++) {
                    int first = firstInRange(p - t, s);
                    int last = Math.min(li, Math.floorDiv(lo - 1 + p - t, s) + 1);
                    int r = (o * k + t) * n;
                    for (int b = 0; b < batch; b++) {
                        int dst = base + b * lo - p + t;
                        int src = r + b * li;
                        for (int j = first; j < last; j++) {
                            out[dst + j * s] += cols[src + j];
                        }
                    }
                }
            }
            activate(out, act);
            return out;
        };
    }

    /** The smallest j >= 0 with j s >= offset. */
    private static int firstInRange(int offset, int s) {
        return offset <= 0 ? 0 : (offset + s - 1) / s;
    }

    private static void activate(float[] a, BeatGanArchitecture.Activation act) {
        switch (act) {
            case LEAKY_RELU -> {
                for (int i = 0; i < a.length; i++) {
                    a[i] = Math.max(a[i], LEAKY_SLOPE * a[i]);
                }
            }
            case RELU -> {
                for (int i = 0; i < a.length; i++) {
                    a[i] = Math.max(a[i], 0f);
                }
            }
            case TANH -> {
                for (int i = 0; i < a.length; i++) {
                    a[i] = tanh(a[i]);
                }
            }
            case NONE -> {
            }
        }
    }

    /**
     * tanh to float precision without {@code Math.tanh} (StrictMath, ~50 ns a call, 1 ms of a
     * batch of 64): an odd Taylor polynomial below 0.25 (next term < 1e-9 relative) and
     * 1 - 2 / (e^{2x} + 1) above, in double.
     */
    static float tanh(float x) {
        double a = Math.abs(x);
        double t;
        if (a < 0.25) {
            double x2 = a * a;
            t = a * (1 + x2 * (-1.0 / 3 + x2 * (2.0 / 15 + x2 * (-17.0 / 315 + x2 * (62.0 / 2835)))));
        } else if (a > 20) {
            t = 1;
        } else {
            t = 1 - 2 / (Math.exp(2 * a) + 1);
        }
        return (float) (x < 0 ? -t : t);
    }
}
