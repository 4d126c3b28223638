package org.beatgan.core.data.wfdb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Formats 16, 61 and 80, written to temporary records by independent encoders and read back. */
class WfdbSignalFormatsTest {

    /** A two-lead 250 Hz signal that uses the full 16-bit range, including both extremes. */
    private static int[][] knownSignal(int n) {
        int[][] s = new int[2][n];
        for (int i = 0; i < n; i++) {
            s[0][i] = (int) Math.round(1200 * Math.sin(2 * Math.PI * 7 * i / 250.0)) - 30;
            s[1][i] = (i * 7919) % 65536 - 32768;
        }
        s[1][0] = Short.MIN_VALUE;
        s[1][1] = Short.MAX_VALUE;
        s[0][2] = -1;
        return s;
    }

    private static int checksum(int[] x) {
        int sum = 0;
        for (int v : x) {
            sum += v;
        }
        return (short) sum;
    }

    private static void writeRecord(Path dir, String name, int format, int[][] adc, byte[] dat) throws Exception {
        String header = name + " 2 250 " + adc[0].length + "\n"
                + name + ".dat " + format + " 100(-30)/mV 16 0 " + adc[0][0] + " " + checksum(adc[0]) + " 0 ECG1\n"
                + name + ".dat " + format + " 200 16 0 " + adc[1][0] + " " + checksum(adc[1]) + " 0 ECG2\n";
        Files.writeString(dir.resolve(name + ".hea"), header, StandardCharsets.US_ASCII);
        Files.write(dir.resolve(name + ".dat"), dat);
    }

    @Test
    void readsFormat16RecordExactlyAtItsOwnSamplingRate(@TempDir Path dir) throws Exception {
        int[][] adc = knownSignal(1000);
        writeRecord(dir, "r16", 16, adc, WfdbTestFiles.pack16(adc, false));
        WfdbRecord rec = WfdbRecordReader.read(dir, "r16", null);
        assertEquals(250.0, rec.header().samplingFrequency());
        assertEquals(1000, rec.length());
        for (int c = 0; c < 2; c++) {
            int[] got = new int[rec.length()];
            for (int i = 0; i < got.length; i++) {
                got[i] = rec.adc()[c][i];
            }
            assertArrayEquals(adc[c], got, "signal " + c);
        }
        // Physical units use the header's gain and baseline: (adc - (-30)) / 100.
        assertEquals((adc[0][5] + 30) / 100.0, rec.physicalDouble(0)[5], 1e-12);
    }

    @Test
    void readsFormats61And80(@TempDir Path dir) throws Exception {
        int[][] adc = knownSignal(333);
        writeRecord(dir, "r61", 61, adc, WfdbTestFiles.pack16(adc, true));
        short[][] got61 = WfdbRecordReader.read(dir, "r61", null).adc();
        int[][] small = new int[2][200];
        for (int i = 0; i < 200; i++) {
            small[0][i] = i - 128; // -128..71
            small[1][i] = 127 - i;
        }
        writeRecord(dir, "r80", 80, small, WfdbTestFiles.pack80(small));
        short[][] got80 = WfdbRecordReader.read(dir, "r80", null).adc();
        for (int c = 0; c < 2; c++) {
            for (int i = 0; i < 333; i++) {
                assertEquals(adc[c][i], got61[c][i], "format 61 signal " + c + " sample " + i);
            }
            for (int i = 0; i < 200; i++) {
                assertEquals(small[c][i], got80[c][i], "format 80 signal " + c + " sample " + i);
            }
        }
        // The same bytes read as the other byte order give different values: the dispatch matters.
        short[][] swapped = WfdbSignalReader.decode(16, WfdbTestFiles.pack16(adc, true), 0, 2, 333, dir);
        assertTrue(swapped[0][0] != got61[0][0] || swapped[0][3] != got61[0][3]);
    }

    @Test
    void truncatedFormat16FileIsReportedWithItsExpectedLength(@TempDir Path dir) throws Exception {
        int[][] adc = knownSignal(100);
        byte[] dat = WfdbTestFiles.pack16(adc, false);
        writeRecord(dir, "t", 16, adc, Arrays.copyOf(dat, dat.length - 3));
        WfdbFormatException e = assertThrows(WfdbFormatException.class, () -> WfdbRecordReader.read(dir, "t", null));
        String m = e.getMessage();
        assertTrue(m.contains("t.dat") && m.contains("truncated") && m.contains("format 16")
                && m.contains("400 bytes") && m.contains("file has 397"), m);
        assertEquals(dir.resolve("t.dat"), e.file());
    }

    @Test
    void checksumsAndLengthInferenceWorkForEveryFormat(@TempDir Path dir) throws Exception {
        int[][] adc = knownSignal(50);
        byte[] dat = WfdbTestFiles.pack16(adc, false);
        writeRecord(dir, "c", 16, adc, dat);
        String bad = Files.readString(dir.resolve("c.hea")).replace(" " + checksum(adc[1]) + " 0 ECG2",
                " " + (checksum(adc[1]) + 1) + " 0 ECG2");
        Files.writeString(dir.resolve("c.hea"), bad);
        WfdbFormatException e = assertThrows(WfdbFormatException.class, () -> WfdbRecordReader.read(dir, "c", null));
        assertTrue(e.getMessage().contains("checksum mismatch for signal 1 (ECG2)"), e.getMessage());

        assertEquals(50, WfdbSignalReader.decode(16, dat, 0, 2, 0, dir)[1].length, "length inferred");
        assertEquals(25, WfdbSignalReader.decode(80, new byte[100], 0, 4, 0, dir)[3].length);
        e = assertThrows(WfdbFormatException.class, () -> WfdbSignalReader.decode(61, new byte[6], 0, 2, 0, dir));
        assertTrue(e.getMessage().contains("not a whole number of format-61 frames of 2 signals"), e.getMessage());
        assertEquals(400, WfdbSignalReader.byteLength(16, 200));
        assertEquals(200, WfdbSignalReader.byteLength(80, 200));
        assertEquals(300, WfdbSignalReader.byteLength(212, 200));
    }
}
