package org.beatgan.distill;

import org.beatgan.distill.loss.AbLoss;
import org.beatgan.distill.loss.AfdLoss;
import org.beatgan.distill.loss.BssLoss;
import org.beatgan.distill.loss.CrdLoss;
import org.beatgan.distill.loss.FtLoss;
import org.beatgan.distill.loss.LwmLoss;
import org.beatgan.distill.loss.OfdLoss;
import org.beatgan.distill.loss.SobolevLoss;
import org.beatgan.distill.loss.VidLoss;

import java.util.Map;
import java.util.function.Function;

/**
 * Registrations of the zoo's losses that own trainable adapters (connectors, regressors, embeddings),
 * including those that own whole small networks (sobolev, lwm, bss: trainable student, frozen teacher).
 */
final class AdapterLosses {

    private AdapterLosses() {
    }

    static void registerInto(Map<String, Function<LossParams, DistillationLoss>> registry) {
        registry.put("ab", AbLoss::new);
        registry.put("ft", FtLoss::new);
        registry.put("vid", VidLoss::new);
        registry.put("ofd", OfdLoss::new);
        registry.put("afd", AfdLoss::new);
        registry.put("crd", CrdLoss::new);
        registry.put("sobolev", SobolevLoss::new);
        registry.put("lwm", LwmLoss::new);
        registry.put("bss", BssLoss::new);
    }
}
