package org.beatgan.distill.loss;

import org.beatgan.core.model.ActivationNames;
import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.model.GeneratorPass;
import org.beatgan.core.train.Batch;
import org.beatgan.distill.DistillationLoss;
import org.beatgan.distill.LossInputs;
import org.beatgan.distill.LossParams;
import org.beatgan.distill.LossState;
import org.beatgan.distill.TeacherModel;
import org.beatgan.distill.Tensor;
import org.beatgan.distill.ops.DistillOps;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Grad-CAM attention distillation for BeatGAN by finite differences ({@code lwm_fd}), the
 * first-order stand-in for {@code lwm}: the student's Grad-CAM of the anomaly score at an encoder
 * layer must match the teacher's. Grad-CAM's channel weights {@code w_bc = mean over positions of
 * d s_b / d A_bc} are exactly directional derivatives of the score along "1 on every position of
 * channel c" (divided by the positions P), so C central differences per beat give them without
 * differentiating a gradient: the student's remainder of the generator after the layer runs
 * once more in its graph (shared weights) on the 2C perturbed copies of the layer's activation,
 * {@code A ± h E_c}. {@code cam_b = relu(sum_c w_bc A_bc)}, L2-normalised over positions, and
 * {@code loss = l1(cam_s, cam_t)}, as {@code lwm} with {@code cam_source = "activation"} (classic
 * Grad-CAM); the teacher's weights are its exact inference-mode gradients.
 *
 * <p>Differences from {@code lwm}: the anomaly score instead of a target logit; only the
 * "activation" source ("grad" needs every one of the C x P gradient entries, C x P differences);
 * a derivative smoothed over {@code h}; and, for cost (2C extra passes of the generator's
 * remainder per beat), only the first {@code beats} beats of each (shuffled) batch. Params:
 * {@code layer} (G/enc/act2), {@code step} h (0.01), {@code beats} (8).
 */
public final class LwmFdLoss implements DistillationLoss, ActivationProbe {

    static final String STUDENT_CAM = "student_cam";
    static final String TEACHER_CAM = "teacher_cam";

    private final String layer;
    private final double step;
    private final int beats;

    /** The registry id this loss was created as (for messages). */
    private final String id;

    public LwmFdLoss(LossParams params) {
        this.id = params.lossId();
        params.allowOnly(Set.of("layer", "step", "beats", "cam_source"));
        String source = params.choice("cam_source", "activation", Set.of("activation", "grad"));
        if (source.equals("grad")) {
            throw new IllegalArgumentException("lwm_fd: cam_source 'grad' needs every entry of d score / d A "
                    + "(channels x positions central differences); lwm_fd supports 'activation' (classic Grad-CAM)");
        }
        this.layer = params.choice("layer", ActivationNames.gEnc(2), Set.of(ActivationNames.gEnc(1),
                ActivationNames.gEnc(2), ActivationNames.gEnc(3), ActivationNames.gEnc(4), ActivationNames.gEnc(5)));
        this.step = params.positive("step", 0.01);
        this.beats = params.positiveInt("beats", 8);
    }


    @Override
    public List<String> roles() {
        return List.of();
    }

    /** The state of the term this loss built (its names), once {@link #createState} has run. */
    private Probes probes;

    @Override
    public LossState createState(LossState.Context context) {
        probes = new Probes(context);
        return probes;
    }

    @Override
    public String passScope() {
        return built().passScope;
    }

    @Override
    public String layer() {
        return layer;
    }

    private Probes built() {
        if (probes == null) throw new IllegalStateException(id + ": no state yet (the loss was not built)");
        return probes;
    }

