package org.beatgan.distill.loss;

import org.beatgan.distill.DistillationLoss;
import org.beatgan.distill.LossInputs;
import org.beatgan.distill.LossParams;
import org.beatgan.distill.Tensor;
import org.beatgan.distill.ops.DistillOps;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Set;

/**
 * Instance relationship graph ({@code irg}, Liu et al.), roles "feats" = [earlier, later] map,
 * "emb" (B, D) and "logits" (B, K). Three parts:
 * <ul>
 * <li>vertices: {@code mse} of the logits;</li>
 * <li>edges: for the embedding and each map, the (B, B) squared-distance matrix (floor eps, zero
 * diagonal) scaled by its maximum, compared with mse (the mean of the three);</li>
 * <li>transformation: per sample, the squared distance between the earlier map (pooled to the later
 * map's spatial shape) and the later map (adjacent channel pairs averaged when it has more
 * channels), scaled by its batch maximum, compared with mse.</li>
 * </ul>
 * {@code loss = w_vert * vert + w_edge * edge + w_tran * tran}. Maxima share their gradient
 * among ties ({@link DistillOps#maxAll}). A batch of one has no edges (that term is 0).
 */
public final class IrgLoss implements DistillationLoss {

    private final double wVert;
    private final double wEdge;
    private final double wTran;
    private final double eps;

    public IrgLoss(LossParams params) {
        params.allowOnly(Set.of("w_vert", "w_edge", "w_tran", "eps"));
        this.wVert = params.nonNegative("w_vert", 0.1);
        this.wEdge = params.nonNegative("w_edge", 5.0);
        this.wTran = params.nonNegative("w_tran", 5.0);
        this.eps = params.positive("eps", 1e-12);
    }


    @Override
    public List<String> roles() {
        return List.of("feats", "emb", "logits");
    }

    @Override
    public SDVariable build(LossInputs in) {
        SameDiff sd = in.sd();
        List<Tensor> s = in.student("feats");
        List<Tensor> t = in.teacher("feats");
        if (s.size() != 2 || t.size() != 2) {
            throw new IllegalArgumentException("irg: needs exactly two maps per network (earlier, later), got "
                    + s.size() + " student and " + t.size() + " teacher maps");
        }
        SDVariable vert = DistillOps.mse(sd, in.studentOne("logits").var(), in.teacherOne("logits").var());
        SDVariable edge = DistillOps.mse(sd, edge(sd, in.studentOne("emb")), edge(sd, in.teacherOne("emb")))
                .add(DistillOps.mse(sd, edge(sd, s.get(0)), edge(sd, t.get(0))))
                .add(DistillOps.mse(sd, edge(sd, s.get(1)), edge(sd, t.get(1))))
                .div(3.0);
        SDVariable tran = DistillOps.mse(sd, tran(sd, s.get(0), s.get(1), "student"),
                tran(sd, t.get(0), t.get(1), "teacher"));
        return vert.mul(wVert).add(edge.mul(wEdge)).add(tran.mul(wTran));
    }

    /** Squared distances between samples, zero diagonal, over their maximum. */
    private SDVariable edge(SameDiff sd, Tensor f) {
        SDVariable x = DistillOps.flatten(sd, f);
        SDVariable e = DistillOps.pairwiseSqDist(sd, x, eps).mul(DistillOps.offDiagonalMask(sd, x));
        // Off-diagonal entries are >= eps, so the floor only matters for a batch of one (E = [0]).
        SDVariable max = sd.math().max(DistillOps.maxAll(sd, e), sd.constant(Nd4j.scalar(e.dataType(), eps)));
        return DistillOps.safeDiv(sd, e, max);
    }

    /** Per-sample squared distance between the two maps, over its batch maximum, (B). */
    private SDVariable tran(SameDiff sd, Tensor f1, Tensor f2, String side) {
        if (f1.rank() < 3 || f1.rank() != f2.rank()) {
            throw new IllegalArgumentException("irg: " + side + " maps must be (B, C, ...) maps of the same rank, got "
                    + f1.describe() + " and " + f2.describe());
        }
        if (DistillOps.positions(f1.spatial()) > DistillOps.positions(f2.spatial())) {
            f1 = DistillOps.adaptivePool(sd, f1, f2.spatial());
        }
        if (f1.channels() < f2.channels()) {
            f2 = channelPairMean(sd, f2);
        }
        if (f1.perSample() != f2.perSample()) {
            throw new IllegalArgumentException("irg: " + side + " maps cannot be aligned for the transformation term ("
                    + f1.describe() + " vs " + f2.describe() + "); the later map needs the earlier one's channels or "
                    + "twice as many, and at most its spatial positions");
        }
        SDVariable d = sd.math().square(DistillOps.flatten(sd, f1).sub(DistillOps.flatten(sd, f2))).sum(1);
        d = sd.math().max(d, sd.constant(Nd4j.scalar(d.dataType(), eps)));
        return DistillOps.safeDiv(sd, d, DistillOps.maxAll(sd, d));
    }

    /** f'[:, c] = (f[:, 2c] + f[:, 2c+1]) / 2. */
    private static Tensor channelPairMean(SameDiff sd, Tensor f) {
        long c = f.channels();
        if (c % 2 != 0) {
            throw new IllegalArgumentException("irg: cannot average channel pairs of " + f.describe());
        }
        long positions = f.perSample() / c;
        SDVariable pairs = sd.reshape(f.var(), -1, c / 2, 2, positions).mean(2);
        long[] shape = f.shape().clone();
        shape[1] = c / 2;
        long[] target = shape.clone();
        target[0] = -1;
        return new Tensor(sd.reshape(pairs, target), shape);
    }
}
