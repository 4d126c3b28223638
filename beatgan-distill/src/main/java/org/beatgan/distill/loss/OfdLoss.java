package org.beatgan.distill.loss;

import org.beatgan.distill.DistillationLoss;
import org.beatgan.distill.LossInputs;
import org.beatgan.distill.LossParams;
import org.beatgan.distill.Tensor;
import org.beatgan.distill.ops.DistillOps;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.List;
import java.util.Set;

/**
 * Overhaul of feature distillation ({@code ofd}, Heo et al. 2019), role "feat" (pre-ReLU maps).
 * The teacher is clipped from below by a per-channel margin (the mean of its negative values in
 * this batch), since below it the teacher's ReLU discards the exact value; a partial L2 then
 * ignores positions where the student is already below a non-positive target:
 * {@code mean((s' - t')^2 * mask)}, {@code s' = BN(conv1x1(s))} ({@link Connector}),
 * {@code t' = max(t, margin_c)}, {@code mask = 0 where s' <= t' and t' <= 0}. The margin uses
 * {@code sum(neg) / (count(neg) + margin_eps)}, so a channel without negatives gets margin 0.
 */
public final class OfdLoss implements DistillationLoss {

    private final double bnEps;
    private final double marginEps;

    public OfdLoss(LossParams params) {
        params.allowOnly(Set.of("bn_eps", "margin_eps"));
        this.bnEps = params.positive("bn_eps", DistillOps.BN_EPS);
        this.marginEps = params.positive("margin_eps", 1e-6);
    }


    @Override
    public List<String> roles() {
        return List.of("feat");
    }

    @Override
    public SDVariable build(LossInputs in) {
        SameDiff sd = in.sd();
        Tensor st = in.studentOne("feat");
        Tensor tt = in.teacherOne("feat");
        Connector.requireSameSpatial("ofd", st, tt);
        SDVariable s = Connector.convBn(in, st, tt.channels(), bnEps);
        SDVariable t = DistillOps.stopGradient(sd, tt.var());
        DataType dt = s.dataType();
        int[] axes = new int[tt.rank() - 1];
        for (int i = 1; i < axes.length; i++) axes[i] = i + 1;
        SDVariable negative = DistillOps.indicator(sd, t.lt(0.0), dt);
        SDVariable margin = t.mul(negative).sum(true, axes).div(negative.sum(true, axes).add(marginEps));
        SDVariable target = DistillOps.stopGradient(sd, sd.math().max(t, sd.zerosLike(t).add(margin)));
        SDVariable ignored = DistillOps.indicator(sd, s.lte(target), dt)
                .mul(DistillOps.indicator(sd, target.lte(0.0), dt));
        return sd.math().square(s.sub(target)).mul(ignored.rsub(1.0)).mean();
    }
}
