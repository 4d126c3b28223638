package org.beatgan.experiments;

import com.fasterxml.jackson.databind.JsonNode;
import org.beatgan.core.io.DataLocations;
import org.beatgan.core.io.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** The commands as a user runs them, on real data, with small shapes. */
class CommandLineTest {

    private static String demo() {
        return DataLocations.beatganDemo().toString();
    }

    @Test
    void trainWritesModelLogAndMetricsOnDemoBeats(@TempDir Path out) throws Exception {
        StringWriter err = new StringWriter();
        int rc = Cli.execute(new TrainCommand(), new PrintWriter(err, true), "--data", demo(), "--epochs", "2",
                "--ngf", "4", "--ndf", "4", "--batch-size", "16", "--lr", "1e-3", "--seed", "3",
                "--out", out.toString(), "--no-progress");
        assertEquals(0, rc, err.toString());
        JsonNode m = Json.MAPPER.readTree(out.resolve("metrics.json").toFile());
        for (String k : new String[]{"auc", "ap", "best_f1", "threshold"}) {
            assertTrue(m.path("test").has(k), "metrics.json test." + k);
        }
        assertTrue(m.path("params").path("G").asLong() > 0 && m.path("params").path("D").asLong() > 0);
        assertEquals(2, Files.readAllLines(out.resolve("epochs.jsonl")).size());
        assertTrue(Files.exists(out.resolve("model.zip")));
        assertTrue(Files.readString(out.resolve("experiment.yaml")).contains("ngf: 4"));

        // resume into the same folder with more epochs continues after epoch 2
        rc = Cli.execute(new TrainCommand(), new PrintWriter(err, true), "--data", demo(), "--epochs", "3",
                "--ngf", "4", "--ndf", "4", "--batch-size", "16", "--lr", "1e-3", "--seed", "3",
                "--out", out.toString(), "--no-progress", "--resume");
        assertEquals(0, rc, err.toString());
        assertEquals(3, Files.readAllLines(out.resolve("epochs.jsonl")).size());
    }

    /** BeatGAN's 64-beat demo leaves 46 training beats: the default batch of 64 becomes one batch of all of them. */
    @Test
    void demoSmallerThanABatchTrainsInOneBatch(@TempDir Path out) throws Exception {
        StringWriter err = new StringWriter();
        int rc = Cli.execute(new TrainCommand(), new PrintWriter(err, true), "--data", demo(), "--epochs", "2",
                "--ngf", "4", "--ndf", "4", "--lr", "1e-3", "--out", out.toString(), "--no-progress");
        assertEquals(0, rc, err.toString());
        JsonNode m = Json.MAPPER.readTree(out.resolve("metrics.json").toFile());
        assertEquals(46, m.path("training").path("batchSize").asInt(), "the batch is the whole training set");
        assertTrue(Files.readString(out.resolve("experiment.yaml")).contains("batchSize: 46"));
        JsonNode first = Json.MAPPER.readTree(Files.readAllLines(out.resolve("epochs.jsonl")).get(0));
        assertEquals(46, first.path("beats_per_s").asDouble() * first.path("seconds").asDouble(), 1e-6,
                "one epoch trains on all 46 beats");
        assertTrue(Double.isFinite(m.path("test").path("auc").asDouble()));
    }

    /** The detector against MIT-BIH's reference beats on two records, as a table. */
    @Test
    void detectPrintsPerRecordAndPooledFigures(@TempDir Path out) throws Exception {
        java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
        java.io.PrintStream old = System.out;
        int rc;
        StringWriter err = new StringWriter();
        try {
            System.setOut(new java.io.PrintStream(printed, true));
            rc = Cli.execute(new DetectCommand(), new PrintWriter(err, true), "--records", "100,203", "--json",
                    out.resolve("d.json").toString());
        } finally {
            System.setOut(old);
        }
        assertEquals(0, rc, err.toString());
        String table = printed.toString();
        assertTrue(table.contains("\n100 ") && table.contains("\n203 ") && table.contains("\npooled "), table);
        JsonNode d = Json.MAPPER.readTree(out.resolve("d.json").toFile());
        assertEquals(2273 + 2980, d.path("pooled").path("reference").asInt(), "reference beats of 100 and 203");
        assertTrue(d.path("pooled").path("truePositives").asInt() > 0.99 * (2273 + 2980), d.toString());
        assertEquals(2, Cli.execute(new DetectCommand(), new PrintWriter(err, true), "--records", "999"));
        assertTrue(err.toString().contains("999"), err.toString());
    }

