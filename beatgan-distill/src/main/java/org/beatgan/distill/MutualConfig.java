package org.beatgan.distill;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The {@code distill.mutual} section: deep mutual learning (DML) of {@code peers} BeatGAN students
 * of the config's model, trained together from different initialisations, each with BeatGAN's
 * loss plus {@code weight} times the {@code dml} term against every other peer's current
 * {@code logits} (a logits tap as in distillation terms: {@code score}, {@code discriminator},
 * {@code reconstruction} or an activation name), averaged over the other peers:
 * <pre>
 * distill:
 *   mutual: {peers: 2, weight: 1.0, logits: score}
 * </pre>
 */
public record MutualConfig(int peers, double weight, String logits) {

    public static final int DEFAULT_PEERS = 2;
    public static final String DEFAULT_LOGITS = "score";

    @JsonCreator
    public static MutualConfig of(@JsonProperty("peers") Integer peers, @JsonProperty("weight") Double weight,
                                  @JsonProperty("logits") String logits) {
        int k = peers == null ? DEFAULT_PEERS : peers;
        if (k < 2) {
            throw new IllegalArgumentException("distill.mutual.peers = " + k + ", expected at least 2 networks");
        }
        double w = weight == null ? 1.0 : weight;
        if (!(w >= 0) || Double.isInfinite(w)) {
            throw new IllegalArgumentException("distill.mutual.weight = " + w + ", expected a finite weight >= 0");
        }
        String l = logits == null || logits.isBlank() ? DEFAULT_LOGITS : logits.trim();
        return new MutualConfig(k, w, l);
    }
}
