package org.beatgan.experiments.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * BeatGAN's explanation figure: per beat, the input and its reconstruction (lead 0) as lines and
 * the per-time-step residual {@code sum over leads of (x - x_hat)^2} as a heat band, tinted behind
 * the curves and drawn solid under them, so the time ticks the generator could not reproduce stand
 * out. One panel per beat, two columns; the colour scale is shared by all panels (0 to the largest
 * residual of any beat), so a normal beat looks pale beside an anomalous one.
 */
public final class BeatResidualPlot {

    /** One beat: {@code input[lead][t]} and {@code reconstruction[lead][t]}, same shape. */
    public record Beat(String title, float[][] input, float[][] reconstruction) {
    }

    static final int PANEL_WIDTH = 560;
    static final int PANEL_HEIGHT = 300;
    static final int HEADER = 64;
    static final int COLUMNS = 2;

    private static final Color INPUT = new Color(25, 55, 120);
    private static final Color RECON = new Color(230, 110, 20);
    private static final int BAND = 18;

    private BeatResidualPlot() {
    }

    /** Image size for {@code beats} panels: {width, height}. */
    static int[] size(int beats) {
        int cols = Math.min(COLUMNS, beats);
        int rows = (beats + COLUMNS - 1) / COLUMNS;
        return new int[]{cols * PANEL_WIDTH, HEADER + rows * PANEL_HEIGHT};
    }

    public static void write(Path png, String title, List<Beat> beats) throws IOException {
        if (png == null) throw new IllegalArgumentException("no PNG path given");
        if (beats == null || beats.isEmpty()) {
            throw new IllegalArgumentException("BeatResidualPlot: no beats to plot (expected at least one)");
        }
        double[][] residuals = new double[beats.size()][];
        double maxResidual = 0;
        for (int b = 0; b < beats.size(); b++) {
            residuals[b] = residual(beats.get(b), b);
            for (double r : residuals[b]) maxResidual = Math.max(maxResidual, r);
        }
        int[] wh = size(beats.size());
        BufferedImage img = PlotCanvas.image(wh[0], wh[1]);
        Graphics2D g = PlotCanvas.graphics(img);
        g.setColor(Color.BLACK);
        g.setFont(PlotCanvas.TITLE);
        g.drawString(PlotCanvas.fit(g, title == null ? "" : title, wh[0] - 20), 12, 24);
        legend(g, wh[0], maxResidual);
        for (int b = 0; b < beats.size(); b++) {
            int x0 = (b % COLUMNS) * PANEL_WIDTH, y0 = HEADER + (b / COLUMNS) * PANEL_HEIGHT;
            panel(g, x0, y0, beats.get(b), residuals[b], maxResidual);
        }
        g.dispose();
        PlotCanvas.write(png, img);
    }

    /** Per-time-step residual summed over leads; checks the beat's shape. */
    static double[] residual(Beat beat, int index) {
        String name = "beat " + index + (beat != null && beat.title() != null ? " (" + beat.title() + ")" : "");
        if (beat == null || beat.input() == null || beat.reconstruction() == null) {
            throw new IllegalArgumentException(name + ": input and reconstruction are required");
        }
        float[][] x = beat.input(), r = beat.reconstruction();
        if (x.length == 0 || x.length != r.length) {
            throw new IllegalArgumentException(name + ": input has " + x.length + " leads, reconstruction "
                    + r.length + " (expected the same number, at least one)");
        }
        int len = x[0] == null ? 0 : x[0].length;
        if (len < 2) {
            throw new IllegalArgumentException(name + ": a lead needs at least 2 samples, got " + len);
        }
        double[] res = new double[len];
        for (int lead = 0; lead < x.length; lead++) {
            if (x[lead] == null || r[lead] == null || x[lead].length != len || r[lead].length != len) {
                throw new IllegalArgumentException(name + ": lead " + lead + " has "
                        + (x[lead] == null ? 0 : x[lead].length) + " input and "
                        + (r[lead] == null ? 0 : r[lead].length) + " reconstruction samples, expected " + len);
            }
            for (int t = 0; t < len; t++) {
                if (!Float.isFinite(x[lead][t]) || !Float.isFinite(r[lead][t])) {
                    throw new IllegalArgumentException(name + ": non-finite value at lead " + lead + ", t=" + t);
                }
                double d = x[lead][t] - r[lead][t];
                res[t] += d * d;
            }
        }
        return res;
    }