    /** Every option of every command says what it does in --help (mixins included). */
    @Test
    void everyOptionHasADescription() {
        picocli.CommandLine root = new picocli.CommandLine(new BeatGanCli());
        java.util.List<String> missing = new java.util.ArrayList<>();
        for (picocli.CommandLine sub : root.getSubcommands().values()) {
            for (picocli.CommandLine.Model.OptionSpec o : sub.getCommandSpec().options()) {
                String d = String.join(" ", o.description()).trim();
                if (d.isEmpty()) missing.add(sub.getCommandName() + " " + o.longestName());
            }
        }
        assertTrue(root.getSubcommands().size() >= 15, "commands: " + root.getSubcommands().keySet());
        assertTrue(missing.isEmpty(), "options without a description: " + missing);
    }

    /** The PyTorch step trace's initial weights, imported, then evaluated in both scoring modes. */
    @Test
    void importPyTorchWeightsThenEvaluateInBothScoringModes(@TempDir Path out) throws Exception {
        Path trace = DataLocations.beatganStepTrace().resolve("init");
        StringWriter err = new StringWriter();
        Path model = out.resolve("imported/model.zip");
        int rc = Cli.execute(new ImportPyTorchCommand(), new PrintWriter(err, true), "--weights", trace.toString(),
                "--naming", "reference", "--ngf", "8", "--ndf", "8", "--out", model.toString());
        assertEquals(0, rc, err.toString());
        org.beatgan.core.model.BeatGanGraph g = org.beatgan.core.io.ModelBundle.load(model).graph();
        org.beatgan.core.data.npy.NpyArray w = org.beatgan.core.data.npy.Npy.read(trace.resolve("G.decoder.main.15.weight.npy"));
        // ConvTranspose1d (in=8, out=1, k=4) -> ours [1, k, out, in]
        assertEquals(w.asDoubles()[5 * 4 + 2], g.array("G/dec/convT6/W").getDouble(0, 2, 0, 5), 1e-7);

        rc = Cli.execute(new EvaluateCommand(), new PrintWriter(err, true), "--model", model.toString(), "--data", demo(),
                "--scoring", "batch-stats", "--scoring-batch", "16", "--out", out.resolve("eval").toString());
        assertEquals(0, rc, err.toString());
        JsonNode m = Json.MAPPER.readTree(out.resolve("eval/metrics.json").toFile());
        for (String part : new String[]{"test", "test_eval", "validation", "validation_eval"}) {
            assertTrue(Double.isFinite(m.path(part).path("auc").asDouble(Double.NaN)), part + ": " + m);
        }
        assertEquals("batch-stats", m.path("scoring").path("mode").asText());
        assertNotEquals(m.path("test").path("auc").asDouble(), m.path("test_eval").path("auc").asDouble());
        for (String f : new String[]{"roc.png", "pr.png", "test_curves.json"}) {
            assertTrue(Files.size(out.resolve("eval").resolve(f)) > 0, f);
        }

        err = new StringWriter();
        rc = Cli.execute(new ImportPyTorchCommand(), new PrintWriter(err, true), "--weights", trace.toString(),
                "--naming", "beatgan", "--out", out.resolve("x.zip").toString());
        assertEquals(2, rc);
        assertTrue(err.toString().contains("G.encoder1.main.0.weight.npy"), err.toString());
        assertFalse(Files.exists(out.resolve("x.zip")));
    }

