package org.beatgan.distill.loss;

import org.beatgan.distill.DistillationLoss;
import org.beatgan.distill.LossInputs;
import org.beatgan.distill.LossParams;
import org.beatgan.distill.Tensor;
import org.beatgan.distill.ops.DistillOps;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Set;

/**
 * Variational information distillation ({@code vid}, Ahn et al. 2019), role "feat" (same spatial
 * shape, channel counts may differ). Maximising a variational lower bound of the mutual
 * information between the two maps: the teacher is modelled as a Gaussian whose mean is a small
 * regressor of the student (three bias-free 1x1 convs {@code Cs -> mid -> mid -> Ct}, relu after
 * the first two) and whose per-channel variance {@code softplus(alpha_c) + eps} is learnt; the
 * loss is its negative log-likelihood without the constant,
 * {@code mean(0.5 * (log var_c + (mu - t)^2 / var_c))}.
 *
 * <p>Adapters {@code regressor.conv{1,2,3}.W} (reference layout, PyTorch default init) and
 * {@code alpha} (Ct), initialised as RepDistiller does so that the starting variance is
 * {@code init_var}: {@code alpha = log(exp(init_var - eps) - 1)}. The hidden width {@code mid} is
 * the parameter {@code mid_channels} when given, else the width of a stored
 * {@code regressor.conv1.W} ({@link LossInputs#preset}), else Ct (RepDistiller's choice).
 * softplus is written overflow-free ({@link DistillOps#softplus}).
 */
public final class VidLoss implements DistillationLoss {

    private final double eps;
    private final double initVar;
    private final Integer midChannels;

    public VidLoss(LossParams params) {
        params.allowOnly(Set.of("eps", "init_var", "mid_channels"));
        this.eps = params.positive("eps", 1e-6);
        this.initVar = params.positive("init_var", 5.0);
        if (!(initVar > eps)) {
            throw new IllegalArgumentException("vid: init_var = " + initVar + " must exceed eps = " + eps);
        }
        this.midChannels = params.positiveOrNull("mid_channels") == null ? null
                : params.positiveInt("mid_channels", 1);
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
        Connector.requireSameSpatial("vid", s, t);
        int dims = s.spatial().length;
        DataType dt = s.var().dataType();
        long cs = s.channels(), ct = t.channels();
        long mid = midWidth(in, ct);
        SDVariable w1 = conv1x1(in, "regressor.conv1.W", mid, cs, dims, dt, 21);
        SDVariable w2 = conv1x1(in, "regressor.conv2.W", mid, mid, dims, dt, 22);
        SDVariable w3 = conv1x1(in, "regressor.conv3.W", ct, mid, dims, dt, 23);
        double alpha0 = Math.log(Math.expm1(initVar - eps));
        SDVariable alpha = in.adapter("alpha", Nd4j.valueArrayOf(new long[]{ct}, alpha0).castTo(dt));

        SDVariable h = sd.nn().relu(DistillOps.conv(sd, s.var(), dims, w1, null, 1), 0);
        h = sd.nn().relu(DistillOps.conv(sd, h, dims, w2, null, 1), 0);
        SDVariable mu = DistillOps.conv(sd, h, dims, w3, null, 1);

        long[] channelShape = dims == 1 ? new long[]{1, ct, 1} : new long[]{1, ct, 1, 1};
        SDVariable var = sd.reshape(DistillOps.softplus(sd, alpha).add(eps), channelShape);
        SDVariable nll = sd.math().log(var).add(sd.math().square(mu.sub(t.var())).div(var)).mul(0.5);
        return nll.mean();
    }

    private long midWidth(LossInputs in, long ct) {
        if (midChannels != null) {
            return midChannels;
        }
        INDArray stored = in.preset("regressor.conv1.W");
        return stored != null ? stored.size(0) : ct;
    }

    private static SDVariable conv1x1(LossInputs in, String name, long cOut, long cIn, int dims, DataType dt,
                                      long seed) {
        long[] shape = DistillOps.convWeightShape(cOut, cIn, 1, dims);
        return in.adapter(name, DistillOps.torchDefault(shape, DistillOps.fanIn(shape), dt, seed));
    }
}
