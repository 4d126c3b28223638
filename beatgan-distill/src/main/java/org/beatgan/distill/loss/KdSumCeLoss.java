package org.beatgan.distill.loss;

import org.beatgan.distill.DistillationLoss;
import org.beatgan.distill.LossInputs;
import org.beatgan.distill.LossParams;
import org.beatgan.distill.ops.DistillOps;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

import java.util.List;
import java.util.Set;

/**
 * The KD tutorial's soft cross-entropy ({@code kd_sum_ce}): {@code -T^2/B * sum p_t log p_s}. It
 * differs from {@link KdLoss} by the teacher's entropy, a constant, so the gradients are KD's.
 */
public final class KdSumCeLoss implements DistillationLoss {

    private final double temperature;

    public KdSumCeLoss(LossParams params) {
        this.temperature = params.allowOnly(Set.of("T")).positive("T", 4.0);
    }


    @Override
    public List<String> roles() {
        return List.of("logits");
    }

    @Override
    public SDVariable build(LossInputs in) {
        SameDiff sd = in.sd();
        SDVariable ls = DistillOps.logSoftmax(sd, in.studentOne("logits").var().div(temperature));
        SDVariable pt = sd.math().exp(DistillOps.logSoftmax(sd, in.teacherOne("logits").var().div(temperature)));
        return pt.mul(ls).sum(1).mean().mul(-temperature * temperature);
    }
}
