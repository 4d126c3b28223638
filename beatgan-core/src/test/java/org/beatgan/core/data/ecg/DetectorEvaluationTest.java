package org.beatgan.core.data.ecg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.beatgan.core.data.wfdb.AnnotationCodes;
import org.beatgan.core.data.wfdb.WfdbAnnotation;
import org.junit.jupiter.api.Test;

class DetectorEvaluationTest {

    private static WfdbAnnotation ann(long sample, String symbol) {
        return new WfdbAnnotation(sample, AnnotationCodes.code(symbol), symbol, 0, 0, 0, null);
    }

    @Test
    void countsBeatAnnotationsByWfdbsIsqrs() {
        for (String s : List.of("N", "L", "R", "a", "V", "F", "J", "A", "S", "E", "j", "/", "Q", "e", "n", "f", "B",
                "?", "r")) {
            assertTrue(DetectorEvaluation.isBeat(AnnotationCodes.code(s)), s);
        }
        for (String s : List.of("+", "~", "|", "\"", "[", "]", "!", "x", "p", "t", "u", "=", "s", "T", "*", "D", "^",
                "@", "(", ")")) {
            assertFalse(DetectorEvaluation.isBeat(AnnotationCodes.code(s)), s);
        }
        List<WfdbAnnotation> a = List.of(ann(5, "+"), ann(10, "N"), ann(20, "~"), ann(30, "V"), ann(35, "!"),
                ann(40, "Q"), ann(50, "x"), ann(60, "f"));
        assertArrayEquals(new int[] {10, 30, 40, 60}, DetectorEvaluation.referenceBeats(a));
    }

    @Test
    void matchesEachDetectionToTheNearestUnmatchedBeatWithin150Ms() {
        double fs = 360; // tolerance 54 samples
        int[] ref = {1000, 1300, 2000, 3000};
        // 1010 -> 1000; 1290 -> 1300 (nearest); 1295 has only 1300 nearby, already taken -> FP;
        // 2054 is exactly at the tolerance -> match; 3055 is one past it -> FP, 3000 FN.
        int[] det = {1010, 1290, 1295, 2054, 3055};
        DetectorEvaluation.Result r = DetectorEvaluation.compare("t", ref, det, fs, List.of());
        assertEquals(4, r.reference());
        assertEquals(3, r.truePositives());
        assertEquals(2, r.falsePositives());
        assertEquals(1, r.falseNegatives());
        assertEquals(0.75, r.sensitivity(), 1e-12);
        assertEquals(0.6, r.positivePredictivity(), 1e-12);
        assertEquals(1000 * (10 + 10 + 54) / 3.0 / fs, r.meanAbsOffsetMillis(), 1e-9);
        assertEquals(1000 * (10 - 10 + 54) / 3.0 / fs, r.meanOffsetMillis(), 1e-9);
    }

    @Test
    void poolsCountsAndOffsetsAndExcludesFlutterEpisodes() {
        DetectorEvaluation.Result a = DetectorEvaluation.compare("a", new int[] {100, 500}, new int[] {102}, 360,
                List.of());
        DetectorEvaluation.Result b = DetectorEvaluation.compare("b", new int[] {100}, new int[] {96, 700}, 360,
                List.of());
        DetectorEvaluation.Result p = DetectorEvaluation.pool(List.of(a, b));
        assertEquals(3, p.reference());
        assertEquals(2, p.truePositives());
        assertEquals(1, p.falsePositives());
        assertEquals(1, p.falseNegatives());
        assertEquals(1000 * 3.0 / 360, p.meanAbsOffsetMillis(), 1e-9, "(2 + 4) / 2 samples");
        assertEquals(-1000 * 1.0 / 360, p.meanOffsetMillis(), 1e-9, "(2 - 4) / 2 samples");

        List<WfdbAnnotation> ann = List.of(ann(100, "N"), ann(200, "["), ann(250, "!"), ann(400, "]"),
                ann(600, "N"), ann(900, "["));
        List<long[]> ep = DetectorEvaluation.flutterEpisodes(ann, 1000);
        assertEquals(2, ep.size());
        assertArrayEquals(new long[] {200, 401}, ep.get(0));
        assertArrayEquals(new long[] {900, 1000}, ep.get(1), "an open episode runs to the end");
        DetectorEvaluation.Result r = DetectorEvaluation.compare("vf", DetectorEvaluation.referenceBeats(ann),
                new int[] {100, 250, 330, 600, 950}, 360, ep);
        assertEquals(2, r.truePositives());
        assertEquals(0, r.falsePositives(), "detections of flutter waves are not counted");
        assertEquals(1.0, r.sensitivity());
        String table = DetectorEvaluation.table(List.of(r));
        assertTrue(table.contains("vf") && table.contains("pooled") && table.contains("100.000"), table);
    }
}
