package org.beatgan.distill;

import java.util.Map;
import java.util.function.Function;

/** Registrations of the zoo's losses that own trainable adapters (connectors, regressors, embeddings). */
final class AdapterLosses {

    private AdapterLosses() {
    }

    static void registerInto(Map<String, Function<LossParams, DistillationLoss>> registry) {
    }
}
