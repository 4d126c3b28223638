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
import java.util.Map;
import java.util.Set;

/**
 * Contrastive representation distillation ({@code crd}, Tian et al. 2020), role "feat" (vectors
 * (B, D) or maps, flattened per sample). Both sides are embedded ({@code embed_s}, {@code embed_t}:
 * trainable linear layers to {@code feat_dim}, then L2-normalised) and each sample's embedding is
 * contrasted, with NCE, against its own row (the positive) and {@code nce_n} noise rows of the
 * OTHER side's momentum memory bank: the student must be more similar to its teacher than to the
 * teacher's embeddings of other samples, which transfers the teacher's structure beyond a
 * per-sample regression.
 *
 * <p>Besides "feat" it reads three state inputs, as {@code in.state(name)}: {@code memory_s},
 * {@code memory_t} (n_data, feat_dim) constants and {@code contrast_idx} (B, nce_n + 1) int64
 * (column 0 = the sample's own index). With {@code P = exp(m . e / T) / Z} and {@code c = N / M}:
 * {@code part(P) = -mean_b(log(P_b0 / (P_b0 + c + eps)) + sum_{k>=1} log(c / (P_bk + c + eps)))},
 * {@code loss = part(P_s) + part(P_t)}. Written in log space (log P = logit - log Z, log(P + a) as
 * a log-sum-exp), so a small temperature cannot overflow float32. n_data (M) is the bank's row
 * count; the parameter, when given, must agree.
 *
 * <p>Normalisation constants, RepDistiller's convention: Z is set from the first batch
 * ({@code mean(out) * M}, no gradient) and then frozen. Three sources, first match wins: optional
 * scalar state inputs {@code Z_s} / {@code Z_t} (graph constants; 0 means "not set yet: use this
 * batch's value", which the owner then stores, see {@link CrdMemory}); the parameters
 * {@code Z_s} / {@code Z_t}; else this batch's value on every batch. {@link #createState} gives a
 * student graph its {@link CrdMemory}: banks and Z as graph constants (saved with the student),
 * contrast indices sampled per batch, and the momentum update of {@link #update} after each step.
 */
public final class CrdLoss implements DistillationLoss {

    public static final String MEMORY_S = "memory_s";
    public static final String MEMORY_T = "memory_t";
    public static final String CONTRAST_IDX = "contrast_idx";
    public static final String Z_S = "Z_s";
    public static final String Z_T = "Z_t";

    /** Floor under a stored Z before the log, so an unset (0) Z gives a finite value that is then masked. */
    private static final double UNSET_FLOOR = 1e-30;

    private final int featDim;
    private final int nceN;
    /** The n_data parameter, or null: then the memory bank's row count. */
    private final Integer nDataParam;
    private final double temperature;
    private final double momentum;
    private final Double zS;
    private final Double zT;
    private final double eps;
    private SDVariable studentEmbedding;
    private SDVariable teacherEmbedding;
    private SDVariable logZStudent;
    private SDVariable logZTeacher;
    /** The adapters' variable names of the last {@link #build}: embed_s.W, embed_s.b, embed_t.W, embed_t.b. */
    private final List<String> adapterNames = new java.util.ArrayList<>();
    private CrdMemory memory;

    public CrdLoss(LossParams params) {
        params.allowOnly(Set.of("feat_dim", "nce_n", "n_data", "nce_t", "momentum", "Z_s", "Z_t", "eps"));
        this.featDim = params.positiveInt("feat_dim", 128);
        this.nceN = params.positiveInt("nce_n", 4096);
        this.nDataParam = params.positiveOrNull("n_data") == null ? null : params.positiveInt("n_data", 1);
        this.temperature = params.positive("nce_t", 0.07);
        this.momentum = params.nonNegative("momentum", 0.5);
        if (momentum > 1) {
            throw new IllegalArgumentException("crd: momentum = " + momentum + ", expected a value in [0, 1]");
        }
        this.zS = params.positiveOrNull("Z_s");
        this.zT = params.positiveOrNull("Z_t");
        this.eps = params.positive("eps", 1e-7);
    }


    @Override
    public List<String> roles() {
        return List.of("feat");
    }

    /** e_s = normalize(embed_s(student)) (B, feat_dim) of the last {@link #build}. */
    public SDVariable studentEmbedding() {
        return studentEmbedding;
    }

    /** e_t = normalize(embed_t(teacher)) (B, feat_dim) of the last {@link #build}. */
    public SDVariable teacherEmbedding() {
        return teacherEmbedding;
    }

