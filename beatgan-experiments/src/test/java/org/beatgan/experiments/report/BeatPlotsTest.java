package org.beatgan.experiments.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The reusable plots: valid PNGs of the documented size, clear errors on bad input. */
class BeatPlotsTest {

    private static float[][] beat(int leads, int len, double bump) {
        float[][] b = new float[leads][len];
        for (int l = 0; l < leads; l++) {
            for (int t = 0; t < len; t++) {
                b[l][t] = (float) (Math.sin(t / 12.0) + bump * Math.exp(-Math.pow((t - len / 2.0) / 6, 2)));
            }
        }
        return b;
    }

    private static BufferedImage read(Path png) throws Exception {
        assertTrue(Files.size(png) > 1000, png + " is too small to hold a plot");
        BufferedImage img = ImageIO.read(png.toFile());
        assertNotNull(img, png + " is not a readable PNG");
        return img;
    }

    @Test
    void beatResidualPlotDrawsOnePanelPerBeatAndHeatsTheResidual(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("sub/beats.png");
        // the third beat's reconstruction misses a bump in the middle: its residual is large there
        List<BeatResidualPlot.Beat> beats = List.of(
                new BeatResidualPlot.Beat("normal", beat(1, 320, 0), beat(1, 320, 0.05)),
                new BeatResidualPlot.Beat("two leads", beat(2, 320, 0.2), beat(2, 320, 0.1)),
                new BeatResidualPlot.Beat("V, score 0.2", beat(1, 320, 2), beat(1, 320, 0)));
        BeatResidualPlot.write(png, "Most anomalous test beats", beats);
        BufferedImage img = read(png);
        int[] size = BeatResidualPlot.size(3);
        assertEquals(2 * BeatResidualPlot.PANEL_WIDTH, size[0]);
        assertEquals(size[0], img.getWidth());
        assertEquals(size[1], img.getHeight());
        assertEquals(BeatResidualPlot.HEADER + 2 * BeatResidualPlot.PANEL_HEIGHT, img.getHeight());
        assertEquals(BeatResidualPlot.size(1)[0], BeatResidualPlot.PANEL_WIDTH, "one beat: one column");

        double[] r = BeatResidualPlot.residual(beats.get(2), 2);
        assertEquals(Math.pow(2, 2), r[160], 1e-3, "(x - x_hat)^2 at the missed bump");
        assertTrue(r[0] < 1e-6);
        double[] two = BeatResidualPlot.residual(beats.get(1), 1);
        double d = beats.get(1).input()[0][160] - beats.get(1).reconstruction()[0][160];
        assertEquals(2 * d * d, two[160], 1e-6, "summed over both leads");
        // band under the third panel (second row, first column): hot in the middle, pale at the start
        int bandY = BeatResidualPlot.HEADER + BeatResidualPlot.PANEL_HEIGHT + 30 + 202 + 4 + 9;
        Color mid = new Color(img.getRGB(58 + (BeatResidualPlot.PANEL_WIDTH - 78) / 2, bandY));
        Color start = new Color(img.getRGB(58 + 5, bandY));
        assertTrue(mid.getGreen() < 120 && start.getGreen() > 200, "band colours: middle " + mid + ", start " + start);
    }

