package org.beatgan.core.data.ecg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.beatgan.core.data.TestData;
import org.beatgan.core.data.npy.Npy;
import org.beatgan.core.data.wfdb.WfdbRecord;
import org.beatgan.core.data.wfdb.WfdbRecordReader;
import org.junit.jupiter.api.Test;

class MitBihBeatDatasetTest {

    @Test
    void usesAllRecordsButThePacedOnes() throws Exception {
        List<String> all = new ArrayList<>(Files.readAllLines(TestData.mitdb().resolve("RECORDS")).stream()
                .map(String::strip).filter(s -> !s.isEmpty()).toList());
        all.removeAll(MitBihBeatDataset.PACED_RECORDS);
        assertEquals(44, MitBihBeatDataset.BEATGAN_RECORDS.size());
        assertEquals(all, MitBihBeatDataset.BEATGAN_RECORDS);
    }

    @Test
    void fullBuildHasThePinnedClassCounts() throws Exception {
        BeatSet all = TestData.allBeatsNc2();
        long ms = TestData.allBeatsBuildMillis();
        System.out.println("Built all 44 records (nc=2) in " + ms + " ms: " + all);
        Map<AamiClass, Integer> c = all.countsPerClass();
        // Sanity ranges first (what the literature reports), then the exact numbers.
        assertTrue(c.get(AamiClass.N) > 85_000 && c.get(AamiClass.N) < 95_000);
        assertTrue(c.get(AamiClass.S) > 2_500 && c.get(AamiClass.S) < 3_500);
        assertTrue(c.get(AamiClass.V) > 6_500 && c.get(AamiClass.V) < 7_500);
        assertTrue(c.get(AamiClass.F) > 700 && c.get(AamiClass.F) < 900);
        assertEquals(89_836, c.get(AamiClass.N));
        assertEquals(3_026, c.get(AamiClass.S));
        assertEquals(7_008, c.get(AamiClass.V));
        assertEquals(802, c.get(AamiClass.F));
        assertEquals(15, c.get(AamiClass.Q));
        assertEquals(0, c.get(AamiClass.ABNORMAL));
        assertEquals(100_687, all.size());
        assertEquals(2, all.nc());
        assertEquals(320, all.length());
        assertTrue(ms < 60_000, "building took " + ms + " ms");
    }

    @Test
    void everyBeatAndLeadIsScaledToExactlyMinusOneOne() throws Exception {
        BeatSet all = TestData.allBeatsNc2();
        for (int i = 0; i < all.size(); i++) {
            for (int l = 0; l < 2; l++) {
                float min = Float.POSITIVE_INFINITY;
                float max = Float.NEGATIVE_INFINITY;
                for (int t = 0; t < 320; t++) {
                    float v = all.value(i, l, t);
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
                if (min != -1f || max != 1f) {
                    throw new AssertionError("beat " + i + " lead " + l + " spans [" + min + ", " + max + "]");
                }
            }
        }
    }

    @Test
    void beatsKeepTheirRecordAndAnnotationSampleInRecordOrder() throws Exception {
        BeatSet all = TestData.allBeatsNc2();
        assertEquals(100, all.record(0));
        assertEquals(234, all.record(all.size() - 1));
        for (int i = 1; i < all.size(); i++) {
            boolean sameRecord = all.record(i) == all.record(i - 1);
            assertTrue(sameRecord ? all.rSample(i) > all.rSample(i - 1) : all.record(i) > all.record(i - 1));
            assertTrue(all.rSample(i) >= 140 && all.rSample(i) + 180 < 650_000);
        }
    }

    @Test
    void record114IsReorderedSoThatMliiIsLeadZero() throws Exception {
        BeatSet all = TestData.allBeatsNc2();
        WfdbRecord rec = WfdbRecordReader.read(TestData.mitdb(), "114", null);
        BandpassFilter f = BandpassFilter.beatGan(360);
        double[] mlii = f.filtfilt(rec.physicalDouble(1));
        double[] v5 = f.filtfilt(rec.physicalDouble(0));
        int i = firstBeatOf(all, 114);
        float[] expected0 = new float[320];
        float[] expected1 = new float[320];
        BeatWindowing.BEATGAN.extractScaled(mlii, all.rSample(i), expected0, 0);
        BeatWindowing.BEATGAN.extractScaled(v5, all.rSample(i), expected1, 0);
        float[] beat = all.beat(i);
        assertArrayEquals(expected0, java.util.Arrays.copyOfRange(beat, 0, 320), "lead 0 is MLII (file channel 1)");
        assertArrayEquals(expected1, java.util.Arrays.copyOfRange(beat, 320, 640), "lead 1 is V5");
    }

    @Test
    void singleLeadBuildEqualsTheMliiLeadOfTheTwoLeadBuild() throws Exception {
        List<String> recs = List.of("114", "100");
        BeatSet one = MitBihBeatDataset.build(TestData.mitdb(), 1, recs);
        BeatSet two = MitBihBeatDataset.build(TestData.mitdb(), 2, recs);
        assertEquals(1, one.nc());
        assertTrue(one.contentEquals(two.firstLeads(1)));
        assertEquals(114, one.record(0), "records come out in the order asked for");
        assertThrows(IllegalArgumentException.class, () -> MitBihBeatDataset.build(TestData.mitdb(), 3, recs));
    }

    /**
     * End-to-end check against BeatGAN's own output: its published demo beats (filtered, unscaled,
     * float64) are reproduced to floating-point precision by our reader + filter with the
     * {@link BeatWindowing#BEATGAN_PUBLISHED} window. The beats were located by searching all
     * records; e.g. demo normal #52 is record 100's beat at sample 419745 and abnormal #40 is the
     * PVC of record 114 at sample 147519 (whose MLII is the second file channel).
     */
    @Test
    void reproducesBeatGansPublishedDemoBeats() throws Exception {
        Path demo = TestData.demo();
        double[] normal = Npy.read(demo.resolve("normal_samples.npy")).asDoubles();
        double[] abnormal = Npy.read(demo.resolve("abnormal_samples.npy")).asDoubles();
        assertDemoBeat(normal, 52, "100", 419_745);
        assertDemoBeat(normal, 30, "231", 266_682);
        assertDemoBeat(abnormal, 40, "114", 147_519);
        assertDemoBeat(abnormal, 28, "207", 619_175);
    }

    private static void assertDemoBeat(double[] demo, int index, String record, int r) throws Exception {
        WfdbRecord rec = WfdbRecordReader.read(TestData.mitdb(), record, null);
        int[] order = MitBihBeatDataset.leadOrder(rec.header());
        BandpassFilter f = BandpassFilter.beatGan(360);
        for (int lead = 0; lead < 2; lead++) {
            double[] filtered = f.filtfilt(rec.physicalDouble(order[lead]));
            double[] window = new double[320];
            BeatWindowing.BEATGAN_PUBLISHED.copy(filtered, r, window, 0);
            int from = (index * 2 + lead) * 320;
            double[] expected = java.util.Arrays.copyOfRange(demo, from, from + 320);
            assertArrayEquals(expected, window, 1e-12, "demo beat " + index + " lead " + lead + " = record " + record
                    + " at " + r);
        }
    }

    private static int firstBeatOf(BeatSet set, int record) {
        for (int i = 0; i < set.size(); i++) {
            if (set.record(i) == record) {
                return i;
            }
        }
        throw new AssertionError("no beat of record " + record);
    }
}