    /**
     * The pass of the first n beats (n: this step's selection): rows {@code A_b + h E_c} then
     * {@code A_b - h E_c}, shift-major as the graph's, each scored against its beat.
     */
    @Override
    public org.beatgan.core.model.direct.DirectTrainingStep.ActivationPass pass(Map<String, INDArray> feed) {
        long n = ScoreProbe.fed(feed, built().selection, id).length();
        return new org.beatgan.core.model.direct.DirectTrainingStep.ActivationPass() {
            @Override
            public String activation() {
                return layer;
            }

            @Override
            public INDArray input(INDArray a) {
                long c = a.size(1);
                long p = a.size(2);
                INDArray selected = a.get(NDArrayIndex.interval(0, n), NDArrayIndex.all(), NDArrayIndex.all());
                INDArray tiled = Nd4j.tile(selected.reshape(1, n, c, p), 2 * (int) c, 1, 1, 1);
                INDArray shifts = Nd4j.tile(channelShifts(c, p, step, a.dataType()), 1, (int) n, 1, 1);
                return tiled.addi(shifts).reshape(2 * c * n, c, p);
            }

            @Override
            public INDArray targets(INDArray beats) {
                INDArray selected = beats.get(NDArrayIndex.interval(0, n), NDArrayIndex.all(), NDArrayIndex.all());
                long c = probes.channels;
                return Nd4j.tile(selected.reshape(1, n, beats.size(1), beats.size(2)), 2 * (int) c, 1, 1, 1)
                        .reshape(2 * c * n, beats.size(1), beats.size(2));
            }

            @Override
            public INDArray activationGradient(INDArray inputGradient, INDArray a) {
                long c = a.size(1);
                long p = a.size(2);
                INDArray d = Nd4j.zeros(inputGradient.dataType(), a.shape());
                d.get(NDArrayIndex.interval(0, n), NDArrayIndex.all(), NDArrayIndex.all())
                        .assign(inputGradient.reshape(2 * c, n, c, p).sum(0));
                return d;
            }
        };
    }

    /**
     * The graph's formula in double: channel weights w (n, C) as central differences of the scores
     * over h, per position; cam = relu(sum_c w_c A_c), rows L2-normalised (norm floored at 1e-12),
     * l1 against the teacher's normalised cam; gradients through w (to the scores) and through A.
     */
    @Override
    public double kernel(INDArray scores, INDArray activation, Map<String, INDArray> feed, INDArray[] grads) {
        long n = ScoreProbe.fed(feed, built().selection, id).length();
        long c = activation.size(1);
        long p = activation.size(2);
        INDArray a = activation.get(NDArrayIndex.interval(0, n), NDArrayIndex.all(), NDArrayIndex.all())
                .castTo(DataType.DOUBLE).dup('c');
        INDArray sc = scores.castTo(DataType.DOUBLE).reshape(2 * c, n);
        double scale = 1.0 / p / (2 * step);
        // w[b, c] = (score(+h E_c) - score(-h E_c)) / (2 h p)
        INDArray w = sc.get(NDArrayIndex.interval(0, c), NDArrayIndex.all())
                .sub(sc.get(NDArrayIndex.interval(c, 2 * c), NDArrayIndex.all())).transpose().muli(scale);
        INDArray z = a.mul(w.reshape(n, c, 1)).sum(1);
        INDArray cam = Transforms.relu(z, true);
        INDArray t = ScoreProbe.fed(feed, built().teacherCam, id).castTo(DataType.DOUBLE).reshape(n, p);
        INDArray[] sNorm = normalised(cam);
        INDArray tn = normalised(t)[0];
        INDArray diff = sNorm[0].sub(tn);
        double value = Transforms.abs(diff, true).sumNumber().doubleValue() / diff.length();
        // d l1 / d ns = sign(ns - nt) / (n P); the derivative at 0 is 0
        INDArray g = Transforms.sign(diff, true).divi(diff.length());
        // through ns = cam / r, r = sqrt(max(sum cam^2, 1e-24)): (g - ns (ns . g)) / r where the floor is not hit
        INDArray ns = sNorm[0];
        INDArray r = sNorm[1];
        INDArray dot = ns.mul(g).sum(true, 1).muli(sNorm[2]);
        INDArray dCam = g.sub(ns.mulColumnVector(dot)).diviColumnVector(r);
        INDArray dz = dCam.muli(z.gt(0).castTo(DataType.DOUBLE));
        INDArray dw = a.mul(dz.reshape(n, 1, p)).sum(2);                 // (n, C)
        INDArray dA = w.reshape(n, c, 1).mul(dz.reshape(n, 1, p));       // (n, C, P)
        INDArray dScores = Nd4j.concat(0, dw.transpose(), dw.transpose().neg()).muli(scale);   // (2C, n)
        grads[0] = dScores.reshape(scores.shape());
        INDArray full = Nd4j.zeros(DataType.DOUBLE, activation.shape());
        full.get(NDArrayIndex.interval(0, n), NDArrayIndex.all(), NDArrayIndex.all()).assign(dA);
        grads[1] = full;
        return value;
    }

    /** Rows over max(norm, 1e-12): the normalised rows, the norms used (n, 1), and 1 where the floor is not hit. */
    private static INDArray[] normalised(INDArray x) {
        INDArray sumSq = x.mul(x).sum(true, 1);
        INDArray unfloored = sumSq.gt(1e-24).castTo(DataType.DOUBLE);
        INDArray r = Transforms.sqrt(Transforms.max(sumSq, 1e-24, true), false);
        return new INDArray[]{x.divColumnVector(r), r, unfloored};
    }

