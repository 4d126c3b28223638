package org.beatgan.experiments.report;

import org.beatgan.core.io.AtomicFiles;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Small headless Java2D toolkit behind the beat, strip and histogram plots: an image with white
 * background, a rectangular plot area mapping data to pixels (linear or log10 x), "nice" axis
 * ticks, a colour map and an atomic PNG write. XChart draws line charts well but cannot put a
 * heat band under a curve, so these plots draw themselves.
 */
final class PlotCanvas {

    static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 16);
    static final Font LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    static final Font SMALL = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
    static final Color GRID = new Color(225, 225, 225);
    static final Color AXIS = new Color(90, 90, 90);

    private PlotCanvas() {
    }

    static BufferedImage image(int width, int height) {
        System.setProperty("java.awt.headless", "true");
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.dispose();
        return img;
    }

    static Graphics2D graphics(BufferedImage img) {
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
        return g;
    }

    static void write(Path png, BufferedImage img) throws IOException {
        AtomicFiles.write(png, out -> {
            if (!ImageIO.write(img, "png", out)) {
                throw new IOException("no PNG writer available for " + png);
            }
        });
    }

    static void centered(Graphics2D g, String text, double cx, double baseline) {
        FontMetrics fm = g.getFontMetrics();
        g.drawString(text, (float) (cx - fm.stringWidth(text) / 2.0), (float) baseline);
    }

    /** Text cut to {@code maxWidth} pixels with an ellipsis. */
    static String fit(Graphics2D g, String text, int maxWidth) {
        FontMetrics fm = g.getFontMetrics();
        if (fm.stringWidth(text) <= maxWidth) return text;
        String s = text;
        while (!s.isEmpty() && fm.stringWidth(s + "…") > maxWidth) s = s.substring(0, s.length() - 1);
        return s + "…";
    }

    /** A plot area of an image: pixel rectangle plus the data range it shows. */
    static final class Area {
        final int left, top, width, height;
        final double xMin, xMax, yMin, yMax;
        final boolean logX;

        Area(int left, int top, int width, int height, double xMin, double xMax, double yMin, double yMax,
             boolean logX) {
            this.left = left;
            this.top = top;
            this.width = width;
            this.height = height;
            this.logX = logX;
            this.xMin = logX ? Math.log10(xMin) : xMin;
            this.xMax = logX ? Math.log10(xMax) : xMax;
            this.yMin = yMin;
            this.yMax = yMax;
        }

        double px(double x) {
            double v = logX ? Math.log10(x) : x;
            return left + (v - xMin) / (xMax - xMin) * width;
        }

        double py(double y) {
            return top + height - (y - yMin) / (yMax - yMin) * height;
        }

        int bottom() {
            return top + height;
        }

        int right() {
            return left + width;
        }

        /** Grid, frame, ticks and tick labels; axis titles when not null. */
        void axes(Graphics2D g, String xTitle, String yTitle, String xPattern, String yPattern) {
            axes(g, xTitle, yTitle, xPattern, yPattern, true);
        }

        /** As above; without x tick labels when {@code xTickLabels} is false (something is drawn under the area). */
        void axes(Graphics2D g, String xTitle, String yTitle, String xPattern, String yPattern, boolean xTickLabels) {
            g.setFont(SMALL);
            g.setStroke(new BasicStroke(1f));
            List<Double> xt = logX ? logTicks(xMin, xMax) : ticks(xMin, xMax, Math.max(3, width / 90));
            List<Double> yt = ticks(yMin, yMax, Math.max(3, height / 45));
            for (double t : xt) {
                double x = logX ? left + (t - xMin) / (xMax - xMin) * width : px(t);
                g.setColor(GRID);
                g.drawLine((int) Math.round(x), top, (int) Math.round(x), bottom());
                if (!xTickLabels) continue;
                g.setColor(AXIS);
                g.drawLine((int) Math.round(x), bottom(), (int) Math.round(x), bottom() + 4);
                String label = logX ? compact(Math.pow(10, t)) : format(t, xPattern);
                centered(g, label, x, bottom() + 16);
            }
            for (double t : yt) {
                int y = (int) Math.round(py(t));
                g.setColor(GRID);
                g.drawLine(left, y, right(), y);
                g.setColor(AXIS);
                g.drawLine(left - 4, y, left, y);
                String label = format(t, yPattern);
                g.drawString(label, left - 6 - g.getFontMetrics().stringWidth(label), y + 4);
            }
            g.setColor(AXIS);
            g.drawRect(left, top, width, height);
            g.setFont(LABEL);
            if (xTitle != null) centered(g, xTitle, left + width / 2.0, bottom() + 34);
            if (yTitle != null) {
                Graphics2D r = (Graphics2D) g.create();
                r.rotate(-Math.PI / 2);
                centered(r, yTitle, -(top + height / 2.0), left - 44);
                r.dispose();
            }
        }
    }

    /** Three significant digits, plain between 1e-4 and 1e5, else scientific ("4", "0.00693", "1.2e-05"). */
    static String compact(double v) {
        if (v == 0 || !Double.isFinite(v)) return v == 0 ? "0" : String.valueOf(v);
        java.math.BigDecimal d = new java.math.BigDecimal(v).round(new java.math.MathContext(3)).stripTrailingZeros();
        double a = Math.abs(v);
        if (a >= 1e-4 && a < 1e5) return d.toPlainString();
        return String.format(java.util.Locale.ROOT, "%.2g", v).replace("e+0", "e").replace("e-0", "e-").replace("e+", "e");
    }

    static String format(double v, String pattern) {
        return new java.text.DecimalFormat(pattern, java.text.DecimalFormatSymbols.getInstance(java.util.Locale.ROOT))
                .format(v);
    }

    /** About {@code n} ticks at 1, 2 or 5 times a power of ten inside [min, max]. */
    static List<Double> ticks(double min, double max, int n) {
        List<Double> out = new ArrayList<>();
        double span = max - min;
        if (!(span > 0) || !Double.isFinite(span)) {
            out.add(min);
            return out;
        }
        double raw = span / Math.max(1, n);
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = raw / mag < 1.5 ? mag : raw / mag < 3 ? 2 * mag : raw / mag < 7 ? 5 * mag : 10 * mag;
        for (double t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step) {
            out.add(Math.abs(t) < step * 1e-9 ? 0.0 : t);
        }
        return out;
    }

    /** Ticks (as log10 values) at the powers of ten in [min, max], at 1-2-5 steps when that gives fewer than four. */
    static List<Double> logTicks(double min, double max) {
        List<Double> out = new ArrayList<>();
        for (double e = Math.ceil(min); e <= max + 1e-9; e++) out.add(e);
        if (out.size() >= 4) return out;
        out.clear();
        for (double e = Math.floor(min); e <= max; e++) {
            for (double m : new double[]{1, 2, 5}) {
                double t = e + Math.log10(m);
                if (t >= min - 1e-9 && t <= max + 1e-9) out.add(t);
            }
        }
        return out;
    }

    /** Low-to-high colour map (pale yellow, orange, red, dark purple; after matplotlib's "inferno", reversed for a white page). */
    static Color heat(double v) {
        double[][] stops = {{255, 252, 220}, {253, 205, 100}, {245, 125, 40}, {205, 40, 45}, {110, 10, 80}};
        double t = Math.max(0, Math.min(1, Double.isFinite(v) ? v : 0)) * (stops.length - 1);
        int i = Math.min(stops.length - 2, (int) Math.floor(t));
        double f = t - i;
        return new Color((int) Math.round(stops[i][0] + f * (stops[i + 1][0] - stops[i][0])),
                (int) Math.round(stops[i][1] + f * (stops[i + 1][1] - stops[i][1])),
                (int) Math.round(stops[i][2] + f * (stops[i + 1][2] - stops[i][2])));
    }

    /** Qualitative palette (Tableau 10). */
    static Color palette(int i) {
        int[] rgb = {0x4E79A7, 0xE15759, 0xF28E2B, 0x59A14F, 0xB07AA1, 0x76B7B2, 0xEDC948, 0xFF9DA7, 0x9C755F, 0xBAB0AC};
        return new Color(rgb[Math.floorMod(i, rgb.length)]);
    }
}
