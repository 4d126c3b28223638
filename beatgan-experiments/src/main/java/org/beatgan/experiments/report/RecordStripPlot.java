package org.beatgan.experiments.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A strip of one ECG record (x axis in seconds of the record) with a vertical marker per beat and
 * its label (e.g. annotation symbol and score); flagged beats are drawn red. The image is 100 pixels
 * per second of signal (between 1,000 and 3,000 pixels wide); labels that would overlap are moved to
 * a second and third row.
 */
public final class RecordStripPlot {

    /** A beat at absolute sample {@code sample} of the record. */
    public record Mark(long sample, String label, boolean flagged) {
    }

    static final int HEIGHT = 380;
    private static final int LEFT = 70, RIGHT = 24, TOP = 40, LABEL_ROWS = 3, ROW = 15, BOTTOM = 52;
    private static final Color SIGNAL = new Color(20, 20, 20);
    private static final Color MARK = new Color(120, 140, 170);
    private static final Color FLAG = new Color(215, 25, 30);

    private RecordStripPlot() {
    }

    /** Image width for a strip of {@code seconds}. */
    static int width(double seconds) {
        return (int) Math.max(1000, Math.min(3000, Math.round(LEFT + RIGHT + 100 * seconds)));
    }

    public static void write(Path png, String title, double[] signal, double fs, long fromSample, List<Mark> marks)
            throws IOException {
        if (png == null) throw new IllegalArgumentException("no PNG path given");
        if (signal == null || signal.length < 2) {
            throw new IllegalArgumentException("RecordStripPlot: the signal needs at least 2 samples, got "
                    + (signal == null ? 0 : signal.length));
        }
        if (!(fs > 0) || !Double.isFinite(fs)) {
            throw new IllegalArgumentException("RecordStripPlot: sampling frequency must be positive, got " + fs);
        }
        if (fromSample < 0) {
            throw new IllegalArgumentException("RecordStripPlot: fromSample must be >= 0, got " + fromSample);
        }
        if (marks == null) throw new IllegalArgumentException("RecordStripPlot: marks must not be null (may be empty)");
        long toSample = fromSample + signal.length;
        for (Mark m : marks) {
            if (m == null) throw new IllegalArgumentException("RecordStripPlot: null mark");
            if (m.sample() < fromSample || m.sample() >= toSample) {
                throw new IllegalArgumentException("RecordStripPlot: mark '" + m.label() + "' at sample " + m.sample()
                        + " lies outside the strip [" + fromSample + ", " + toSample + ")");
            }
        }
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (double v : signal) {
            if (Double.isFinite(v)) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        if (lo > hi) throw new IllegalArgumentException("RecordStripPlot: the signal has no finite sample");
        double pad = hi > lo ? 0.08 * (hi - lo) : 0.5;
        double t0 = fromSample / fs, t1 = (toSample - 1) / fs;
        int width = width(t1 - t0);
        BufferedImage img = PlotCanvas.image(width, HEIGHT);
        Graphics2D g = PlotCanvas.graphics(img);
        int labelsTop = TOP;
        PlotCanvas.Area a = new PlotCanvas.Area(LEFT, TOP + LABEL_ROWS * ROW + 6, width - LEFT - RIGHT,
                HEIGHT - TOP - LABEL_ROWS * ROW - 6 - BOTTOM, t0, t1, lo - pad, hi + pad, false);
        g.setColor(Color.BLACK);
        g.setFont(PlotCanvas.TITLE);
        g.drawString(PlotCanvas.fit(g, title == null ? "" : title, width - 220), 12, 24);
        g.setFont(PlotCanvas.SMALL);
        g.setColor(FLAG);
        g.drawString("red: flagged", width - 190, 24);
        g.setColor(MARK);
        g.drawString("grey: not flagged", width - 110, 24);
        a.axes(g, "time (s)", "amplitude", "0.0#", "0.0#");
        // the signal, broken at non-finite samples
        Path2D.Double p = new Path2D.Double();
        boolean pen = false;
        for (int i = 0; i < signal.length; i++) {
            if (!Double.isFinite(signal[i])) {
                pen = false;
                continue;
            }
            double x = a.px((fromSample + i) / fs), y = a.py(signal[i]);
            if (pen) p.lineTo(x, y);
            else p.moveTo(x, y);
            pen = true;
        }
        g.setColor(SIGNAL);
        g.setStroke(new BasicStroke(1.1f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        g.draw(p);
        // marks: unflagged first so red ones stay on top; labels on the first free row
        List<Mark> ordered = new ArrayList<>(marks);
        ordered.sort(Comparator.comparing(Mark::flagged).thenComparingLong(Mark::sample));
        double[] rowEnd = new double[LABEL_ROWS];
        java.util.Arrays.fill(rowEnd, Double.NEGATIVE_INFINITY);
        List<Mark> bySample = new ArrayList<>(marks);
        bySample.sort(Comparator.comparingLong(Mark::sample));
        java.util.Map<Mark, Integer> rows = new java.util.IdentityHashMap<>();
        g.setFont(PlotCanvas.SMALL);
        for (Mark m : bySample) {
            String label = m.label() == null ? "" : m.label();
            double x = a.px(m.sample() / fs), w = g.getFontMetrics().stringWidth(label);
            int row = 0;
            while (row < LABEL_ROWS - 1 && rowEnd[row] > x - w / 2 - 3) row++;
            rowEnd[row] = Math.max(rowEnd[row], x + w / 2);
            rows.put(m, row);
        }
        for (Mark m : ordered) {
            double x = a.px(m.sample() / fs);
            Color c = m.flagged() ? FLAG : MARK;
            g.setColor(m.flagged() ? c : new Color(c.getRed(), c.getGreen(), c.getBlue(), 130));
            g.setStroke(m.flagged() ? new BasicStroke(2f)
                    : new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1f, new float[]{4f, 3f}, 0f));
            g.drawLine((int) Math.round(x), a.top, (int) Math.round(x), a.bottom());
            double v = signal[(int) (m.sample() - fromSample)];
            if (Double.isFinite(v)) {
                g.setColor(c);
                g.fill(new Ellipse2D.Double(x - 3, a.py(v) - 3, 6, 6));
            }
            g.setColor(m.flagged() ? FLAG : new Color(70, 80, 100));
            g.setFont(m.flagged() ? PlotCanvas.SMALL.deriveFont(java.awt.Font.BOLD) : PlotCanvas.SMALL);
            int row = rows.get(m);
            PlotCanvas.centered(g, m.label() == null ? "" : m.label(), x, labelsTop + (row + 1) * ROW);
        }
        g.dispose();
        PlotCanvas.write(png, img);
    }
}
