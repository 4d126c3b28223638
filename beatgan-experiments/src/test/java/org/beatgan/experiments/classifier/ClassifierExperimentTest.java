package org.beatgan.experiments.classifier;

import com.fasterxml.jackson.databind.JsonNode;
import org.beatgan.core.data.image.Cifar10BinaryReader;
import org.beatgan.core.io.Json;
import org.beatgan.experiments.Cli;
import org.beatgan.experiments.ExperimentCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** The tutorial's experiment end to end on CIFAR-format files the test writes (CIFAR-10 itself cannot be had here). */
class ClassifierExperimentTest {

    /** CIFAR-10 binary files of {@code perFile} random records each (labels 0..9 in turn). */
    static void writeCifar(Path dir, int perFile) throws Exception {
        Files.createDirectories(dir);
        Random r = new Random(1);
        for (String f : new String[]{"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
                "data_batch_5.bin", "test_batch.bin"}) {
            byte[] b = new byte[perFile * Cifar10BinaryReader.RECORD];
            for (int i = 0; i < perFile; i++) {
                int label = i % 10;
                b[i * Cifar10BinaryReader.RECORD] = (byte) label;
                for (int p = 1; p < Cifar10BinaryReader.RECORD; p++) {
                    // a class-dependent brightness, so the images carry their label
                    b[i * Cifar10BinaryReader.RECORD + p] = (byte) Math.min(255, r.nextInt(100) + 15 * label);
                }
            }
            Files.write(dir.resolve(f), b);
        }
    }

