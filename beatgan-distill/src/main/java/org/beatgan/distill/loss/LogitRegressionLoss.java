package org.beatgan.distill.loss;

import org.beatgan.distill.DistillationLoss;
import org.beatgan.distill.LossInputs;
import org.beatgan.distill.LossParams;
import org.beatgan.distill.ops.DistillOps;
import org.nd4j.autodiff.samediff.SDVariable;

import java.util.List;
import java.util.Set;

/** Logit regression ({@code logits}): mse(student logits, teacher logits). */
public final class LogitRegressionLoss implements DistillationLoss {

    public LogitRegressionLoss(LossParams params) {
        params.allowOnly(Set.of());
    }


    @Override
    public List<String> roles() {
        return List.of("logits");
    }

    @Override
    public SDVariable build(LossInputs in) {
        return DistillOps.mse(in.sd(), in.studentOne("logits").var(), in.teacherOne("logits").var());
    }
}