    private static void legend(Graphics2D g, int width, double maxResidual) {
        g.setFont(PlotCanvas.SMALL);
        int y = 46;
        g.setStroke(new BasicStroke(2f));
        g.setColor(INPUT);
        g.drawLine(12, y - 4, 40, y - 4);
        g.setColor(Color.BLACK);
        g.drawString("input x (lead 0)", 46, y);
        g.setColor(RECON);
        g.drawLine(160, y - 4, 188, y - 4);
        g.setColor(Color.BLACK);
        g.drawString("reconstruction x\u0302 = G(x)", 194, y);
        int barX = Math.max(360, width - 330), barW = 160;
        g.drawString("residual (x - x\u0302)\u00b2, sum over leads:", barX - 0, y - 14);
        for (int i = 0; i < barW; i++) {
            g.setColor(PlotCanvas.heat(i / (double) (barW - 1)));
            g.drawLine(barX + i, y - 10, barX + i, y + 2);
        }
        g.setColor(PlotCanvas.AXIS);
        g.setStroke(new BasicStroke(1f));
        g.drawRect(barX, y - 10, barW, 12);
        g.setColor(Color.BLACK);
        g.drawString("0", barX - 10, y);
        g.drawString(PlotCanvas.compact(maxResidual), barX + barW + 6, y);
    }

    private static void panel(Graphics2D g, int x0, int y0, Beat beat, double[] res, double maxResidual) {
        float[] x = beat.input()[0], r = beat.reconstruction()[0];
        int len = x.length;
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (int t = 0; t < len; t++) {
            lo = Math.min(lo, Math.min(x[t], r[t]));
            hi = Math.max(hi, Math.max(x[t], r[t]));
        }
        double pad = hi > lo ? 0.06 * (hi - lo) : 0.5;
        PlotCanvas.Area a = new PlotCanvas.Area(x0 + 58, y0 + 30, PANEL_WIDTH - 78, PANEL_HEIGHT - 30 - 46 - BAND - 4,
                0, len - 1, lo - pad, hi + pad, false);
        g.setColor(Color.BLACK);
        g.setFont(PlotCanvas.LABEL);
        g.drawString(PlotCanvas.fit(g, beat.title() == null ? "" : beat.title(), PANEL_WIDTH - 70), a.left, y0 + 20);
        // heat tint behind the curves and a solid band under them, one column per time step
        for (int t = 0; t < len; t++) {
            Color c = PlotCanvas.heat(maxResidual > 0 ? res[t] / maxResidual : 0);
            int xa = (int) Math.floor(a.px(Math.max(0, t - 0.5)));
            int xb = (int) Math.ceil(a.px(Math.min(len - 1, t + 0.5)));
            g.setColor(new Color(c.getRed(), c.getGreen(), c.getBlue(), 110));
            g.fillRect(xa, a.top, Math.max(1, xb - xa), a.height);
            g.setColor(c);
            g.fillRect(xa, a.bottom() + 4, Math.max(1, xb - xa), BAND);
        }
        a.axes(g, null, "amplitude", "0", "0.0#", false);
        g.setColor(PlotCanvas.AXIS);
        g.setStroke(new BasicStroke(1f));
        g.drawRect(a.left, a.bottom() + 4, a.width, BAND);
        g.setFont(PlotCanvas.SMALL);
        int bandBottom = a.bottom() + 4 + BAND;
        for (double t : PlotCanvas.ticks(0, len - 1, Math.max(3, a.width / 90))) {
            int px = (int) Math.round(a.px(t));
            g.drawLine(px, bandBottom, px, bandBottom + 4);
            PlotCanvas.centered(g, PlotCanvas.format(t, "0"), px, bandBottom + 16);
        }
        g.setFont(PlotCanvas.LABEL);
        PlotCanvas.centered(g, "time step (band: residual)", a.left + a.width / 2.0, bandBottom + 32);
        line(g, a, x, INPUT, 1.7f);
        line(g, a, r, RECON, 1.7f);
    }

    private static void line(Graphics2D g, PlotCanvas.Area a, float[] y, Color c, float width) {
        Path2D.Double p = new Path2D.Double();
        for (int t = 0; t < y.length; t++) {
            if (t == 0) p.moveTo(a.px(t), a.py(y[t]));
            else p.lineTo(a.px(t), a.py(y[t]));
        }
        g.setColor(c);
        g.setStroke(new BasicStroke(width, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        g.draw(p);
    }
}
