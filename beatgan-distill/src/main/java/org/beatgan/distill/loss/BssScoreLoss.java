package org.beatgan.distill.loss;

import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.model.GeneratorPass;
import org.beatgan.core.model.ActivationNames;
import org.beatgan.core.train.Batch;
import org.beatgan.distill.DistillationLoss;
import org.beatgan.distill.LossInputs;
import org.beatgan.distill.LossParams;
import org.beatgan.distill.LossState;
import org.beatgan.distill.Pretraining;
import org.beatgan.distill.TeacherModel;
import org.beatgan.distill.Tensor;
import org.beatgan.distill.ops.DistillOps;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Boundary supporting samples for BeatGAN ({@code bss_score}): {@code bss} with the teacher's
 * anomaly-score threshold as the decision boundary, since a one-class reconstruction model has no
 * second class to attack towards. The boundary {@code tau} is a quantile ({@code quantile}, 0.95)
 * of the teacher's scores on the training beats, found before training and kept in the student's
 * graph (saved with it), or {@code threshold} when given.
 *
 * <p>Attack (teacher only, inference mode; the result is a constant for the loss), on the first
 * {@code beats} beats of each shuffled batch: {@code x_0 = x}; for step {@code i < num_steps}:
 * {@code s = s_T(x_i)}, {@code g = d s / d x_i} (exact), a beat is active while {@code s < tau}
 * (still on the normal side; stop when none is),
 * {@code x_{i+1} = clamp(x_i + step_alpha * active * ((tau - s) / tau + attack_eps) * g / ||g||,
 * clamp_min, clamp_max)}: {@code bss}'s step with the relative distance to the threshold in place
 * of the class-probability margin. Loss, per attacked beat the two-class distribution
 * "anomalous / normal" with logit {@code z = (s - tau) / tau}:
 * {@code mean_b KL(softmax([z_t, 0] / T) || softmax([z_s, 0] / T))} (no T^2, as {@code bss}), the
 * student's score coming from an extra generator pass on the attacked beats in its graph.
 * Unlike {@code bss}, beats are not also required to be "classified correctly" by the student:
 * the student has no threshold of its own during training.
 */
public final class BssScoreLoss implements DistillationLoss, ScoreProbe {

    static final String THRESHOLD = "threshold";

    private final BssAttackSettings settings;
    private final int beats;
    private final double quantile;
    private final Double fixedThreshold;
    private Attack attack;

    /** The registry id this loss was created as (for messages). */
    private final String id;

    public BssScoreLoss(LossParams params) {
        this.id = params.lossId();
        Set<String> known = new HashSet<>(BssAttackSettings.NAMES);
        known.addAll(Set.of("beats", "quantile", "threshold"));
        params.allowOnly(known);
        this.settings = BssAttackSettings.read("bss_score", params, 1.0, 3, 1.0);
        this.beats = params.positiveInt("beats", 16);
        this.quantile = params.positive("quantile", 0.95);
        this.fixedThreshold = params.positiveOrNull("threshold");
        if (quantile >= 1) {
            throw new IllegalArgumentException("bss_score: quantile = " + quantile + ", expected a value in (0, 1)");
        }
    }


    @Override
    public List<String> roles() {
        return List.of();
    }

    @Override
    public LossState createState(LossState.Context context) {
        attack = new Attack(context);
        return attack;
    }

    @Override
    public SDVariable build(LossInputs in) {
        SameDiff sd = in.sd();
        SDVariable s = in.requireState(id, "student_logits").var();
        SDVariable t = in.requireState(id, "teacher_logits").var();
        return DistillOps.klBatchMean(sd, s, t, settings.temperature());
    }

    /** Finds the boundary from the teacher's training scores, unless {@code threshold} fixed it. */
    @Override
    public Pretraining pretraining() {
        if (fixedThreshold != null) {
            return null;
        }
        return pass -> {
            List<INDArray> scores = new ArrayList<>();
            pass.forEachBatch(b -> scores.add(attack.teacher.generator().scores(b.get(Pretraining.BEATS).get(0)).dup()));
            double[] all = Nd4j.concat(0, scores.toArray(new INDArray[0])).toDoubleVector();
            Arrays.sort(all);
            attack.threshold().assign(all[(int) Math.min(all.length - 1, Math.floor(quantile * all.length))]);
        };
    }

    /** The temperature of the two-class distributions. */
    public double temperature() {
        return settings.temperature();
    }

    @Override
    public String passScope() {
        return attack.passScope;
    }

    @Override
    public INDArray passBeats(Map<String, INDArray> feed) {
        return ScoreProbe.fed(feed, attack.advName, id);
    }

    @Override
    public double scoreKernel(double[] scores, Map<String, INDArray> feed, double[] grad) {
        return scoreKernel(scores, ScoreProbe.fed(feed, attack.teacherLogits, id).toDoubleVector(), threshold(), grad);
    }

