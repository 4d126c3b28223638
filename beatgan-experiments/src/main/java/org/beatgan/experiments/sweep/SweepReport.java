package org.beatgan.experiments.sweep;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.beatgan.core.config.ExperimentConfig;
import org.beatgan.core.io.AtomicFiles;
import org.beatgan.core.io.Json;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The end of a sweep: results.csv and results.md (one row per candidate, best first), a plot of
 * the score against each searched parameter, best-config.yaml (ready for ./beatgan distill) and
 * best.json with the best student's test metrics (measured on the test split after training).
 */
final class SweepReport {

    private final ExperimentConfig cfg;
    private final SweepSpec spec;
    private final Path out;
    private final Path teacher;

    SweepReport(ExperimentConfig cfg, SweepSpec spec, Path out, Path teacher) {
        this.cfg = cfg;
        this.spec = spec;
        this.out = out;
        this.teacher = teacher;
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> write(List<Map<String, Object>> records) throws IOException {
        List<Map<String, Object>> done = new ArrayList<>(records.stream().filter(r -> "done".equals(r.get("status"))).toList());
        Comparator<Map<String, Object>> byScore = Comparator.comparingDouble(r -> ((Number) r.get("score")).doubleValue());
        done.sort(spec.minimize() ? byScore : byScore.reversed());
        List<Map<String, Object>> failed = records.stream().filter(r -> !"done".equals(r.get("status"))).toList();
        List<String> names = spec.parameters().stream().map(SweepParameter::name).toList();

        StringBuilder csv = new StringBuilder(String.join(",", names)).append(",status,score,val_auc,test_auc,test_ap,test_best_f1,seconds,model,error\n");
        StringBuilder md = new StringBuilder("# Sweep: ").append(cfg.name()).append("\n\nScore: ").append(spec.metric())
                .append(spec.minimize() ? " (minimised)" : " (maximised)").append("; ").append(done.size()).append(" done, ")
                .append(failed.size()).append(" failed. Test metrics are measured after training and never used for selection.\n\n| ")
                .append(String.join(" | ", names)).append(" | score | test AUC | test AP | test best F1 | seconds |\n|")
                .append("---|".repeat(names.size() + 5)).append('\n');
        List<Map<String, Object>> ordered = new ArrayList<>(done);
        ordered.addAll(failed);
        for (Map<String, Object> r : ordered) {
            Map<String, Object> p = (Map<String, Object>) r.get("params");
            Map<String, Object> test = r.get("metrics") == null ? Map.of()
                    : (Map<String, Object>) ((Map<String, Object>) r.get("metrics")).getOrDefault("test", Map.of());
            Map<String, Object> bestRec = r.get("metrics") == null ? Map.of()
                    : (Map<String, Object>) ((Map<String, Object>) r.get("metrics")).getOrDefault("best_epoch_record", Map.of());
            for (String n : names) csv.append(p.get(n)).append(',');
            csv.append(r.get("status")).append(',').append(val(r.get("score"))).append(',').append(val(bestRec.get("val_auc")))
                    .append(',').append(val(test.get("auc"))).append(',').append(val(test.get("ap"))).append(',')
                    .append(val(test.get("best_f1"))).append(',').append(val(r.get("seconds"))).append(',')
                    .append(r.getOrDefault("model", "")).append(',')
                    .append(String.valueOf(r.getOrDefault("error", "")).replace(',', ';').replace('\n', ' ')).append('\n');
            md.append("| ");
            for (String n : names) md.append(fmt(p.get(n))).append(" | ");
            md.append("done".equals(r.get("status")) ? fmt(r.get("score")) : "failed: " + r.get("error")).append(" | ")
                    .append(fmt(test.get("auc"))).append(" | ").append(fmt(test.get("ap"))).append(" | ")
                    .append(fmt(test.get("best_f1"))).append(" | ").append(fmt(r.get("seconds"))).append(" |\n");
        }
        AtomicFiles.writeString(out.resolve("results.csv"), csv.toString());
        AtomicFiles.writeString(out.resolve("results.md"), md.toString());
        for (SweepParameter sp : spec.parameters()) {
            plot(sp, done);
        }
        Map<String, Object> best = new LinkedHashMap<>();
        if (!done.isEmpty()) {
            Map<String, Object> b = done.get(0);
            Map<String, Double> params = new LinkedHashMap<>();
            ((Map<String, Object>) b.get("params")).forEach((k, v) -> params.put(k, ((Number) v).doubleValue()));
            ExperimentConfig bestCfg = SweepCandidates.apply(cfg, spec.parameters(), params);
            ObjectNode tree = Json.MAPPER.valueToTree(bestCfg);
            tree.remove("sweep");
            tree.put("name", cfg.name() + "-best");
            tree.with("distill").put("teacher", teacher.toAbsolutePath().toString());
            AtomicFiles.writeString(out.resolve("best-config.yaml"), "# Best candidate of sweep " + cfg.name() + " ("
                    + spec.metric() + " = " + b.get("score") + "). Run: ./beatgan distill --config " + out.resolve("best-config.yaml")
                    + " --out runs/best\n" + Json.YAML.writeValueAsString(tree));
            best.put("params", params);
            best.put("score", b.get("score"));
            best.put("test", ((Map<String, Object>) b.get("metrics")).get("test"));
            best.put("model", b.get("model"));
            best.put("config", out.resolve("best-config.yaml").toString());
            AtomicFiles.write(out.resolve("best.json"), o -> Json.MAPPER.writeValue(o, best));
        }
        return best;
    }

    @SuppressWarnings("unchecked")
    private void plot(SweepParameter sp, List<Map<String, Object>> done) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(700).height(480).title(spec.metric() + " vs " + sp.name())
                .xAxisTitle(sp.name()).yAxisTitle(spec.metric()).build();
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter)
                .setLegendVisible(false).setMarkerSize(10);
        chart.getStyler().setYAxisDecimalPattern("0.0####");
        if (!sp.log()) chart.getStyler().setXAxisDecimalPattern("0.###");
        boolean log = sp.log() || (sp.values() != null && sp.values().stream().allMatch(v -> v > 0)
                && sp.values().stream().mapToDouble(Double::doubleValue).max().orElse(1)
                / sp.values().stream().mapToDouble(Double::doubleValue).min().orElse(1) >= 100);
        chart.getStyler().setXAxisLogarithmic(log);
        double[] x = new double[done.size()];
        double[] y = new double[done.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = ((Number) ((Map<String, Object>) done.get(i).get("params")).get(sp.name())).doubleValue();
            y[i] = ((Number) done.get(i).get("score")).doubleValue();
        }
        if (x.length == 0) return;
        chart.addSeries("candidates", x, y);
        byte[] png = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        AtomicFiles.write(out.resolve("score_vs_" + sp.name() + ".png"), o -> o.write(png));
    }

    private static String val(Object v) {
        return v == null ? "" : v.toString();
    }

    private static String fmt(Object v) {
        if (v instanceof Number n) {
            double d = n.doubleValue();
            return Math.abs(d) >= 1000 || (Math.abs(d) < 1e-3 && d != 0) ? String.format("%.3g", d) : String.format("%.4f", d);
        }
        return v == null ? "" : v.toString();
    }
}
