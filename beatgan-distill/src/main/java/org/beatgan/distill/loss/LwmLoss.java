package org.beatgan.distill.loss;

import org.beatgan.distill.DistillationLoss;
import org.beatgan.distill.LossInputs;
import org.beatgan.distill.LossParams;
import org.beatgan.distill.ops.DistillOps;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Grad-CAM attention distillation ({@code lwm}, "learning without memorizing", Dhar et al. 2019):
 * the student's class-discriminative attention map over the input positions must match the
 * teacher's. Roles "x" and "target" as {@link SobolevLoss}; both {@link TinyClassifier} networks
 * are owned by the loss. Per side, {@code G = d(sum_b out[b, target_b]) / d fm} (B, C1, ...),
 * channel weights {@code w_bc = mean over positions of G_bc},
 * {@code cam_b = relu(sum_c w_bc * A_bc)} with {@code A = G} for {@code cam_source = "grad"} (the
 * method zoo's form, the default) or {@code A = fm} for {@code "activation"} (classic Grad-CAM);
 * {@code loss = l1(normalize(flat(cam_s)), normalize(flat(cam_t)))}.
 *
 * <p>G is written in closed form as graph ops ({@link TinyClassifier#backward}), so the gradient
 * with respect to the student weights is the exact double-backpropagation gradient.
 */
public final class LwmLoss implements DistillationLoss {

    private final LossParams params;
    private final boolean gradSource;

    public LwmLoss(LossParams params) {
        Set<String> known = new HashSet<>(TinyClassifier.SIZE_PARAMS);
        known.add("cam_source");
        this.params = params.allowOnly(known);
        this.gradSource = params.choice("cam_source", "grad", Set.of("grad", "activation")).equals("grad");
    }


    @Override
    public List<String> roles() {
        return List.of("x", "target");
    }

    @Override
    public SDVariable build(LossInputs in) {
        TinyClassifier.Pair p = TinyClassifier.Pair.of("lwm", in, params);
        SameDiff sd = p.sd();
        long positions = DistillOps.positions(p.x().spatial());
        SDVariable camS = cam(sd, p.student(), p.input(), p.pick(), positions);
        SDVariable camT = DistillOps.stopGradient(sd, cam(sd, p.teacher(), p.input(), p.pick(), positions));
        SDVariable loss = DistillOps.l1(sd, camS, camT);
        // fc.b does not move an input gradient: its gradient is exactly 0 (reported, not missing).
        return DistillOps.withZeroGradient(sd, loss, p.student().outputBias());
    }

    /** normalize(flat(relu(sum_c mean_pos(G)_c * A_c))), (B, positions). */
    private SDVariable cam(SameDiff sd, TinyClassifier net, SDVariable x, SDVariable pick, long positions) {
        TinyClassifier.Forward f = net.forward(x);
        SDVariable g = net.backward(f, pick).dFm();
        SDVariable gRows = sd.reshape(g, -1, net.featureChannels(), positions);
        SDVariable a = gradSource ? gRows : sd.reshape(f.fm(), -1, net.featureChannels(), positions);
        SDVariable weights = gRows.mean(true, 2);
        SDVariable cam = sd.nn().relu(weights.mul(a).sum(1), 0);
        return DistillOps.l2NormalizeRows(sd, cam);
    }
}
