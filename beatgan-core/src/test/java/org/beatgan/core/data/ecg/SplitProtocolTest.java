package org.beatgan.core.data.ecg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.beatgan.core.data.TestData;
import org.junit.jupiter.api.Test;

class SplitProtocolTest {

    // ---- synthetic, fast ----

    @Test
    void validationCountRoundsUpLikeScikitLearn() {
        assertEquals(0, SplitProtocol.validationCount(0));
        assertEquals(1, SplitProtocol.validationCount(1));
        assertEquals(1, SplitProtocol.validationCount(10));
        assertEquals(2, SplitProtocol.validationCount(11));
        assertEquals(2, SplitProtocol.validationCount(15));
        assertEquals(3, SplitProtocol.validationCount(30));
        assertEquals(7187, SplitProtocol.validationCount(71869));
        for (int n = 0; n < 200_000; n++) {
            assertEquals((n + 9) / 10, SplitProtocol.validationCount(n), "n = " + n);
        }
    }

    @Test
    void beatGanProtocolOnASmallSet() {
        BeatSet set = Beats.withCounts(new int[] {100}, 23, 30, 1, 0, 2);
        BeatSplit s = SplitProtocol.BEATGAN.split(set, 0, 7);
        assertCounts(set, s.train(), 17, 0, 0, 0, 0);
        assertCounts(set, s.val(), 2, 3, 1, 0, 1);
        assertCounts(set, s.test(), 4, 27, 0, 0, 1);
        assertEquals(set.size(), s.totalUsed(), "every beat used exactly once");
    }

    @Test
    void cleanProtocolKeepsAnomaliesOutOfValidation() {
        BeatSet set = Beats.withCounts(new int[] {100}, 23, 30, 1, 0, 2);
        BeatSplit s = SplitProtocol.CLEAN.split(set, 3, 7);
        assertCounts(set, s.train(), 17, 0, 0, 0, 0);
        assertCounts(set, s.val(), 2, 0, 0, 0, 0);
        assertCounts(set, s.test(), 4, 30, 1, 0, 2);
        assertEquals(set.size(), s.totalUsed());
    }

    @Test
    void theFiveTestFoldsPartitionTheNormals() {
        BeatSet set = Beats.withCounts(new int[] {100}, 23, 3);
        Set<Integer> seen = new HashSet<>();
        for (int fold = 0; fold < SplitProtocol.FOLDS; fold++) {
            for (int i : SplitProtocol.BEATGAN.split(set, fold, 1).test()) {
                if (set.label(i) == AamiClass.N) {
                    assertTrue(seen.add(i), "normal beat " + i + " in two test folds");
                }
            }
        }
        assertEquals(20, seen.size(), "5 folds of int(23 / 5) = 4; the remaining 3 always train");
    }

    @Test
    void splitsAreDeterministicPerSeed() {
        BeatSet set = Beats.withCounts(new int[] {100}, 200, 40, 40);
        BeatSplit a = SplitProtocol.BEATGAN.split(set, 1, 42);
        BeatSplit b = SplitProtocol.BEATGAN.split(set, 1, 42);
        assertArrayEquals(a.train(), b.train());
        assertArrayEquals(a.val(), b.val());
        assertArrayEquals(a.test(), b.test());
        BeatSplit c = SplitProtocol.BEATGAN.split(set, 1, 43);
        assertFalse(Arrays.equals(sorted(a.test()), sorted(c.test())), "another seed picks other beats");
        assertEquals(a.test().length, c.test().length, "but the same counts");
        assertArrayEquals(SplitProtocol.BEATGAN.split(set, 2).val(),
                SplitProtocol.BEATGAN.split(set, 2, SplitProtocol.DEFAULT_SEED).val());
    }

    @Test
    void interPatientSeparatesRecords() {
        // Records cycle 101 (DS1), 100 (DS2), 102 (neither).
        BeatSet set = Beats.withCounts(new int[] {101, 100, 102}, 30, 6);
        BeatSplit s = SplitProtocol.INTER_PATIENT.split(set, 0, 3);
        for (int i : s.train()) {
            assertEquals(101, set.record(i));
            assertEquals(AamiClass.N, set.label(i));
        }
        for (int i : s.val()) {
            assertEquals(101, set.record(i));
            assertEquals(AamiClass.N, set.label(i));
        }
        for (int i : s.test()) {
            assertEquals(100, set.record(i));
        }
        assertEquals(10, s.train().length + s.val().length, "the 10 normal beats of record 101");
        assertEquals(1, s.val().length);
        assertEquals(12, s.test().length, "every beat of record 100, normal or not");
        assertThrows(IllegalArgumentException.class, () -> SplitProtocol.INTER_PATIENT.split(set, 1, 3));
        assertEquals(1, SplitProtocol.INTER_PATIENT.folds());
    }

