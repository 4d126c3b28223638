package org.beatgan.distill.loss;

import org.beatgan.core.train.Batch;
import org.beatgan.distill.LossState;
import org.beatgan.distill.Tensor;
import org.beatgan.distill.ops.DistillOps;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * CRD's training state in a student graph: the memory banks {@code memory_s}, {@code memory_t}
 * (n_data, feat_dim) and the normalisation constants {@code Z_s}, {@code Z_t} as graph constants
 * (saved in model.zip and checkpoints, restored on resume), and the per-batch contrast indices as
 * an int64 placeholder.
 *
 * <p>Per batch: row b of {@code contrast_idx} is the beat's own training-set index followed by
 * {@code nce_n} indices drawn uniformly, with replacement, from the OTHER beats, from a generator
 * seeded by (run seed, trainer iteration), so a resumed run draws what the uninterrupted run drew.
 * After the step: rows {@code idx} of both banks get the momentum update of
 * {@link CrdLoss#updatedMemory} with the step's embeddings (in place), and a Z that was still unset (0) is
 * stored from the value the step used (the first batch's), then never changes, as in RepDistiller.
 * Banks start uniform in +-1/sqrt(feat_dim / 3), RepDistiller's ContrastMemory initialisation.
 */
public final class CrdMemory implements LossState {

    private final CrdLoss loss;
    private final SameDiff sd;
    private final int nData;
    private final long seed;
    private final Map<String, Tensor> inputs = new LinkedHashMap<>();
    private final String contrastIdx;

    CrdMemory(CrdLoss loss, Context ctx) {
        this.loss = loss;
        this.sd = ctx.sd();
        this.nData = size(loss.nDataParam(), ctx.trainingSetSize());
        this.seed = ctx.seed();
        int f = loss.featDim();
        double stdv = 1 / Math.sqrt(f / 3.0);
        long[] bank = {nData, f};
        inputs.put(CrdLoss.MEMORY_S, new Tensor(sd.constant(ctx.prefix() + CrdLoss.MEMORY_S,
                DistillOps.uniform(bank, stdv, ctx.dataType(), ctx.seed() * 31 + 1)), bank));
        inputs.put(CrdLoss.MEMORY_T, new Tensor(sd.constant(ctx.prefix() + CrdLoss.MEMORY_T,
                DistillOps.uniform(bank, stdv, ctx.dataType(), ctx.seed() * 31 + 2)), bank));
        inputs.put(CrdLoss.Z_S, zConstant(ctx, CrdLoss.Z_S, loss.zSParam()));
        inputs.put(CrdLoss.Z_T, zConstant(ctx, CrdLoss.Z_T, loss.zTParam()));
        long[] contrast = {-1, loss.nceN() + 1};
        contrastIdx = ctx.prefix() + CrdLoss.CONTRAST_IDX;
        inputs.put(CrdLoss.CONTRAST_IDX, new Tensor(sd.placeHolder(contrastIdx, DataType.INT64, contrast), contrast));
    }

    /** n_data: the training-set size the experiment knows, or the parameter; both given must agree. */
    private static int size(Integer param, int trainingSetSize) {
        if (param != null && trainingSetSize > 0 && param != trainingSetSize) {
            throw new IllegalArgumentException("crd: n_data = " + param + " but the training set has "
                    + trainingSetSize + " beats; leave n_data out (the experiment sets it) or make them equal");
        }
        int n = param != null ? param : trainingSetSize;
        if (n < 2) {
            throw new IllegalArgumentException("crd: the memory bank needs n_data >= 2 (the training-set size, "
                    + "supplied by the experiment, or params.n_data); got " + n);
        }
        return n;
    }

    /** A fixed Z from the parameters, else 0 = "set from the first batch". */
    private Tensor zConstant(Context ctx, String name, Double fixed) {
        SDVariable z = sd.constant(ctx.prefix() + name, Nd4j.scalar(ctx.dataType(), fixed == null ? 0.0 : fixed));
        return new Tensor(z, new long[0]);
    }

    /** The student graph holding the state. */
    SameDiff sameDiff() {
        return sd;
    }

    /** The contrast indices' placeholder name. */
    String contrastName() {
        return contrastIdx;
    }

    public int nData() {
        return nData;
    }

    /** Graph name of a state array ({@link CrdLoss#MEMORY_S}, {@link CrdLoss#Z_S}, ...). */
    public String variable(String input) {
        return inputs.get(input).var().name();
    }

    @Override
    public Map<String, Tensor> inputs() {
        return inputs;
    }

    @Override
    public Map<String, INDArray> feed(Batch batch) {
        return Map.of(contrastIdx, sample(batch.requireIndices("crd"), new Random(seed * 1_000_003L + batch.iteration())));
    }

    /** (B, nce_n + 1) int64: own index, then nce_n uniform draws from the other n_data - 1 indices. */
    INDArray sample(int[] idx, Random r) {
        int k = loss.nceN() + 1;
        long[] out = new long[idx.length * k];
        for (int b = 0; b < idx.length; b++) {
            if (idx[b] < 0 || idx[b] >= nData) {
                throw new IllegalArgumentException("crd: dataset index " + idx[b] + " outside the memory bank of n_data = "
                        + nData + " rows; n_data must be the training-set size");
            }
            out[b * k] = idx[b];
            for (int j = 1; j < k; j++) {
                int other = r.nextInt(nData - 1);
                out[b * k + j] = other >= idx[b] ? other + 1 : other;
            }
        }
        return Nd4j.createFromArray(out).reshape(idx.length, k);
    }

    @Override
    public List<String> stepOutputs() {
        return loss.stepOutputNames();
    }

    @Override
    public void afterStep(Batch batch, Map<String, INDArray> outputs) {
        INDArray idx = Nd4j.createFromArray(batch.requireIndices("crd"));
        storeIfUnset(CrdLoss.Z_S, outputs.get(loss.studentLogZ().name()));
        storeIfUnset(CrdLoss.Z_T, outputs.get(loss.teacherLogZ().name()));
        update(CrdLoss.MEMORY_S, outputs.get(loss.studentEmbedding().name()), idx);
        update(CrdLoss.MEMORY_T, outputs.get(loss.teacherEmbedding().name()), idx);
    }

    private void storeIfUnset(String input, INDArray logZ) {
        INDArray z = array(input);
        if (z.getDouble(0) == 0) {
            z.assign(Math.exp(logZ.getDouble(0)));
        }
    }

    private void update(String input, INDArray embeddings, INDArray idx) {
        INDArray bank = array(input);
        CrdLoss.updateMemoryInPlace(bank, embeddings.castTo(bank.dataType()), idx, loss.momentum());
    }

    private INDArray array(String input) {
        return sd.getArrForVarName(variable(input));
    }
}
