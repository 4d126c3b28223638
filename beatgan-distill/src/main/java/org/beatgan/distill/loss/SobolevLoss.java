package org.beatgan.distill.loss;

import org.beatgan.distill.DistillationLoss;
import org.beatgan.distill.LossInputs;
import org.beatgan.distill.LossParams;
import org.beatgan.distill.ops.DistillOps;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

import java.util.List;

/**
 * Sobolev / Jacobian matching ({@code sobolev}, Czarnecki et al. 2017; Srinivas and Fleuret 2018):
 * the student matches not only the teacher's outputs but how they change with the input. Roles
 * "x" (B, C_in, L) or (B, C_in, H, W) and "target" (B) int64; the two {@link TinyClassifier}
 * networks are owned by the loss (student weights trainable, teacher frozen).
 * {@code g = d(sum_b out[b, target_b]) / dx} per side,
 * {@code loss = mse(normalize(flat(g_s)), normalize(flat(g_t)))}.
 *
 * <p>The input gradients are written in closed form as graph ops ({@link TinyClassifier#backward}),
 * so the loss's gradient with respect to the student weights is the exact double-backpropagation
 * gradient, computed by SameDiff's ordinary first-order autodiff.
 */
public final class SobolevLoss implements DistillationLoss {

    private final LossParams params;

    public SobolevLoss(LossParams params) {
        this.params = params.allowOnly(TinyClassifier.SIZE_PARAMS);
    }


    @Override
    public List<String> roles() {
        return List.of("x", "target");
    }

    @Override
    public SDVariable build(LossInputs in) {
        TinyClassifier.Pair p = TinyClassifier.Pair.of("sobolev", in, params);
        SameDiff sd = p.sd();
        TinyClassifier student = p.student();
        TinyClassifier teacher = p.teacher();
        SDVariable gS = student.backward(student.forward(p.input()), p.pick()).dX();
        SDVariable gT = DistillOps.stopGradient(sd, teacher.backward(teacher.forward(p.input()), p.pick()).dX());
        long n = p.x().perSample();
        SDVariable loss = DistillOps.mse(sd, DistillOps.l2NormalizeRows(sd, sd.reshape(gS, -1, n)),
                DistillOps.l2NormalizeRows(sd, sd.reshape(gT, -1, n)));
        // fc.b does not move an input gradient: its gradient is exactly 0 (reported, not missing).
        return DistillOps.withZeroGradient(sd, loss, student.outputBias());
    }
}
