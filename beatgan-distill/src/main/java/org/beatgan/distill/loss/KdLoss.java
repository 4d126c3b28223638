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

    /**
     * The same term without a graph, for one row of logits (BeatGAN's per-beat scores, the batch's
     * beats as classes): {@code T^2 KL(softmax(t/T) || softmax(s/T))}, and its gradient
     * {@code T (softmax(s/T) - softmax(t/T))} written to {@code gradS}. Double arithmetic.
     */
    public double rowKernel(double[] s, double[] t, double[] gradS) {
        double[] ls = logSoftmax(s, temperature);
        double[] lt = logSoftmax(t, temperature);
        double kl = 0;
        for (int k = 0; k < s.length; k++) {
            double pt = Math.exp(lt[k]);
            kl += pt * (lt[k] - ls[k]);
            gradS[k] = temperature * (Math.exp(ls[k]) - pt);
        }
        return temperature * temperature * kl;
    }

    private static double[] logSoftmax(double[] x, double temperature) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : x) max = Math.max(max, v / temperature);
        double sum = 0;
        for (double v : x) sum += Math.exp(v / temperature - max);
        double log = Math.log(sum);
        double[] out = new double[x.length];
        for (int k = 0; k < x.length; k++) out[k] = x[k] / temperature - max - log;
        return out;
    }

    @Override
    public SDVariable build(LossInputs in) {
        return DistillOps.kdBatchMean(in.sd(), in.studentOne("logits").var(), in.teacherOne("logits").var(),
                temperature);
    }
}