    @Test
    void beatResidualPlotRejectsBadInput(@TempDir Path dir) {
        Path png = dir.resolve("x.png");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BeatResidualPlot.write(png, "t", List.of()));
        assertTrue(e.getMessage().contains("no beats"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> BeatResidualPlot.write(png, "t",
                List.of(new BeatResidualPlot.Beat("short", beat(1, 320, 0), beat(1, 300, 0)))));
        assertTrue(e.getMessage().contains("short") && e.getMessage().contains("300"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> BeatResidualPlot.write(png, "t",
                List.of(new BeatResidualPlot.Beat("leads", beat(2, 320, 0), beat(1, 320, 0)))));
        assertTrue(e.getMessage().contains("2 leads"), e.getMessage());
        assertFalse(Files.exists(png));
    }

    @Test
    void recordStripPlotMarksBeatsAndFlagsInRed(@TempDir Path dir) throws Exception {
        double fs = 360;
        double[] signal = new double[(int) (8 * fs)];
        for (int i = 0; i < signal.length; i++) signal[i] = Math.sin(i / fs * 2 * Math.PI) * 0.3;
        long from = 3600;
        List<RecordStripPlot.Mark> marks = List.of(new RecordStripPlot.Mark(from + 360, "N 0.01", false),
                new RecordStripPlot.Mark(from + 370, "N 0.02", false),
                new RecordStripPlot.Mark(from + 1800, "V 0.31", true));
        Path png = dir.resolve("strip.png");
        RecordStripPlot.write(png, "record 208, 10.0-18.0 s", signal, fs, from, marks);
        BufferedImage img = read(png);
        assertEquals(RecordStripPlot.width((signal.length - 1) / fs), img.getWidth());
        assertEquals(1000, RecordStripPlot.width(3), "short strips keep a minimum width");
        assertEquals(RecordStripPlot.HEIGHT, img.getHeight());
        // somewhere in the image a strongly red pixel (the flagged mark)
        boolean red = false;
        for (int x = 0; x < img.getWidth() && !red; x++) {
            Color c = new Color(img.getRGB(x, RecordStripPlot.HEIGHT / 2));
            red = c.getRed() > 180 && c.getGreen() < 90 && c.getBlue() < 90;
        }
        assertTrue(red, "the flagged beat's line is red");
    }

    @Test
    void recordStripPlotRejectsBadInput(@TempDir Path dir) {
        Path png = dir.resolve("x.png");
        double[] signal = new double[1000];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RecordStripPlot.write(png,
                "t", signal, 360, 100, List.of(new RecordStripPlot.Mark(1100, "late", false))));
        assertTrue(e.getMessage().contains("1100") && e.getMessage().contains("[100, 1100)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> RecordStripPlot.write(png, "t", new double[0], 360, 0, List.of()));
        assertTrue(e.getMessage().contains("at least 2 samples"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> RecordStripPlot.write(png, "t", signal, 0, 0, List.of()));
        assertTrue(e.getMessage().contains("sampling frequency"), e.getMessage());
        assertFalse(Files.exists(png));
    }

    @Test
    void scoreHistogramUsesCommonLogBinsForHeavyTailedScores(@TempDir Path dir) throws Exception {
        java.util.Random r = new java.util.Random(1);
        Map<String, double[]> groups = new LinkedHashMap<>();
        groups.put("N", r.doubles(500).map(u -> Math.exp(-5 + 0.5 * r.nextGaussian())).toArray());
        groups.put("V", r.doubles(80).map(u -> Math.exp(-2 + 0.7 * r.nextGaussian())).toArray());
        groups.put("S", new double[]{0.02, 0.03});
        Path png = dir.resolve("h.png");
        ScoreHistogramPlot.write(png, "test scores", groups);
        BufferedImage img = read(png);
        assertEquals(ScoreHistogramPlot.WIDTH, img.getWidth());
        assertEquals(ScoreHistogramPlot.HEIGHT, img.getHeight());

        ScoreHistogramPlot.Bins log = ScoreHistogramPlot.bins(1e-4, 1.0);
        assertTrue(log.log());
        assertEquals(10, log.edges()[ScoreHistogramPlot.BINS / 4] / log.edges()[0], 1e-9, "equal in log10");
        ScoreHistogramPlot.Bins lin = ScoreHistogramPlot.bins(0.1, 0.5);
        assertFalse(lin.log());
        // density integrates to 1 in the axis unit
        for (ScoreHistogramPlot.Bins b : List.of(log, lin)) {
            double[] s = r.doubles(300, b.edges()[0], b.edges()[ScoreHistogramPlot.BINS]).toArray();
            double[] d = ScoreHistogramPlot.density(s, b);
            double area = 0;
            for (int i = 0; i < d.length; i++) {
                double w = b.log() ? Math.log10(b.edges()[i + 1] / b.edges()[i]) : b.edges()[i + 1] - b.edges()[i];
                area += d[i] * w;
            }
            assertEquals(1.0, area, 1e-9);
        }
    }

    @Test
    void scoreHistogramRejectsEmptyInput(@TempDir Path dir) {
        Path png = dir.resolve("x.png");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ScoreHistogramPlot.write(png, "t", Map.of()));
        assertTrue(e.getMessage().contains("no groups"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ScoreHistogramPlot.write(png, "t", Map.of("N", new double[]{1}, "V", new double[0])));
        assertTrue(e.getMessage().contains("'V' has no scores"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ScoreHistogramPlot.write(png, "t", Map.of("N", new double[]{1, Double.NaN})));
        assertTrue(e.getMessage().contains("non-finite"), e.getMessage());
        assertFalse(Files.exists(png));
    }
}
