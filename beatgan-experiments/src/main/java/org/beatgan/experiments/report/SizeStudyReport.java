package org.beatgan.experiments.report;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.commons.math3.stat.inference.TTest;
import org.apache.commons.math3.stat.inference.WilcoxonSignedRankTest;
import org.beatgan.core.config.ExperimentConfig;
import org.beatgan.core.io.AtomicFiles;
import org.beatgan.core.io.Json;
import org.beatgan.core.train.TrainingRun;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;

/**
 * The student-size study (issue "how small can a distilled BeatGAN get"): per student width a
 * table of every variant (mean ± sample std over seeds, % of the teacher's test AUC, epochs until
 * validation stopped improving, scoring speed), the per-seed paired differences of every variant
 * against the baseline (the student alone) with a paired t-test and the exact Wilcoxon
 * signed-rank test, test AUC against generator parameters (PNG, log scale, error bars, the teacher
 * as a line) and validation AUC against training beats for the chosen variants of one width.
 * Written from the run folders only, so it can be regenerated at any time
 * ({@code ./beatgan experiment --report-only}).
 */
final class SizeStudyReport {

    /** {@code experiment.study}: the baseline variant, the AUC fraction to keep, the budget curve. */
    record Settings(String baseline, double keep, int budgetWidth, List<String> budgetVariants) {

        private static final List<String> KEYS = List.of("baseline", "keep", "budgetCurve");

        static Settings from(JsonNode exp) {
            JsonNode s = exp.path("study");
            s.fieldNames().forEachRemaining(k -> {
                if (!KEYS.contains(k)) {
                    throw new IllegalArgumentException("experiment.study: unknown key '" + k + "' (known: " + KEYS + ")");
                }
            });
            double keep = s.path("keep").asDouble(0.98);
            if (!(keep > 0 && keep <= 1)) {
                throw new IllegalArgumentException("experiment.study.keep = " + keep + ", expected a fraction in (0, 1]");
            }
            List<String> variants = new ArrayList<>();
            s.path("budgetCurve").path("variants").forEach(v -> variants.add(v.asText()));
            return new Settings(s.path("baseline").asText("alone"), keep, s.path("budgetCurve").path("width").asInt(0),
                    variants);
        }
    }

    /** A paired comparison of one variant against the baseline at one width. */
    record Paired(int width, String variant, List<Long> seeds, double[] differences, double meanDifference,
                  double stdDifference, double tTestP, double wilcoxonP) {
    }

    private final ExperimentConfig cfg;
    private final Settings settings;
    private final List<ComparisonExperiment.Variant> variants;
    private final List<ComparisonExperiment.Row> rows;
    private final List<String> pending;
    private final Path out;

    SizeStudyReport(ExperimentConfig cfg, Settings settings, List<ComparisonExperiment.Variant> variants,
                    List<ComparisonExperiment.Row> rows, List<String> pending, Path out) {
        this.cfg = cfg;
        this.settings = settings;
        this.variants = variants;
        this.rows = rows.stream().filter(r -> r.error() == null).toList();
        this.pending = pending;
        this.out = out;
    }

