package org.beatgan.experiments.report;

import org.beatgan.core.io.AtomicFiles;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** ROC and precision-recall curves of several models in one PNG each (XChart, headless). */
final class CurvePlots {

    record Curve(double[] x, double[] y) {
    }

    private CurvePlots() {
    }

    static void write(Path file, String title, String xTitle, String yTitle, Map<String, Curve> curves)
            throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(900).height(650).title(title).xAxisTitle(xTitle)
                .yAxisTitle(yTitle).build();
        chart.getStyler().setXAxisMin(0.0).setXAxisMax(1.0).setYAxisMin(0.0).setYAxisMax(1.0)
                .setXAxisDecimalPattern("0.0").setYAxisDecimalPattern("0.0");
        curves.forEach((name, c) -> chart.addSeries(name, c.x(), c.y()).setMarker(SeriesMarkers.NONE));
        byte[] png = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        AtomicFiles.write(file, out -> out.write(png));
    }
}
