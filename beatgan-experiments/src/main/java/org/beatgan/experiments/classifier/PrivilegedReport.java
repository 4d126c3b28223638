package org.beatgan.experiments.classifier;

import com.fasterxml.jackson.databind.JsonNode;
import org.beatgan.core.io.AtomicFiles;
import org.beatgan.core.io.Json;
import org.beatgan.core.train.classifier.ClassifierRun;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * The CRD experiment's table: per run, the abnormal class on the DS2 test records (F1, AUC, AP,
 * sensitivity, precision; mean ± sample std over seeds), each AAMI class's recall, parameters and
 * epochs; report.md, report.json and report.png (F1 and AUC per run with error bars).
 */
final class PrivilegedReport {

    static final String DETAIL = "test_detail.json";
    static final List<String> METRICS = List.of("f1", "auc", "ap", "sensitivity", "precision");
    static final List<String> CLASSES = List.of("N", "S", "V", "F", "Q");

    record Row(String run, long seed, JsonNode detail, long params, int bestEpoch, int epochs, String error) {
        static Row of(String run, long seed, Path dir) throws IOException {
            JsonNode m = Json.MAPPER.readTree(dir.resolve(ClassifierRun.METRICS).toFile());
            JsonNode d = Json.MAPPER.readTree(dir.resolve(DETAIL).toFile());
            return new Row(run, seed, d, m.path("params").path("model").asLong(), m.path("best_epoch").asInt(),
                    m.path("epochs").asInt(), null);
        }

