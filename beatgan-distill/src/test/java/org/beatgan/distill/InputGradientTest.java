package org.beatgan.distill;

import org.beatgan.distill.loss.TinyClassifier;
import org.beatgan.distill.ops.DistillOps;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The closed-form input gradients behind sobolev, lwm and bss equal SameDiff's own backprop:
 * {@link DistillOps#convInputGrad} is the adjoint of {@link DistillOps#conv} (1-D and 2-D, kernels
 * 1, 3, 5, channel counts differ), and {@link TinyClassifier#backward} gives
 * {@code d(sum(dOut * out))/dx} and {@code /dfm} (float64, relative 1e-9).
 */
class InputGradientTest {

    @Test
    void convInputGradIsTheAdjointOfConv() {
        for (int dims : new int[]{1, 2}) {
            for (int k : new int[]{1, 3, 5}) {
                long[] xShape = dims == 1 ? new long[]{2, 3, 9} : new long[]{2, 3, 6, 5};
                long[] yShape = xShape.clone();
                yShape[1] = 4;
                Nd4j.getRandom().setSeed(31 + k + dims);
                SameDiff sd = SameDiff.create();
                SDVariable x = sd.var("x", Nd4j.randn(DataType.DOUBLE, xShape));
                SDVariable w = sd.constant("w", Nd4j.randn(DataType.DOUBLE, DistillOps.convWeightShape(4, 3, k, dims)));
                SDVariable dy = sd.constant("dy", Nd4j.randn(DataType.DOUBLE, yShape));
                SDVariable y = DistillOps.conv(sd, x, dims, w, null, k);
                SDVariable s = y.mul(dy).sum();
                SDVariable closed = DistillOps.convInputGrad(sd, dy, dims, w, k);
                sd.setLossVariables(s);
                INDArray auto = sd.calculateGradients(new HashMap<>(), "x").get("x");
                INDArray mine = sd.output(new HashMap<>(), closed.name()).get(closed.name());
                same(auto, mine, "dims " + dims + " k " + k);
            }
        }
    }

    @Test
    void tinyClassifierBackwardMatchesAutodiff() {
        for (int dims : new int[]{1, 2}) {
            long[] xShape = dims == 1 ? new long[]{3, 2, 10} : new long[]{3, 2, 4, 5};
            Nd4j.getRandom().setSeed(57 + dims);
            INDArray xv = Nd4j.randn(DataType.DOUBLE, xShape);
            SameDiff sd = SameDiff.create();
            SDVariable x = sd.var("x", xv);
            LossInputs in = new LossInputs() {
                public SameDiff sd() {
                    return sd;
                }

                public List<Tensor> student(String role) {
                    return null;
                }

                public List<Tensor> teacher(String role) {
                    return null;
                }

                public SDVariable adapter(String name, INDArray init) {
                    return sd.var(name, init);
                }
            };
            TinyClassifier net = TinyClassifier.student(in, LossParams.empty("test"), new Tensor(x, xShape));
            TinyClassifier.Forward f = net.forward(x);
            SDVariable dOut = sd.constant("dOut", Nd4j.randn(DataType.DOUBLE, 3, net.classes()));
            TinyClassifier.Backward bw = net.backward(f, dOut);
            SDVariable s = f.out().mul(dOut).sum();
            sd.setLossVariables(s);
            INDArray auto = sd.calculateGradients(new HashMap<>(), "x").get("x");
            Map<String, INDArray> out = sd.output(new HashMap<>(), bw.dX().name());
            same(auto, out.get(bw.dX().name()), "dX dims " + dims);

            // d/dfm: the same sum with fm made an independent variable
            SameDiff sd2 = SameDiff.create();
            INDArray fmValue = sd.output(new HashMap<>(), f.fm().name()).get(f.fm().name());
            INDArray dFm = sd.output(new HashMap<>(), bw.dFm().name()).get(bw.dFm().name());
            SDVariable fm = sd2.var("fm", fmValue);
            SDVariable w2 = sd2.constant(sd.getVariable("student.conv2.W").getArr());
            SDVariable b2 = sd2.constant(sd.getVariable("student.conv2.b").getArr());
            SDVariable fcW = sd2.constant(sd.getVariable("student.fc.W").getArr());
            SDVariable fcB = sd2.constant(sd.getVariable("student.fc.b").getArr());
            SDVariable z = sd2.math().tanh(DistillOps.conv(sd2, fm, dims, w2, b2, TinyClassifier.KERNEL));
            long n = fmValue.length() / 3 / fmValue.size(1) * z.eval().size(1);
            SDVariable o = DistillOps.linear(sd2, sd2.reshape(z, -1, n), fcW, fcB);
            SDVariable s2 = o.mul(sd2.constant(dOut.getArr())).sum();
            sd2.setLossVariables(s2);
            same(sd2.calculateGradients(new HashMap<>(), "fm").get("fm"), dFm, "dFm dims " + dims);
        }
    }

    private static void same(INDArray expected, INDArray actual, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + " shape");
        double[] e = expected.reshape(-1).toDoubleVector(), a = actual.reshape(-1).toDoubleVector();
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], a[i], 1e-9 * Math.max(1, Math.abs(e[i])), what + " element " + i);
        }
    }
}
