package org.beatgan.distill.loss;

import org.beatgan.distill.DistillationLoss;
import org.beatgan.distill.LossInputs;
import org.beatgan.distill.LossParams;
import org.beatgan.distill.ops.DistillOps;
import org.nd4j.autodiff.samediff.SDVariable;

import java.util.List;
import java.util.Set;

/**
 * The seeds' combined form ({@code at_kd_combo}): {@code alpha * KD(T) + beta * sum_pairs AT}
 * with unpooled attention pairs. alpha is applied once (the seeds' draft applied it twice).
 */
public final class AtKdComboLoss implements DistillationLoss {

    private final double temperature;
    private final double alpha;
    private final double beta;
    private final int p;

    /** The registry id this loss was created as (for messages). */
    private final String id;

    public AtKdComboLoss(LossParams params) {
        this.id = params.lossId();
        params.allowOnly(Set.of("T", "alpha", "beta", "p"));
        this.temperature = params.positive("T", 4.0);
        this.alpha = params.nonNegative("alpha", 1.0);
        this.beta = params.nonNegative("beta", 1000.0);
        this.p = params.positiveInt("p", 2);
    }


    @Override
    public List<String> roles() {
        return List.of("logits", "feats");
    }

    @Override
    public SDVariable build(LossInputs in) {
        SDVariable kd = DistillOps.kdBatchMean(in.sd(), in.studentOne("logits").var(), in.teacherOne("logits").var(),
                temperature);
        SDVariable at = AttentionTransferLoss.pairSum(in.sd(), in.student("feats"), in.teacher("feats"), p, false, id);
        return kd.mul(alpha).add(at.mul(beta));
    }
}
