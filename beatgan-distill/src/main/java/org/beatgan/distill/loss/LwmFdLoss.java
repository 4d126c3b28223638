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
public final class LwmFdLoss implements DistillationLoss {

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

    @Override
    public LossState createState(LossState.Context context) {
        return new Probes(context);
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
        private final Map<String, Tensor> inputs = new LinkedHashMap<>();

        Probes(Context ctx) {
            BeatGanGraph student = ctx.requireStudent(id);
            this.teacher = ctx.teacher();
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
            GeneratorPass pass = student.applyGeneratorFrom(ctx.prefix() + "probe", layer, probes, probeBeats);
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

        @Override
        public Map<String, INDArray> feed(Batch batch) {
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
