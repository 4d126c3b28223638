package org.beatgan.distill.loss;

import org.beatgan.distill.DistillationLoss;
import org.beatgan.distill.LossInputs;
import org.beatgan.distill.LossParams;
import org.beatgan.distill.Tensor;
import org.beatgan.distill.ops.DistillOps;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv1DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * FitNet hint ({@code fitnet}): a trainable conv regressor (kernel k, padding (k-1)/2, bias) maps
 * the student's map to the teacher's channels; {@code loss = mse(regressor(f_s), f_t)}. Role
 * "feat". Adapter weights {@code regressor.W} (Ct, Cs, k[, k]) and {@code regressor.b} (Ct), the
 * reference layout, initialised as PyTorch's Conv default (uniform +-1/sqrt(fan_in)).
 */
public final class FitNetLoss implements DistillationLoss {

    private final int kernel;

    public FitNetLoss(LossParams params) {
        params.allowOnly(Set.of("kernel_size", "padding"));
        this.kernel = params.positiveInt("kernel_size", 1);
        if (kernel % 2 == 0) {
            throw new IllegalArgumentException("fitnet: kernel_size = " + kernel + ", expected an odd size "
                    + "(padding (k-1)/2 keeps the length)");
        }
    }

    @Override
    public String id() {
        return "fitnet";
    }

    @Override
    public List<String> roles() {
        return List.of("feat");
    }

    @Override
    public SDVariable build(LossInputs in) {
        SameDiff sd = in.sd();
        Tensor s = in.studentOne("feat");
        Tensor t = in.teacherOne("feat");
        if (!Arrays.equals(s.spatial(), t.spatial())) {
            throw new IllegalArgumentException("fitnet: student " + s.describe() + " and teacher " + t.describe()
                    + " need the same spatial shape");
        }
        long cs = s.channels(), ct = t.channels();
        int dims = s.spatial().length;
        long fanIn = cs * (long) Math.pow(kernel, dims);
        double bound = 1 / Math.sqrt(fanIn);
        long[] wShape = dims == 1 ? new long[]{ct, cs, kernel} : new long[]{ct, cs, kernel, kernel};
        SDVariable w = in.adapter("regressor.W", uniform(wShape, bound, s.var().dataType(), 1));
        SDVariable b = in.adapter("regressor.b", uniform(new long[]{ct}, bound, s.var().dataType(), 2));
        int pad = (kernel - 1) / 2;
        SDVariable out;
        if (dims == 1) {
            Conv1DConfig cfg = Conv1DConfig.builder().k(kernel).s(1).p(pad).d(1)
                    .paddingMode(PaddingMode.VALID).dataFormat("NCW").build();
            out = sd.cnn().conv1d(s.var(), sd.permute(w, 2, 1, 0), b, cfg);
        } else if (dims == 2) {
            Conv2DConfig cfg = Conv2DConfig.builder().kH(kernel).kW(kernel).sH(1).sW(1).pH(pad).pW(pad)
                    .dH(1).dW(1).paddingMode(PaddingMode.VALID).dataFormat("NCHW").build();
            out = sd.cnn().conv2d(s.var(), sd.permute(w, 2, 3, 1, 0), b, cfg);
        } else {
            throw new IllegalArgumentException("fitnet: needs a 1-D or 2-D map, got " + s.describe());
        }
        return DistillOps.mse(sd, out, t.var());
    }

    private static org.nd4j.linalg.api.ndarray.INDArray uniform(long[] shape, double bound,
                                                               org.nd4j.linalg.api.buffer.DataType dt, long seed) {
        Random r = new Random(seed);
        long n = 1;
        for (long d : shape) n *= d;
        double[] v = new double[(int) n];
        for (int i = 0; i < v.length; i++) v[i] = (2 * r.nextDouble() - 1) * bound;
        return Nd4j.create(v, shape, dt);
    }
}
