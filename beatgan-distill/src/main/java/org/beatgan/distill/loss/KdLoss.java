package org.beatgan.distill.loss;

import org.beatgan.distill.DistillationLoss;
import org.beatgan.distill.LossInputs;
import org.beatgan.distill.LossParams;
import org.beatgan.distill.ops.DistillOps;
import org.nd4j.autodiff.samediff.SDVariable;

import java.util.List;
import java.util.Set;

/**
 * Hinton KD (ids {@code kd} and {@code st}, which the zoo lists separately with one definition):
 * {@code T^2 / B * sum_b KL(softmax(t_b/T) || softmax(s_b/T))}, role "logits" (B, K).
 */
public final class KdLoss implements DistillationLoss {

    private final double temperature;

    public KdLoss(LossParams params) {
        this.temperature = params.allowOnly(Set.of("T")).positive("T", 4.0);
    }

    public double temperature() {
        return temperature;
    }


    @Override
    public List<String> roles() {
        return List.of("logits");
    }

    @Override
    public SDVariable build(LossInputs in) {
        return DistillOps.kdBatchMean(in.sd(), in.studentOne("logits").var(), in.teacherOne("logits").var(),
                temperature);
    }
}
