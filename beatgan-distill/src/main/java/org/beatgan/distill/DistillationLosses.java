package org.beatgan.distill;

import com.fasterxml.jackson.databind.JsonNode;
import org.beatgan.distill.loss.AtKdComboLoss;
import org.beatgan.distill.loss.AttentionTransferLoss;
import org.beatgan.distill.loss.FitNetLoss;
import org.beatgan.distill.loss.KdLoss;
import org.beatgan.distill.loss.KdSumCeLoss;
import org.beatgan.distill.loss.LogitRegressionLoss;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/** The registry: loss id (as used in configs and reference vectors) -> factory. */
public final class DistillationLosses {

    private static final Map<String, Function<LossParams, DistillationLoss>> FACTORIES = new LinkedHashMap<>();

    /** Every method of the zoo, implemented or not (ids as in ../shared/reference/distill). */
    public static final Set<String> ZOO = Set.of("kd", "st", "kd_sum_ce", "logits", "at", "ft_seed", "at_kd_combo",
            "fitnet", "cosine", "nst", "pkt", "fsp", "ft", "rkd", "ab", "sp", "sobolev", "bss", "cc", "lwm", "irg",
            "vid", "ofd", "afd", "crd", "dml");

    /** Zoo methods known by id but not implemented yet. */
    public static final Set<String> PLANNED;

    static {
        FACTORIES.put("kd", p -> new KdLoss("kd", p));
        FACTORIES.put("st", p -> new KdLoss("st", p));
        FACTORIES.put("kd_sum_ce", KdSumCeLoss::new);
        FACTORIES.put("logits", LogitRegressionLoss::new);
        FACTORIES.put("at", p -> new AttentionTransferLoss("at", p, true));
        FACTORIES.put("ft_seed", p -> new AttentionTransferLoss("ft_seed", p, false));
        FACTORIES.put("at_kd_combo", AtKdComboLoss::new);
        FACTORIES.put("fitnet", FitNetLoss::new);
        RelationalLosses.registerInto(FACTORIES);
        AdapterLosses.registerInto(FACTORIES);
        ModelProbeLosses.registerInto(FACTORIES);
        Set<String> planned = new TreeSet<>(ZOO);
        planned.removeAll(FACTORIES.keySet());
        PLANNED = Set.copyOf(planned);
    }

    private DistillationLosses() {
    }

    public static DistillationLoss create(String id, JsonNode params) {
        Function<LossParams, DistillationLoss> f = FACTORIES.get(id);
        if (f == null) {
            if (PLANNED.contains(id)) {
                throw new UnsupportedOperationException("Distillation method '" + id
                        + "' is part of the planned zoo but not implemented yet; implemented: " + implemented());
            }
            throw new IllegalArgumentException("Unknown distillation method '" + id + "'; implemented: "
                    + implemented());
        }
        return f.apply(new LossParams(id, params));
    }

    public static boolean isImplemented(String id) {
        return FACTORIES.containsKey(id);
    }

    public static List<String> implemented() {
        return List.copyOf(new TreeSet<>(FACTORIES.keySet()));
    }
}
