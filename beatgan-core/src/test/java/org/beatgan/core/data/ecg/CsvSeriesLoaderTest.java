package org.beatgan.core.data.ecg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvSeriesLoaderTest {

    @TempDir
    Path dir;

    private Path csv(String text) throws IOException {
        Path p = dir.resolve("series.csv");
        Files.writeString(p, text);
        return p;
    }

    @Test
    void readsSingleLeadRowsWithBinaryOrClassLabels() throws Exception {
        BeatSet s = new CsvSeriesLoader(1, 0).load(csv("0,1,2,3,5\n1,4,4,6,8\nV,0,1,0,1\nn,2,2,2,2\n"));
        assertEquals(4, s.size());
        assertEquals(1, s.nc());
        assertEquals(4, s.length(), "length taken from the first row");
        assertEquals(AamiClass.N, s.label(0));
        assertEquals(AamiClass.ABNORMAL, s.label(1));
        assertEquals(AamiClass.V, s.label(2));
        assertEquals(AamiClass.N, s.label(3), "class names in any case");
        assertArrayEquals(new float[] {-1f, -0.5f, 0f, 1f}, s.beat(0), "min-max scaled");
        assertArrayEquals(new float[] {0, 0, 0, 0}, s.beat(3), "constant rows become 0");
    }

    @Test
    void readsMultiLeadRowsLeadByLead() throws Exception {
        BeatSet s = new CsvSeriesLoader(2, 3).minMaxScale(false).skipLines(1)
                .load(csv("label,a0,a1,a2,b0,b1,b2\nQ,1,2,3,10,20,30\n"));
        assertEquals(AamiClass.Q, s.label(0));
        assertEquals(2f, s.value(0, 0, 1));
        assertEquals(30f, s.value(0, 1, 2));
        BeatSet semi = new CsvSeriesLoader(1, 2).delimiter(';').load(csv("N;1.5;2.5\n"));
        assertEquals(2.5f, new CsvSeriesLoader(1, 2).delimiter(';').minMaxScale(false)
                .load(csv("N;1.5;2.5\n")).value(0, 0, 1));
        assertEquals(1f, semi.value(0, 0, 1));
    }

    @Test
    void rowsOfTheWrongLengthNameFileAndLine() throws Exception {
        Path p = csv("0,1,2,3\n0,1,2,3\n1,1,2\n");
        IOException e = assertThrows(IOException.class, () -> new CsvSeriesLoader(1, 3).load(p));
        assertTrue(e.getMessage().contains("series.csv:3") && e.getMessage().contains("expected 4 columns")
                && e.getMessage().contains("found 3"), e.getMessage());
        Path q = csv("h1,h2,h3\n0,1,2\n0,1,2,3,4\n");
        e = assertThrows(IOException.class, () -> new CsvSeriesLoader(1, 2).skipLines(1).load(q));
        assertTrue(e.getMessage().contains("series.csv:3"), "header lines count: " + e.getMessage());
        e = assertThrows(IOException.class, () -> new CsvSeriesLoader(2, 0).load(csv("0,1,2,3\n")));
        assertTrue(e.getMessage().contains(":1") && e.getMessage().contains("2 equally long leads"), e.getMessage());
    }

    @Test
    void badValuesAndLabelsAreReported() throws Exception {
        IOException e = assertThrows(IOException.class, () -> new CsvSeriesLoader(1, 2).load(csv("0,1,x\n")));
        assertTrue(e.getMessage().contains("series.csv:1") && e.getMessage().contains("column 3"), e.getMessage());
        e = assertThrows(IOException.class, () -> new CsvSeriesLoader(1, 2).load(csv("0,1,2\n7,1,2\n")));
        assertTrue(e.getMessage().contains("series.csv:2") && e.getMessage().contains("label '7'"), e.getMessage());
        e = assertThrows(IOException.class, () -> new CsvSeriesLoader(1, 2).load(csv("")));
        assertTrue(e.getMessage().contains("no data rows"), e.getMessage());
        e = assertThrows(IOException.class, () -> new CsvSeriesLoader(1, 2).load(dir.resolve("none.csv")));
        assertTrue(e.getMessage().contains("none.csv"), e.getMessage());
    }
}
