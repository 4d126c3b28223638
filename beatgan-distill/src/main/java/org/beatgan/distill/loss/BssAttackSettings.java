package org.beatgan.distill.loss;

import org.beatgan.distill.LossParams;

import java.util.Set;

/**
 * The attack and distillation settings {@code bss} and {@code bss_score} share, read and checked
 * in one place: temperature {@code T}, {@code step_alpha}, {@code num_steps}, {@code attack_eps}
 * and the clamp range. The two methods differ only in their defaults.
 */
record BssAttackSettings(double temperature, double stepAlpha, int numSteps, double attackEps, double clampMin,
                         double clampMax) {

    static final Set<String> NAMES = Set.of("T", "step_alpha", "num_steps", "attack_eps", "clamp_min", "clamp_max");

    /** Reads the settings with the given defaults (step_alpha 0.3, attack_eps 1e-4 for both). */
    static BssAttackSettings read(String lossId, LossParams params, double temperature, int numSteps, double clamp) {
        BssAttackSettings s = new BssAttackSettings(params.positive("T", temperature),
                params.nonNegative("step_alpha", 0.3), params.positiveInt("num_steps", numSteps),
                params.nonNegative("attack_eps", 1e-4), params.finite("clamp_min", -clamp),
                params.finite("clamp_max", clamp));
        if (!(s.clampMin < s.clampMax)) {
            throw new IllegalArgumentException(lossId + ": clamp_min = " + s.clampMin + " must be below clamp_max = "
                    + s.clampMax);
        }
        return s;
    }
}
