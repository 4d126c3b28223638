package org.beatgan.core.data.wfdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WfdbHeaderParserTest {

    private static final Path SRC = Paths.get("test.hea");

    @Test
    void parsesMitBihStyleHeader() throws Exception {
        String text = "100 2 360 650000\n"
                + "100.dat 212 200 11 1024 995 -22131 0 MLII\n"
                + "100.dat 212 200 11 1024 1011 20052 0 V5\n"
                + "# 69 M 1085 1629 x1\n"
                + "# Aldomet, Inderal\n";
        WfdbHeader h = WfdbHeaderParser.parse(text, SRC);
        assertEquals("100", h.recordName());
        assertEquals(2, h.numSignals());
        assertEquals(360.0, h.samplingFrequency());
        assertEquals(650000L, h.samplesPerSignal());
        WfdbSignalSpec s = h.signal(0);
        assertEquals("100.dat", s.fileName());
        assertEquals(212, s.format());
        assertEquals(1, s.samplesPerFrame());
        assertEquals(200.0, s.gain());
        assertEquals(1024, s.baseline(), "baseline defaults to the ADC zero");
        assertEquals("mV", s.units());
        assertEquals(11, s.adcResolution());
        assertEquals(1024, s.adcZero());
        assertEquals(995, s.initialValue());
        assertEquals(-22131, s.checksum());
        assertEquals(0, s.blockSize());
        assertEquals("MLII", s.description());
        assertEquals("V5", h.signal(1).description());
        assertEquals(List.of("69 M 1085 1629 x1", "Aldomet, Inderal"), h.comments());
        assertEquals(1, h.indexOfDescription("V5"));
        assertEquals(-1, h.indexOfDescription("V1"));
    }

    @Test
    void parsesGainBaselineUnitsSyntaxAndDescriptionsWithBlanks() throws Exception {
        String text = "rec 3 250/10(5) 1000 10:00:00 01/01/2000\n"
                + "rec.dat 212 100(-5)/uV 12 7 3 0 0 ECG lead I\n"
                + "rec.dat 212 400/mmHg 12 0 0 0 0 ABP\n"
                + "rec.dat 212 0.5(12) 12 0 0 0 0\n";
        WfdbHeader h = WfdbHeaderParser.parse(text, SRC);
        assertEquals(250.0, h.samplingFrequency());
        WfdbSignalSpec a = h.signal(0);
        assertEquals(100.0, a.gain());
        assertEquals(-5, a.baseline());
        assertEquals("uV", a.units());
        assertEquals(7, a.adcZero());
        assertEquals("ECG lead I", a.description());
        assertEquals((3 - (-5)) / 100.0, a.toPhysical(3), 1e-12);
        WfdbSignalSpec b = h.signal(1);
        assertEquals(400.0, b.gain());
        assertEquals(0, b.baseline());
        assertEquals("mmHg", b.units());
        WfdbSignalSpec c = h.signal(2);
        assertEquals(0.5, c.gain());
        assertEquals(12, c.baseline());
        assertEquals("mV", c.units());
        assertEquals("", c.description());
    }

    @Test
    void appliesWfdbDefaultsToMinimalLines() throws Exception {
        WfdbHeader h = WfdbHeaderParser.parse("r 2\nr.dat 212\nr.dat 212 0\n", SRC);
        assertEquals(250.0, h.samplingFrequency(), "WFDB default sampling frequency");
        assertEquals(0L, h.samplesPerSignal(), "unspecified length");
        for (WfdbSignalSpec s : h.signals()) {
            assertEquals(WfdbHeaderParser.DEFAULT_GAIN, s.gain(), "absent or zero gain means 200");
            assertEquals(0, s.baseline());
            assertEquals(0, s.adcZero());
            assertEquals(12, s.adcResolution(), "format 212 default resolution");
            assertEquals(0, s.initialValue());
            assertNull(s.checksum());
            assertEquals("mV", s.units());
            assertEquals("", s.description());
        }
    }

    @Test
    void parsesFormatSuffixes() throws Exception {
        WfdbSignalSpec s = WfdbHeaderParser.parse("r 1 360 10\nr.dat 212x2:3+512 200\n", SRC).signal(0);
        assertEquals(212, s.format());
        assertEquals(2, s.samplesPerFrame());
        assertEquals(3, s.skew());
        assertEquals(512L, s.byteOffset());
    }

    @Test
    void toleratesCrlfBlankAndCommentLines() throws Exception {
        String text = "# leading comment\r\n\r\n100 2 360 650000\r\n"
                + "100.dat 212 200 11 1024 995 -22131 0 MLII\r\n"
                + "   \r\n# between\r\n"
                + "100.dat 212 200 11 1024 1011 20052 0 V5\r\n";
        WfdbHeader h = WfdbHeaderParser.parse(text, SRC);
        assertEquals(2, h.numSignals());
        assertEquals("MLII", h.signal(0).description(), "no stray CR in the description");
        assertEquals("V5", h.signal(1).description());
        assertEquals(List.of("leading comment", "between"), h.comments());
    }

    @Test
    void readsHeaderFiles(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("x.hea");
        Files.writeString(f, "x 1 360 3\r\nx.dat 212 200 11 1024 0 0 0 MLII\r\n");
        assertEquals("MLII", WfdbHeaderParser.parse(f).signal(0).description());
    }

    @Test
    void rejectsMalformedHeadersNamingFileAndLine() {
        assertMalformed("", "no record line");
        assertMalformed("# only a comment\n", "no record line");
        assertMalformed("100\n", "line 1");
        assertMalformed("100 two 360\n", "number of signals");
        assertMalformed("100 1 fast\n", "sampling frequency");
        assertMalformed("100 1 360 many\n", "samples per signal");
        assertMalformed("100 2 360 10\nr.dat 212\n", "announces 2 signals but 1");
        assertMalformed("100 1 360 10\nr.dat 212\nr.dat 212\n", "line 3");
        assertMalformed("100 1 360 10\nr.dat\n", "line 2");
        assertMalformed("100 1 360 10\nr.dat fmt212\n", "format");
        assertMalformed("100 1 360 10\nr.dat 212 abc\n", "gain");
        assertMalformed("100 1 360 10\nr.dat 212 200(x)/mV\n", "gain");
        assertMalformed("100 1 360 10\nr.dat 212 -200\n", "gain must be positive");
        assertMalformed("100 1 360 10\nr.dat 212 200 eleven\n", "ADC resolution");
        assertMalformed("100 1 360 10\nr.dat 212 200 11 1024 0 sum\n", "checksum");
        assertMalformed("multi/2 2 360 10\n", "multi-segment");
    }

    @Test
    void missingHeaderFileIsReportedWithItsName(@TempDir Path dir) {
        WfdbFormatException e = assertThrows(WfdbFormatException.class,
                () -> WfdbHeaderParser.parse(dir.resolve("nope.hea")));
        assertTrue(e.getMessage().contains("nope.hea") && e.getMessage().contains("not found"), e.getMessage());
    }

    private static void assertMalformed(String text, String expected) {
        WfdbFormatException e = assertThrows(WfdbFormatException.class, () -> WfdbHeaderParser.parse(text, SRC),
                () -> "should reject: " + text);
        assertTrue(e.getMessage().startsWith("test.hea: "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), "'" + e.getMessage() + "' should mention '" + expected + "'");
    }
}
