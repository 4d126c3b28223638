package org.beatgan.distill;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The {@code distill} section of an experiment config: the frozen teacher and the loss terms, or
 * {@code mutual} (deep mutual learning of peer students, no teacher; see {@link MutualConfig}).
 */
public record DistillConfig(String teacher, List<DistillTermSpec> terms, MutualConfig mutual) {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    public DistillConfig(String teacher, List<DistillTermSpec> terms) {
        this(teacher, terms, null);
    }

    @JsonCreator
    public DistillConfig(@JsonProperty("teacher") String teacher, @JsonProperty("terms") List<DistillTermSpec> terms,
                         @JsonProperty("mutual") MutualConfig mutual) {
        this.teacher = teacher;
        this.terms = terms == null ? List.of() : List.copyOf(terms);
        this.mutual = mutual;
        if (mutual != null && !this.terms.isEmpty()) {
            throw new IllegalArgumentException("distill: 'mutual' trains peer students without a teacher; give either "
                    + "'terms' (distillation from a teacher) or 'mutual', not both");
        }
        Set<String> names = new HashSet<>();
        for (DistillTermSpec t : this.terms) {
            if (!names.add(t.name())) {
                throw new IllegalArgumentException("Two distillation terms are named '" + t.name()
                        + "'; give them distinct 'name's");
            }
        }
    }

    public static DistillConfig from(JsonNode node) {
        if (node == null || node.isNull()) {
            return new DistillConfig(null, List.of());
        }
        try {
            return MAPPER.treeToValue(node, DistillConfig.class);
        } catch (com.fasterxml.jackson.databind.exc.ValueInstantiationException e) {
            throw new IllegalArgumentException("distill: " + (e.getCause() != null ? e.getCause().getMessage()
                    : e.getOriginalMessage()), e);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("distill: " + e.getOriginalMessage(), e);
        }
    }
}
