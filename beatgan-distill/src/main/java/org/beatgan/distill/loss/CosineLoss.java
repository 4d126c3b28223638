package org.beatgan.distill.loss;

import org.beatgan.distill.DistillationLoss;
import org.beatgan.distill.LossInputs;
import org.beatgan.distill.LossParams;
import org.beatgan.distill.Tensor;
import org.beatgan.distill.ops.DistillOps;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

import java.util.List;
import java.util.Set;

/**
 * Hidden-representation cosine loss of the KD tutorial ({@code cosine}), role "hidden":
 * {@code mean_b (1 - cos(flat(s)_b, flat(t)_b))} with
 * {@code cos = s.t / sqrt((|s|^2 + eps)(|t|^2 + eps))}. A teacher of another width is
 * adaptive-average-pooled along its flattened feature axis to the student's width (the tutorial's
 * avg_pool1d when it divides), so only the direction of the representation is matched and no
 * adapter is needed. The eps inside the norms keeps an all-zero sample finite (cos = 0).
 */
public final class CosineLoss implements DistillationLoss {

    private final double eps;

    public CosineLoss(LossParams params) {
        this.eps = params.allowOnly(Set.of("eps")).positive("eps", 1e-12);
    }


    @Override
    public List<String> roles() {
        return List.of("hidden");
    }

    @Override
    public SDVariable build(LossInputs in) {
        SameDiff sd = in.sd();
        Tensor st = in.studentOne("hidden");
        Tensor tt = in.teacherOne("hidden");
        SDVariable s = DistillOps.flatten(sd, st);
        SDVariable t = DistillOps.flatten(sd, tt);
        long ds = st.perSample(), dt = tt.perSample();
        if (dt != ds) {
            t = t.mmul(sd.constant(DistillOps.poolMatrix(dt, ds, t.dataType())));
        }
        SDVariable dot = s.mul(t).sum(1);
        // sqrt(a) * sqrt(b) rather than sqrt(a * b): same value, no overflow of the product in float
        SDVariable ns = sd.math().sqrt(sd.math().square(s).sum(1).add(eps));
        SDVariable nt = sd.math().sqrt(sd.math().square(t).sum(1).add(eps));
        SDVariable cos = dot.div(ns.mul(nt));
        return cos.rsub(1.0).mean();
    }
}