    Map<String, Object> write() throws IOException {
        Optional<ComparisonExperiment.Row> teacherRow = rows.stream().filter(r -> r.variant().equals("teacher")).findFirst();
        double teacherAuc = teacherRow.map(ComparisonExperiment.Row::auc).orElse(Double.NaN);
        TreeMap<Integer, List<ComparisonExperiment.Variant>> byWidth = new TreeMap<>(Comparator.reverseOrder());
        for (ComparisonExperiment.Variant v : variants) {
            if (v.width() > 0) byWidth.computeIfAbsent(v.width(), w -> new ArrayList<>()).add(v);
        }
        Map<String, Object> json = new LinkedHashMap<>();
        StringBuilder md = new StringBuilder("# Student-size study: ").append(cfg.name()).append("\n\n");
        md.append("Students trained with ").append(cfg.training().lr()).append(" lr, batch ")
                .append(cfg.training().batchSize()).append(", up to ").append(cfg.training().epochs())
                .append(" epochs, stopping after ").append(cfg.training().patience())
                .append(" epochs without a better validation AUC (the best epoch is kept); ")
                .append(cfg.data().trainLimit() > 0 ? String.format("%,d", cfg.data().trainLimit()) + " training beats"
                        : "all training beats")
                .append(", full validation and test sets of ").append(cfg.data().protocol()).append(" fold ")
                .append(cfg.data().fold()).append(". A seed fixes initialisation and batch order, so the variants of ")
                .append("one seed and width are a pair. mean ± sample std over seeds.\n\n");
        teacherRow.ifPresent(t -> md.append(String.format("Teacher: %,d generator parameters, test AUC %.4f, AP %.4f, "
                + "best F1 %.4f; %.0f%% of it is AUC %.4f.%n%n", t.paramsG(), t.auc(), t.ap(), t.f1(),
                100 * settings.keep(), settings.keep() * t.auc())));
        json.put("teacher_auc", teacherAuc);

        List<Paired> paired = new ArrayList<>();
        Map<String, Object> widths = new LinkedHashMap<>();
        for (var e : byWidth.entrySet()) {
            int w = e.getKey();
            md.append("## Width ").append(w).append(" (ngf = ndf = ").append(w).append(")\n\n");
            md.append("| variant | runs | params G | model file | test AUC | test AP | test best F1 | % teacher AUC "
                    + "| epochs (best) | score beats/s (batch 64) | latency ms (batch 1) |\n");
            md.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
            Map<String, Object> cells = new LinkedHashMap<>();
            for (ComparisonExperiment.Variant v : e.getValue()) {
                List<ComparisonExperiment.Row> rs = rowsOf(v.name());
                if (rs.isEmpty()) {
                    md.append("| ").append(v.base()).append(" | 0 | | | | | | | | | |\n");
                    continue;
                }
                Stats auc = stat(rs, ComparisonExperiment.Row::auc), ap = stat(rs, ComparisonExperiment.Row::ap),
                        f1 = stat(rs, ComparisonExperiment.Row::f1), ep = stat(rs, r -> r.epochs()),
                        best = stat(rs, r -> r.bestEpoch()), bps = stat(rs, ComparisonExperiment.Row::beatsPerS64),
                        lat = stat(rs, ComparisonExperiment.Row::latencyMs);
                md.append("| ").append(v.base()).append(" | ").append(rs.size()).append(" | ")
                        .append(String.format("%,d", rs.get(0).paramsG())).append(" | ")
                        .append(String.format("%.2f MB", rs.get(0).modelBytes() / 1e6)).append(" | ")
                        .append(auc.format("%.4f")).append(" | ").append(ap.format("%.4f")).append(" | ")
                        .append(f1.format("%.4f")).append(" | ")
                        .append(String.format("%.1f%%", 100 * auc.mean() / teacherAuc)).append(" | ")
                        .append(String.format("%.1f (%.1f)", ep.mean(), best.mean())).append(" | ")
                        .append(String.format("%,.0f", bps.mean())).append(" | ")
                        .append(String.format("%.2f", lat.mean())).append(" |\n");
                Map<String, Object> c = new LinkedHashMap<>();
                c.put("runs", rs.size());
                c.put("seeds", rs.stream().map(ComparisonExperiment.Row::seed).toList());
                c.put("params_G", rs.get(0).paramsG());
                c.put("model_bytes", rs.get(0).modelBytes());
                c.put("test_auc_mean", auc.mean());
                c.put("test_auc_std", auc.std());
                c.put("test_ap_mean", ap.mean());
                c.put("test_ap_std", ap.std());
                c.put("test_best_f1_mean", f1.mean());
                c.put("test_best_f1_std", f1.std());
                c.put("teacher_auc_fraction", auc.mean() / teacherAuc);
                c.put("epochs_mean", ep.mean());
                c.put("best_epoch_mean", best.mean());
                c.put("infer_beats_per_s_batch64", bps.mean());
                c.put("latency_ms_batch1_median", lat.mean());
                cells.put(v.base(), c);
                if (!v.base().equals(settings.baseline())) {
                    pairedWithBaseline(w, v, e.getValue()).ifPresent(paired::add);
                }
            }
            widths.put("w" + w, cells);
            md.append('\n');
        }
        json.put("widths", widths);

        md.append("## Distilled − alone, paired by seed\n\n");
        md.append("Test AUC differences (variant − ").append(settings.baseline()).append(") of the same seed. p-values: ")
                .append("two-sided paired t-test, and the exact two-sided Wilcoxon signed-rank test (which cannot go ")
                .append("below 0.25 with 3 pairs or 0.0625 with 5).\n\n");
        md.append("| width | variant | pairs | per-seed differences | mean ± std | paired t p | Wilcoxon p |\n");
        md.append("|---|---|---|---|---|---|---|\n");
        List<Map<String, Object>> pairedJson = new ArrayList<>();
        for (Paired p : paired) {
            StringBuilder diffs = new StringBuilder();
            for (int i = 0; i < p.differences().length; i++) {
                if (i > 0) diffs.append(", ");
                diffs.append(String.format("%+.4f", p.differences()[i]));
            }
            md.append("| ").append(p.width()).append(" | ").append(p.variant()).append(" | ").append(p.seeds().size())
                    .append(" | ").append(diffs).append(" | ")
                    .append(String.format("%+.4f ± %.4f", p.meanDifference(), p.stdDifference())).append(" | ")
                    .append(pValue(p.tTestP())).append(" | ").append(pValue(p.wilcoxonP())).append(" |\n");
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("width", p.width());
            j.put("variant", p.variant());
            j.put("seeds", p.seeds());
            j.put("auc_differences", p.differences());
            j.put("mean_difference", p.meanDifference());
            j.put("std_difference", p.stdDifference());
            j.put("paired_t_p", p.tTestP());
            j.put("wilcoxon_exact_p", p.wilcoxonP());
            pairedJson.add(j);
        }
        json.put("paired", pairedJson);

        Map<String, Object> answers = answers(byWidth, teacherAuc);
        json.put("answers", answers);
        md.append("\n## What the numbers say\n\n");
        for (Object line : (List<?>) answers.get("lines")) md.append("- ").append(line).append('\n');

        writeAucVsParams(byWidth, teacherAuc);
        md.append("\n![test AUC against generator parameters](auc_vs_params.png)\n");
        if (settings.budgetWidth() > 0 && writeBudgetCurve(md)) {
            md.append("\n![validation AUC against training beats](auc_vs_budget.png)\n");
        }
        if (!pending.isEmpty()) {
            md.append("\nNot finished yet (").append(pending.size()).append(" runs, not in these tables): ")
                    .append(String.join(", ", pending)).append(".\n");
        }
        json.put("pending", pending);
        AtomicFiles.writeString(out.resolve("study.md"), md.toString());
        AtomicFiles.write(out.resolve("study.json"), o -> Json.MAPPER.writeValue(o, json));
        return json;
    }

