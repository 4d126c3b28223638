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
 * Attention transfer (Zagoruyko & Komodakis), role "feats" (layer pairs):
 * {@code sum_pairs mean((at(f_s) - at(f_t))^2)} with {@code at(f) = normalize(flat(mean_c f^p))}.
 * Channel counts may differ. With pooling ({@code at}), the map with more spatial positions is
 * adaptive-average-pooled to the other's shape first; without ({@code ft_seed}, the seeds'
 * DistillFT, p = 2) paired maps must have equal spatial shapes.
 *
 * <p>A length-1 map (e.g. BeatGAN's latent, 50 x 1) has the constant attention [1]: its term is
 * identically zero, so tap the latent with another loss.
 */
public final class AttentionTransferLoss implements DistillationLoss {

    private final int p;
    private final boolean pool;

    private final String id;

    public AttentionTransferLoss(LossParams params, boolean pool) {
        this.id = params.lossId();
        this.pool = pool;
        this.p = params.allowOnly(Set.of("p")).positiveInt("p", 2);
    }


    public int p() {
        return p;
    }

    /**
     * One layer pair's term without a graph, for maps of equal spatial size: (B, Cs, L) student and
     * (B, Ct, L) teacher as flat row-major arrays, p = 2. Returns {@code mean((at(f_s) - at(f_t))^2)}
     * and adds {@code weight *} its gradient to {@code gradS}; the same norm floor and derivative
     * rule as the graph's ({@link DistillOps#l2NormalizeRows}). Double arithmetic.
     */
    public static double pairKernel(float[] fs, int cs, float[] ft, int ct, int batch, int length, double weight,
                                    float[] gradS) {
        double total = 0;
        double inv = 1.0 / ((double) batch * length);
        double[] vs = new double[length];
        double[] vt = new double[length];
        double[] g = new double[length];
        for (int b = 0; b < batch; b++) {
            meanSquareOverChannels(fs, b, cs, length, vs);
            meanSquareOverChannels(ft, b, ct, length, vt);
            double ns = Math.sqrt(Math.max(dot(vs, vs), DistillOps.NORM_EPS * DistillOps.NORM_EPS));
            double nt = Math.sqrt(Math.max(dot(vt, vt), DistillOps.NORM_EPS * DistillOps.NORM_EPS));
            boolean floored = dot(vs, vs) < DistillOps.NORM_EPS * DistillOps.NORM_EPS;
            double aDotG = 0;
            for (int l = 0; l < length; l++) {
                double d = vs[l] / ns - vt[l] / nt;
                total += d * d * inv;
                g[l] = 2 * d * inv;                     // d pair / d a_s
                aDotG += (vs[l] / ns) * g[l];
            }
            for (int l = 0; l < length; l++) {
                // a = v / n: dv = (g - a (a . g)) / n, or g / n where the norm is floored
                double gv = floored ? g[l] / ns : (g[l] - (vs[l] / ns) * aDotG) / ns;
                g[l] = weight * gv * 2.0 / cs;           // v = mean_c f^2
            }
            int base = b * cs * length;
            for (int c = 0; c < cs; c++) {
                int row = base + c * length;
                for (int l = 0; l < length; l++) {
                    gradS[row + l] += (float) (g[l] * fs[row + l]);
                }
            }
        }
        return total;
    }

    private static void meanSquareOverChannels(float[] f, int b, int channels, int length, double[] out) {
        java.util.Arrays.fill(out, 0);
        int base = b * channels * length;
        for (int c = 0; c < channels; c++) {
            int row = base + c * length;
            for (int l = 0; l < length; l++) {
                double v = f[row + l];
                out[l] += v * v;
            }
        }
        for (int l = 0; l < length; l++) out[l] /= channels;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    @Override
    public List<String> roles() {
        return List.of("feats");
    }

    @Override
    public SDVariable build(LossInputs in) {
        return pairSum(in.sd(), in.student("feats"), in.teacher("feats"), p, pool, id);
    }

    /** Sum over layer pairs of the attention-map MSE; shared with the KD + AT combination. */
    static SDVariable pairSum(SameDiff sd, List<Tensor> student, List<Tensor> teacher, int p, boolean pool,
                              String id) {
        if (student.size() != teacher.size() || student.isEmpty()) {
            throw new IllegalArgumentException(id + ": needs the same number (>= 1) of student and teacher maps, got "
                    + student.size() + " and " + teacher.size());
        }
        SDVariable total = null;
        for (int i = 0; i < student.size(); i++) {
            Tensor s = student.get(i);
            Tensor t = teacher.get(i);
            if (!Arrays.equals(s.spatial(), t.spatial())) {
                if (!pool) {
                    throw new IllegalArgumentException(id + ": pair " + i + " has different spatial shapes ("
                            + s.describe() + " vs " + t.describe() + "); use 'at', which pools, or tap matching layers");
                }
                if (DistillOps.positions(s.spatial()) > DistillOps.positions(t.spatial())) {
                    s = DistillOps.adaptivePool(sd, s, t.spatial());
                } else {
                    t = DistillOps.adaptivePool(sd, t, s.spatial());
                }
            }
            SDVariable pair = sd.math().square(DistillOps.attention(sd, s, p).sub(DistillOps.attention(sd, t, p))).mean();
            total = total == null ? pair : total.add(pair);
        }
        return total;
    }
}
