package org.beatgan.distill.loss;

import org.beatgan.distill.DistillationLoss;
import org.beatgan.distill.LossInputs;
import org.beatgan.distill.LossParams;
import org.beatgan.distill.ops.DistillOps;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Set;

/**
 * Relational KD ({@code rkd}, Park et al.), role "feat" (B, D; maps are flattened): the student
 * reproduces the teacher's structure of the batch instead of its features, so widths may differ.
 * <ul>
 * <li>distance term: pairwise distances {@code sqrt(max(d^2, 1e-12))} with a zero (constant)
 * diagonal, divided by their off-diagonal mean (scale invariant), compared with smooth L1;</li>
 * <li>angle term: {@code A[i,j,k] = e_ij . e_ik} with {@code e_ij = normalize(x_j - x_i)},
 * compared with smooth L1.</li>
 * </ul>
 * {@code loss = w_d * l_d + w_a * l_a}. The floors keep coincident samples (and an all-zero
 * batch) finite; a batch of one has no relations and gives 0.
 */
public final class RkdLoss implements DistillationLoss {

    private static final double DIST_FLOOR = 1e-12;

    private final double wd;
    private final double wa;

    public RkdLoss(LossParams params) {
        params.allowOnly(Set.of("w_d", "w_a"));
        this.wd = params.nonNegative("w_d", 25.0);
        this.wa = params.nonNegative("w_a", 50.0);
    }


    @Override
    public List<String> roles() {
        return List.of("feat");
    }

    @Override
    public SDVariable build(LossInputs in) {
        SameDiff sd = in.sd();
        SDVariable s = DistillOps.flatten(sd, in.studentOne("feat"));
        SDVariable t = DistillOps.flatten(sd, in.teacherOne("feat"));
        SDVariable ld = DistillOps.smoothL1(sd, distances(sd, s), distances(sd, t));
        SDVariable la = DistillOps.smoothL1(sd, angles(sd, s), angles(sd, t));
        return ld.mul(wd).add(la.mul(wa));
    }

    /** Pairwise distances over their off-diagonal mean, (B, B). */
    private static SDVariable distances(SameDiff sd, SDVariable x) {
        SDVariable off = DistillOps.offDiagonalMask(sd, x);
        SDVariable d = sd.math().sqrt(DistillOps.pairwiseSqDist(sd, x, DIST_FLOOR)).mul(off);
        // Off-diagonal distances are >= 1e-6 (the floor), so for B >= 2 neither max changes anything;
        // they only keep a batch of one (no pairs) at 0 instead of 0 / 0.
        SDVariable pairs = sd.math().max(off.sum(), scalar(sd, x, 1.0));
        SDVariable mean = sd.math().max(DistillOps.safeDiv(sd, d.sum(), pairs), scalar(sd, x, DIST_FLOOR));
        return DistillOps.safeDiv(sd, d, mean);
    }

    private static SDVariable scalar(SameDiff sd, SDVariable like, double v) {
        return sd.constant(Nd4j.scalar(like.dataType(), v));
    }

    /** A[i,j,k] = normalize(x_j - x_i) . normalize(x_k - x_i), (B, B, B). */
    private static SDVariable angles(SameDiff sd, SDVariable x) {
        SDVariable diff = sd.expandDims(x, 0).sub(sd.expandDims(x, 1));
        SDVariable e = DistillOps.l2Normalize(sd, diff, 2);
        return DistillOps.gram(sd, e, e);
    }
}
