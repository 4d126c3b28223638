package org.beatgan.experiments.classifier;

import com.fasterxml.jackson.databind.JsonNode;
import org.beatgan.core.io.AtomicFiles;
import org.beatgan.core.io.Json;
import org.beatgan.core.train.classifier.ClassifierRun;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The classifier experiment's table (report.md, report.json: model, parameters, test accuracy
 * mean ± std over seeds, seconds per epoch, best epoch) and curves (accuracy.png: validation
 * accuracy per epoch; loss.png: training loss per epoch; both the mean over seeds).
 */
final class ClassifierReport {


    record Row(String run, String model, long seed, double accuracy, long params, long adapters, double secondsPerEpoch,
               int bestEpoch, int epochs, List<double[]> curve, String error) {

        static Row of(ClassifierExperimentConfig.Run r, long seed, Path dir) throws IOException {
            JsonNode m = ClassifierExperiment.metrics(dir);
            List<double[]> curve = new ArrayList<>();   // (epoch, val accuracy, train loss)
            for (String line : Files.readAllLines(dir.resolve(ClassifierRun.EPOCHS))) {
                JsonNode e = Json.MAPPER.readTree(line);
                curve.add(new double[]{e.path("epoch").asDouble(), e.path("val_accuracy").asDouble(),
                        e.path("loss").asDouble()});
            }
            return new Row(r.name(), m.path("model").path("model").asText(), seed, m.path("test").path("accuracy").asDouble(),
                    m.path("params").path("model").asLong(), m.path("params").path("adapters").asLong(),
                    m.path("seconds_per_epoch").asDouble(), m.path("best_epoch").asInt(), m.path("epochs").asInt(), curve,
                    null);
        }

        static Row failed(ClassifierExperimentConfig.Run r, long seed, Exception e) {
            return new Row(r.name(), r.model(), seed, Double.NaN, 0, 0, Double.NaN, 0, 0, List.of(),
                    e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    private final ClassifierExperimentConfig cfg;
    private final List<ClassifierExperimentConfig.Run> runs;
    private final Map<String, Object> searched;
    private final List<Row> rows;
    private final Map<String, Object> data;
    private final Path out;

    ClassifierReport(ClassifierExperimentConfig cfg, List<ClassifierExperimentConfig.Run> runs, List<Row> rows,
                     Map<String, Object> data, Map<String, Object> searched, Path out) {
        this.cfg = cfg;
        this.runs = runs;
        this.searched = searched;
        this.rows = rows;
        this.data = data;
        this.out = out;
    }

    Map<String, Object> write() throws IOException {
        Files.createDirectories(out);
        StringBuilder md = new StringBuilder("# ").append(cfg.name()).append("\n\n");
        md.append("Data: `").append(Json.COMPACT.writeValueAsString(data)).append("`\n\n");
        md.append("Training: `").append(Json.COMPACT.writeValueAsString(cfg.training())).append("`, seeds ")
                .append(cfg.seeds()).append(".");
        if (searched != null) {
            md.append(" Search (search/search.json): best `").append(Json.COMPACT.writeValueAsString(searched.get("params")))
                    .append("` at validation accuracy ").append(String.format("%.4f", ((Number) searched.get("score")).doubleValue()))
                    .append(", trained for every seed as `").append(cfg.search().run()).append(ClassifierExperiment.SEARCHED_SUFFIX)
                    .append("`.");
        }
        md.append("\n\n");
        md.append("| run | model | params | extra params | test accuracy | seconds / epoch | best epoch | seeds |\n");
        md.append("|---|---|---|---|---|---|---|---|\n");
        Map<String, Object> summary = new LinkedHashMap<>();
        for (ClassifierExperimentConfig.Run r : runs) {
            List<Row> all = rows.stream().filter(x -> x.run().equals(r.name())).toList();
            List<Row> ok = all.stream().filter(x -> x.error() == null).toList();
            if (ok.isEmpty()) {
                String err = all.isEmpty() ? "not run yet" : "failed: " + all.get(0).error().replace('|', '/');
                md.append("| ").append(r.name()).append(" | | | | ").append(err).append(" | | | 0 |\n");
                summary.put(r.name(), Map.of("runs", 0, "error", err));
                continue;
            }
            double[] acc = ok.stream().mapToDouble(Row::accuracy).toArray();
            double mean = mean(acc), std = std(acc);
            double sec = mean(ok.stream().mapToDouble(Row::secondsPerEpoch).toArray());
            md.append("| ").append(r.name()).append(" | ").append(ok.get(0).model()).append(" | ")
                    .append(String.format("%,d", ok.get(0).params())).append(" | ")
                    .append(String.format("%,d", ok.get(0).adapters())).append(" | ")
                    .append(ok.size() > 1 ? String.format("%.2f%% ± %.2f", 100 * mean, 100 * std) : String.format("%.2f%%", 100 * mean))
                    .append(" | ").append(String.format("%.1f", sec)).append(" | ")
                    .append(ok.stream().map(x -> String.valueOf(x.bestEpoch())).toList()).append(" | ").append(ok.size())
                    .append(" |\n");
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("model", ok.get(0).model());
            s.put("params", ok.get(0).params());
            s.put("adapter_params", ok.get(0).adapters());
            s.put("test_accuracy_mean", mean);
            s.put("test_accuracy_std", std);
            s.put("test_accuracy", acc);
            s.put("seconds_per_epoch", sec);
            s.put("runs", ok.size());
            summary.put(r.name(), s);
        }
        md.append("\nmean ± sample std over seeds; test accuracy of the epoch with the best validation accuracy. ")
                .append("For comparison, a published run of the PyTorch tutorial on CIFAR-10 (50,000 images, 10 epochs): ")
                .append("teacher 75.25%, student 70.76%, student with CE + KD 70.77%.\n\n")
                .append("![validation accuracy](accuracy.png)\n![training loss](loss.png)\n");
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("experiment", cfg.name());
        report.put("data", data);
        report.put("summary", summary);
        if (searched != null) report.put("search", searched);
        List<Map<String, Object>> runs = new ArrayList<>();
        for (Row r : rows) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("run", r.run());
            m.put("seed", r.seed());
            m.put("test_accuracy", r.accuracy());
            m.put("epochs", r.epochs());
            m.put("best_epoch", r.bestEpoch());
            m.put("seconds_per_epoch", r.secondsPerEpoch());
            if (r.error() != null) m.put("error", r.error());
            runs.add(m);
        }
        report.put("runs", runs);
        AtomicFiles.writeString(out.resolve("report.md"), md.toString());
        AtomicFiles.write(out.resolve("report.json"), o -> Json.MAPPER.writeValue(o, report));
        plot("accuracy.png", "Validation accuracy", "validation accuracy", 1);
        plot("loss.png", "Training loss (task + weighted terms)", "training loss", 2);
        return report;
    }

    private void plot(String file, String title, String yTitle, int column) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(900).height(600).title(title).xAxisTitle("epoch").yAxisTitle(yTitle).build();
        boolean any = false;
        for (ClassifierExperimentConfig.Run r : runs) {
            List<Row> ok = rows.stream().filter(x -> x.run().equals(r.name()) && x.error() == null).toList();
            int n = ok.stream().mapToInt(x -> x.curve().size()).min().orElse(0);
            if (n == 0) continue;
            double[] x = new double[n], y = new double[n];
            for (int e = 0; e < n; e++) {
                x[e] = e + 1;
                final int ep = e;
                y[e] = ok.stream().mapToDouble(row -> row.curve().get(ep)[column]).average().orElse(Double.NaN);
            }
            chart.addSeries(r.name(), x, y).setMarker(SeriesMarkers.CIRCLE);
            any = true;
        }
        if (!any) return;
        byte[] png = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        AtomicFiles.write(out.resolve(file), o -> o.write(png));
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) s += x;
        return s / v.length;
    }

    private static double std(double[] v) {
        if (v.length < 2) return 0;
        double m = mean(v), s = 0;
        for (double x : v) s += (x - m) * (x - m);
        return Math.sqrt(s / (v.length - 1));
    }
}
