package org.beatgan.distill.loss;

import org.beatgan.distill.DistillationLoss;
import org.beatgan.distill.LossInputs;
import org.beatgan.distill.LossParams;
import org.beatgan.distill.Tensor;
import org.beatgan.distill.ops.DistillOps;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Neuron selectivity transfer ({@code nst}, Huang & Wang), role "feat": every channel's spatial
 * response is L2-normalized and the two sets of channels are compared as distributions with the
 * squared MMD of the polynomial kernel {@code k(u, v) = (u.v)^2}:
 * {@code mean k(t, t) + mean k(s, s) - 2 mean k(s, t)}, each mean over all (batch, channel pair)
 * entries. Channel counts may differ (the kernel compares channel sets); spatial shapes must match.
 */
public final class NstLoss implements DistillationLoss {

    public NstLoss(LossParams params) {
        params.allowOnly(Set.of());
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
        if (s.rank() < 3 || !Arrays.equals(s.spatial(), t.spatial())) {
            throw new IllegalArgumentException("nst: student " + s.describe() + " and teacher " + t.describe()
                    + " must be (B, C, ...) maps with the same spatial shape");
        }
        SDVariable fs = DistillOps.l2Normalize(sd, DistillOps.channelRows(sd, s), 2);
        SDVariable ft = DistillOps.l2Normalize(sd, DistillOps.channelRows(sd, t), 2);
        SDVariable tt = sd.math().square(DistillOps.gram(sd, ft, ft)).mean();
        SDVariable ss = sd.math().square(DistillOps.gram(sd, fs, fs)).mean();
        SDVariable st = sd.math().square(DistillOps.gram(sd, fs, ft)).mean();
        return tt.add(ss).sub(st.mul(2.0));
    }
}