    private List<ComparisonExperiment.Row> rowsOf(String variant) {
        return rows.stream().filter(r -> r.variant().equals(variant)).toList();
    }

    private Optional<Paired> pairedWithBaseline(int width, ComparisonExperiment.Variant v,
                                                List<ComparisonExperiment.Variant> sameWidth) {
        Optional<ComparisonExperiment.Variant> base = sameWidth.stream()
                .filter(b -> b.base().equals(settings.baseline())).findFirst();
        if (base.isEmpty()) return Optional.empty();
        Map<Long, Double> a = new TreeMap<>();
        rowsOf(base.get().name()).forEach(r -> a.put(r.seed(), r.auc()));
        List<Long> seeds = new ArrayList<>();
        List<Double> x = new ArrayList<>(), y = new ArrayList<>();
        for (ComparisonExperiment.Row r : rowsOf(v.name())) {
            if (a.containsKey(r.seed())) {
                seeds.add(r.seed());
                x.add(r.auc());
                y.add(a.get(r.seed()));
            }
        }
        if (seeds.size() < 2) return Optional.empty();
        double[] xs = x.stream().mapToDouble(Double::doubleValue).toArray();
        double[] ys = y.stream().mapToDouble(Double::doubleValue).toArray();
        double[] d = new double[xs.length];
        for (int i = 0; i < d.length; i++) d[i] = xs[i] - ys[i];
        Stats s = Stats.of(java.util.Arrays.stream(d).boxed().toList());
        double t = s.std() > 0 ? new TTest().pairedTTest(xs, ys) : Double.NaN;
        // Commons Math doubles the one-sided exact p, which exceeds 1 when the statistic sits at the centre
        double wil = Math.min(1.0, new WilcoxonSignedRankTest().wilcoxonSignedRankTest(xs, ys, true));
        return Optional.of(new Paired(width, v.base(), seeds, d, s.mean(), s.std(), t, wil));
    }

