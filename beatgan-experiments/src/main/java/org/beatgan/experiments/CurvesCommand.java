package org.beatgan.experiments;

import com.fasterxml.jackson.databind.JsonNode;
import org.beatgan.core.io.AtomicFiles;
import org.beatgan.core.io.Json;
import org.beatgan.core.train.TrainingRun;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code ./beatgan curves}: per-epoch curves of several runs (from their epochs.jsonl) as one PNG and a Markdown table. */
@Command(name = "curves", mixinStandardHelpOptions = true,
        description = {"Plot per-epoch values of several runs' epochs.jsonl (e.g. val_auc and val_auc_eval) into one "
                + "PNG, and print them as a Markdown table (one row per epoch, one column per run and metric).",
                "Example: ./beatgan curves runs/seed-study/seed-0 runs/seed-study/seed-1 --metric val_auc "
                        + "--metric val_auc_eval --out docs/seed-study.png"})
public final class CurvesCommand implements Callable<Integer> {

    @Parameters(arity = "1..*", paramLabel = "RUN", description = "Run folders (each with epochs.jsonl).")
    List<Path> runs;

    @Option(names = "--metric", paramLabel = "KEY", defaultValue = "val_auc",
            description = "Epoch-record key to plot; repeat for several (default: ${DEFAULT-VALUE}).")
    List<String> metrics;

    @Option(names = "--out", paramLabel = "FILE", required = true, description = "PNG to write.")
    Path out;

    @Option(names = "--title", paramLabel = "TEXT", defaultValue = "",
            description = "Chart title (default: none).") String title;

    @Override
    public Integer call() throws Exception {
        Map<String, double[]> series = new LinkedHashMap<>();
        int epochs = 0;
        for (Path run : runs) {
            Path file = run.resolve(TrainingRun.EPOCHS);
            if (!Files.isRegularFile(file)) {
                throw new NoSuchFileException(file.toString(), null, "no epochs.jsonl in the run folder");
            }
            List<JsonNode> records = new ArrayList<>();
            for (String line : Files.readAllLines(file)) {
                if (!line.isBlank()) records.add(Json.MAPPER.readTree(line));
            }
            epochs = Math.max(epochs, records.size());
            for (String m : metrics) {
                double[] y = records.stream().mapToDouble(r -> r.path(m).asDouble(Double.NaN)).toArray();
                if (java.util.Arrays.stream(y).allMatch(Double::isNaN)) {
                    throw new IllegalArgumentException(file + " has no '" + m + "' in its records");
                }
                series.put(run.getFileName() + " " + m, y);
            }
        }
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(900).height(600).title(title).xAxisTitle("epoch")
                .yAxisTitle(String.join(", ", metrics)).build();
        StringBuilder table = new StringBuilder("| epoch |");
        series.keySet().forEach(k -> table.append(' ').append(k).append(" |"));
        table.append("\n|---|").append("---|".repeat(series.size())).append('\n');
        for (Map.Entry<String, double[]> e : series.entrySet()) {
            double[] y = e.getValue();
            double[] x = new double[y.length];
            for (int i = 0; i < x.length; i++) x[i] = i + 1;
            chart.addSeries(e.getKey(), x, y);
        }
        for (int i = 0; i < epochs; i++) {
            table.append("| ").append(i + 1).append(" |");
            for (double[] y : series.values()) {
                table.append(i < y.length && !Double.isNaN(y[i]) ? String.format(" %.4f |", y[i]) : " |");
            }
            table.append('\n');
        }
        byte[] png = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        if (out.toAbsolutePath().getParent() != null) Files.createDirectories(out.toAbsolutePath().getParent());
        AtomicFiles.write(out, o -> o.write(png));
        System.out.print(table);
        return 0;
    }

    public static void main(String[] args) {
        System.exit(Cli.execute(new CurvesCommand(), args));
    }
}
