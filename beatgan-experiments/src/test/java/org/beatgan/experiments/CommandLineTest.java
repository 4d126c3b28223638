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
