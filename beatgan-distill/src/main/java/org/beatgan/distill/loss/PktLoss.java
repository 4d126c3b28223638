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
 * Probabilistic knowledge transfer ({@code pkt}, Passalis & Tefas), role "feat" (B, D; maps are
 * flattened): each side's samples are turned into conditional probabilities with the cosine
 * kernel, {@code P[i,j] = C[i,j] / sum_j C[i,j]} with {@code C = (X X^T + 1) / 2} on
 * {@code x / (||x|| + eps)}, and {@code loss = mean_{i,j} P_t log((P_t + eps) / (P_s + eps))}.
 * Only relations between samples are matched, so the widths may differ. Needs no adapter.
 */
public final class PktLoss implements DistillationLoss {

    private final double eps;

    public PktLoss(LossParams params) {
        this.eps = params.allowOnly(Set.of("eps")).positive("eps", 1e-6);
    }


    @Override
    public List<String> roles() {
        return List.of("feat");
    }

    @Override
    public SDVariable build(LossInputs in) {
        SameDiff sd = in.sd();
        SDVariable ps = probabilities(sd, DistillOps.flatten(sd, in.studentOne("feat")));
        SDVariable pt = probabilities(sd, DistillOps.flatten(sd, in.teacherOne("feat")));
        return pt.mul(sd.math().log(pt.add(eps).div(ps.add(eps)))).mean();
    }

    private SDVariable probabilities(SameDiff sd, SDVariable x) {
        SDVariable n = DistillOps.normalizePlusEps(sd, x, 1, eps);
        SDVariable c = DistillOps.gram(sd, n, n).add(1.0).div(2.0);
        return DistillOps.safeDiv(sd, c, c.sum(true, 1));
    }
}