    @Override
    public SDVariable build(LossInputs in) {
        SameDiff sd = in.sd();
        SDVariable s = DistillOps.l2NormalizeRows(sd, in.requireState(id, STUDENT_CAM).var());
        SDVariable t = DistillOps.l2NormalizeRows(sd, in.requireState(id, TEACHER_CAM).var());
        return DistillOps.l1(sd, s, t);
    }

    /** The student's probe pass and CAM in its graph; the selected beats and the teacher's CAM, fed per batch. */
    private final class Probes implements LossState {

        private final TeacherModel teacher;
        private final DataType dtype;
        private final String selection;
        private final String teacherCam;
        private final String passScope;
        private final long channels;
        private final Map<String, Tensor> inputs = new LinkedHashMap<>();

        Probes(Context ctx) {
            BeatGanGraph student = ctx.requireStudent(id);
            this.teacher = ctx.teacher();
            this.ahead = teacher == null ? null : new org.beatgan.distill.TeacherWorkAhead(teacher, id, this::teacherCam);
            this.dtype = ctx.dataType();
            SameDiff sd = ctx.sd();
            int k = Integer.parseInt(layer.substring(layer.length() - 1));
            long c = (long) student.config().ndf() << (k - 1);
            long p = student.config().isize() >> k;
            long nc = student.config().nc();
            long len = student.config().isize();
            selection = ctx.prefix() + "beats";
            SDVariable idx = sd.placeHolder(selection, DataType.INT64, -1);
            SDVariable a = sd.gather(sd.getVariable(layer), idx, 0);
            SDVariable x = sd.gather(sd.getVariable(ActivationNames.INPUT), idx, 0);
            SDVariable shifts = sd.constant(ctx.prefix() + "channel_shifts", channelShifts(c, p, step, dtype));
            SDVariable probes = sd.reshape(sd.reshape(a, 1, -1, c, p).add(shifts), -1, c, p);
            SDVariable probeBeats = sd.reshape(sd.tile(sd.reshape(x, 1, -1, nc, len), 2 * (int) c, 1, 1, 1), -1, nc, len);
            passScope = ctx.prefix() + "probe";
            channels = c;
            GeneratorPass pass = student.applyGeneratorFrom(passScope, layer, probes, probeBeats);
            SDVariable w = CentralDifferences.differences(sd, pass.score(), (int) c, step, 1.0 / p, dtype);
            SDVariable cam = sd.nn().relu(sd.reshape(w, -1, c, 1).mul(a).sum(1), 0.0);
            inputs.put(STUDENT_CAM, new Tensor(cam, new long[]{-1, p}));
            teacherCam = ctx.prefix() + TEACHER_CAM;
            inputs.put(TEACHER_CAM, new Tensor(sd.placeHolder(teacherCam, dtype, -1, p), new long[]{-1, p}));
        }

        @Override
        public Map<String, Tensor> inputs() {
            return inputs;
        }

        /** The teacher's CAM of a coming step's first beats (its activations and exact gradients) starts during the step before. */
        private final org.beatgan.distill.TeacherWorkAhead ahead;

        @Override
        public void upcoming(Batch next) {
            ahead.announce(next);
        }

        @Override
        public Map<String, INDArray> feed(Batch batch) {
            return ahead.take(batch);
        }

        private Map<String, INDArray> teacherCam(Batch batch) {
            INDArray x = batch.firstBeats(beats).castTo(teacher.model().dataType());
            long n = x.size(0);
            INDArray a = teacher.generator().activations(x, layer).get(layer);
            INDArray w = teacher.gradients().scoreGradients(x, layer).get(layer).mean(true, 2);
            INDArray cam = Transforms.relu(a.muli(w).sum(1), false);
            return Map.of(selection, Nd4j.arange(n).castTo(DataType.INT64), teacherCam, cam.castTo(dtype));
        }
    }

    /** (2C, 1, C, P): row c adds h to every position of channel c, row C + c subtracts it. */
    static INDArray channelShifts(long c, long p, double h, DataType dt) {
        INDArray s = Nd4j.zeros(dt, 2 * c, 1, c, p);
        for (long i = 0; i < c; i++) {
            s.get(NDArrayIndex.point(i), NDArrayIndex.point(0), NDArrayIndex.point(i), NDArrayIndex.all()).assign(h);
            s.get(NDArrayIndex.point(c + i), NDArrayIndex.point(0), NDArrayIndex.point(i), NDArrayIndex.all()).assign(-h);
        }
        return s;
    }
}