    /** log Z_s used by the last {@link #build}'s student-anchor part (scalar). */
    public SDVariable studentLogZ() {
        return logZStudent;
    }

    /** log Z_t used by the last {@link #build}'s teacher-anchor part (scalar). */
    public SDVariable teacherLogZ() {
        return logZTeacher;
    }

    @Override
    public CrdMemory createState(org.beatgan.distill.LossState.Context context) {
        memory = new CrdMemory(this, context);
        return memory;
    }

    int featDim() {
        return featDim;
    }

    int nceN() {
        return nceN;
    }

    double momentum() {
        return momentum;
    }

    Integer nDataParam() {
        return nDataParam;
    }

    /** The fixed Z_s / Z_t parameters (null: set from the first batch). */
    Double zSParam() {
        return zS;
    }

    Double zTParam() {
        return zT;
    }

    @Override
    public SDVariable build(LossInputs in) {
        SameDiff sd = in.sd();
        Tensor s = in.studentOne("feat");
        Tensor t = in.teacherOne("feat");
        Tensor memS = state(in, MEMORY_S);
        Tensor memT = state(in, MEMORY_T);
        Tensor contrast = state(in, CONTRAST_IDX);
        long nData = memS.rank() == 2 ? memS.shape()[0] : -1;
        for (Tensor m : List.of(memS, memT)) {
            if (m.rank() != 2 || m.shape()[0] != nData || m.shape()[1] != featDim
                    || (nDataParam != null && nData != nDataParam)) {
                throw new IllegalArgumentException("crd: memory bank " + m.describe() + ", expected (n_data = "
                        + (nDataParam != null ? nDataParam : nData) + ", feat_dim = " + featDim + ")");
            }
        }
        if (contrast.rank() != 2 || contrast.shape()[1] != nceN + 1) {
            throw new IllegalArgumentException("crd: contrast_idx " + contrast.describe() + ", expected (B, nce_n + 1 = "
                    + (nceN + 1) + ")");
        }
        DataType dt = s.var().dataType();
        adapterNames.clear();
        studentEmbedding = embed(in, "embed_s", s, dt, 61);
        teacherEmbedding = embed(in, "embed_t", t, dt, 63);
        SDVariable bankS = DistillOps.stopGradient(sd, memS.var());
        SDVariable bankT = DistillOps.stopGradient(sd, memT.var());
        // Teacher as anchor against the student memory, student as anchor against the teacher memory.
        SDVariable logitsT = logits(sd, bankS, contrast.var(), teacherEmbedding);
        SDVariable logitsS = logits(sd, bankT, contrast.var(), studentEmbedding);
        logZStudent = logZ(sd, logitsS, optionalState(in, Z_S), zS, nData, dt);
        logZTeacher = logZ(sd, logitsT, optionalState(in, Z_T), zT, nData, dt);
        return part(sd, logitsS, logZStudent, nData).add(part(sd, logitsT, logZTeacher, nData));
    }

    private SDVariable embed(LossInputs in, String name, Tensor x, DataType dt, long seed) {
        long d = x.perSample();
        SDVariable w = in.adapter(name + ".W", DistillOps.torchDefault(new long[]{featDim, d}, d, dt, seed));
        SDVariable b = in.adapter(name + ".b", DistillOps.torchDefault(new long[]{featDim}, d, dt, seed + 1));
        adapterNames.add(w.name());
        adapterNames.add(b.name());
        return DistillOps.l2NormalizeRows(in.sd(), DistillOps.linear(in.sd(), DistillOps.flatten(in.sd(), x), w, b));
    }

    /**
     * (B, N+1) logits m_{contrast[b,k]} . e_b / T, as one batched matrix product
     * (B, N+1, F) x (B, F, 1): written as a broadcast product and a sum, M2.1's backprop of the
     * broadcast product took 83% of a CRD step (~27 ns per element of the gathered rows).
     */
    private SDVariable logits(SameDiff sd, SDVariable bank, SDVariable contrast, SDVariable anchor) {
        SDVariable rows = sd.gather(bank, contrast, 0);
        return sd.squeeze(sd.mmul(rows, sd.expandDims(anchor, 2)), 2).div(temperature);
    }

