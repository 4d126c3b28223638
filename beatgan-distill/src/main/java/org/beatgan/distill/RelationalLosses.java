package org.beatgan.distill;

import org.beatgan.distill.loss.CorrelationCongruenceLoss;
import org.beatgan.distill.loss.CosineLoss;
import org.beatgan.distill.loss.DmlLoss;
import org.beatgan.distill.loss.FspLoss;
import org.beatgan.distill.loss.IrgLoss;
import org.beatgan.distill.loss.NstLoss;
import org.beatgan.distill.loss.PktLoss;
import org.beatgan.distill.loss.RkdLoss;
import org.beatgan.distill.loss.SimilarityPreservingLoss;

import java.util.Map;
import java.util.function.Function;

/**
 * Registrations of the zoo's feature- and relation-based losses (no trainable adapters, except
 * cc's optional embedding with {@code embed: true}), and dml (mutual KL between two trainable
 * networks' logits).
 */
final class RelationalLosses {

    private RelationalLosses() {
    }

    static void registerInto(Map<String, Function<LossParams, DistillationLoss>> registry) {
        registry.put("cosine", CosineLoss::new);
        registry.put("nst", NstLoss::new);
        registry.put("pkt", PktLoss::new);
        registry.put("fsp", FspLoss::new);
        registry.put("rkd", RkdLoss::new);
        registry.put("sp", SimilarityPreservingLoss::new);
        registry.put("cc", CorrelationCongruenceLoss::new);
        registry.put("irg", IrgLoss::new);
        registry.put("dml", DmlLoss::new);
    }
}
