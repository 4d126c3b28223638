package org.beatgan.distill;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One weighted distillation term of an experiment config:
 * <pre>
 * - loss: at                       # registry id
 *   weight: 1000                   # beta
 *   params: {p: 2}
 *   inputs: {feats: [G/enc/act1, G/enc/act2, "G/enc/act3 => G/enc/act3"]}
 * </pre>
 * An input is a tap: an activation name used on both sides, or {@code "teacher => student"}.
 * For the role {@code logits}, three BeatGAN-specific sources exist besides activation names:
 * {@code score} (per-beat anomaly scores, softmax across the batch: the seeds' choice),
 * {@code discriminator} (D's logit as a two-class [z, 0] logit per beat) and
 * {@code reconstruction} (the generated beat, softmax across time steps).
 */
public record DistillTermSpec(String name, String loss, double weight, JsonNode params,
                              Map<String, List<String>> inputs) {

    @JsonCreator
    public static DistillTermSpec of(@JsonProperty("name") String name, @JsonProperty("loss") String loss,
                                     @JsonProperty("weight") Double weight, @JsonProperty("params") JsonNode params,
                                     @JsonProperty("inputs") JsonNode inputs) {
        if (loss == null || loss.isBlank()) {
            throw new IllegalArgumentException("A distillation term needs 'loss' (one of "
                    + DistillationLosses.implemented() + ")");
        }
        double w = weight == null ? 1.0 : weight;
        if (!(w >= 0) || Double.isInfinite(w)) {
            throw new IllegalArgumentException("Distillation term '" + loss + "': weight = " + w
                    + ", expected a finite weight >= 0");
        }
        Map<String, List<String>> in = new LinkedHashMap<>();
        if (inputs == null || !inputs.isObject() || inputs.isEmpty()) {
            throw new IllegalArgumentException("Distillation term '" + loss + "' needs 'inputs' (role -> taps)");
        }
        inputs.fields().forEachRemaining(e -> {
            List<String> taps = new ArrayList<>();
            if (e.getValue().isArray()) e.getValue().forEach(t -> taps.add(t.asText()));
            else taps.add(e.getValue().asText());
            in.put(e.getKey(), taps);
        });
        return new DistillTermSpec(name == null ? loss : name, loss, w, params, in);
    }
}
