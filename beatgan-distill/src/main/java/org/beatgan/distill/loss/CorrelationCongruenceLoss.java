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

import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Correlation congruence ({@code cc}, Peng et al.), role "feat" (B, D; maps are flattened): the
 * correlation between samples under a Gaussian RBF kernel, approximated by its P-order Taylor
 * expansion on normalized features, {@code Corr = sum_{p<=P} exp(-2 gamma) (2 gamma)^p / p! S^p}
 * with {@code S = X X^T} (element-wise powers), must match the teacher's: {@code mse(Corr_s, Corr_t)}.
 *
 * <p>With {@code embed: true} the student first goes through a trainable linear embedding of width
 * {@code embed_dim} (De, default the teacher's width Dt: {@code embed.W} (De, Ds), {@code embed.b}
 * (De), PyTorch Linear layout and default initialisation), the adapter this loss owns; De is free
 * because the relation matrices are (B, B) whatever the widths, and without the embedding no adapter
 * is needed.
 */
public final class CorrelationCongruenceLoss implements DistillationLoss {

    private final double gamma;
    private final int order;
    private final boolean embed;
    /** Embedding width, 0: the teacher's. */
    private final int embedDim;

    public CorrelationCongruenceLoss(LossParams params) {
        params.allowOnly(Set.of("gamma", "P_order", "embed", "embed_dim"));
        this.gamma = params.positive("gamma", 0.4);
        this.order = params.positiveInt("P_order", 2);
        this.embed = params.bool("embed", false);
        this.embedDim = params.count("embed_dim", 0);
        if (embedDim > 0 && !embed) {
            throw new IllegalArgumentException("cc: embed_dim = " + embedDim + " needs embed: true");
        }
    }


    @Override
    public List<String> roles() {
        return List.of("feat");
    }

    @Override
    public SDVariable build(LossInputs in) {
        SameDiff sd = in.sd();
        Tensor st = in.studentOne("feat");
        Tensor tt = in.teacherOne("feat");
        SDVariable s = DistillOps.flatten(sd, st);
        if (embed) {
            long ds = st.perSample(), de = embedDim > 0 ? embedDim : tt.perSample();
            DataType dt = s.dataType();
            double bound = 1 / Math.sqrt(ds);
            SDVariable w = in.adapter("embed.W", uniform(new long[]{de, ds}, bound, dt, 1));
            SDVariable b = in.adapter("embed.b", uniform(new long[]{de}, bound, dt, 2));
            s = DistillOps.gram(sd, s, w).add(b);
        }
        return DistillOps.mse(sd, correlation(sd, s), correlation(sd, DistillOps.flatten(sd, tt)));
    }

    private SDVariable correlation(SameDiff sd, SDVariable x) {
        SDVariable n = DistillOps.l2NormalizeRows(sd, x);
        SDVariable sim = DistillOps.gram(sd, n, n);
        // Horner: (((c_P S + c_{P-1}) S + ...) S + c_0)
        SDVariable corr = sim.mul(coefficient(order));
        for (int p = order - 1; p >= 1; p--) {
            corr = corr.add(coefficient(p)).mul(sim);
        }
        return corr.add(coefficient(0));
    }

    private double coefficient(int p) {
        double c = Math.exp(-2 * gamma);
        for (int i = 1; i <= p; i++) c *= 2 * gamma / i;
        return c;
    }

    private static INDArray uniform(long[] shape, double bound, DataType dt, long seed) {
        Random r = new Random(seed);
        long n = 1;
        for (long d : shape) n *= d;
        double[] v = new double[(int) n];
        for (int i = 0; i < v.length; i++) v[i] = (2 * r.nextDouble() - 1) * bound;
        return Nd4j.create(v, shape, dt);
    }
}