    /** The three questions, answered from the tables (the README states them in words). */
    private Map<String, Object> answers(TreeMap<Integer, List<ComparisonExperiment.Variant>> byWidth, double teacherAuc) {
        List<String> lines = new ArrayList<>();
        Map<String, Object> a = new LinkedHashMap<>();
        Integer smallest = null;
        String smallestVariant = null;
        double smallestAuc = Double.NaN;
        for (var e : byWidth.entrySet()) {
            for (ComparisonExperiment.Variant v : e.getValue()) {
                List<ComparisonExperiment.Row> rs = rowsOf(v.name());
                if (rs.isEmpty()) continue;
                double m = stat(rs, ComparisonExperiment.Row::auc).mean();
                if (m >= settings.keep() * teacherAuc && (smallest == null || e.getKey() < smallest
                        || e.getKey().equals(smallest) && m > smallestAuc)) {
                    smallest = e.getKey();
                    smallestVariant = v.base();
                    smallestAuc = m;
                }
            }
        }
        if (smallest != null) {
            lines.add(String.format("Smallest width keeping %.0f%% of the teacher's AUC (mean over seeds): %d, by %s "
                    + "(%.4f, %.1f%%).", 100 * settings.keep(), smallest, smallestVariant, smallestAuc,
                    100 * smallestAuc / teacherAuc));
            a.put("smallest_width_keeping", smallest);
            a.put("smallest_width_variant", smallestVariant);
        } else {
            lines.add(String.format("No width keeps %.0f%% of the teacher's AUC on average yet.", 100 * settings.keep()));
        }
        for (var e : byWidth.entrySet()) {
            for (ComparisonExperiment.Variant v : e.getValue()) {
                if (v.base().equals(settings.baseline())) continue;
                pairedWithBaseline(e.getKey(), v, e.getValue()).ifPresent(p -> lines.add(String.format(
                        "Width %d, %s − %s: %+.4f AUC over %d pairs (paired t p = %s, Wilcoxon p = %s).", p.width(),
                        p.variant(), settings.baseline(), p.meanDifference(), p.seeds().size(), pValue(p.tTestP()),
                        pValue(p.wilcoxonP()))));
            }
        }
        a.put("lines", lines);
        return a;
    }

    private void writeAucVsParams(TreeMap<Integer, List<ComparisonExperiment.Variant>> byWidth, double teacherAuc)
            throws IOException {
        Map<String, List<double[]>> series = new LinkedHashMap<>();   // variant -> (params, mean, std)
        double minX = Double.MAX_VALUE, maxX = 0;
        for (var e : byWidth.entrySet()) {
            for (ComparisonExperiment.Variant v : e.getValue()) {
                List<ComparisonExperiment.Row> rs = rowsOf(v.name());
                if (rs.isEmpty()) continue;
                Stats auc = stat(rs, ComparisonExperiment.Row::auc);
                double params = rs.get(0).paramsG();
                series.computeIfAbsent(v.base(), k -> new ArrayList<>()).add(new double[]{params, auc.mean(), auc.std()});
                minX = Math.min(minX, params);
                maxX = Math.max(maxX, params);
            }
        }
        if (series.isEmpty()) return;
        XYChart chart = chart("Test AUC against generator parameters", "generator parameters (log scale)",
                "test AUC (mean ± std over seeds)");
        chart.getStyler().setXAxisLogarithmic(true);
        int i = 0;
        for (var e : series.entrySet()) {
            // variants of one width share an x: spread them by a few percent so the error bars stay apart
            double shift = Math.pow(1.04, i++ - (series.size() - 1) / 2.0);
            List<double[]> pts = e.getValue().stream().sorted(Comparator.comparingDouble(p -> p[0])).toList();
            double[] x = pts.stream().mapToDouble(p -> p[0] * shift).toArray();
            double[] y = pts.stream().mapToDouble(p -> p[1]).toArray();
            double[] err = pts.stream().mapToDouble(p -> p[2]).toArray();
            chart.addSeries(e.getKey(), x, y, err).setMarker(SeriesMarkers.CIRCLE);
        }
        if (Double.isFinite(teacherAuc)) {
            double[] x = {minX * 0.8, maxX * 1.25};
            chart.addSeries(String.format("teacher (%.4f)", teacherAuc), x, new double[]{teacherAuc, teacherAuc})
                    .setMarker(SeriesMarkers.NONE);
            chart.addSeries(String.format("%.0f%% of teacher", 100 * settings.keep()), x,
                    new double[]{settings.keep() * teacherAuc, settings.keep() * teacherAuc}).setMarker(SeriesMarkers.NONE);
        }
        png(chart, out.resolve("auc_vs_params.png"));
    }

