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

import java.util.List;
import java.util.Set;

/**
 * Factor transfer ({@code ft}, Kim et al. 2018), role "feat" (same spatial shape). The teacher's
 * map is compressed into F "factors" by the encoder of a paraphraser (an auto-encoder pre-trained
 * on the teacher's features, frozen here), the student's by a trainable translator of the same
 * structure; the normalised factors are matched with an L1 loss:
 * {@code mean|normalize(flat(translator(s))) - normalize(flat(paraphraser(t)))|}.
 * Each encoder: three convs, kernel 3, pad 1, bias, leaky_relu(0.1) after each,
 * {@code C -> C -> F -> F}, {@code F = factor_channels} or {@code int(Ct * k)}.
 *
 * <p>Weights: adapters {@code translator.conv{1,2,3}.{W,b}} (PyTorch default init) and frozen
 * weights {@code paraphraser.conv{1,2,3}.{W,b}} ({@link LossInputs#frozen}). The paraphraser's
 * auto-encoder pre-training is not part of the loss: a training run must supply trained
 * paraphraser weights (its default init is only a placeholder of the right shape).
 */
public final class FtLoss implements DistillationLoss {

    private static final int KERNEL = 3;

    private final double rate;
    private final Integer factorChannels;
    private final double slope;

    public FtLoss(LossParams params) {
        params.allowOnly(Set.of("k", "factor_channels", "leaky_slope"));
        this.rate = params.positive("k", 0.5);
        this.factorChannels = params.positiveOrNull("factor_channels") == null ? null
                : params.positiveInt("factor_channels", 1);
        this.slope = params.nonNegative("leaky_slope", 0.1);
    }

    @Override
    public String id() {
        return "ft";
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
        Connector.requireSameSpatial("ft", s, t);
        long f = (long) (t.channels() * rate);
        if (factorChannels != null && factorChannels != f) {
            throw new IllegalArgumentException("ft: factor_channels = " + factorChannels + " but int(Ct * k) = int("
                    + t.channels() + " * " + rate + ") = " + f);
        }
        if (f < 1) {
            throw new IllegalArgumentException("ft: int(Ct * k) = " + f + " factors; expected >= 1");
        }
        SDVariable fs = encoder(in, "translator", s, f, false);
        SDVariable ft = encoder(in, "paraphraser", t, f, true);
        long perSample = f * DistillOps.positions(s.spatial());
        SDVariable ns = DistillOps.l2NormalizeRows(sd, sd.reshape(fs, -1, perSample));
        SDVariable nt = DistillOps.l2NormalizeRows(sd, sd.reshape(ft, -1, perSample));
        return sd.math().abs(ns.sub(nt)).mean();
    }

    private SDVariable encoder(LossInputs in, String name, Tensor x, long factors, boolean frozen) {
        SameDiff sd = in.sd();
        int dims = x.spatial().length;
        DataType dt = x.var().dataType();
        long c = x.channels();
        long[][] io = {{c, c}, {factors, c}, {factors, factors}};
        SDVariable h = x.var();
        for (int i = 0; i < io.length; i++) {
            long[] wShape = DistillOps.convWeightShape(io[i][0], io[i][1], KERNEL, dims);
            long fanIn = DistillOps.fanIn(wShape);
            long seed = (frozen ? 50 : 40) + 2L * i;
            String prefix = name + ".conv" + (i + 1) + ".";
            SDVariable w = weight(in, prefix + "W", DistillOps.torchDefault(wShape, fanIn, dt, seed), frozen);
            SDVariable b = weight(in, prefix + "b", DistillOps.torchDefault(new long[]{io[i][0]}, fanIn, dt, seed + 1),
                    frozen);
            h = sd.nn().leakyRelu(DistillOps.conv(sd, h, dims, w, b, KERNEL), slope);
        }
        return h;
    }

    private static SDVariable weight(LossInputs in, String name, INDArray init,
                                     boolean frozen) {
        return frozen ? in.frozen(name, init) : in.adapter(name, init);
    }
}
