package org.beatgan.core.model;

import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashMap;

import static org.junit.jupiter.api.Assertions.*;

class StableMathTest {

    @Test
    void softplusIsFiniteForHugeLogitsWithSigmoidGradient() {
        float[] a = {-200f, -50f, -1f, 0f, 1f, 50f, 100f, 200f};
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.var("x", Nd4j.create(a, new long[]{a.length}));
        SDVariable y = StableMath.softplus(sd, x);
        sd.setLossVariables(y.sum());
        INDArray v = y.eval();
        INDArray g = sd.calculateGradients(new HashMap<>(), "x").get("x");
        for (int i = 0; i < a.length; i++) {
            double expected = Math.max(a[i], 0) + Math.log1p(Math.exp(-Math.abs(a[i])));
            assertEquals(expected, v.getDouble(i), 1e-5 * Math.max(1, Math.abs(expected)), "softplus(" + a[i] + ")");
            assertEquals(1 / (1 + Math.exp(-a[i])), g.getDouble(i), 1e-6, "d softplus(" + a[i] + ")");
        }
    }

    /** Tripwire for why StableMath exists: M2.1's own softplus overflows in float32. */
    @Test
    void reluByMaskHasReLUsValuesAndGradient() {
        INDArray in = Nd4j.createFromArray(new double[]{-2.0, -0.5, 0.0, 0.3, 1.7, -1e-9, 4.0, -3.0}).reshape(2, 4);
        INDArray up = Nd4j.createFromArray(new double[]{0.5, -1.0, 2.0, 3.0, -0.25, 1.5, 1.0, 7.0}).reshape(2, 4);
        INDArray[] values = new INDArray[2];
        INDArray[] grads = new INDArray[2];
        for (int k = 0; k < 2; k++) {
            SameDiff sd = SameDiff.create();
            SDVariable x = sd.var("x", in.dup());
            SDVariable y = k == 0 ? sd.nn().relu("y", x, 0.0) : StableMath.relu(sd, "y", x);
            y.mul(sd.constant(up)).sum().markAsLoss();
            values[k] = sd.outputSingle(new HashMap<>(), "y");
            grads[k] = sd.calculateGradients(new HashMap<>(), "x").get("x");
        }
        assertEquals(0, values[0].sub(values[1]).amaxNumber().doubleValue(), 0.0, "values");
        assertEquals(grads[0], grads[1], "gradients: the upstream where x > 0, 0 elsewhere");
        assertEquals(2.0 * 0 + 3.0, grads[1].getDouble(3) + grads[1].getDouble(2), 0.0);
    }

    @Test
    void nd4jSoftplusStillOverflows() {
        SameDiff sd = SameDiff.create();
        INDArray out = sd.nn().softplus(sd.constant(Nd4j.create(new float[]{100f}, new long[]{1}))).eval();
        assertTrue(Double.isInfinite(out.getDouble(0)));
    }
}
