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
 * Deep mutual learning ({@code dml}, Zhang et al. 2018): two networks trained together, each
 * imitating the other's current prediction. Roles "logits_1" and "logits_2" (B, K), both trainable
 * (both read with {@link LossInputs#studentOne}), no temperature:
 * {@code loss_net1 = mean_b KL(softmax(logits_2) || softmax(logits_1))} with logits_2 a constant,
 * {@code loss_net2 = mean_b KL(softmax(logits_1) || softmax(logits_2))} with logits_1 a constant,
 * {@code loss = loss_net1 + loss_net2}. The stop-gradients make one pass over the sum give each
 * network exactly its own loss's gradient (d loss / d logits_1 = d loss_net1 / d logits_1, and
 * likewise for net 2), as if the two were updated by separate optimisers.
 */
public final class DmlLoss implements DistillationLoss {

    private SDVariable lossNet1;
    private SDVariable lossNet2;

    public DmlLoss(LossParams params) {
        params.allowOnly(Set.of());
    }


    @Override
    public List<String> roles() {
        return List.of("logits_1", "logits_2");
    }

    /** loss_net1 of the last {@link #build} (scalar). */
    public SDVariable lossNet1() {
        return lossNet1;
    }

    /** loss_net2 of the last {@link #build} (scalar). */
    public SDVariable lossNet2() {
        return lossNet2;
    }

    @Override
    public SDVariable build(LossInputs in) {
        SameDiff sd = in.sd();
        SDVariable l1 = in.studentOne("logits_1").var();
        SDVariable l2 = in.studentOne("logits_2").var();
        lossNet1 = DistillOps.klBatchMean(sd, l1, DistillOps.stopGradient(sd, l2), 1.0);
        lossNet2 = DistillOps.klBatchMean(sd, l2, DistillOps.stopGradient(sd, l1), 1.0);
        return lossNet1.add(lossNet2);
    }
}
