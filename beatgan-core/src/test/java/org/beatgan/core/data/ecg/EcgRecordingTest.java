package org.beatgan.core.data.ecg;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** CSV samples: separators, an optional header of lead names, lead choice, and what is refused. */
class EcgRecordingTest {

    @Test
    void csvWithHeaderAndAnySeparator(@TempDir Path dir) throws Exception {
        for (String sep : new String[]{",", ";", "\t", " , ", "   "}) {
            Path f = dir.resolve("rec.csv");
            Files.writeString(f, "V1" + sep + "MLII\n0.5" + sep + "1.5\n-0.25" + sep + "2\n");
            EcgRecording r = EcgRecording.csv(f, 250);
            assertEquals(List.of("V1", "MLII"), r.leadNames(), "separator '" + sep + "'");
            assertArrayEquals(new double[]{1.5, 2}, r.leads()[1], 0);
            assertEquals(250, r.fs());
            assertArrayEquals(new int[]{1}, r.selectLeads(null, 1), "MLII first by default");
            assertArrayEquals(new int[]{0}, r.selectLeads(List.of("v1"), 1), "by name, any case");
        }
        assertArrayEquals(new String[]{"1", "2"}, EcgRecording.cells("  1 2 "));
    }

    @Test
    void badCsvIsNamed(@TempDir Path dir) throws Exception {
        Path ragged = dir.resolve("ragged.csv");
        Files.writeString(ragged, "1,2\n3\n");
        IOException e = assertThrows(IOException.class, () -> EcgRecording.csv(ragged, 360));
        assertTrue(e.getMessage().contains("line 2") && e.getMessage().contains("expected 2"), e.getMessage());
        Path nan = dir.resolve("nan.csv");
        Files.writeString(nan, "1\nNaN\n");
        e = assertThrows(IOException.class, () -> EcgRecording.csv(nan, 360));
        assertTrue(e.getMessage().contains("finite"), e.getMessage());
        Path one = dir.resolve("one.csv");
        Files.writeString(one, "1\n2\n");
        IllegalArgumentException fs = assertThrows(IllegalArgumentException.class, () -> EcgRecording.csv(one, -1));
        assertTrue(fs.getMessage().contains("-1.0 Hz"), fs.getMessage());
        IllegalArgumentException l = assertThrows(IllegalArgumentException.class,
                () -> EcgRecording.csv(one, 360).selectLeads(null, 2));
        assertTrue(l.getMessage().contains("the model reads 2"), l.getMessage());
    }
}