    /**
     * log Z of one side (no gradient): from the state constant when it is set (> 0), else this
     * batch's; without state, the fixed parameter or this batch's.
     */
    private SDVariable logZ(SameDiff sd, SDVariable logits, Tensor state, Double fixed, long nData, DataType dt) {
        if (state == null && fixed != null) {
            return sd.constant(Nd4j.scalar(dt, Math.log(fixed)));
        }
        SDVariable max = DistillOps.stopGradient(sd, logits.max());
        SDVariable lse = max.add(sd.math().log(sd.math().exp(logits.sub(max)).mean()));
        SDVariable fromBatch = DistillOps.stopGradient(sd, lse.add(Math.log(nData)));
        if (state == null) {
            return fromBatch;
        }
        // set = 1 once the owner stored Z; 1 * log Z + 0 * (finite batch value) is exactly log Z
        SDVariable z = DistillOps.stopGradient(sd, state.var());
        SDVariable set = DistillOps.indicator(sd, sd.gt(z, 0.0), dt);
        SDVariable logStored = sd.math().log(sd.nn().relu(z.sub(UNSET_FLOOR), 0).add(UNSET_FLOOR));
        return set.mul(logStored).add(set.rsub(1.0).mul(fromBatch));
    }

    /** NCE part of one side, in log space: log P = logit - log Z. */
    private SDVariable part(SameDiff sd, SDVariable logits, SDVariable logZ, long nData) {
        DataType dt = logits.dataType();
        SDVariable logP = logits.sub(logZ);
        double c = (double) nceN / nData;
        double logA = Math.log(c + eps);
        // log(P + c + eps) = m + log(exp(logP - m) + exp(logA - m)), m = max(logP, logA) (value-only).
        SDVariable m = DistillOps.stopGradient(sd, sd.nn().relu(logP.sub(logA), 0).add(logA));
        SDVariable logDen = m.add(sd.math().log(sd.math().exp(logP.sub(m)).add(sd.math().exp(m.rsub(logA)))));
        double[] pos = new double[nceN + 1];
        pos[0] = 1;
        SDVariable positive = sd.constant(Nd4j.create(pos, new long[]{1, nceN + 1}, DataType.DOUBLE).castTo(dt));
        SDVariable numerator = logP.mul(positive).add(positive.rsub(1.0).mul(Math.log(c)));
        return numerator.sub(logDen).sum(1).mean().neg();
    }

    private static Tensor optionalState(LossInputs in, String name) {
        return in.state(name);
    }

    private static Tensor state(LossInputs in, String name) {
        Tensor t = optionalState(in, name);
        if (t == null) {
            throw new IllegalArgumentException("crd: needs the state input '" + name + "' (memory banks (n_data, feat_dim)"
                    + " and contrast_idx (B, nce_n + 1)), fed by the trainer that owns the memory");
        }
        return t;
    }

    // ---- The step outside the graph (the direct step's kernel) ----

    /**
     * What the memory's update reads from a step (after {@link #build}): both embeddings and both
     * log Z, which {@link #kernel} gives in its outputs under these names.
     */
    public List<String> stepOutputNames() {
        return List.of(studentEmbedding.name(), teacherEmbedding.name(), logZStudent.name(), logZTeacher.name());
    }

    /** The adapters' variable names: embed_s.W, embed_s.b, embed_t.W, embed_t.b (after {@link #build}). */
    public List<String> adapterNames() {
        return List.copyOf(adapterNames);
    }

    /**
     * One step of {@link #build}'s formula outside the graph, in double on Java arrays: the loss,
     * d loss / d the student's features, d loss / d each adapter, and the step outputs its memory's
     * update reads ({@link CrdMemory#stepOutputs}: both embeddings, both log Z). The banks, Z and
     * adapters are read from the student graph that owns them, the contrast indices from the feed.
     */
    public record Step(double value, double[] studentFeatureGradient, Map<String, INDArray> adapterGradients,
                       Map<String, INDArray> outputs) {
    }

