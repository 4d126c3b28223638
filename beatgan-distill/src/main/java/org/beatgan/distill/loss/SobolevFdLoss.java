package org.beatgan.distill.loss;

import org.beatgan.core.model.BeatGanConfig;
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

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Sobolev matching for BeatGAN by finite differences ({@code sobolev_fd}), the first-order
 * stand-in for {@code sobolev}: SameDiff M2.1 cannot differentiate the student's input gradient
 * again, so the student matches random projections of the teacher's input gradient instead
 * (stochastic Sobolev training, Czarnecki et al. 2017), each projection a directional derivative
 * of the per-beat anomaly score taken by central differences.
 *
 * <p>Per step, K Gaussian directions {@code d_k} per beat (seeded by run seed and step), and
 * {@code P[b, k] = (s(x_b + h d_kb) - s(x_b - h d_kb)) / 2h} for student (an extra generator pass
 * over all 2K probes, in the student's graph with its own weights, differentiable) and teacher
 * (inference mode, fed). {@code loss = mse(normalize(P_s), normalize(P_t))}: {@code sobolev}'s
 * formula on a K-dimensional sketch of the gradients instead of the gradients themselves (for
 * gradients equal up to a positive factor both are 0). Differences from {@code sobolev}: the
 * scalar is the anomaly score (BeatGAN has no target logit); a sketch, not the full gradient; a
 * derivative smoothed over {@code h}; and the student's probes run in training mode, with batch
 * statistics over the probe batch, while the teacher's use running statistics; and, for cost
 * (2K extra generator passes per beat), only the first {@code beats} beats of each (shuffled)
 * batch are probed. Params: {@code directions} K (8), {@code step} h (0.01; beats are in
 * [-1, 1]), {@code beats} (8).
 */
public final class SobolevFdLoss implements DistillationLoss {

    static final String STUDENT = "student_projections";
    static final String TEACHER = "teacher_projections";

    private final int directions;
    private final double step;
    private final int beats;

    /** The registry id this loss was created as (for messages). */
    private final String id;

    public SobolevFdLoss(LossParams params) {
        this.id = params.lossId();
        params.allowOnly(Set.of("directions", "step", "beats"));
        this.directions = params.positiveInt("directions", 8);
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
        SDVariable s = DistillOps.l2NormalizeRows(sd, in.requireState(id, STUDENT).var());
        SDVariable t = DistillOps.l2NormalizeRows(sd, in.requireState(id, TEACHER).var());
        return DistillOps.mse(sd, s, t);
    }

    /** The probes: stacked perturbed beats and the teacher's projections, fed per batch. */
    private final class Probes implements LossState {

        private final TeacherModel teacher;
        private final BeatGanConfig config;
        private final DataType dtype;
        private final long seed;
        private final String probeBeats;
        private final String teacherProjections;
        private final Map<String, Tensor> inputs = new LinkedHashMap<>();

        Probes(Context ctx) {
            BeatGanGraph student = ctx.requireStudent(id);
            this.teacher = ctx.teacher();
            this.config = student.config();
            this.dtype = ctx.dataType();
            this.seed = ctx.seed();
            SameDiff sd = ctx.sd();
            probeBeats = ctx.prefix() + "probe_beats";
            SDVariable probes = sd.placeHolder(probeBeats, dtype, -1, config.nc(), config.isize());
            GeneratorPass pass = student.applyGenerator(ctx.prefix() + "probe", probes);
            long[] shape = {-1, directions};
            inputs.put(STUDENT, new Tensor(CentralDifferences.differences(sd, pass.score(), directions, step, 1.0,
                    dtype), shape));
            teacherProjections = ctx.prefix() + TEACHER;
            inputs.put(TEACHER, new Tensor(sd.placeHolder(teacherProjections, dtype, shape), shape));
        }

        @Override
        public Map<String, Tensor> inputs() {
            return inputs;
        }

        @Override
        public Map<String, INDArray> feed(Batch batch) {
            INDArray x = batch.firstBeats(beats).castTo(dtype);
            INDArray d = CentralDifferences.gaussian(new long[]{directions, x.size(0), config.nc(), config.isize()},
                    seed * 1_000_003L + batch.iteration(), dtype);
            INDArray probes = CentralDifferences.probes(x, d, step);
            INDArray t = CentralDifferences.differences(
                    teacher.generator().scores(probes.castTo(teacher.model().dataType())).castTo(dtype),
                    directions, step, 1.0);
            return Map.of(probeBeats, probes, teacherProjections, t);
        }
    }
}
