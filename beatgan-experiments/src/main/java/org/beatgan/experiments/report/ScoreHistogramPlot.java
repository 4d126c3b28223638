package org.beatgan.experiments.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Overlaid histograms of anomaly scores per group (e.g. AAMI classes N, S, V, F, Q): common bins,
 * each group normalised to unit area (density), drawn as semi-transparent steps. Reconstruction
 * errors are heavy tailed, so when every score is positive and the largest is at least 20 times
 * the smallest the bins are equal in log10(score) and the x axis is logarithmic (the y axis is then
 * density per log10 unit); otherwise bins and axis are linear. The axis title says which. Groups
 * of fewer than 20 scores do not set the y range when larger groups exist (their bars are clipped,
 * the legend says so).
 */
public final class ScoreHistogramPlot {

    static final int WIDTH = 900;
    static final int HEIGHT = 560;
    static final int BINS = 40;
    /** Groups smaller than this do not set the y range (their bars may be clipped at the top). */
    static final int MIN_FOR_RANGE = 20;

    private ScoreHistogramPlot() {
    }

    /** The bins: edges (in score units) and whether they are equal in log10(score). */
    record Bins(double[] edges, boolean log) {
    }

    public static void write(Path png, String title, Map<String, double[]> scoresByGroup) throws IOException {
        if (png == null) throw new IllegalArgumentException("no PNG path given");
        if (scoresByGroup == null || scoresByGroup.isEmpty()) {
            throw new IllegalArgumentException("ScoreHistogramPlot: no groups of scores (expected at least one)");
        }
        double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
        for (Map.Entry<String, double[]> e : scoresByGroup.entrySet()) {
            double[] s = e.getValue();
            if (s == null || s.length == 0) {
                throw new IllegalArgumentException("ScoreHistogramPlot: group '" + e.getKey() + "' has no scores");
            }
            for (double v : s) {
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException("ScoreHistogramPlot: group '" + e.getKey()
                            + "' has a non-finite score " + v);
                }
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
        }
        Bins bins = bins(min, max);
        double[] e = bins.edges();
        List<String> names = new ArrayList<>(scoresByGroup.keySet());
        double[][] density = new double[names.size()][];
        // the y range follows the groups of at least MIN_FOR_RANGE scores (when there are any): a class of
        // two beats is two tall spikes that would flatten everything else; its spikes are clipped instead
        boolean anyLarge = scoresByGroup.values().stream().anyMatch(v -> v.length >= MIN_FOR_RANGE);
        double yMax = 0;
        for (int k = 0; k < names.size(); k++) {
            density[k] = density(scoresByGroup.get(names.get(k)), bins);
            if (!anyLarge || scoresByGroup.get(names.get(k)).length >= MIN_FOR_RANGE) {
                for (double d : density[k]) yMax = Math.max(yMax, d);
            }
        }
        double top = yMax * 1.08;
        BufferedImage img = PlotCanvas.image(WIDTH, HEIGHT);
        Graphics2D g = PlotCanvas.graphics(img);
        g.setColor(Color.BLACK);
        g.setFont(PlotCanvas.TITLE);
        g.drawString(PlotCanvas.fit(g, title == null ? "" : title, WIDTH - 24), 12, 24);
        PlotCanvas.Area a = new PlotCanvas.Area(78, 44, WIDTH - 78 - 200, HEIGHT - 44 - 60, e[0], e[e.length - 1], 0,
                top, bins.log());
        a.axes(g, bins.log() ? "anomaly score (log scale, bins equal in log10)" : "anomaly score",
                bins.log() ? "density per log10 unit" : "density", "0.####", "0.###");
        for (int k = 0; k < names.size(); k++) {
            Color c = color(names.get(k), k);
            Path2D.Double step = new Path2D.Double();
            step.moveTo(a.px(e[0]), a.py(0));
            for (int b = 0; b < BINS; b++) {
                double d = Math.min(density[k][b], top);
                step.lineTo(a.px(e[b]), a.py(d));
                step.lineTo(a.px(e[b + 1]), a.py(d));
            }
            step.lineTo(a.px(e[BINS]), a.py(0));
            step.closePath();
            g.setColor(new Color(c.getRed(), c.getGreen(), c.getBlue(), 60));
            g.fill(step);
            g.setColor(c);
            g.setStroke(new BasicStroke(1.8f));
            g.draw(step);
        }
        // legend: group, beats, median score
        g.setFont(PlotCanvas.LABEL);
        int lx = a.right() + 16, ly = a.top + 14;
        for (int k = 0; k < names.size(); k++) {
            double[] s = scoresByGroup.get(names.get(k));
            Color c = color(names.get(k), k);
            g.setColor(new Color(c.getRed(), c.getGreen(), c.getBlue(), 90));
            g.fillRect(lx, ly - 10, 18, 12);
            g.setColor(c);
            g.drawRect(lx, ly - 10, 18, 12);
            g.setColor(Color.BLACK);
            g.drawString(PlotCanvas.fit(g, names.get(k) + " (n=" + s.length + ")", 150), lx + 24, ly);
            g.setFont(PlotCanvas.SMALL);
            g.setColor(PlotCanvas.AXIS);
            boolean clipped = Arrays.stream(density[k]).anyMatch(d -> d > top);
            g.drawString("median " + PlotCanvas.compact(median(s)) + (clipped ? ", clipped" : ""), lx + 24, ly + 14);
            g.setFont(PlotCanvas.LABEL);
            ly += 36;
        }
        g.dispose();
        PlotCanvas.write(png, img);
    }

    static Bins bins(double min, double max) {
        boolean log = min > 0 && max / min >= 20;
        double[] edges = new double[BINS + 1];
        if (log) {
            double l0 = Math.log10(min), l1 = Math.log10(max);
            for (int i = 0; i <= BINS; i++) edges[i] = Math.pow(10, l0 + (l1 - l0) * i / BINS);
            edges[0] = min;
            edges[BINS] = max;
        } else {
            double lo = min, hi = max;
            if (!(hi > lo)) {
                double w = lo == 0 ? 1 : Math.abs(lo) * 0.05;
                lo -= w;
                hi += w;
            }
            for (int i = 0; i <= BINS; i++) edges[i] = lo + (hi - lo) * i / BINS;
        }
        return new Bins(edges, log);
    }

    /** Per-bin density: count / (n * bin width), the width in log10 units for log bins. */
    static double[] density(double[] scores, Bins bins) {
        double[] e = bins.edges();
        double[] out = new double[BINS];
        for (double s : scores) {
            int b = Arrays.binarySearch(e, s);
            if (b < 0) b = -b - 2;
            out[Math.max(0, Math.min(BINS - 1, b))]++;
        }
        for (int b = 0; b < BINS; b++) {
            double w = bins.log() ? Math.log10(e[b + 1]) - Math.log10(e[b]) : e[b + 1] - e[b];
            out[b] /= scores.length * w;
        }
        return out;
    }

    private static double median(double[] s) {
        double[] c = s.clone();
        Arrays.sort(c);
        return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
    }

    /** Fixed colours for the AAMI classes (normal beats blue), the palette for other names. */
    private static Color color(String group, int index) {
        return switch (group) {
            case "N" -> PlotCanvas.palette(0);
            case "S" -> PlotCanvas.palette(2);
            case "V" -> PlotCanvas.palette(1);
            case "F" -> PlotCanvas.palette(4);
            case "Q" -> PlotCanvas.palette(3);
            default -> PlotCanvas.palette(5 + index);
        };
    }
}