    public Step kernel(INDArray studentFeatures, INDArray teacherFeatures, Map<String, INDArray> feed) {
        if (memory == null || adapterNames.size() != 4) {
            throw new IllegalStateException("crd: the kernel needs the loss built in a student graph with its memory");
        }
        SameDiff sd = memory.sameDiff();
        int batch = (int) studentFeatures.size(0);
        Side student = new Side(studentFeatures, batch, sd.getArrForVarName(adapterNames.get(0)),
                sd.getArrForVarName(adapterNames.get(1)));
        Side teacher = new Side(teacherFeatures, batch, sd.getArrForVarName(adapterNames.get(2)),
                sd.getArrForVarName(adapterNames.get(3)));
        INDArray contrastArray = feed.get(memory.contrastName());
        if (contrastArray == null || contrastArray.size(0) != batch || contrastArray.size(1) != nceN + 1) {
            throw new IllegalStateException("crd: contrast indices (" + batch + ", " + (nceN + 1) + ") not fed as "
                    + memory.contrastName());
        }
        long[] contrast = contrastArray.dup().data().asLong();
        Bank memS = new Bank(sd.getArrForVarName(memory.variable(MEMORY_S)));
        Bank memT = new Bank(sd.getArrForVarName(memory.variable(MEMORY_T)));
        long nData = memS.rows;
        // the student as anchor against the teacher's memory and vice versa, as build()
        double[] logitsS = memT.logits(contrast, student.e, batch, nceN + 1, featDim, temperature);
        double[] logitsT = memS.logits(contrast, teacher.e, batch, nceN + 1, featDim, temperature);
        double logZs = logZ(logitsS, sd.getArrForVarName(memory.variable(Z_S)).getDouble(0), nData);
        double logZt = logZ(logitsT, sd.getArrForVarName(memory.variable(Z_T)).getDouble(0), nData);
        double[] gS = new double[logitsS.length];
        double[] gT = new double[logitsT.length];
        double value = part(logitsS, logZs, nData, batch, gS) + part(logitsT, logZt, nData, batch, gT);
        double[] deS = memT.backward(contrast, gS, batch, nceN + 1, featDim, temperature);
        double[] deT = memS.backward(contrast, gT, batch, nceN + 1, featDim, temperature);
        DataType dt = studentFeatures.dataType();
        Map<String, INDArray> adapters = new java.util.LinkedHashMap<>();
        double[] dFeatures = student.backward(deS, adapters, adapterNames.get(0), adapterNames.get(1), dt);
        teacher.backward(deT, adapters, adapterNames.get(2), adapterNames.get(3), dt);
        Map<String, INDArray> outputs = new java.util.LinkedHashMap<>();
        outputs.put(studentEmbedding.name(), Nd4j.create(student.e, new long[]{batch, featDim}, dt));
        outputs.put(teacherEmbedding.name(), Nd4j.create(teacher.e, new long[]{batch, featDim}, dt));
        outputs.put(logZStudent.name(), Nd4j.scalar(dt, logZs));
        outputs.put(logZTeacher.name(), Nd4j.scalar(dt, logZt));
        return new Step(value, dFeatures, adapters, outputs);
    }

    /** log Z: the stored constant once set (> 0), else this batch's log(mean exp(logits)) + log n_data. */
    private static double logZ(double[] logits, double stored, long nData) {
        if (stored > 0) return Math.log(stored);
        double max = Double.NEGATIVE_INFINITY;
        for (double l : logits) max = Math.max(max, l);
        double sum = 0;
        for (double l : logits) sum += Math.exp(l - max);
        return max + Math.log(sum / logits.length) + Math.log(nData);
    }