    /** Mean validation AUC per epoch against cumulative training beats; false when no run has records. */
    private boolean writeBudgetCurve(StringBuilder md) throws IOException {
        XYChart chart = chart("Validation AUC against training beats, width " + settings.budgetWidth(),
                "training beats seen", "validation AUC (mean ± std over seeds)");
        md.append("\n## Validation AUC against training budget, width ").append(settings.budgetWidth()).append("\n\n");
        md.append("| variant | ");
        List<String> header = new ArrayList<>();
        boolean any = false;
        Map<String, List<double[]>> curves = new LinkedHashMap<>();
        int maxEpochs = 0;
        for (String name : settings.budgetVariants()) {
            String run = "w" + settings.budgetWidth() + "/" + name;
            List<List<double[]>> perSeed = new ArrayList<>();   // (beats, val_auc) per epoch
            for (ComparisonExperiment.Row r : rowsOf(run)) {
                Path log = ComparisonExperiment.runDir(out, run, r.seed()).resolve(TrainingRun.EPOCHS);
                if (!Files.exists(log)) continue;
                List<double[]> pts = new ArrayList<>();
                double beats = 0;
                for (String line : Files.readAllLines(log)) {
                    JsonNode rec = Json.MAPPER.readTree(line);
                    beats += rec.path("beats_per_s").asDouble() * rec.path("seconds").asDouble();
                    pts.add(new double[]{Math.round(beats), rec.path("val_auc").asDouble(Double.NaN)});
                }
                perSeed.add(pts);
            }
            if (perSeed.isEmpty()) continue;
            int n = perSeed.stream().mapToInt(List::size).max().orElse(0);
            maxEpochs = Math.max(maxEpochs, n);
            List<double[]> mean = new ArrayList<>();
            for (int e = 0; e < n; e++) {
                final int ep = e;
                List<double[]> at = perSeed.stream().filter(p -> p.size() > ep).map(p -> p.get(ep)).toList();
                Stats s = Stats.of(at.stream().map(p -> p[1]).toList());
                mean.add(new double[]{at.get(0)[0], s.mean(), s.std(), at.size()});
            }
            curves.put(name, mean);
            chart.addSeries(name, mean.stream().mapToDouble(p -> p[0]).toArray(),
                    mean.stream().mapToDouble(p -> p[1]).toArray(), mean.stream().mapToDouble(p -> p[2]).toArray())
                    .setMarker(SeriesMarkers.CIRCLE);
            any = true;
        }
        if (!any) {
            md.append("no finished runs |\n\n");
            return false;
        }
        for (int e = 1; e <= maxEpochs; e++) header.add("epoch " + e);
        md.append(String.join(" | ", header)).append(" |\n|---|");
        md.append("---|".repeat(maxEpochs)).append('\n');
        for (var c : curves.entrySet()) {
            md.append("| ").append(c.getKey()).append(" |");
            for (int e = 0; e < maxEpochs; e++) {
                md.append(e < c.getValue().size() ? String.format(" %.4f (%d) |", c.getValue().get(e)[1],
                        (int) c.getValue().get(e)[3]) : " |");
            }
            md.append('\n');
        }
        md.append("\nmean validation AUC after each epoch (in brackets: runs still training at that epoch; a run ")
                .append("stops once its validation AUC has not improved for ").append(cfg.training().patience())
                .append(" epochs).\n");
        png(chart, out.resolve("auc_vs_budget.png"));
        return true;
    }

    private static XYChart chart(String title, String x, String y) {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(900).height(600).title(title).xAxisTitle(x).yAxisTitle(y).build();
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        return chart;
    }

    private static void png(XYChart chart, Path file) throws IOException {
        byte[] png = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        AtomicFiles.write(file, o -> o.write(png));
    }

    private static String pValue(double p) {
        return Double.isNaN(p) ? "–" : String.format("%.3f", p);
    }

    private static Stats stat(List<ComparisonExperiment.Row> rs, ToDoubleFunction<ComparisonExperiment.Row> f) {
        return Stats.of(rs.stream().map(r -> f.applyAsDouble(r)).toList());
    }
}