    @Test
    void theTutorialRunsOnCifarFilesSkipsFinishedRunsAndRejectsBadInput(@TempDir Path tmp) throws Exception {
        Path cifar = tmp.resolve("cifar");
        writeCifar(cifar, 20);
        Path cfg = tmp.resolve("kd-tutorial-tiny.yaml");
        Files.writeString(cfg, "name: tiny\ndata: {dataset: cifar10, dir: '" + cifar + "', trainLimit: 60, validation: 20}\n"
                + "models: {teacher: deepNN, student: lightNN}\ntraining: {epochs: 1, batchSize: 16}\nseeds: [0]\nruns:\n"
                + "  - {name: teacher, model: teacher}\n  - {name: student, model: student}\n"
                + "  - {name: student+KD, model: student, taskWeight: 0.75, terms: [{name: kd, loss: kd, weight: 0.25, "
                + "params: {T: 2.0}, inputs: {logits: logits}}]}\n"
                + "search: {run: student+KD, candidates: 2, epochs: 1, parameters: {T: {values: [1.0, 4.0]}, "
                + "alpha: {min: 0.1, max: 1.0}}}\n");
        Path out = tmp.resolve("out");
        StringWriter err = new StringWriter();
        assertEquals(0, Cli.execute(new ExperimentCommand(), new PrintWriter(err, true), "--config", cfg.toString(),
                "--out", out.toString(), "--no-progress"), err.toString());
        JsonNode report = Json.MAPPER.readTree(out.resolve("report.json").toFile());
        assertEquals(1_186_986, report.path("summary").path("teacher").path("params").asLong());
        assertEquals(267_738, report.path("summary").path("student+KD").path("params").asLong());
        assertEquals(60, report.path("data").path("train").asInt());
        assertEquals(20, report.path("data").path("test").asInt());
        assertEquals("tutorial", report.path("data").path("normalization").path("kind").asText(), "3 channels: the tutorial's constants");
        for (String f : new String[]{"report.md", "accuracy.png", "loss.png"}) assertTrue(Files.size(out.resolve(f)) > 0, f);
        assertTrue(Files.readString(out.resolve("report.md")).contains("| student+KD | LightNN | 267,738 |"));
        // the Arbiter search over T and alpha, scored on validation, then its best as a run of its own
        JsonNode search = Json.MAPPER.readTree(out.resolve("search/search.json").toFile());
        assertEquals(2, search.path("candidates").size());
        JsonNode best = search.path("best").path("params");
        assertTrue(best.path("T").asDouble() == 1.0 || best.path("T").asDouble() == 4.0, best.toString());
        assertEquals(1, report.path("summary").path("student+KD+search").path("runs").asInt(), report.toString());
        JsonNode searchedRun = Json.MAPPER.readTree(out.resolve("student-kd-search/seed-0/metrics.json").toFile());
        assertEquals(0.75, searchedRun.path("training").path("taskWeight").asDouble());
        JsonNode epoch = Json.MAPPER.readTree(Files.readAllLines(out.resolve("student-kd/seed-0/epochs.jsonl")).get(0));
        assertTrue(epoch.has("distill_kd_weighted"), epoch.toString());

        long before = Files.getLastModifiedTime(out.resolve("student-kd/seed-0/model.zip")).toMillis();
        assertEquals(0, Cli.execute(new ExperimentCommand(), new PrintWriter(err, true), "--config", cfg.toString(),
                "--out", out.toString(), "--no-progress"), err.toString());
        assertEquals(before, Files.getLastModifiedTime(out.resolve("student-kd/seed-0/model.zip")).toMillis(), "finished runs are kept");

        // report only: a run added to the config is listed as not run, and nothing trains
        Path extra = tmp.resolve("extra.yaml");
        Files.writeString(extra, Files.readString(cfg).replace("runs:\n", "runs:\n  - {name: student2, model: student}\n"));
        assertEquals(0, Cli.execute(new ExperimentCommand(), new PrintWriter(err, true), "--config", extra.toString(),
                "--out", out.toString(), "--no-progress", "--report-only"), err.toString());
        assertFalse(Files.exists(out.resolve("student2")), "report only trains nothing");
        assertTrue(Files.readString(out.resolve("report.md")).contains("| student2 | | | | not run yet"));
        assertEquals(1, Json.MAPPER.readTree(out.resolve("report.json").toFile()).path("summary").path("student+KD+search")
                .path("runs").asInt(), "the finished search's run is reported");

        // a changed term weight under the same run name is not counted as that run
        Path reweighted = tmp.resolve("reweighted.yaml");
        Files.writeString(reweighted, Files.readString(cfg).replace("weight: 0.25", "weight: 0.5"));
        assertEquals(0, Cli.execute(new ExperimentCommand(), new PrintWriter(err, true), "--config", reweighted.toString(),
                "--out", out.toString(), "--no-progress", "--report-only"), err.toString());
        JsonNode rw = Json.MAPPER.readTree(out.resolve("report.json").toFile());
        assertTrue(rw.path("summary").path("student+KD").path("error").asText().contains("trained with other settings"), rw.toString());
        assertEquals(1, rw.path("summary").path("student").path("runs").asInt());

        // a truncated file is named, with what was expected
        byte[] b = Files.readAllBytes(cifar.resolve("test_batch.bin"));
        Files.write(cifar.resolve("test_batch.bin"), java.util.Arrays.copyOf(b, b.length - 100));
        err = new StringWriter();
        assertNotEquals(0, Cli.execute(new ExperimentCommand(), new PrintWriter(err, true), "--config", cfg.toString(),
                "--out", tmp.resolve("out2").toString(), "--no-progress"));
        assertTrue(err.toString().contains("test_batch.bin") && err.toString().contains("3073-byte CIFAR-10 records"), err.toString());

        // unknown keys and a CIFAR config without a folder are errors before anything trains
        Files.writeString(cfg, Files.readString(cfg).replace("trainLimit: 60", "trainLimt: 60"));
        err = new StringWriter();
        assertNotEquals(0, Cli.execute(new ExperimentCommand(), new PrintWriter(err, true), "--config", cfg.toString(),
                "--out", tmp.resolve("out3").toString(), "--no-progress"));
        assertTrue(err.toString().contains("unknown setting 'trainLimt'"), err.toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClassifierExperiment.prepare(
                new ClassifierExperimentConfig.ImageData("cifar10", null, 0, 10, 0, null, 0L)));
        assertTrue(e.getMessage().contains("data.dir") && e.getMessage().contains("data_batch_1.bin"), e.getMessage());
    }

    @Test
    void shippedTutorialConfigsParse() throws Exception {
        for (String f : new String[]{"kd-tutorial-fashion-mnist.yaml", "kd-tutorial-cifar10.yaml"}) {
            Path p = Path.of("..", "notebooks-config", f);
            assertTrue(ClassifierExperimentConfig.isClassifierExperiment(p), f);
            ClassifierExperimentConfig c = ClassifierExperimentConfig.load(p);
            assertEquals(5, c.runs().size(), f);
            assertEquals(0.75, c.runs().get(2).taskWeight(), f);
        }
    }
}
