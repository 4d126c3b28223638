package org.beatgan.distill.loss;

import org.beatgan.distill.DistillationLoss;
import org.beatgan.distill.LossInputs;
import org.beatgan.distill.LossParams;
import org.beatgan.distill.Tensor;
import org.beatgan.distill.ops.DistillOps;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Boundary supporting samples ({@code bss}, Heo et al. 2019): the teacher's decision boundary is
 * transferred by distilling on inputs pushed towards it. Roles "x", "target" (B) and
 * "attack_class" (B) int64; both {@link TinyClassifier} networks are owned by the loss.
 *
 * <p>Attack (teacher only; its result is a constant for the loss): {@code x_0 = x}; for step
 * {@code i < num_steps}: {@code o = teacher(x_i)}, {@code q = softmax(o)},
 * {@code g = d(sum_b q[b, attack_b] - q[b, target_b]) / dx_i}, {@code a_b = step_alpha} where
 * {@code argmax(o_b) == target_b} else 0 (stop when all are 0),
 * {@code x_{i+1} = clamp(x_i + a_b (q[b,target_b] - q[b,attack_b] + attack_eps) g_b / ||g_b||,
 * clamp_min, clamp_max)}. Loss: {@code mean_b KL(softmax(teacher(adv)_b / T) || softmax(student(adv)_b / T))},
 * no T^2 factor.
 *
 * <p>The attack is unrolled into the graph (num_steps copies of the teacher's forward pass and its
 * closed-form input gradient, {@link TinyClassifier#backward}), all under stop-gradient, so it runs
 * for whatever batch the graph is fed (placeholders included) with no per-batch work outside the
 * graph. The early stop is exact: once no sample is active, {@code x} no longer changes (step i
 * keeps {@code x_i} when no sample is active, instead of clamping it), so no sample can become
 * active again and the remaining steps are identities. {@link #adversarial()} and
 * {@link #activeCounts()} expose the attacked input and the number of active samples at each check;
 * {@link #checksMade} turns the counts into the reference's {@code active_per_step}.
 * {@code ||g_b||} has the {@link DistillOps#l2NormalizeRows} floor (1e-12), so a vanishing input
 * gradient (saturated tanh) gives no step instead of NaN.
 */
public final class BssLoss implements DistillationLoss {

    private final LossParams params;
    private final BssAttackSettings settings;
    private SDVariable adversarial;
    private List<SDVariable> activeCounts = List.of();

    public BssLoss(LossParams params) {
        Set<String> known = new HashSet<>(TinyClassifier.SIZE_PARAMS);
        known.addAll(BssAttackSettings.NAMES);
        this.params = params.allowOnly(known);
        this.settings = BssAttackSettings.read("bss", params, 3.0, 10, 2.5);
    }


    @Override
    public List<String> roles() {
        return List.of("x", "target", "attack_class");
    }

    /** The attacked input adv (same shape as x) of the last {@link #build}; a constant. */
    public SDVariable adversarial() {
        return adversarial;
    }

    /** Scalars: the number of samples with a_b > 0 at each of the num_steps checks of the last build. */
    public List<SDVariable> activeCounts() {
        return activeCounts;
    }

    /**
     * The checks the reference's loop makes, from the values of {@link #activeCounts()}: all counts up
     * to and including the first 0 (where the loop stops). The number of updates is the number of
     * non-zero entries.
     */
    public static List<Long> checksMade(long[] counts) {
        List<Long> made = new ArrayList<>();
        for (long c : counts) {
            made.add(c);
            if (c == 0) {
                break;
            }
        }
        return made;
    }

    @Override
    public SDVariable build(LossInputs in) {
        SameDiff sd = in.sd();
        Tensor x = in.studentOne("x");
        SDVariable target = in.studentOne("target").var();
        SDVariable attack = in.studentOne("attack_class").var();
        DataType dt = x.var().dataType();
        TinyClassifier student = TinyClassifier.student(in, params, x);
        TinyClassifier teacher = TinyClassifier.teacher(in, params, x);
        NetworkChecks.sameClasses("bss", student, teacher);
        SDVariable oneT = TinyClassifier.oneHot(sd, target, teacher.classes(), dt);
        SDVariable oneA = TinyClassifier.oneHot(sd, attack, teacher.classes(), dt);
        long n = x.perSample();
        long[] xShape = x.shape().clone();
        xShape[0] = -1;

        SDVariable xi = DistillOps.stopGradient(sd, x.var());
        List<SDVariable> counts = new ArrayList<>();
        for (int i = 0; i < settings.numSteps(); i++) {
            TinyClassifier.Forward f = teacher.forward(xi);
            SDVariable q = sd.math().exp(DistillOps.logSoftmax(sd, f.out()));
            SDVariable qA = q.mul(oneA).sum(true, 1);
            SDVariable qT = q.mul(oneT).sum(true, 1);
            // d(q_a - q_t)/do_k = q_k (oneA_k - oneT_k) - q_k (q_a - q_t)
            SDVariable dOut = q.mul(oneA.sub(oneT)).sub(q.mul(qA.sub(qT)));
            SDVariable g = sd.reshape(teacher.backward(f, dOut).dX(), -1, n);
            SDVariable active = DistillOps.stopGradient(sd,
                    sd.eq(sd.argmax(f.out(), 1), target.castTo(DataType.INT64)).castTo(dt));
            SDVariable count = active.sum();
            counts.add(count);
            SDVariable any = DistillOps.stopGradient(sd, sd.gt(count, 0.0).castTo(dt));
            SDVariable coef = sd.reshape(active, -1, 1).mul(settings.stepAlpha())
                    .mul(qT.sub(qA).add(settings.attackEps()));
            SDVariable step = sd.reshape(DistillOps.l2NormalizeRows(sd, g).mul(coef), xShape);
            SDVariable moved = sd.math().clipByValue(xi.add(step), settings.clampMin(), settings.clampMax());
            // any = 1: the clamped update (every sample clamped); any = 0: the loop has stopped, x stays.
            xi = DistillOps.stopGradient(sd, moved.mul(any).add(xi.mul(any.rsub(1.0))));
        }
        adversarial = xi;
        activeCounts = List.copyOf(counts);
        SDVariable outS = student.forward(xi).out();
        SDVariable outT = DistillOps.stopGradient(sd, teacher.forward(xi).out());
        return DistillOps.klBatchMean(sd, outS, outT, settings.temperature());
    }
}