    /**
     * One side's NCE part, -mean_b sum_k (num_bk - log(P_bk + c + eps)), and its gradient by logit
     * into {@code grad}: -([k = 0] - sigmoid(log P_bk - log(c + eps))) / B.
     */
    private double part(double[] logits, double logZ, long nData, int batch, double[] grad) {
        double c = (double) nceN / nData;
        double logA = Math.log(c + eps);
        double logC = Math.log(c);
        int k = nceN + 1;
        double sum = 0;
        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < k; j++) {
                int i = b * k + j;
                double logP = logits[i] - logZ;
                double m = Math.max(logP, logA);
                double logDen = m + Math.log(Math.exp(logP - m) + Math.exp(logA - m));
                sum += (j == 0 ? logP : logC) - logDen;
                double sigma = 1 / (1 + Math.exp(logA - logP));
                grad[i] = -((j == 0 ? 1 : 0) - sigma) / batch;
            }
        }
        return -sum / batch;
    }

    /** One side's embedding e = normalize(f W^T + b) and its backward to the features and adapters. */
    private final class Side {
        final double[] f;
        final int dIn;
        final double[] w;
        final double[] bias;
        final double[] e;
        final double[] norms;
        final double[] sumSq;
        final int batch;

        Side(INDArray features, int batch, INDArray w, INDArray b) {
            this.batch = batch;
            this.f = features.castTo(DataType.DOUBLE).dup('c').data().asDouble();
            this.dIn = f.length / batch;
            if (w.size(0) != featDim || w.size(1) != dIn) {
                throw new IllegalStateException("crd: embedding " + java.util.Arrays.toString(w.shape()) + " for "
                        + dIn + " features");
            }
            this.w = w.castTo(DataType.DOUBLE).dup('c').data().asDouble();
            this.bias = b.castTo(DataType.DOUBLE).dup('c').data().asDouble();
            e = new double[batch * featDim];
            norms = new double[batch];
            sumSq = new double[batch];
            for (int i = 0; i < batch; i++) {
                double ss = 0;
                for (int o = 0; o < featDim; o++) {
                    double y = bias[o];
                    for (int d = 0; d < dIn; d++) y += f[i * dIn + d] * this.w[o * dIn + d];
                    e[i * featDim + o] = y;
                    ss += y * y;
                }
                sumSq[i] = ss;
                norms[i] = Math.sqrt(Math.max(ss, DistillOps.NORM_EPS * DistillOps.NORM_EPS));
                for (int o = 0; o < featDim; o++) e[i * featDim + o] /= norms[i];
            }
        }

        /** From d loss / d e: the adapters' gradients (put under their names) and d loss / d features. */
        double[] backward(double[] de, Map<String, INDArray> into, String wName, String bName, DataType dt) {
            double[] dw = new double[w.length];
            double[] db = new double[featDim];
            double[] df = new double[f.length];
            double floor = DistillOps.NORM_EPS * DistillOps.NORM_EPS;
            double[] dy = new double[featDim];
            for (int i = 0; i < batch; i++) {
                double eg = 0;
                for (int o = 0; o < featDim; o++) eg += e[i * featDim + o] * de[i * featDim + o];
                for (int o = 0; o < featDim; o++) {
                    // d normalize(y) / dy: (g - e (e . g)) / r, or g / r where the floor holds r constant
                    dy[o] = (sumSq[i] > floor ? de[i * featDim + o] - e[i * featDim + o] * eg : de[i * featDim + o])
                            / norms[i];
                    db[o] += dy[o];
                    for (int d = 0; d < dIn; d++) {
                        dw[o * dIn + d] += dy[o] * f[i * dIn + d];
                        df[i * dIn + d] += dy[o] * w[o * dIn + d];
                    }
                }
            }
            into.put(wName, Nd4j.create(dw, new long[]{featDim, dIn}, dt));
            into.put(bName, Nd4j.create(db, new long[]{featDim}, dt));
            return df;
        }
    }

    /** A memory bank's rows, read in place (a gathered copy of (B, nce_n + 1) rows would be as large as the bank). */
    private static final class Bank {
        private final java.nio.FloatBuffer floats;
        private final java.nio.DoubleBuffer doubles;
        final long rows;
        private final float[] floatRow;
        final double[] row;

        Bank(INDArray bank) {
            if (bank.isView() || bank.ordering() != 'c' || bank.rank() != 2
                    || (bank.dataType() != DataType.FLOAT && bank.dataType() != DataType.DOUBLE)) {
                throw new IllegalStateException("crd: the kernel reads whole float or double memory banks, got "
                        + bank.shapeInfoToString());
            }
            java.nio.ByteBuffer bytes = bank.data().pointer().asByteBuffer().order(java.nio.ByteOrder.nativeOrder());
            floats = bank.dataType() == DataType.FLOAT ? bytes.asFloatBuffer() : null;
            doubles = floats == null ? bytes.asDoubleBuffer() : null;
            rows = bank.size(0);
            floatRow = new float[(int) bank.size(1)];
            row = new double[(int) bank.size(1)];
        }

        /** Row r into {@link #row}. */
        void read(long r) {
            int f = row.length;
            if (floats != null) {
                floats.get((int) (r * f), floatRow, 0, f);
                for (int o = 0; o < f; o++) row[o] = floatRow[o];
            } else {
                doubles.get((int) (r * f), row, 0, f);
            }
        }

        /** (B, K) logits m_{contrast[b,k]} . anchor_b / T. */
        double[] logits(long[] contrast, double[] anchors, int batch, int k, int f, double t) {
            double[] out = new double[batch * k];
            for (int b = 0; b < batch; b++) {
                for (int j = 0; j < k; j++) {
                    read(contrast[b * k + j]);
                    double dot = 0;
                    for (int o = 0; o < f; o++) dot += row[o] * anchors[b * f + o];
                    out[b * k + j] = dot / t;
                }
            }
            return out;
        }

        /** d loss / d anchor_b = sum_k g_bk m_{contrast[b,k]} / T. */
        double[] backward(long[] contrast, double[] g, int batch, int k, int f, double t) {
            double[] out = new double[batch * f];
            for (int b = 0; b < batch; b++) {
                for (int j = 0; j < k; j++) {
                    read(contrast[b * k + j]);
                    double gj = g[b * k + j] / t;
                    for (int o = 0; o < f; o++) out[b * f + o] += gj * row[o];
                }
            }
            return out;
        }
    }

    // ---- The memory bank outside the graph (plain ND4J) ----

    /** New memory banks after a step and the normalisation constants that step used. */
    public record Update(INDArray memoryS, INDArray memoryT, double zS, double zT) {
    }

    /**
     * After the loss of a batch: Z_s / Z_t (the parameters when set, else from this batch, from
     * the OLD memory) and both banks updated at rows {@code idx}:
     * {@code memory[idx_b] <- normalize(momentum * memory[idx_b] + (1 - momentum) * e_b)}.
     * The inputs are not modified.
     */
    public Update update(INDArray eS, INDArray eT, INDArray memoryS, INDArray memoryT, INDArray idx,
                         INDArray contrastIdx) {
        long nData = memoryS.size(0);
        double zs = zS != null ? zS : normalisationConstant(eS, memoryT, contrastIdx, temperature, nData);
        double zt = zT != null ? zT : normalisationConstant(eT, memoryS, contrastIdx, temperature, nData);
        return new Update(updatedMemory(memoryS, eS, idx, momentum), updatedMemory(memoryT, eT, idx, momentum), zs, zt);
    }

    /** normalize(x W^T + b) per row (floor 1e-12), the embedding of the graph, for flattened (B, D) features. */
    public static INDArray embed(INDArray features, INDArray w, INDArray b) {
        INDArray x = features.reshape(features.size(0), -1);
        INDArray y = x.mmul(w.transpose()).addRowVector(b);
        INDArray norms = y.norm2(1);
        for (int i = 0; i < norms.length(); i++) {
            norms.putScalar(i, Math.max(norms.getDouble(i), DistillOps.NORM_EPS));
        }
        return y.divColumnVector(norms.reshape(-1, 1));
    }

    /**
     * Z = mean over b, k of exp(memory[contrast[b,k]] . anchor_b / T) times n_data. For Z_s the
     * anchors are the student embeddings and the memory the TEACHER bank (and vice versa).
     */
    public static double normalisationConstant(INDArray anchors, INDArray memory, INDArray contrastIdx,
                                               double temperature, long nData) {
        long b = contrastIdx.size(0), k = contrastIdx.size(1);
        double sum = 0;
        for (long i = 0; i < b; i++) {
            INDArray rows = Nd4j.pullRows(memory, 1, toInts(contrastIdx.getRow(i)));
            INDArray dots = rows.mmul(anchors.getRow(i).reshape(-1, 1)).div(temperature);
            sum += Nd4j.math().exp(dots).sumNumber().doubleValue();
        }
        return sum / (b * k) * nData;
    }

    /** A copy of {@code memory} with rows idx_b set to normalize(momentum * row + (1 - momentum) * e_b). */
    public static INDArray updatedMemory(INDArray memory, INDArray embeddings, INDArray idx, double momentum) {
        INDArray out = memory.dup();
        updateMemoryInPlace(out, embeddings, idx, momentum);
        return out;
    }

    /**
     * {@link #updatedMemory} in place: every new row from the bank as it was (a repeated index takes
     * its last occurrence), without copying the bank (16 MB per bank and step at 64,682 beats).
     */
    public static void updateMemoryInPlace(INDArray memory, INDArray embeddings, INDArray idx, double momentum) {
        int[] rows = toInts(idx);
        INDArray mixed = Nd4j.pullRows(memory, 1, rows).muli(momentum).addi(embeddings.mul(1 - momentum));
        for (int i = 0; i < rows.length; i++) {
            INDArray row = mixed.getRow(i);
            double norm = Math.max(row.norm2Number().doubleValue(), DistillOps.NORM_EPS);
            memory.putRow(rows[i], row.divi(norm));
        }
    }

    private static int[] toInts(INDArray a) {
        long[] v = a.reshape(-1).toLongVector();
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) out[i] = Math.toIntExact(v[i]);
        return out;
    }
}
