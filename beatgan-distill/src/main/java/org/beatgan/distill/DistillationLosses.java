package org.beatgan.distill;

import com.fasterxml.jackson.databind.JsonNode;
import org.beatgan.distill.loss.AbLoss;
import org.beatgan.distill.loss.AfdLoss;
import org.beatgan.distill.loss.AtKdComboLoss;
import org.beatgan.distill.loss.AttentionTransferLoss;
import org.beatgan.distill.loss.BssLoss;
import org.beatgan.distill.loss.BssScoreLoss;
import org.beatgan.distill.loss.CorrelationCongruenceLoss;
import org.beatgan.distill.loss.CosineLoss;
import org.beatgan.distill.loss.CrdLoss;
import org.beatgan.distill.loss.DmlLoss;
import org.beatgan.distill.loss.FitNetLoss;
import org.beatgan.distill.loss.FspLoss;
import org.beatgan.distill.loss.FtLoss;
import org.beatgan.distill.loss.IrgLoss;
import org.beatgan.distill.loss.KdLoss;
import org.beatgan.distill.loss.KdSumCeLoss;
import org.beatgan.distill.loss.LogitRegressionLoss;
import org.beatgan.distill.loss.LwmFdLoss;
import org.beatgan.distill.loss.LwmLoss;
import org.beatgan.distill.loss.NstLoss;
import org.beatgan.distill.loss.OfdLoss;
import org.beatgan.distill.loss.PktLoss;
import org.beatgan.distill.loss.RkdLoss;
import org.beatgan.distill.loss.SimilarityPreservingLoss;
import org.beatgan.distill.loss.SobolevFdLoss;
import org.beatgan.distill.loss.SobolevLoss;
import org.beatgan.distill.loss.VidLoss;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The registry, in one table: every loss id (as used in configs and reference vectors), its
 * factory, and whether it takes a temperature {@code T} (what a sweep over T may touch).
 */
public final class DistillationLosses {

    /** What the registry knows of a loss besides its factory. */
    private enum Trait { TEMPERATURE }

    private record Entry(Function<LossParams, DistillationLoss> factory, Set<Trait> traits) {
    }

    private static final Map<String, Entry> TABLE = new LinkedHashMap<>();

    static {
        // logits
        add("kd", KdLoss::new, Trait.TEMPERATURE);
        add("st", KdLoss::new, Trait.TEMPERATURE);
        add("kd_sum_ce", KdSumCeLoss::new, Trait.TEMPERATURE);
        add("logits", LogitRegressionLoss::new);
        add("at_kd_combo", AtKdComboLoss::new, Trait.TEMPERATURE);
        // features and relations (no trainable adapters, except cc's optional embedding)
        add("at", p -> new AttentionTransferLoss(p, true));
        add("ft_seed", p -> new AttentionTransferLoss(p, false));
        add("fitnet", FitNetLoss::new);
        add("cosine", CosineLoss::new);
        add("nst", NstLoss::new);
        add("pkt", PktLoss::new);
        add("fsp", FspLoss::new);
        add("rkd", RkdLoss::new);
        add("sp", SimilarityPreservingLoss::new);
        add("cc", CorrelationCongruenceLoss::new);
        add("irg", IrgLoss::new);
        add("dml", DmlLoss::new);
        // losses that own trainable adapters (connectors, regressors, embeddings, small networks)
        add("ab", AbLoss::new);
        add("ft", FtLoss::new);
        add("vid", VidLoss::new);
        add("ofd", OfdLoss::new);
        add("afd", AfdLoss::new);
        add("crd", CrdLoss::new);
        add("sobolev", SobolevLoss::new);
        add("lwm", LwmLoss::new);
        add("bss", BssLoss::new, Trait.TEMPERATURE);
        // BeatGAN forms of the gradient-based methods, which probe student and teacher on beats of
        // their own: first-order stand-ins for sobolev and lwm, and bss with the score threshold
        add("sobolev_fd", SobolevFdLoss::new);
        add("lwm_fd", LwmFdLoss::new);
        add("bss_score", BssScoreLoss::new, Trait.TEMPERATURE);
    }

    /** The zoo's methods as in ../shared/reference/distill (the BeatGAN forms are not reference methods). */
    public static final Set<String> ZOO = Set.of("kd", "st", "kd_sum_ce", "logits", "at", "ft_seed", "at_kd_combo",
            "fitnet", "cosine", "nst", "pkt", "fsp", "ft", "rkd", "ab", "sp", "sobolev", "bss", "cc", "lwm", "irg",
            "vid", "ofd", "afd", "crd", "dml");

    private DistillationLosses() {
    }

    private static void add(String id, Function<LossParams, DistillationLoss> factory, Trait... traits) {
        TABLE.put(id, new Entry(factory, traits.length == 0 ? Set.of() : Set.of(traits)));
    }

    public static DistillationLoss create(String id, JsonNode params) {
        Entry e = TABLE.get(id);
        if (e == null) {
            throw new IllegalArgumentException("Unknown distillation method '" + id + "'; implemented: "
                    + implemented());
        }
        return e.factory().apply(new LossParams(id, params));
    }

    /** Whether loss {@code id} takes a temperature {@code T} (KD-type losses). */
    public static boolean takesTemperature(String id) {
        Entry e = TABLE.get(id);
        return e != null && e.traits().contains(Trait.TEMPERATURE);
    }

    /** The ids of the losses that take a temperature. */
    public static List<String> temperatureLosses() {
        return TABLE.keySet().stream().filter(DistillationLosses::takesTemperature).sorted().toList();
    }

    public static List<String> implemented() {
        return List.copyOf(new TreeSet<>(TABLE.keySet()));
    }
}
