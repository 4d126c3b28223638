package org.beatgan.distill;

import org.beatgan.distill.loss.BssScoreLoss;
import org.beatgan.distill.loss.LwmFdLoss;
import org.beatgan.distill.loss.SobolevFdLoss;

import java.util.Map;
import java.util.function.Function;

/**
 * Registrations of the BeatGAN forms of the zoo's gradient-based methods, which run student and
 * teacher on beats of their own (perturbed or attacked): {@code sobolev_fd}, {@code lwm_fd}
 * (first-order stand-ins for {@code sobolev} and {@code lwm}) and {@code bss_score} ({@code bss}
 * with the anomaly-score threshold as boundary).
 */
final class ModelProbeLosses {

    private ModelProbeLosses() {
    }

    static void registerInto(Map<String, Function<LossParams, DistillationLoss>> registry) {
        registry.put("sobolev_fd", SobolevFdLoss::new);
        registry.put("lwm_fd", LwmFdLoss::new);
        registry.put("bss_score", BssScoreLoss::new);
    }
}
