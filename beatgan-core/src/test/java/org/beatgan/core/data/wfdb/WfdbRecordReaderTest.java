package org.beatgan.core.data.wfdb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.beatgan.core.data.wfdb.WfdbTestFiles.Ann;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WfdbRecordReaderTest {

    private static void writeRecord(Path dir, byte[] atr) throws Exception {
        Files.writeString(dir.resolve("r.hea"), "r 2 360 4\nr.dat 212 200 11 1024 1000 4010 0 MLII\n"
                + "r.dat 212 100(24)/mV 11 1024 24 100 0 V5\n");
        Files.write(dir.resolve("r.dat"),
                WfdbTestFiles.pack212(new int[][] {{1000, 1004, 1024, 982}, {24, 24, 25, 27}}));
        if (atr != null) {
            Files.write(dir.resolve("r.atr"), atr);
        }
    }

    @Test
    void readsHeaderSignalsAndAnnotations(@TempDir Path dir) throws Exception {
        writeRecord(dir, new Ann().beat(1, 1).beat(5, 2).end().bytes());
        WfdbRecord r = WfdbRecordReader.read(dir, "r");
        assertEquals(2, r.numSignals());
        assertEquals(4, r.length());
        assertArrayEquals(new short[] {1000, 1004, 1024, 982}, r.adc()[0]);
        assertArrayEquals(new float[] {-0.12f, -0.1f, 0f, -0.21f}, r.physical(0));
        assertArrayEquals(new float[] {0f, 0f, 0.01f, 0.03f}, r.physicalSignals()[1], 1e-7f);
        assertEquals((1004 - 1024) / 200.0, r.physicalDouble(0)[1]);
        assertEquals(2, r.annotations().size());
        assertEquals(3, r.annotations().get(1).sample());
        assertEquals(0, WfdbRecordReader.read(dir, "r", null).annotations().size());
    }

    @Test
    void annotationsMustLieInsideTheSignal(@TempDir Path dir) throws Exception {
        writeRecord(dir, new Ann().beat(1, 1).beat(5, 3).end().bytes());
        WfdbFormatException e = assertThrows(WfdbFormatException.class, () -> WfdbRecordReader.read(dir, "r"));
        assertTrue(e.getMessage().contains("r.atr") && e.getMessage().contains("sample 4"), e.getMessage());
    }

    @Test
    void missingFilesAreNamed(@TempDir Path dir) throws Exception {
        WfdbFormatException e = assertThrows(WfdbFormatException.class, () -> WfdbRecordReader.read(dir, "r"));
        assertTrue(e.getMessage().contains("r.hea"), e.getMessage());
        writeRecord(dir, null);
        e = assertThrows(WfdbFormatException.class, () -> WfdbRecordReader.read(dir, "r"));
        assertTrue(e.getMessage().contains("r.atr") && e.getMessage().contains("annotation file not found"),
                e.getMessage());
    }
}
