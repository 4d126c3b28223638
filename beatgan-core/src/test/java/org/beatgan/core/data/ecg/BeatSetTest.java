package org.beatgan.core.data.ecg;

import static org.beatgan.core.data.ecg.AamiClass.F;
import static org.beatgan.core.data.ecg.AamiClass.N;
import static org.beatgan.core.data.ecg.AamiClass.S;
import static org.beatgan.core.data.ecg.AamiClass.V;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class BeatSetTest {

    private final BeatSet set = Beats.synthetic(2, 3, new int[] {100, 200}, N, V, N, S);

    @Test
    void storesBeatsRowMajorWithProvenance() {
        assertEquals(4, set.size());
        assertEquals(2, set.nc());
        assertEquals(3, set.length());
        assertEquals(6, set.beatSize());
        assertEquals(1102f, set.value(1, 1, 2));
        assertArrayEquals(new float[] {2000, 2001, 2002, 2100, 2101, 2102}, set.beat(2));
        float[] dest = new float[8];
        set.copyBeat(3, dest, 1);
        assertEquals(3000f, dest[1]);
        assertEquals(3102f, dest[6]);
        assertEquals(V, set.label(1));
        assertTrue(set.isAnomaly(1));
        assertFalse(set.isAnomaly(0));
        assertEquals(200, set.record(1));
        assertEquals(30, set.rSample(3));
    }

    @Test
    void countsAndSelectsByClass() {
        Map<AamiClass, Integer> c = set.countsPerClass();
        assertEquals(2, c.get(N));
        assertEquals(1, c.get(V));
        assertEquals(0, c.get(F), "absent classes count 0");
        assertEquals(AamiClass.values().length, c.size());
        assertArrayEquals(new int[] {0, 2}, set.indicesOf(N));
        assertEquals(1, set.countsPerClass(new int[] {0, 1}).get(N));
    }

    @Test
    void subsetsKeepOrderAndProvenance() {
        BeatSet sub = set.subset(new int[] {3, 0, 3});
        assertEquals(3, sub.size());
        assertArrayEquals(set.beat(3), sub.beat(0));
        assertArrayEquals(set.beat(0), sub.beat(1));
        assertEquals(S, sub.label(2));
        assertEquals(200, sub.record(0));
        assertEquals(30, sub.rSample(2));
    }

    @Test
    void firstLeadsDropsTrailingLeads() {
        BeatSet one = set.firstLeads(1);
        assertEquals(1, one.nc());
        assertArrayEquals(new float[] {1000, 1001, 1002}, one.beat(1));
        assertSame(set, set.firstLeads(2));
        assertThrows(IllegalArgumentException.class, () -> set.firstLeads(3));
    }

    @Test
    void concatenatesAndComparesContent() {
        BeatSet a = set.subset(new int[] {0, 1});
        BeatSet b = set.subset(new int[] {2, 3});
        BeatSet ab = BeatSet.concat(List.of(a, b));
        assertTrue(ab.contentEquals(set));
        assertFalse(ab.contentEquals(set.subset(new int[] {0, 1, 3, 2})));
        assertThrows(IllegalArgumentException.class, () -> BeatSet.concat(List.of(a, a.firstLeads(1))));
    }

    @Test
    void validatesItsArrays() {
        assertThrows(IllegalArgumentException.class,
                () -> new BeatSet(new float[5], 1, 3, new AamiClass[] {N, N}, new int[2], new int[2]));
        assertThrows(IllegalArgumentException.class,
                () -> new BeatSet(new float[6], 1, 3, new AamiClass[] {N, N}, new int[1], new int[2]));
        assertThrows(NullPointerException.class,
                () -> new BeatSet(new float[6], 1, 3, new AamiClass[] {N, null}, new int[2], new int[2]));
    }
}
