package org.beatgan.experiments.report;

import com.fasterxml.jackson.databind.JsonNode;
import org.beatgan.core.config.ExperimentConfig;
import org.beatgan.core.io.AtomicFiles;
import org.beatgan.core.io.Json;
import org.beatgan.core.train.TrainingRun;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/** Writes report.md, report.json, roc.png and pr.png of a comparison into its output folder. */
final class ComparisonReport {

    private final ExperimentConfig cfg;
    private final List<ComparisonExperiment.Row> rows;
    private final List<String> variants;
    private final Path out;
    private final Path teacher;
    private final Map<String, Map<String, Integer>> data;
    private final List<String> pending;

    ComparisonReport(ExperimentConfig cfg, List<ComparisonExperiment.Row> rows, List<String> variants, Path out,
                     Path teacher, Map<String, Map<String, Integer>> data, List<String> pending) {
        this.pending = pending;
        this.cfg = cfg;
        this.rows = rows;
        this.variants = variants;
        this.out = out;
        this.teacher = teacher;
        this.data = data;
    }

    Map<String, Object> write() throws IOException {
        List<String> names = new ArrayList<>();
        names.add("teacher");
        names.addAll(variants);
        Map<String, Object> summary = new LinkedHashMap<>();
        StringBuilder md = new StringBuilder();
        md.append("# Distillation comparison: ").append(cfg.name()).append("\n\n");
        md.append("Student ").append(cfg.model()).append(", ").append(cfg.training().epochs())
                .append(" epochs, batch ").append(cfg.training().batchSize()).append(", lr ").append(cfg.training().lr())
                .append("; teacher ").append(teacher).append(".\n\nData (beats per class): `")
                .append(Json.COMPACT.writeValueAsString(data)).append("`\n\n");
        md.append("| model | runs | params G | extra params | model file | test AUC | test AP | test best F1 | train s/epoch | infer beats/s (batch 64) | latency ms (batch 1, median / p90) |\n");
        md.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (String n : names) {
            List<ComparisonExperiment.Row> all = rows.stream().filter(r -> r.variant().equals(n)).toList();
            List<ComparisonExperiment.Row> rs = all.stream().filter(r -> r.error() == null).toList();
            if (rs.isEmpty() && !all.isEmpty()) {
                md.append("| ").append(n).append(" | 0 | | | | failed: ").append(all.get(0).error().replace('|', '/'))
                        .append(" | | | | | |\n");
                summary.put(n, Map.of("runs", 0, "error", all.get(0).error()));
                continue;
            }
            if (rs.isEmpty()) continue;
            Stats sec = stat(rs, ComparisonExperiment.Row::secondsPerEpoch);
            Stats auc = stat(rs, ComparisonExperiment.Row::auc), ap = stat(rs, ComparisonExperiment.Row::ap),
                    f1 = stat(rs, ComparisonExperiment.Row::f1), bps = stat(rs, ComparisonExperiment.Row::beatsPerS64),
                    lat = stat(rs, ComparisonExperiment.Row::latencyMs), p90 = stat(rs, ComparisonExperiment.Row::latencyP90Ms);
            md.append("| ").append(n).append(" | ").append(rs.size()).append(" | ")
                    .append(String.format("%,d", rs.get(0).paramsG())).append(" | ")
                    .append(String.format("%,d", rs.get(0).adapterParams())).append(" | ")
                    .append(String.format("%.2f MB", rs.get(0).modelBytes() / 1e6)).append(" | ")
                    .append(auc.format("%.4f")).append(" | ").append(ap.format("%.4f")).append(" | ")
                    .append(f1.format("%.4f")).append(" | ").append(sec.format("%.1f")).append(" | ")
                    .append(bps.format("%.0f")).append(" | ")
                    .append(String.format("%.2f / %.2f", lat.mean(), p90.mean())).append(" |\n");
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("runs", rs.size());
            s.put("params_G", rs.get(0).paramsG());
            s.put("adapter_params", rs.get(0).adapterParams());
            s.put("train_seconds_per_epoch", sec.mean());
            s.put("model_bytes", rs.get(0).modelBytes());
            s.put("test_auc_mean", auc.mean());
            s.put("test_auc_std", auc.std());
            s.put("test_ap_mean", ap.mean());
            s.put("test_ap_std", ap.std());
            s.put("test_best_f1_mean", f1.mean());
            s.put("test_best_f1_std", f1.std());
            s.put("infer_beats_per_s_batch64", bps.mean());
            s.put("latency_ms_batch1_median", lat.mean());
            s.put("latency_ms_batch1_p90", p90.mean());
            summary.put(n, s);
        }
        md.append("\nmean ± sample std over seeds; the teacher is one run. Speeds measured on this machine ")
                .append("right after training (").append(Runtime.getRuntime().availableProcessors())
                .append(" cores, OMP_NUM_THREADS=").append(System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"))
                .append("). Curves of the first seed: roc.png, pr.png.\n");
        if (!pending.isEmpty()) {
            md.append("\nNot finished yet (not in the table): ").append(String.join(", ", pending)).append(".\n");
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("experiment", cfg.name());
        report.put("summary", summary);
        report.put("runs", rows.stream().map(ComparisonExperiment::toMap).toList());
        report.put("pending", pending);
        AtomicFiles.writeString(out.resolve("report.md"), md.toString());
        AtomicFiles.write(out.resolve("report.json"), o -> Json.MAPPER.writeValue(o, report));
        writeCurves(names);
        return report;
    }

    private void writeCurves(List<String> names) throws IOException {
        Map<String, CurvePlots.Curve> roc = new LinkedHashMap<>();
        Map<String, CurvePlots.Curve> pr = new LinkedHashMap<>();
        for (String n : names) {
            Path curves = n.equals("teacher") ? teacher.resolveSibling(TrainingRun.CURVES) : rows.stream()
                    .filter(r -> r.variant().equals(n)).findFirst()
                    .map(r -> out.resolve(ComparisonExperiment.slug(n)).resolve("seed-" + r.seed()).resolve(TrainingRun.CURVES))
                    .orElse(null);
            if (curves == null || !Files.exists(curves)) continue;
            JsonNode c = Json.MAPPER.readTree(curves.toFile());
            roc.put(n, new CurvePlots.Curve(doubles(c.path("roc").path("fpr")), doubles(c.path("roc").path("tpr"))));
            pr.put(n, new CurvePlots.Curve(doubles(c.path("pr").path("recall")), doubles(c.path("pr").path("precision"))));
        }
        if (!roc.isEmpty()) {
            CurvePlots.write(out.resolve("roc.png"), "ROC (test)", "false positive rate", "true positive rate", roc);
            CurvePlots.write(out.resolve("pr.png"), "Precision-recall (test)", "recall", "precision", pr);
        }
    }

    private static double[] doubles(JsonNode a) {
        double[] d = new double[a.size()];
        for (int i = 0; i < d.length; i++) d[i] = a.get(i).asDouble();
        return d;
    }

    private static Stats stat(List<ComparisonExperiment.Row> rs, ToDoubleFunction<ComparisonExperiment.Row> f) {
        return Stats.of(rs.stream().map(r -> f.applyAsDouble(r)).toList());
    }
}
