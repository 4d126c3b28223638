package org.beatgan.distill.loss;

import org.beatgan.distill.DistillationLoss;
import org.beatgan.distill.LossInputs;
import org.beatgan.distill.LossParams;
import org.beatgan.distill.Tensor;
import org.beatgan.distill.ops.DistillOps;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.Arrays;
import java.util.List;
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
        int dims = s.spatial().length;
        DataType dt = s.var().dataType();
        long[] wShape = DistillOps.convWeightShape(t.channels(), s.channels(), kernel, dims);
        long fanIn = DistillOps.fanIn(wShape);
        SDVariable w = in.adapter("regressor.W", DistillOps.torchDefault(wShape, fanIn, dt, 1));
        SDVariable b = in.adapter("regressor.b", DistillOps.torchDefault(new long[]{t.channels()}, fanIn, dt, 2));
        return DistillOps.mse(sd, DistillOps.conv(sd, s.var(), dims, w, b, kernel), t.var());
    }
}
