package org.beatgan.core.model;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Checks the SameDiff generator against a naive loop implementation with PyTorch's definitions of
 * Conv1d, ConvTranspose1d and BatchNorm1d (training mode), so weight layouts, padding and the
 * deconv2d-based transposed convolution are verified, not assumed.
 */
class GeneratorReferenceTest {

    @Test
    void generatorMatchesNaivePyTorchSemantics() {
        BeatGanConfig cfg = BeatGanConfig.of(2, 3, 2, 3);
        BeatGanGraph g = BeatGanGraphBuilder.build(cfg, DataType.DOUBLE, 5);
        // non-trivial BN affine parameters so their layout is exercised too
        for (ParamSpec p : g.params(BeatGanGraph.Network.G)) {
            if (p.kind() == ParamSpec.Kind.BN_BETA) {
                g.array(p.name()).assign(Nd4j.rand(DataType.DOUBLE, g.array(p.name()).shape()).subi(0.5));
            }
        }
        int b = 3;
        INDArray x = Nd4j.rand(DataType.DOUBLE, b, 2, 320).muli(2).subi(1);
        Map<String, INDArray> acts = g.forward(x, true, ActivationNames.G_LATENT, ActivationNames.G_OUT,
                ActivationNames.gEnc(3));

        double[][][] h = toArray(x);
        h = leaky(conv(h, g.array("G/enc/conv1/W"), 2, 1));
        for (int k = 2; k <= 5; k++) {
            h = leaky(bn(conv(h, g.array("G/enc/conv" + k + "/W"), 2, 1), g, "G/enc/bn" + k));
            if (k == 3) {
                assertClose(h, acts.get(ActivationNames.gEnc(3)));
            }
        }
        double[][][] z = conv(h, g.array("G/enc/conv6/W"), 1, 0);
        assertClose(z, acts.get(ActivationNames.G_LATENT));

        h = relu(bn(convT(z, g.array("G/dec/convT1/W"), 1, 0), g, "G/dec/bn1"));
        for (int k = 2; k <= 5; k++) {
            h = relu(bn(convT(h, g.array("G/dec/convT" + k + "/W"), 2, 1), g, "G/dec/bn" + k));
        }
        h = convT(h, g.array("G/dec/convT6/W"), 2, 1);
        for (double[][] s : h) for (double[] c : s) for (int t = 0; t < c.length; t++) c[t] = Math.tanh(c[t]);
        assertClose(h, acts.get(ActivationNames.G_OUT));
    }

    /** PyTorch Conv1d; DL4J weight layout [k, cIn, cOut]. */
    static double[][][] conv(double[][][] x, INDArray w, int s, int p) {
        int k = (int) w.size(0), cin = (int) w.size(1), cout = (int) w.size(2);
        int len = x[0][0].length, outLen = (len + 2 * p - k) / s + 1;
        double[][][] y = new double[x.length][cout][outLen];
        for (int b = 0; b < x.length; b++)
            for (int o = 0; o < cout; o++)
                for (int t = 0; t < outLen; t++) {
                    double acc = 0;
                    for (int c = 0; c < cin; c++)
                        for (int j = 0; j < k; j++) {
                            int i = t * s + j - p;
                            if (i >= 0 && i < len) acc += w.getDouble(j, c, o) * x[b][c][i];
                        }
                    y[b][o][t] = acc;
                }
        return y;
    }

    /** PyTorch ConvTranspose1d; weight layout [1, k, cOut, cIn] (deconv2d's kH, kW, oC, iC). */
    static double[][][] convT(double[][][] x, INDArray w, int s, int p) {
        int k = (int) w.size(1), cout = (int) w.size(2), cin = (int) w.size(3);
        int len = x[0][0].length, outLen = (len - 1) * s - 2 * p + k;
        double[][][] y = new double[x.length][cout][outLen];
        for (int b = 0; b < x.length; b++)
            for (int c = 0; c < cin; c++)
                for (int i = 0; i < len; i++)
                    for (int o = 0; o < cout; o++)
                        for (int j = 0; j < k; j++) {
                            int t = i * s - p + j;
                            if (t >= 0 && t < outLen) y[b][o][t] += x[b][c][i] * w.getDouble(0, j, o, c);
                        }
        return y;
    }

    static double[][][] bn(double[][][] x, BeatGanGraph g, String name) {
        INDArray gamma = g.array(name + "/gamma"), beta = g.array(name + "/beta");
        int channels = x[0].length, len = x[0][0].length;
        for (int c = 0; c < channels; c++) {
            double mean = 0, var = 0;
            for (double[][] s : x) for (int t = 0; t < len; t++) mean += s[c][t];
            mean /= x.length * len;
            for (double[][] s : x) for (int t = 0; t < len; t++) var += (s[c][t] - mean) * (s[c][t] - mean);
            var /= x.length * len;
            for (double[][] s : x)
                for (int t = 0; t < len; t++)
                    s[c][t] = gamma.getDouble(c) * (s[c][t] - mean) / Math.sqrt(var + 1e-5) + beta.getDouble(c);
        }
        return x;
    }

    static double[][][] leaky(double[][][] x) {
        for (double[][] s : x) for (double[] c : s) for (int t = 0; t < c.length; t++) if (c[t] < 0) c[t] *= 0.2;
        return x;
    }

    static double[][][] relu(double[][][] x) {
        for (double[][] s : x) for (double[] c : s) for (int t = 0; t < c.length; t++) c[t] = Math.max(0, c[t]);
        return x;
    }

    static double[][][] toArray(INDArray a) {
        double[][][] r = new double[(int) a.size(0)][(int) a.size(1)][(int) a.size(2)];
        for (int b = 0; b < r.length; b++)
            for (int c = 0; c < r[0].length; c++)
                for (int t = 0; t < r[0][0].length; t++) r[b][c][t] = a.getDouble(b, c, t);
        return r;
    }

    static void assertClose(double[][][] expected, INDArray actual) {
        assertEquals(expected.length, actual.size(0));
        assertEquals(expected[0].length, actual.size(1));
        assertEquals(expected[0][0].length, actual.size(2));
        for (int b = 0; b < expected.length; b++)
            for (int c = 0; c < expected[0].length; c++)
                for (int t = 0; t < expected[0][0].length; t++)
                    assertEquals(expected[b][c][t], actual.getDouble(b, c, t), 1e-9,
                            "mismatch at [" + b + "," + c + "," + t + "]");
    }
}