    @Test
    void curvesPlotEpochRecordsOfSeveralRuns(@TempDir Path out) throws Exception {
        for (String run : new String[]{"a", "b"}) {
            Files.createDirectories(out.resolve(run));
            Files.writeString(out.resolve(run).resolve("epochs.jsonl"),
                    "{\"epoch\":1,\"val_auc\":0.5}\n{\"epoch\":2,\"val_auc\":0.75}\n");
        }
        java.io.ByteArrayOutputStream stdout = new java.io.ByteArrayOutputStream();
        java.io.PrintStream before = System.out;
        int rc;
        StringWriter err = new StringWriter();
        try {
            System.setOut(new java.io.PrintStream(stdout, true));
            rc = Cli.execute(new CurvesCommand(), new PrintWriter(err, true), out.resolve("a").toString(),
                    out.resolve("b").toString(), "--out", out.resolve("c.png").toString());
        } finally {
            System.setOut(before);
        }
        assertEquals(0, rc, err.toString());
        assertTrue(Files.size(out.resolve("c.png")) > 1000);
        assertTrue(stdout.toString().contains("| 2 | 0.7500 | 0.7500 |"), stdout.toString());
        rc = Cli.execute(new CurvesCommand(), new PrintWriter(err, true), out.resolve("a").toString(),
                "--metric", "val_nope", "--out", out.resolve("d.png").toString());
        assertEquals(2, rc);
        assertTrue(err.toString().contains("val_nope"), err.toString());
    }

    @Test
    void benchMeasuresTheTutorialsImageRows(@TempDir Path out) throws Exception {
        StringWriter err = new StringWriter();
        Path json = out.resolve("bench.json");
        assertEquals(0, Cli.execute(new BenchCommand(), new PrintWriter(err, true), "--only", "images", "--images",
                "1x8x8", "--image-batch", "8", "--steps", "2", "--warmup", "1", "--json", json.toString()), err.toString());
        JsonNode rows = Json.MAPPER.readTree(json.toFile()).path("images");
        assertEquals(1, rows.size());
        JsonNode r = rows.get(0);
        assertEquals("1x8x8", r.path("shape").asText());
        for (String m : new String[]{"teacher", "student"}) {
            assertTrue(r.path(m).path("train_images_per_s").asDouble() > 0, m);
            assertTrue(r.path(m).path("infer_images_per_s").asDouble() > 0, m);
        }
        assertTrue(r.path("student_kd").path("train_images_per_s").asDouble() > 0);
        assertFalse(Json.MAPPER.readTree(json.toFile()).has("teacher"), "--only images skips BeatGAN's rows");
        assertEquals(2, Cli.execute(new BenchCommand(), new PrintWriter(err, true), "--only", "images", "--images", "3x32"));
        assertTrue(err.toString().contains("expected CxHxW"), err.toString());
    }

    @Test
    void badInputGivesOneClearLineAndExitCode2(@TempDir Path out) {
        StringWriter err = new StringWriter();
        int rc = Cli.execute(new TrainCommand(), new PrintWriter(err, true), "--data", "/no/such/folder",
                "--out", out.toString());
        assertEquals(2, rc);
        assertTrue(err.toString().contains("/no/such/folder"), err.toString());
        assertFalse(err.toString().contains("\tat "), "no stack trace: " + err);

        err = new StringWriter();
        rc = Cli.execute(new TrainCommand(), new PrintWriter(err, true), "--data", demo(), "--lr", "-1",
                "--out", out.toString());
        assertEquals(2, rc);
        assertTrue(err.toString().contains("lr = -1"), err.toString());

        err = new StringWriter();
        rc = Cli.execute(new DataCommand(), new PrintWriter(err, true), "--data", demo(), "--nc", "3");
        assertEquals(2, rc);
        assertTrue(err.toString().contains("--nc 3"), err.toString());

        // Spark's libraries live in beatgan-experiments/spark, off this class path
        err = new StringWriter();
        rc = Cli.execute(new SweepCommand(), new PrintWriter(err, true), "--config", "../notebooks-config/distill-sweep.yaml",
                "--out", out.resolve("sweep").toString(), "--spark", "local[2]");
        assertEquals(2, rc);
        assertTrue(err.toString().contains("no 'spark' sweep backend") && err.toString().contains("spark-submit"),
                err.toString());
    }

    @Test
    void everyCommandHasHelp() {
        for (Object cmd : new Object[]{new BeatGanCli(), new TrainCommand(), new DataCommand()}) {
            StringWriter sw = new StringWriter();
            picocli.CommandLine cl = new picocli.CommandLine(cmd);
            cl.setOut(new PrintWriter(sw, true));
            assertEquals(0, cl.execute("--help"));
            assertTrue(sw.toString().contains("Usage:"), sw.toString());
        }
    }
}
