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
 * Similarity-preserving KD ({@code sp}, Tung & Mori), role "feat" (any shapes with the same
 * batch): the (B, B) sample-similarity matrix {@code flat(f) flat(f)^T}, each row L2-normalized,
 * must match the teacher's: {@code loss = mse(G_s, G_t)}. Only batch relations are compared, so
 * channel counts and spatial shapes may differ.
 */
public final class SimilarityPreservingLoss implements DistillationLoss {

    public SimilarityPreservingLoss(LossParams params) {
        params.allowOnly(Set.of());
    }


    @Override
    public List<String> roles() {
        return List.of("feat");
    }

    @Override
    public SDVariable build(LossInputs in) {
        SameDiff sd = in.sd();
        return DistillOps.mse(sd, similarity(sd, DistillOps.flatten(sd, in.studentOne("feat"))),
                similarity(sd, DistillOps.flatten(sd, in.teacherOne("feat"))));
    }

    private static SDVariable similarity(SameDiff sd, SDVariable x) {
        return DistillOps.l2NormalizeRows(sd, DistillOps.gram(sd, x, x));
    }
}
