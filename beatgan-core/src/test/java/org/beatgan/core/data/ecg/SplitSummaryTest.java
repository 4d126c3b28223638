package org.beatgan.core.data.ecg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

class SplitSummaryTest {

    @Test
    void countsEveryPartPerClass() throws Exception {
        BeatSet set = Beats.withCounts(new int[] {100}, 3, 1, 2, 0, 1);
        BeatSplit split = new BeatSplit(new int[] {0, 1}, new int[] {2, 3}, new int[] {4, 5, 6}, set.size());
        JsonNode j = new ObjectMapper().readTree(SplitSummary.toJsonString(set, split));
        assertEquals(List.of("all", "train", "val", "test"), iterable(j));
        assertEquals("{\"N\":3,\"S\":1,\"V\":2,\"F\":0,\"Q\":1}", j.get("all").toString());
        assertEquals("{\"N\":2,\"S\":0,\"V\":0,\"F\":0,\"Q\":0}", j.get("train").toString());
        assertEquals("{\"N\":1,\"S\":1,\"V\":0,\"F\":0,\"Q\":0}", j.get("val").toString());
        assertEquals("{\"N\":0,\"S\":0,\"V\":2,\"F\":0,\"Q\":1}", j.get("test").toString());
        assertFalse(j.get("all").has("ABNORMAL"));
    }

    @Test
    void addsAbnormalOnlyWhenPresent() {
        BeatSet set = Beats.withCounts(new int[] {-1}, 2, 0, 0, 0, 0, 1);
        BeatSplit split = new BeatSplit(new int[] {0}, new int[] {1}, new int[] {2}, 3);
        JsonNode j = SplitSummary.toJson(set, split);
        assertTrue(j.get("test").has("ABNORMAL"));
        assertEquals(1, j.get("test").get("ABNORMAL").asInt());
        assertEquals(0, j.get("train").get("ABNORMAL").asInt());
    }

    private static List<String> iterable(JsonNode j) {
        List<String> names = new java.util.ArrayList<>();
        j.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
