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
 * Losses that run the models on beats of their own ({@code sobolev_fd}, {@code lwm_fd},
 * {@code bss_score}) tap nothing and take no {@code inputs}.
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
        if (inputs == null || inputs.isNull()) {
            // losses that tap nothing (sobolev_fd, lwm_fd, bss_score); one that needs a role says so when built
            return new DistillTermSpec(name == null ? loss : name, loss, w, params, in);
        }
        if (!inputs.isObject()) {
            throw new IllegalArgumentException("Distillation term '" + loss + "': 'inputs' must map roles to taps, got "
                    + inputs);
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