    @Test
    void dsListsAreTheDeChazalPartitionOfBeatGansRecords() {
        Set<Integer> union = new TreeSet<>(SplitProtocol.DS1);
        union.addAll(SplitProtocol.DS2);
        assertEquals(22, SplitProtocol.DS1.size());
        assertEquals(22, SplitProtocol.DS2.size());
        assertEquals(44, union.size(), "disjoint");
        Set<Integer> beatgan = new TreeSet<>();
        MitBihBeatDataset.BEATGAN_RECORDS.forEach(r -> beatgan.add(Integer.parseInt(r)));
        assertEquals(beatgan, union);
    }

    @Test
    void rejectsBadFoldsAndDoubleUse() {
        BeatSet set = Beats.withCounts(new int[] {100}, 10);
        assertThrows(IllegalArgumentException.class, () -> SplitProtocol.BEATGAN.split(set, 5, 0));
        assertThrows(IllegalArgumentException.class, () -> SplitProtocol.CLEAN.split(set, -1, 0));
        assertThrows(IllegalArgumentException.class,
                () -> new BeatSplit(new int[] {0, 1}, new int[] {1}, new int[0], 10));
        assertThrows(IllegalArgumentException.class, () -> new BeatSplit(new int[] {10}, new int[0], new int[0], 10));
        assertThrows(IllegalArgumentException.class, () -> SplitProtocol.INTER_PATIENT.split(
                Beats.withCounts(new int[] {-1}, 10), 0, 0));
    }

    // ---- the real 44-record set, fold 0, default seed ----

    @Test
    void pinnedCountsOfBeatGanProtocol() throws Exception {
        BeatSet all = TestData.allBeatsNc2();
        BeatSplit s = SplitProtocol.BEATGAN.split(all, 0);
        assertCounts(all, s.train(), 64682, 0, 0, 0, 0);
        assertCounts(all, s.val(), 7187, 303, 701, 81, 2);
        assertCounts(all, s.test(), 17967, 2723, 6307, 721, 13);
        assertEquals(all.size(), s.totalUsed());
    }

    @Test
    void pinnedCountsOfCleanProtocol() throws Exception {
        BeatSet all = TestData.allBeatsNc2();
        BeatSplit s = SplitProtocol.CLEAN.split(all, 0);
        assertCounts(all, s.train(), 64682, 0, 0, 0, 0);
        assertCounts(all, s.val(), 7187, 0, 0, 0, 0);
        assertCounts(all, s.test(), 17967, 3026, 7008, 802, 15);
        assertEquals(all.size(), s.totalUsed());
    }

    @Test
    void pinnedCountsOfInterPatientProtocol() throws Exception {
        BeatSet all = TestData.allBeatsNc2();
        BeatSplit s = SplitProtocol.INTER_PATIENT.split(all, 0);
        assertCounts(all, s.train(), 41229, 0, 0, 0, 0);
        assertCounts(all, s.val(), 4582, 0, 0, 0, 0);
        assertCounts(all, s.test(), 44025, 2050, 3220, 388, 7);
        for (int i : s.test()) {
            assertTrue(SplitProtocol.DS2.contains(all.record(i)));
        }
        for (int i : s.train()) {
            assertTrue(SplitProtocol.DS1.contains(all.record(i)));
        }
        // DS1 anomalies (976 S, 3788 V, 414 F, 8 Q) are deliberately unused.
        assertEquals(all.size() - (976 + 3788 + 414 + 8), s.totalUsed());
    }

    @Test
    void everyFoldOfTheRealSetHasTheSameShape() throws Exception {
        BeatSet all = TestData.allBeatsNc2();
        Set<Integer> testNormals = new HashSet<>();
        for (int fold = 0; fold < 5; fold++) {
            BeatSplit s = SplitProtocol.BEATGAN.split(all, fold);
            assertEquals(64682, s.train().length);
            for (int i : s.test()) {
                if (all.label(i) == AamiClass.N) {
                    assertTrue(testNormals.add(i));
                }
            }
        }
        assertEquals(5 * 17967, testNormals.size());
    }

    private static void assertCounts(BeatSet set, int[] idx, int n, int s, int v, int f, int q) {
        Map<AamiClass, Integer> c = set.countsPerClass(idx);
        assertEquals(Map.of("N", n, "S", s, "V", v, "F", f, "Q", q), Map.of("N", c.get(AamiClass.N),
                "S", c.get(AamiClass.S), "V", c.get(AamiClass.V), "F", c.get(AamiClass.F), "Q", c.get(AamiClass.Q)));
    }

    private static int[] sorted(int[] a) {
        int[] b = a.clone();
        Arrays.sort(b);
        return b;
    }
}
