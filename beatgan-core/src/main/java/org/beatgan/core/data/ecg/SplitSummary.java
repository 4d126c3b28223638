package org.beatgan.core.data.ecg;

import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Beat counts per class of a set and of each part of a split, as JSON:
 * {@code {"all": {"N": .., "S": .., "V": .., "F": .., "Q": ..}, "train": {...}, "val": {...},
 * "test": {...}}}.
 *
 * <p>Written next to every experiment so that a result can be checked against the split it was
 * measured on. The five AAMI keys are always present (0 when empty) so that summaries compare
 * key by key; {@code ABNORMAL} is added only when the set contains unlabelled anomalies.
 */
public final class SplitSummary {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private SplitSummary() {
    }

    /** The summary as a Jackson tree. */
    public static ObjectNode toJson(BeatSet beats, BeatSplit split) {
        boolean abnormal = beats.countsPerClass().get(AamiClass.ABNORMAL) > 0;
        ObjectNode root = MAPPER.createObjectNode();
        root.set("all", counts(beats.countsPerClass(), abnormal));
        root.set("train", counts(beats.countsPerClass(split.train()), abnormal));
        root.set("val", counts(beats.countsPerClass(split.val()), abnormal));
        root.set("test", counts(beats.countsPerClass(split.test()), abnormal));
        return root;
    }

    /** The summary as pretty-printed JSON text. */
    public static String toJsonString(BeatSet beats, BeatSplit split) {
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(toJson(beats, split));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e); // cannot happen for a tree of ints
        }
    }

    private static ObjectNode counts(Map<AamiClass, Integer> m, boolean abnormal) {
        ObjectNode o = MAPPER.createObjectNode();
        for (AamiClass c : AamiClass.AAMI) {
            o.put(c.name(), m.get(c));
        }
        if (abnormal) {
            o.put(AamiClass.ABNORMAL.name(), m.get(AamiClass.ABNORMAL));
        }
        return o;
    }
}