    /**
     * The loss on the student's scores {@code s} of the attacked beats and the teacher's logits
     * {@code zt}, outside the graph ({@link #build}'s formula, checked against it in
     * DirectProbeTermsTest): {@code mean_b KL(softmax([zt_b, 0] / T) || softmax([z_b, 0] / T))} with
     * {@code z = (s - tau) / tau}; adds d loss / d s to {@code grad}.
     */
    public double scoreKernel(double[] s, double[] zt, double tau, double[] grad) {
        int n = s.length;
        double t = settings.temperature();
        double sum = 0;
        for (int b = 0; b < n; b++) {
            double a = (s[b] - tau) / tau / t;
            double c = zt[b] / t;
            // two classes [z, 0]: p(anomalous) = sigmoid(z / T), log p = -softplus(-z / T)
            double lp0 = -softplus(-c);
            double lp1 = -softplus(c);
            double lq0 = -softplus(-a);
            double lq1 = -softplus(a);
            double p0 = Math.exp(lp0);
            sum += p0 * (lp0 - lq0) + (1 - p0) * (lp1 - lq1);
            grad[b] += (Math.exp(lq0) - p0) / (t * tau * n);
        }
        return sum / n;
    }

    private static double softplus(double a) {
        return Math.max(a, 0) + Math.log1p(Math.exp(-Math.abs(a)));
    }

    /** The boundary in use (0 until pre-training found it). */
    public double threshold() {
        return attack.threshold().getDouble(0);
    }

    /** Active beats at each check of the last batch's attack (the attack stops after the first 0). */
    public List<Integer> activePerStep() {
        return List.copyOf(attack.activePerStep);
    }

    /** The last batch's attacked beats. */
    public INDArray adversarial() {
        return attack.lastAdversarial;
    }

    private final class Attack implements LossState {

        private final TeacherModel teacher;
        private final DataType dtype;
        private final SameDiff sd;
        private final String thresholdName;
        private final String advName;
        private final String teacherLogits;
        private final String passScope;
        private final Map<String, Tensor> inputs = new LinkedHashMap<>();
        private final List<Integer> activePerStep = new ArrayList<>();
        private INDArray lastAdversarial;

        Attack(Context ctx) {
            BeatGanGraph student = ctx.requireStudent(id);
            this.teacher = ctx.teacher();
            this.dtype = ctx.dataType();
            this.sd = ctx.sd();
            thresholdName = ctx.prefix() + THRESHOLD;
            SDVariable tau = sd.constant(thresholdName, Nd4j.scalar(dtype, fixedThreshold == null ? 0.0 : fixedThreshold));
            advName = ctx.prefix() + "adversarial";
            SDVariable adv = sd.placeHolder(advName, dtype, -1, student.config().nc(), student.config().isize());
            passScope = ctx.prefix() + "adv";
            GeneratorPass pass = student.applyGenerator(passScope, adv);
            // (s - tau) / tau, through a reciprocal: M2.1's div by a scalar back-propagates wrongly
            SDVariable z = pass.score().sub(tau).mul(sd.math().reciprocal(tau));
            inputs.put("student_logits", new Tensor(twoClass(z), new long[]{-1, 2}));
            teacherLogits = ctx.prefix() + "teacher_logits";
            SDVariable zt = sd.placeHolder(teacherLogits, dtype, -1);
            inputs.put("teacher_logits", new Tensor(twoClass(zt), new long[]{-1, 2}));
        }

        private SDVariable twoClass(SDVariable z) {
            SDVariable col = sd.reshape(z, -1, 1);
            return sd.concat(1, col, sd.zerosLike(col));
        }

        INDArray threshold() {
            return sd.getArrForVarName(thresholdName);
        }

        @Override
        public Map<String, Tensor> inputs() {
            return inputs;
        }

        @Override
        public Map<String, INDArray> feed(Batch batch) {
            double tau = threshold().getDouble(0);
            if (!(tau > 0)) {
                throw new IllegalStateException("bss_score has no boundary yet: run its pre-training (the distill and "
                        + "experiment commands do) or set params.threshold");
            }
            DataType tdt = teacher.model().dataType();
            // a copy: the attack moves it in place
            INDArray x = batch.firstBeats(beats).castTo(tdt).dup();
            long n = x.size(0);
            activePerStep.clear();
            INDArray s = teacher.generator().scores(x);
            for (int i = 0; i < settings.numSteps(); i++) {
                INDArray active = s.lt(tau).castTo(tdt);
                int count = active.sumNumber().intValue();
                activePerStep.add(count);
                if (count == 0) {
                    break;
                }
                INDArray g = teacher.gradients().scoreGradients(x, ActivationNames.INPUT).get(ActivationNames.INPUT);
                INDArray norms = Transforms.max(g.norm2(1, 2), 1e-12, false);
                INDArray coef = s.rsub(tau).divi(tau).addi(settings.attackEps()).muli(active).muli(settings.stepAlpha())
                        .divi(norms);
                x.addi(g.muli(coef.reshape(n, 1, 1)));
                Transforms.max(Transforms.min(x, settings.clampMax(), false), settings.clampMin(), false);
                s = teacher.generator().scores(x);
            }
            lastAdversarial = x.castTo(dtype);
            INDArray zt = s.sub(tau).divi(tau).castTo(dtype);
            return Map.of(advName, lastAdversarial, teacherLogits, zt);
        }
    }
}
