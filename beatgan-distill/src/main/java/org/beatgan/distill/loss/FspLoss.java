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
 * Flow of solution procedure ({@code fsp}, Yim et al.), role "feats" = [earlier, later] map of
 * each network: the FSP matrix {@code G[b,i,j] = sum_n f1[b,i,n] f2[b,j,n] / N} (f1 adaptive-
 * average-pooled to f2's spatial shape first) describes how one layer's channels flow into the
 * next; {@code loss = mse(G_s, G_t)}. Student and teacher need the same channel counts per layer
 * (G matrices are compared element by element).
 */
public final class FspLoss implements DistillationLoss {

    public FspLoss(LossParams params) {
        params.allowOnly(Set.of());
    }


    @Override
    public List<String> roles() {
        return List.of("feats");
    }

    @Override
    public SDVariable build(LossInputs in) {
        SameDiff sd = in.sd();
        List<Tensor> s = in.student("feats");
        List<Tensor> t = in.teacher("feats");
        if (s.size() != 2 || t.size() != 2) {
            throw new IllegalArgumentException("fsp: needs exactly two maps per network (earlier, later), got "
                    + s.size() + " student and " + t.size() + " teacher maps");
        }
        for (int i = 0; i < 2; i++) {
            if (s.get(i).rank() < 3 || s.get(i).channels() != t.get(i).channels()) {
                throw new IllegalArgumentException("fsp: map " + i + " needs (B, C, ...) maps with equal channel "
                        + "counts, got student " + s.get(i).describe() + " and teacher " + t.get(i).describe());
            }
        }
        return DistillOps.mse(sd, fsp(sd, s.get(0), s.get(1)), fsp(sd, t.get(0), t.get(1)));
    }

    private static SDVariable fsp(SameDiff sd, Tensor f1, Tensor f2) {
        if (!Arrays.equals(f1.spatial(), f2.spatial())) {
            f1 = DistillOps.adaptivePool(sd, f1, f2.spatial());
        }
        long n = DistillOps.positions(f2.spatial());
        return DistillOps.gram(sd, DistillOps.channelRows(sd, f1), DistillOps.channelRows(sd, f2)).div(n);
    }
}
