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
public final class SobolevFdLoss implements DistillationLoss, ScoreProbe {

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

    private Probes probes;

    @Override
    public LossState createState(LossState.Context context) {
        probes = new Probes(context);
        return probes;
    }

    @Override
    public String passScope() {
        return probes.passScope;
    }

    @Override
    public INDArray passBeats(Map<String, INDArray> feed) {
        return ScoreProbe.fed(feed, probes.probeBeats, id);
    }

    /**
     * {@link #build}'s formula outside the graph, on the student's scores of the 2K n stacked probes:
     * {@code P_s[b, k] = (s[k n + b] - s[(K + k) n + b]) / 2h}, then
     * {@code mse(normalize(P_s), normalize(P_t))} with the rows normalised as
     * {@code DistillOps.l2NormalizeRows} does (x / sqrt(max(sum x^2, 1e-24)), a constant denominator
     * below the floor).
     */
    @Override
    public double scoreKernel(double[] scores, Map<String, INDArray> feed, double[] grad) {
        INDArray teacherP = ScoreProbe.fed(feed, probes.teacherProjections, id);
        int k = directions;
        int n = scores.length / (2 * k);
        if (n * 2 * k != scores.length || teacherP.length() != (long) n * k) {
            throw new IllegalStateException(id + ": " + scores.length + " probe scores and teacher projections "
                    + java.util.Arrays.toString(teacherP.shape()) + " do not fit " + k + " directions");
        }
        double[] t = teacherP.reshape((long) n * k).dup().toDoubleVector();
        double c = 1.0 / (2 * step);
        double floor = DistillOps.NORM_EPS * DistillOps.NORM_EPS;
        double sum = 0;
        double[] p = new double[k];
        double[] u = new double[k];
        for (int b = 0; b < n; b++) {
            double ss = 0;
            double ts = 0;
            for (int j = 0; j < k; j++) {
                p[j] = c * (scores[j * n + b] - scores[(k + j) * n + b]);
                ss += p[j] * p[j];
                ts += t[b * k + j] * t[b * k + j];
            }
            double r = Math.sqrt(Math.max(ss, floor));
            double rt = Math.sqrt(Math.max(ts, floor));
            double ug = 0;
            double[] g = new double[k];
            for (int j = 0; j < k; j++) {
                u[j] = p[j] / r;
                double d = u[j] - t[b * k + j] / rt;
                sum += d * d;
                g[j] = 2 * d / ((double) n * k);
                ug += u[j] * g[j];
            }
            for (int j = 0; j < k; j++) {
                // d normalize(P) / dP: (g - u (u . g)) / r, or g / r where the floor holds r constant
                double dp = ss > floor ? (g[j] - u[j] * ug) / r : g[j] / r;
                grad[j * n + b] += c * dp;
                grad[(k + j) * n + b] -= c * dp;
            }
        }
        return sum / ((double) n * k);
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
        private final String passScope;
        private final Map<String, Tensor> inputs = new LinkedHashMap<>();

        Probes(Context ctx) {
            BeatGanGraph student = ctx.requireStudent(id);
            this.teacher = ctx.teacher();
            this.ahead = teacher == null ? null : new org.beatgan.distill.TeacherWorkAhead(teacher, id, this::probes);
            this.config = student.config();
            this.dtype = ctx.dataType();
            this.seed = ctx.seed();
            SameDiff sd = ctx.sd();
            probeBeats = ctx.prefix() + "probe_beats";
            SDVariable probes = sd.placeHolder(probeBeats, dtype, -1, config.nc(), config.isize());
            passScope = ctx.prefix() + "probe";
            GeneratorPass pass = student.applyGenerator(passScope, probes);
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

        /** The 128 teacher scores of a step's probes (~60 ms) start during the step before it. */
        private final org.beatgan.distill.TeacherWorkAhead ahead;

        @Override
        public void upcoming(Batch next) {
            ahead.announce(next);
        }

        @Override
        public Map<String, INDArray> feed(Batch batch) {
            return ahead.take(batch);
        }

        /** The step's probe beats (seeded by its iteration) and the teacher's projections on them. */
        private Map<String, INDArray> probes(Batch batch) {
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