        static Row failed(String run, long seed, Exception e) {
            return new Row(run, seed, null, 0, 0, 0, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    private final PrivilegedConfig cfg;
    private final List<Row> rows;
    private final Map<String, Object> data;
    private final Map<String, Object> searched;
    private final Path out;

    PrivilegedReport(PrivilegedConfig cfg, List<Row> rows, Map<String, Object> data, Map<String, Object> searched, Path out) {
        this.cfg = cfg;
        this.rows = rows;
        this.data = data;
        this.searched = searched;
        this.out = out;
    }

    Map<String, Object> write() throws IOException {
        StringBuilder md = new StringBuilder("# ").append(cfg.name()).append("\n\n");
        md.append("Data: `").append(Json.COMPACT.writeValueAsString(data)).append("`\n\n");
        md.append("Teacher MLP ").append(cfg.teacher().hidden()).append(" on both leads + RR features; student MLP ")
                .append(cfg.student().hidden()).append(" on MLII; training `").append(Json.COMPACT.writeValueAsString(cfg.training()))
                .append("`; seeds ").append(cfg.seeds()).append(".");
        if (searched != null) {
            md.append(" Searched student (`").append(PrivilegedExperiment.SEARCHED).append("`): `")
                    .append(Json.COMPACT.writeValueAsString(searched.get("params"))).append("`, hidden ")
                    .append(searched.get("hidden")).append(", validation F1 ").append(String.format("%.4f", ((Number) searched.get("score")).doubleValue()))
                    .append(" (search/search.json).");
        }
        md.append("\n\nAbnormal (S, V, F, Q) vs normal (N) beats of the DS2 test records, threshold 0.5; mean ± sample std over seeds.\n\n");
        md.append("| run | params | runs | F1 | AUC | AP | sensitivity | precision | recall N | S | V | F | Q | epochs (best) |\n");
        md.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        Map<String, Object> summary = new LinkedHashMap<>();
        LinkedHashSet<String> names = new LinkedHashSet<>();
        rows.forEach(r -> names.add(r.run()));
        for (String name : names) {
            List<Row> ok = rows.stream().filter(r -> r.run().equals(name) && r.error() == null).toList();
            if (ok.isEmpty()) {
                String err = rows.stream().filter(r -> r.run().equals(name)).findFirst().map(Row::error).orElse("");
                md.append("| ").append(name).append(" | | 0 | failed: ").append(err.replace('|', '/')).append(" |").append(" |".repeat(10)).append('\n');
                summary.put(name, Map.of("runs", 0, "error", err));
                continue;
            }
            Map<String, Object> s = new LinkedHashMap<>();
            md.append("| ").append(name).append(" | ").append(String.format("%,d", ok.get(0).params())).append(" | ").append(ok.size());
            for (String m : METRICS) {
                double[] v = ok.stream().mapToDouble(r -> r.detail().path(m).asDouble(Double.NaN)).toArray();
                md.append(" | ").append(fmt(v));
                s.put(m + "_mean", mean(v));
                s.put(m + "_std", std(v));
                s.put(m, v);
            }
            Map<String, Object> recall = new LinkedHashMap<>();
            for (String c : CLASSES) {
                double[] v = ok.stream().mapToDouble(r -> r.detail().path("class_recall").path(c).path("recall").asDouble(Double.NaN)).toArray();
                md.append(" | ").append(Double.isNaN(mean(v)) ? "–" : String.format("%.3f", mean(v)));
                recall.put(c, mean(v));
            }
            md.append(" | ").append(String.format("%.1f (%.1f)", ok.stream().mapToInt(Row::epochs).average().orElse(0),
                    ok.stream().mapToInt(Row::bestEpoch).average().orElse(0))).append(" |\n");
            s.put("class_recall_mean", recall);
            s.put("params", ok.get(0).params());
            s.put("runs", ok.size());
            summary.put(name, s);
        }
        md.append("\n![F1 and AUC per run](report.png)\n");
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("experiment", cfg.name());
        report.put("data", data);
        report.put("search", searched);
        report.put("summary", summary);
        List<Map<String, Object>> runs = new ArrayList<>();
        for (Row r : rows) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("run", r.run());
            m.put("seed", r.seed());
            if (r.detail() != null) m.put("test", r.detail());
            if (r.error() != null) m.put("error", r.error());
            runs.add(m);
        }
        report.put("runs", runs);
        AtomicFiles.writeString(out.resolve("report.md"), md.toString());
        AtomicFiles.write(out.resolve("report.json"), o -> Json.MAPPER.writeValue(o, report));
        plot(summary);
        return report;
    }

    @SuppressWarnings("unchecked")
    private void plot(Map<String, Object> summary) throws IOException {
        List<String> names = new ArrayList<>();
        for (var e : summary.entrySet()) if (((Map<String, Object>) e.getValue()).containsKey("f1_mean")) names.add(e.getKey());
        if (names.isEmpty()) return;
        System.setProperty("java.awt.headless", "true");
        CategoryChart chart = new CategoryChartBuilder().width(1000).height(600).title(cfg.name() + ": DS2 test, abnormal class")
                .xAxisTitle("run").yAxisTitle("mean ± std over seeds").build();
        for (String m : List.of("f1", "auc")) {
            List<Double> y = new ArrayList<>(), err = new ArrayList<>();
            for (String n : names) {
                Map<String, Object> s = (Map<String, Object>) summary.get(n);
                y.add((Double) s.get(m + "_mean"));
                err.add((Double) s.get(m + "_std"));
            }
            chart.addSeries(m.toUpperCase(), names, y, err);
        }
        chart.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
        byte[] png = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        AtomicFiles.write(out.resolve("report.png"), o -> o.write(png));
    }

    private static String fmt(double[] v) {
        return v.length > 1 ? String.format("%.4f ± %.4f", mean(v), std(v)) : String.format("%.4f", mean(v));
    }

    static double mean(double[] v) {
        double s = 0;
        int n = 0;
        for (double x : v) if (!Double.isNaN(x)) { s += x; n++; }
        return n == 0 ? Double.NaN : s / n;
    }

    static double std(double[] v) {
        double m = mean(v), s = 0;
        int n = 0;
        for (double x : v) if (!Double.isNaN(x)) { s += (x - m) * (x - m); n++; }
        return n < 2 ? 0 : Math.sqrt(s / (n - 1));
    }
}
