package org.beatgan.core.data.wfdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

import org.beatgan.core.data.wfdb.WfdbTestFiles.Ann;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MitAnnotationReaderTest {

    private static final Path SRC = Paths.get("x.atr");

    private static List<WfdbAnnotation> parse(Ann a) throws WfdbFormatException {
        return MitAnnotationReader.parse(a.bytes(), SRC, 0);
    }

    @Test
    void readsAnnotationCodesWithCumulativeTimes() throws Exception {
        List<WfdbAnnotation> l = parse(new Ann().beat(AnnotationCodes.NORMAL, 10).beat(AnnotationCodes.PVC, 5)
                .beat(AnnotationCodes.RHYTHM, 0).beat(AnnotationCodes.APC, 1023).end());
        assertEquals(4, l.size());
        assertEquals(new WfdbAnnotation(10, 1, "N", 0, 0, 0, null), l.get(0));
        assertEquals(15, l.get(1).sample());
        assertEquals("V", l.get(1).symbol());
        assertEquals(15, l.get(2).sample(), "increment 0: same time");
        assertEquals("+", l.get(2).symbol());
        assertEquals(15 + 1023, l.get(3).sample());
        assertEquals("A", l.get(3).symbol());
    }

    @Test
    void skipAddsA32BitIntervalHighWordFirst() throws Exception {
        // 0x0001_8000 = 98304: the high word is 1, the low word 0x8000 must not be sign-extended.
        List<WfdbAnnotation> l = parse(new Ann().beat(1, 5).skip(0x0001_8000).beat(1, 3).skip(70000).skip(1).beat(5, 0)
                .end());
        assertEquals(5, l.get(0).sample());
        assertEquals(5 + 98304 + 3, l.get(1).sample());
        assertEquals(5 + 98304 + 3 + 70001, l.get(2).sample());
    }

    @Test
    void leadingSkipOffsetsTheFirstAnnotation() throws Exception {
        List<WfdbAnnotation> l = parse(new Ann().skip(650_000 - 10).beat(1, 2).end());
        assertEquals(649_992, l.get(0).sample());
    }

    @Test
    void negativeTimeIsAnError() {
        WfdbFormatException e = assertThrows(WfdbFormatException.class,
                () -> parse(new Ann().beat(1, 5).skip(-10).beat(1, 0)));
        assertTrue(e.getMessage().contains("before sample 0"), e.getMessage());
    }

    @Test
    void subNumAndChnFollowWfdbSemantics() throws Exception {
        List<WfdbAnnotation> l = parse(new Ann()
                .beat(AnnotationCodes.NOISE, 1).word(MitAnnotationReader.SUB, 1023) // subtype -1 (signed char)
                .word(MitAnnotationReader.CHN, 1).word(MitAnnotationReader.NUM, 3)
                .beat(AnnotationCodes.NORMAL, 1) // inherits chan 1 and num 3, subtype resets
                .word(MitAnnotationReader.SUB, 2)
                .beat(AnnotationCodes.NORMAL, 1).word(MitAnnotationReader.NUM, 1023).word(MitAnnotationReader.CHN, 0)
                .end());
        assertEquals(new WfdbAnnotation(1, 14, "~", -1, 1, 3, null), l.get(0));
        assertEquals(new WfdbAnnotation(2, 1, "N", 2, 1, 3, null), l.get(1));
        assertEquals(new WfdbAnnotation(3, 1, "N", 0, 0, -1, null), l.get(2));
    }

    @Test
    void auxStringsOfOddAndEvenLengthKeepWordAlignment() throws Exception {
        List<WfdbAnnotation> l = parse(new Ann()
                .beat(AnnotationCodes.RHYTHM, 18).aux("(AB")            // 3 bytes + pad
                .beat(AnnotationCodes.RHYTHM, 2).aux("(AFL")            // 4 bytes, no pad
                .beat(AnnotationCodes.NORMAL, 1)                        // no aux
                .beat(AnnotationCodes.NOTE, 1).auxBytes(new byte[] {'h', 'i', 0, 'x'}) // C string ends at NUL
                .beat(AnnotationCodes.NORMAL, 1).aux("")                // empty aux
                .end());
        assertEquals(5, l.size());
        assertEquals("(AB", l.get(0).aux());
        assertEquals(18, l.get(0).sample());
        assertEquals("(AFL", l.get(1).aux());
        assertEquals(20, l.get(1).sample());
        assertNull(l.get(2).aux(), "aux does not carry over");
        assertEquals(21, l.get(2).sample());
        assertEquals("hi", l.get(3).aux());
        assertEquals("", l.get(4).aux());
        assertEquals(23, l.get(4).sample());
    }

    @Test
    void endMarkerStopsReadingAndTrailingBytesAreIgnoredAsInWfdb() throws Exception {
        List<WfdbAnnotation> l = parse(new Ann().beat(1, 1).end().word(55, 3).raw(0x01));
        assertEquals(1, l.size());
    }

    @Test
    void missingEndMarkerIsAcceptedOnlyAtAWordBoundary() throws Exception {
        assertEquals(2, parse(new Ann().beat(1, 1).beat(5, 1)).size());
        assertEquals(0, parse(new Ann()).size(), "an empty file has no annotations");
        WfdbFormatException e = assertThrows(WfdbFormatException.class, () -> parse(new Ann().beat(1, 1).raw(0x05)));
        assertTrue(e.getMessage().contains("odd trailing byte at offset 2"), e.getMessage());
    }

    @Test
    void codeZeroWithAnIncrementIsANullAnnotation() throws Exception {
        List<WfdbAnnotation> l = parse(new Ann().beat(0, 7).beat(1, 1).end());
        assertEquals(new WfdbAnnotation(7, 0, " ", 0, 0, 0, null), l.get(0));
        assertEquals(8, l.get(1).sample());
    }

    @Test
    void rejectsInvalidCodes() {
        for (int code = 50; code <= 58; code++) {
            int c = code;
            WfdbFormatException e = assertThrows(WfdbFormatException.class,
                    () -> parse(new Ann().beat(1, 1).beat(c, 1).end()));
            assertTrue(e.getMessage().contains("invalid annotation code " + code + " at offset 2"), e.getMessage());
            assertTrue(e.getMessage().startsWith("x.atr: "), e.getMessage());
        }
    }

    @Test
    void rejectsSkipAndAuxRunningPastTheEnd() {
        WfdbFormatException e = assertThrows(WfdbFormatException.class,
                () -> parse(new Ann().beat(1, 1).word(MitAnnotationReader.SKIP, 0).raw(0, 0)));
        assertTrue(e.getMessage().contains("SKIP at offset 2 runs past the end"), e.getMessage());
        e = assertThrows(WfdbFormatException.class,
                () -> parse(new Ann().beat(1, 1).word(MitAnnotationReader.AUX, 5).raw('a', 'b', 'c', 'd')));
        assertTrue(e.getMessage().contains("AUX at offset 2 announces 5 bytes but only 4 remain"), e.getMessage());
        e = assertThrows(WfdbFormatException.class,
                () -> parse(new Ann().beat(1, 1).word(MitAnnotationReader.AUX, 300)));
        assertTrue(e.getMessage().contains("more than the 255"), e.getMessage());
    }

    @Test
    void rejectsModifiersBeforeAnyAnnotation() {
        for (int code : new int[] {MitAnnotationReader.NUM, MitAnnotationReader.SUB, MitAnnotationReader.CHN,
            MitAnnotationReader.AUX}) {
            WfdbFormatException e = assertThrows(WfdbFormatException.class,
                    () -> parse(new Ann().word(code, 0).beat(1, 1).end()));
            assertTrue(e.getMessage().contains("precedes any annotation"), e.getMessage());
        }
    }

    @Test
    void rejectsAnnotationsBeyondTheSignal() throws Exception {
        byte[] b = new Ann().beat(1, 10).beat(1, 89).beat(1, 1).end().bytes();
        assertEquals(3, MitAnnotationReader.parse(b, SRC, 0).size(), "unchecked without a length");
        assertEquals(3, MitAnnotationReader.parse(b, SRC, 101).size(), "sample 100 < 101");
        WfdbFormatException e = assertThrows(WfdbFormatException.class, () -> MitAnnotationReader.parse(b, SRC, 100));
        assertTrue(e.getMessage().contains("sample 100, beyond the signal's last sample 99"), e.getMessage());
    }

    @Test
    void readsFilesAndNamesMissingOnes(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("r.atr");
        Files.write(f, new Ann().beat(1, 4).end().bytes());
        assertEquals(4, MitAnnotationReader.read(f).get(0).sample());
        WfdbFormatException e = assertThrows(WfdbFormatException.class,
                () -> MitAnnotationReader.read(dir.resolve("missing.atr")));
        assertTrue(e.getMessage().contains("missing.atr") && e.getMessage().contains("not found"), e.getMessage());
    }
}
