package org.beatgan.distill;

import java.util.Map;
import java.util.function.Function;

/** Registrations of the zoo's feature- and relation-based losses (no trainable adapters). */
final class RelationalLosses {

    private RelationalLosses() {
    }

    static void registerInto(Map<String, Function<LossParams, DistillationLoss>> registry) {
    }
}
