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

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

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
 * weights {@code paraphraser.conv{1,2,3}.{W,b}} ({@link LossInputs#frozen}). The paper's first
 * step, training the paraphraser as an auto-encoder on the teacher's map, is
 * {@link #pretraining()} ({@link FtParaphraser}: {@code pretrain_epochs} passes over the training
 * batches, Adam with {@code pretrain_lr}); it writes the trained encoder into the frozen weights
 * before student training. {@code pretrain_epochs: 0} keeps the random paraphraser.
 */
public final class FtLoss implements DistillationLoss {

    private static final int KERNEL = 3;

    private final double rate;
    private final Integer factorChannels;
    private final double slope;
    private final int pretrainEpochs;
    private final double pretrainLr;
    /** The paraphraser's frozen weights in the graph of the last {@link #build}, by unprefixed name. */
    private final Map<String, SDVariable> paraphraserWeights = new LinkedHashMap<>();
    private Tensor teacherFeature;
    private long factors;
    private FtParaphraser paraphraser;

    public FtLoss(LossParams params) {
        params.allowOnly(Set.of("k", "factor_channels", "leaky_slope", "pretrain_epochs", "pretrain_lr"));
        this.rate = params.positive("k", 0.5);
        this.factorChannels = params.positiveOrNull("factor_channels") == null ? null
                : params.positiveInt("factor_channels", 1);
        this.slope = params.nonNegative("leaky_slope", 0.1);
        this.pretrainEpochs = params.count("pretrain_epochs", 10);
        this.pretrainLr = params.positive("pretrain_lr", 1e-3);
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
        paraphraserWeights.clear();
        paraphraser = null;
        teacherFeature = t;
        factors = f;
        SDVariable fs = encoder(in, "translator", s, f, false);
        SDVariable ft = encoder(in, "paraphraser", t, f, true);
        long perSample = f * DistillOps.positions(s.spatial());
        SDVariable ns = DistillOps.l2NormalizeRows(sd, sd.reshape(fs, -1, perSample));
        SDVariable nt = DistillOps.l2NormalizeRows(sd, sd.reshape(ft, -1, perSample));
        return sd.math().abs(ns.sub(nt)).mean();
    }

    /**
     * The paraphraser's auto-encoder pre-training for the last {@link #build}; null when
     * {@code pretrain_epochs} is 0. Its encoder starts from the frozen weights' values.
     */
    @Override
    public FtParaphraser pretraining() {
        if (pretrainEpochs == 0 || teacherFeature == null) {
            return null;
        }
        if (paraphraser == null) {
            paraphraser = new FtParaphraser(this, teacherFeature, factors, paraphraserWeights, pretrainEpochs, pretrainLr);
        }
        return paraphraser;
    }

    double slope() {
        return slope;
    }

    private SDVariable encoder(LossInputs in, String name, Tensor x, long factors, boolean frozen) {
        long c = x.channels();
        return convStack(in.sd(), x.var(), x.spatial().length, new long[][]{{c, c}, {factors, c}, {factors, factors}},
                name, frozen ? 50 : 40, (n, init) -> {
                    SDVariable v = frozen ? in.frozen(n, init) : in.adapter(n, init);
                    if (frozen) paraphraserWeights.put(n, v);
                    return v;
                });
    }

    /**
     * Convolutions kernel 3, pad 1, with bias, each followed by leaky_relu(slope); layer i maps
     * {@code io[i][1]} to {@code io[i][0]} channels, weights {@code <name>.conv<i+1>.{W,b}} (PyTorch
     * default init, seeded from {@code seed}) made by {@code weights}.
     */
    SDVariable convStack(SameDiff sd, SDVariable x, int dims, long[][] io, String name, long seed,
                         BiFunction<String, INDArray, SDVariable> weights) {
        DataType dt = x.dataType();
        SDVariable h = x;
        for (int i = 0; i < io.length; i++) {
            long[] wShape = DistillOps.convWeightShape(io[i][0], io[i][1], KERNEL, dims);
            long fanIn = DistillOps.fanIn(wShape);
            long s = seed + 2L * i;
            String prefix = name + ".conv" + (i + 1) + ".";
            SDVariable w = weights.apply(prefix + "W", DistillOps.torchDefault(wShape, fanIn, dt, s));
            SDVariable b = weights.apply(prefix + "b", DistillOps.torchDefault(new long[]{io[i][0]}, fanIn, dt, s + 1));
            h = sd.nn().leakyRelu(DistillOps.conv(sd, h, dims, w, b, KERNEL), slope);
        }
        return h;
    }
}
