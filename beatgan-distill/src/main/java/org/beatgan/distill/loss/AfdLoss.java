package org.beatgan.distill.loss;

import org.beatgan.distill.DistillationLoss;
import org.beatgan.distill.LossInputs;
import org.beatgan.distill.LossParams;
import org.beatgan.distill.Tensor;
import org.beatgan.distill.ops.DistillOps;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.List;
import java.util.Set;

/**
 * Attention-based feature distillation ({@code afd}), role "feat": student and teacher maps with
 * the same channel count and spatial shape. An SE-style attention on the teacher's pooled channels
 * decides which channels matter: {@code rho = sigmoid(fc2(relu(fc1(mean_pos t))))}, normalised to
 * sum 1 per sample; the loss is the rho-weighted per-channel MSE of the channel maps, each divided
 * by its own L2 norm plus eps ({@link DistillOps#normalizePlusEps}, finite for dead channels):
 * {@code mean_b sum_c rho_bc * mean_pos (s^_bc - t^_bc)^2}. The attention (adapters
 * {@code attention.fc1.W} (mid, C), {@code .b}, {@code attention.fc2.W} (C, mid), {@code .b},
 * {@code mid = int(C * att_f)}, PyTorch default init) is trained with the student.
 */
public final class AfdLoss implements DistillationLoss {

    private final double attF;
    private final double eps;

    public AfdLoss(LossParams params) {
        params.allowOnly(Set.of("att_f", "eps"));
        this.attF = params.positive("att_f", 1.0);
        this.eps = params.positive("eps", 1e-6);
    }


    @Override
    public List<String> roles() {
        return List.of("feat");
    }

    @Override
    public SDVariable build(LossInputs in) {
        SameDiff sd = in.sd();
        Tensor s = in.studentOne("feat");
        Tensor t = in.teacherOne("feat");
        Connector.requireSameSpatial("afd", s, t);
        if (s.channels() != t.channels()) {
            throw new IllegalArgumentException("afd: student " + s.describe() + " and teacher " + t.describe()
                    + " need the same channel count");
        }
        long c = s.channels();
        long mid = (long) (c * attF);
        if (mid < 1) {
            throw new IllegalArgumentException("afd: att_f = " + attF + " gives int(" + c + " * att_f) = " + mid
                    + " hidden units; expected >= 1");
        }
        long positions = DistillOps.positions(s.spatial());
        DataType dt = s.var().dataType();
        SDVariable w1 = in.adapter("attention.fc1.W", DistillOps.torchDefault(new long[]{mid, c}, c, dt, 31));
        SDVariable b1 = in.adapter("attention.fc1.b", DistillOps.torchDefault(new long[]{mid}, c, dt, 32));
        SDVariable w2 = in.adapter("attention.fc2.W", DistillOps.torchDefault(new long[]{c, mid}, mid, dt, 33));
        SDVariable b2 = in.adapter("attention.fc2.b", DistillOps.torchDefault(new long[]{c}, mid, dt, 34));

        SDVariable s3 = sd.reshape(s.var(), -1, c, positions);
        SDVariable t3 = sd.reshape(t.var(), -1, c, positions);
        SDVariable pooled = t3.mean(2);
        SDVariable hidden = sd.nn().relu(DistillOps.linear(sd, pooled, w1, b1), 0);
        SDVariable rho = sd.nn().sigmoid(DistillOps.linear(sd, hidden, w2, b2));
        rho = rho.div(rho.sum(true, 1));

        SDVariable diff = DistillOps.normalizePlusEps(sd, s3, 2, eps).sub(DistillOps.normalizePlusEps(sd, t3, 2, eps));
        SDVariable perChannel = sd.math().square(diff).mean(2);
        return rho.mul(perChannel).sum(1).mean();
    }
}
