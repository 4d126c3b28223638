package org.beatgan.distill.loss;

import org.beatgan.distill.DistillationLoss;
import org.beatgan.distill.LossInputs;
import org.beatgan.distill.LossParams;
import org.beatgan.distill.Tensor;
import org.beatgan.distill.ops.DistillOps;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

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

    /**
     * The student's gradients and the value of {@link #kernel}: d loss / d each student input, in
     * its own shape and type (before the weight).
     */
    public record Step(double value, INDArray earlier, INDArray later, INDArray emb, INDArray logits) {
    }

    /**
     * Whether {@link #kernel} serves these per-example shapes (batch axis included): two (B, C, L)
     * maps per side whose earlier map pools to the later one's length and has its channels or half.
     */
    public static boolean kernelServes(long[] earlier, long[] later) {
        return earlier.length == 3 && later.length == 3 && earlier[2] >= later[2]
                && (earlier[1] == later[1] || 2 * earlier[1] == later[1]);
    }

    /**
     * The loss and the student's gradients outside any graph, for the taps as {@link #build} reads
     * them: maps (B, C, L) ({@link #kernelServes}), the embedding (B, ...) and the logits as the
     * loss sees them (B, K) (a caller turns a model's logits form into these). The same formulas
     * as the graph: the edges' squared distances (from the Gram matrix, as the graph's) floored at
     * eps, masked on the diagonal and scaled by their maximum (floored at eps), the
     * transformation's per-sample distances floored at eps over their maximum, maxima sharing
     * their gradient among ties. Products over the maps run in their type (float, as the graph);
     * the (B, B) and (B) arithmetic in double.
     */
    public Step kernel(INDArray s0, INDArray s1, INDArray se, INDArray sz,
                       INDArray t0, INDArray t1, INDArray te, INDArray tz) {
        INDArray zs = sz.castTo(DataType.DOUBLE);
        INDArray zt = tz.castTo(DataType.DOUBLE);
        double vert = mse(zs, zt);
        INDArray dz = zs.sub(zt).muli(2.0 / zs.length());
        double edge = 0;
        INDArray[] dEdge = new INDArray[3];
        INDArray[] students = {se, s0, s1};
        INDArray[] teachers = {te, t0, t1};
        for (int i = 0; i < 3; i++) {
            INDArray rt = new Edges(flat(teachers[i])).relation;
            Edges es = new Edges(flat(students[i]));
            edge += mse(es.relation, rt) / 3;
            dEdge[i] = es.backward(es.relation.sub(rt).muli(2.0 / rt.length() / 3)).reshape(students[i].shape());
        }
        Tran ts = tran(s0, s1);
        Tran tt = tran(t0, t1);
        double tran = mse(ts.value, tt.value);
        INDArray[] dTran = ts.backward(ts.value.sub(tt.value).muli(2.0 / ts.value.length()));
        double value = wVert * vert + wEdge * edge + wTran * tran;
        return new Step(value,
                dEdge[1].muli(wEdge).addi(dTran[0].muli(wTran)),
                dEdge[2].muli(wEdge).addi(dTran[1].muli(wTran)),
                dEdge[0].muli(wEdge),
                dz.muli(wVert).reshape(sz.shape()).castTo(sz.dataType()));
    }

    private static INDArray flat(INDArray a) {
        return a.reshape('c', a.size(0), a.length() / a.size(0));
    }

    private static double mse(INDArray a, INDArray b) {
        INDArray diff = a.sub(b);
        return diff.mul(diff).sumNumber().doubleValue() / a.length();
    }

    /** The edge matrix of rows x, E / max(max E, eps), E = max(pairwise squared distances, eps) off the diagonal. */
    private final class Edges {
        final INDArray relation;
        private final INDArray x;
        private final INDArray dist;
        private final INDArray e;
        private final INDArray offDiagonal;
        private final double maxE;
        private final double m;

        Edges(INDArray x) {
            this.x = x;
            long b = x.size(0);
            INDArray gram = x.mmul(x.transpose()).castTo(DataType.DOUBLE);
            INDArray eye = Nd4j.eye(b).castTo(DataType.DOUBLE);
            INDArray sq = gram.mul(eye).sum(true, 1);
            dist = gram.muli(-2.0).addiColumnVector(sq).addiRowVector(sq.reshape(1, b));
            offDiagonal = Nd4j.ones(DataType.DOUBLE, b, b).subi(eye);
            e = Transforms.max(dist, eps, true).muli(offDiagonal);
            maxE = e.maxNumber().doubleValue();
            m = Math.max(maxE, eps);
            relation = e.div(m);
        }

        /** d loss / d x (x's type) from {@code g} = d loss / d relation. */
        INDArray backward(INDArray g) {
            // d/dE of E / m: g / m, and through m (when the maximum, not eps, is it) shared among ties
            INDArray dE = g.div(m);
            if (maxE > eps) {
                INDArray ties = e.gte(maxE).castTo(DataType.DOUBLE);
                double share = g.mul(e).sumNumber().doubleValue() / (m * m) / ties.sumNumber().doubleValue();
                dE.subi(ties.muli(share));
            }
            // through the floor and the mask: where the distance itself is above eps, off the diagonal
            INDArray h = dE.muli(dist.gt(eps).castTo(DataType.DOUBLE)).muli(offDiagonal);
            INDArray hs = h.add(h.transpose());
            // dist_ij = |x_i|^2 + |x_j|^2 - 2 x_i.x_j: d/dx_i = 2 x_i sum_j (h_ij + h_ji) - 2 sum_j (h_ij + h_ji) x_j
            INDArray rows = hs.sum(true, 1).castTo(x.dataType());
            return x.mulColumnVector(rows).subi(hs.castTo(x.dataType()).mmul(x)).muli(2.0);
        }
    }

    /** The transformation term's per-sample distances over their maximum, with what its backward needs. */
    private final class Tran {
        final INDArray value;
        private final INDArray diff;
        private final INDArray distance;
        private final double max;
        private final INDArray pool;
        private final boolean pairs;
        private final long[] shape0;
        private final long[] shape1;

        Tran(INDArray value, INDArray diff, INDArray distance, double max, INDArray pool, boolean pairs,
             long[] shape0, long[] shape1) {
            this.value = value;
            this.diff = diff;
            this.distance = distance;
            this.max = max;
            this.pool = pool;
            this.pairs = pairs;
            this.shape0 = shape0;
            this.shape1 = shape1;
        }

        /** d loss / d (earlier map, later map), in their type, for d loss / d value = {@code g} (B). */
        INDArray[] backward(INDArray g) {
            INDArray floored = Transforms.max(distance, eps, true);
            INDArray dD = g.div(max);
            INDArray ties = floored.gte(max).castTo(DataType.DOUBLE);
            double share = g.mul(floored).sumNumber().doubleValue() / (max * max) / ties.sumNumber().doubleValue();
            dD.subi(ties.muli(share)).muli(distance.gt(eps).castTo(DataType.DOUBLE));
            long b = shape0[0];
            // d distance_b / d f0' = 2 (f0' - f1'), d / d f1' = -2 (f0' - f1')
            INDArray dF = diff.mulColumnVector(dD.reshape(b, 1).castTo(diff.dataType())).muli(2.0);
            long c0 = pairs ? shape1[1] / 2 : shape1[1];
            INDArray df0 = dF.reshape(b * c0, shape1[2]);
            INDArray d0 = pool == null ? df0 : df0.mmul(pool.transpose());
            INDArray d1 = dF.neg().reshape(b, c0, 1, shape1[2]);
            INDArray d1Full = pairs ? Nd4j.concat(2, d1, d1).muli(0.5).reshape(shape1) : d1.reshape(shape1);
            return new INDArray[]{d0.reshape(shape0), d1Full};
        }
    }

    private Tran tran(INDArray f0, INDArray f1) {
        long b = f0.size(0);
        long[] shape0 = f0.shape();
        long[] shape1 = f1.shape();
        INDArray pool = null;
        INDArray p0 = f0;
        if (shape0[2] > shape1[2]) {
            pool = DistillOps.poolMatrix(shape0[2], shape1[2], f0.dataType());
            p0 = f0.reshape('c', shape0[0] * shape0[1], shape0[2]).mmul(pool).reshape(shape0[0], shape0[1], shape1[2]);
        }
        boolean pairs = shape0[1] < shape1[1];
        INDArray p1 = pairs ? f1.reshape('c', b, shape1[1] / 2, 2, shape1[2]).mean(2) : f1;
        INDArray diff = p0.reshape('c', b, p0.length() / b).sub(p1.reshape('c', b, p1.length() / b));
        INDArray distance = diff.mul(diff).sum(1).castTo(DataType.DOUBLE);
        INDArray floored = Transforms.max(distance, eps, true);
        double max = floored.maxNumber().doubleValue();
        return new Tran(floored.div(max), diff, distance, max, pool, pairs, shape0, shape1);
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
