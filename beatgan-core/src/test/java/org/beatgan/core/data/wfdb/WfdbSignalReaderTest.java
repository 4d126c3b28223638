package org.beatgan.core.data.wfdb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WfdbSignalReaderTest {

    private static final Path SRC = Paths.get("x.dat");

    @Test
    void decodesKnownBytes() throws Exception {
        // 995 = 0x3E3 and 1011 = 0x3F3: low bytes E3/F3, shared middle byte 0x33.
        // -1 = 0xFFF and -256 = 0xF00: FF, then 0x0F | 0xF0, then 00.
        byte[] b = {(byte) 0xE3, 0x33, (byte) 0xF3, (byte) 0xFF, (byte) 0xFF, 0x00};
        short[][] s = WfdbSignalReader.decode(b, 0, 2, 2, SRC);
        assertArrayEquals(new short[] {995, -1}, s[0]);
        assertArrayEquals(new short[] {1011, -256}, s[1]);
    }

    @Test
    void roundTripsExtremesForTwoAndThreeSignalsAndOddTotals() throws Exception {
        int[][] two = {{0, 1, -1, 2047, -2048, 1000, -1000, 995}, {-2048, 2047, 5, -5, 0, 1234, -1234, 1011}};
        assertDecodes(two);
        int[][] three = {{1, 2, 3}, {-1, -2, -3}, {2047, -2048, 0}}; // 9 samples: odd total
        assertDecodes(three);
        int[][] one = {{7, -7, 300}}; // 3 samples: last one in 2 bytes
        assertEquals(5, WfdbTestFiles.pack212(one).length);
        assertDecodes(one);
    }

    private static void assertDecodes(int[][] channels) throws Exception {
        byte[] bytes = WfdbTestFiles.pack212(channels);
        assertEquals(WfdbSignalReader.byteLength((long) channels.length * channels[0].length), bytes.length);
        short[][] s = WfdbSignalReader.decode(bytes, 0, channels.length, channels[0].length, SRC);
        short[][] inferred = WfdbSignalReader.decode(bytes, 0, channels.length, 0, SRC);
        for (int c = 0; c < channels.length; c++) {
            int[] got = new int[s[c].length];
            for (int i = 0; i < got.length; i++) {
                got[i] = s[c][i];
            }
            assertArrayEquals(channels[c], got, "channel " + c);
            assertArrayEquals(s[c], inferred[c], "length inferred from the file");
        }
    }

    @Test
    void honoursByteOffset() throws Exception {
        byte[] data = WfdbTestFiles.pack212(new int[][] {{10, 20}, {30, 40}});
        byte[] withHeader = new byte[4 + data.length];
        System.arraycopy(data, 0, withHeader, 4, data.length);
        short[][] s = WfdbSignalReader.decode(withHeader, 4, 2, 2, SRC);
        assertArrayEquals(new short[] {10, 20}, s[0]);
        assertArrayEquals(new short[] {30, 40}, s[1]);
    }

    @Test
    void convertsToPhysicalUnits() throws Exception {
        WfdbSignalSpec spec = WfdbHeaderParser.parse("r 1 360 2\nr.dat 212 200 11 1024\n", SRC).signal(0);
        float[] p = WfdbSignalReader.toPhysical(new short[] {995, 1011, 1024}, spec);
        assertArrayEquals(new float[] {-0.145f, -0.065f, 0f}, p);
        double[] d = WfdbSignalReader.toPhysicalDouble(new short[] {995}, spec);
        assertEquals((995 - 1024) / 200.0, d[0]);
    }

    @Test
    void rejectsFilesWhoseLengthDisagreesWithTheHeader(@TempDir Path dir) throws Exception {
        byte[] data = WfdbTestFiles.pack212(new int[][] {{1, 2, 3, 4}, {5, 6, 7, 8}});
        WfdbHeader h = header("r 2 360 4\nr.dat 212\nr.dat 212\n");
        Files.write(dir.resolve("r.dat"), Arrays.copyOf(data, data.length - 1));
        WfdbFormatException e = assertThrows(WfdbFormatException.class, () -> WfdbSignalReader.readAdc(dir, h, true));
        assertTrue(e.getMessage().contains("r.dat") && e.getMessage().contains("truncated")
                && e.getMessage().contains("12 bytes") && e.getMessage().contains("file has 11"), e.getMessage());

        Files.write(dir.resolve("r.dat"), Arrays.copyOf(data, data.length + 3));
        e = assertThrows(WfdbFormatException.class, () -> WfdbSignalReader.readAdc(dir, h, true));
        assertTrue(e.getMessage().contains("too long"), e.getMessage());

        Files.write(dir.resolve("r.dat"), data);
        assertEquals(4, WfdbSignalReader.readAdc(dir, h, true)[1].length);
    }

    @Test
    void rejectsLengthsThatAreNoWholeFrameWhenInferring() {
        WfdbFormatException e = assertThrows(WfdbFormatException.class,
                () -> WfdbSignalReader.decode(new byte[4], 0, 2, 0, SRC));
        assertTrue(e.getMessage().startsWith("x.dat: "), e.getMessage());
    }

    @Test
    void rejectsUnsupportedFormats(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("r.dat"), new byte[4]);
        WfdbHeader h24 = header("r 1 360 2\nr.dat 24 200 24 0 0 0 0 ECG\n");
        WfdbFormatException e = assertThrows(WfdbFormatException.class, () -> WfdbSignalReader.readAdc(dir, h24, true));
        assertTrue(e.getMessage().contains("r.dat") && e.getMessage().contains("unsupported signal format 24")
                && e.getMessage().contains("signal 0 (ECG)") && e.getMessage().contains("16, 61, 80, 212"),
                e.getMessage());
        WfdbHeader mixed = header("r 2 360 1\nr.dat 16\nr.dat 212\n");
        e = assertThrows(WfdbFormatException.class, () -> WfdbSignalReader.readAdc(dir, mixed, true));
        assertTrue(e.getMessage().contains("disagree on the format"), e.getMessage());
        WfdbHeader multi = header("r 1 360 2\nr.dat 212x2\n");
        e = assertThrows(WfdbFormatException.class, () -> WfdbSignalReader.readAdc(dir, multi, true));
        assertTrue(e.getMessage().contains("samples per frame 2"), e.getMessage());
    }

    @Test
    void verifiesChecksums(@TempDir Path dir) throws Exception {
        int[][] ch = {{100, -50, 7}, {1, 2, 3}};
        Files.write(dir.resolve("r.dat"), WfdbTestFiles.pack212(ch));
        WfdbHeader good = header("r 2 360 3\nr.dat 212 200 12 0 100 57 0 A\nr.dat 212 200 12 0 1 6 0 B\n");
        assertEquals(2, WfdbSignalReader.readAdc(dir, good, true).length);
        WfdbHeader bad = header("r 2 360 3\nr.dat 212 200 12 0 100 57 0 A\nr.dat 212 200 12 0 1 7 0 B\n");
        WfdbFormatException e = assertThrows(WfdbFormatException.class, () -> WfdbSignalReader.readAdc(dir, bad, true));
        assertTrue(e.getMessage().contains("checksum mismatch for signal 1"), e.getMessage());
        assertEquals(3, WfdbSignalReader.readAdc(dir, bad, false)[1].length, "verification can be switched off");
        assertEquals((short) 57, WfdbSignalReader.checksum(new short[] {100, -50, 7}));
        assertEquals((short) -32768, WfdbSignalReader.checksum(new short[] {32767, 1}), "wraps at 16 bits");
    }

    @Test
    void readsSignalsStoredInSeparateFiles(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("a.dat"), WfdbTestFiles.pack212(new int[][] {{1, 2}}));
        Files.write(dir.resolve("b.dat"), WfdbTestFiles.pack212(new int[][] {{3, 4}}));
        short[][] s = WfdbSignalReader.readAdc(dir, header("r 2 360 2\na.dat 212\nb.dat 212\n"), true);
        assertArrayEquals(new short[] {1, 2}, s[0]);
        assertArrayEquals(new short[] {3, 4}, s[1]);
    }

    @Test
    void missingSignalFileIsNamed(@TempDir Path dir) throws Exception {
        WfdbFormatException e = assertThrows(WfdbFormatException.class,
                () -> WfdbSignalReader.readAdc(dir, header("r 1 360 2\ngone.dat 212\n"), true));
        assertTrue(e.getMessage().contains("gone.dat") && e.getMessage().contains("not found"), e.getMessage());
    }

    private static WfdbHeader header(String text) throws WfdbFormatException {
        return WfdbHeaderParser.parse(text, Paths.get("r.hea"));
    }
}
