package org.beatgan.core.data.wfdb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.beatgan.core.data.TestData;
import org.beatgan.core.data.ecg.MitBihBeatDataset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The readers against the real MIT-BIH Arrhythmia Database files. */
class MitBihRecordsTest {

    private static Path mitdb;
    private static List<String> records;

    @BeforeAll
    static void locate() throws Exception {
        mitdb = TestData.mitdb();
        records = Files.readAllLines(mitdb.resolve("RECORDS")).stream().map(String::strip)
                .filter(s -> !s.isEmpty()).toList();
    }

    @Test
    void allFortyEightRecordsReadCompletelyAndFast() throws Exception {
        assertEquals(48, records.size());
        long t0 = System.nanoTime();
        long annotations = 0;
        for (String r : records) {
            WfdbRecord rec = WfdbRecordReader.read(mitdb, r); // also verifies the header checksums
            assertEquals(650_000L, rec.header().samplesPerSignal(), r);
            assertEquals(360.0, rec.header().samplingFrequency(), r);
            assertEquals(2, rec.numSignals(), r);
            float[][] p = rec.physicalSignals();
            assertEquals(650_000, p[0].length, r);
            assertEquals(650_000, p[1].length, r);
            annotations += rec.annotations().size();
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("Read and converted all 48 MIT-BIH records in " + ms + " ms");
        assertEquals(112_647, annotations, "annotations in all 48 .atr files");
        assertTrue(ms < 10_000, "reading 48 records took " + ms + " ms");
    }

    @Test
    void record100StartsWithTheHeadersInitialValues() throws Exception {
        WfdbRecord r = WfdbRecordReader.read(mitdb, "100");
        assertEquals(995, r.adc()[0][0]);
        assertEquals(1011, r.adc()[1][0]);
        assertEquals(r.header().signal(0).initialValue(), r.adc()[0][0]);
        assertEquals(-0.145f, r.physical(0)[0]);
        assertEquals(-0.065f, r.physical(1)[0]);
        assertEquals("MLII", r.header().signal(0).description());
        assertEquals(1024, r.header().signal(0).baseline());
    }

    @Test
    void record114StoresV5FirstAndMliiSecond() throws Exception {
        WfdbHeader h = WfdbRecordReader.readHeader(mitdb, "114");
        assertEquals("V5", h.signal(0).description());
        assertEquals("MLII", h.signal(1).description());
        assertArrayEquals(new int[] {1, 0}, MitBihBeatDataset.leadOrder(h));
        assertArrayEquals(new int[] {0, 1}, MitBihBeatDataset.leadOrder(WfdbRecordReader.readHeader(mitdb, "100")));
    }

    @Test
    void beatCountsMatchThePublishedMitBihTables() throws Exception {
        // From the MIT-BIH Arrhythmia Database Directory (per-record beat tables).
        assertCounts("100", 2274, Map.of("N", 2239, "A", 33, "V", 1));
        assertCounts("114", 1890, Map.of("N", 1820, "A", 10, "J", 2, "V", 43, "F", 4));
        assertCounts("200", 2792, Map.of("N", 1743, "A", 30, "V", 826, "F", 2));
        assertCounts("203", 3108, Map.of("N", 2529, "a", 2, "V", 444, "F", 1, "Q", 4));
        assertCounts("207", 2385, Map.of("L", 1457, "R", 86, "A", 107, "V", 105, "E", 105, "!", 472));
        assertCounts("208", 3040, Map.of("N", 1586, "S", 2, "V", 992, "F", 373, "Q", 2));
        assertCounts("231", 2011, Map.of("N", 314, "R", 1254, "A", 1, "V", 2, "x", 2));
        assertCounts("232", 1816, Map.of("R", 397, "A", 1382, "j", 1));
    }

    private static void assertCounts(String record, int total, Map<String, Integer> expected) throws Exception {
        List<WfdbAnnotation> ann = MitAnnotationReader.read(mitdb.resolve(record + ".atr"), 650_000);
        assertEquals(total, ann.size(), "annotations in " + record);
        Map<String, Integer> counts = new TreeMap<>();
        for (WfdbAnnotation a : ann) {
            counts.merge(a.symbol(), 1, Integer::sum);
        }
        for (Map.Entry<String, Integer> e : expected.entrySet()) {
            assertEquals(e.getValue(), counts.getOrDefault(e.getKey(), 0),
                    record + " '" + e.getKey() + "' in " + counts);
        }
    }

    @Test
    void rhythmAnnotationsCarryAuxText() throws Exception {
        List<WfdbAnnotation> ann = MitAnnotationReader.read(mitdb.resolve("100.atr"));
        WfdbAnnotation first = ann.get(0);
        assertEquals("+", first.symbol());
        assertEquals("(N", first.aux());
        assertEquals(18, first.sample());
    }
}
