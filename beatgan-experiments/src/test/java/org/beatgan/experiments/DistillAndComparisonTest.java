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

class DistillAndComparisonTest {

    private static final String DATA = "data: {path: '" + DataLocations.beatganDemo() + "', trainLimit: 0, evalLimit: 0}\n";

    @Test
    void distillCommandTrainsAStudentFromASavedTeacher(@TempDir Path dir) throws Exception {
        StringWriter err = new StringWriter();
        Path teacher = dir.resolve("teacher");
        assertEquals(0, Cli.execute(new TrainCommand(), new PrintWriter(err, true), "--data",
                DataLocations.beatganDemo().toString(), "--epochs", "1", "--ngf", "8", "--ndf", "8",
                "--batch-size", "16", "--out", teacher.toString(), "--no-progress"), err.toString());
        Path cfg = dir.resolve("distill.yaml");
        Files.writeString(cfg, "name: t\nmodel: {ngf: 4, ndf: 4}\ntraining: {epochs: 2, batchSize: 16, lr: 1.0e-3}\n" + DATA
                + "distill:\n  terms:\n    - {loss: kd, weight: 1, params: {T: 2}, inputs: {logits: score}}\n"
                + "    - {loss: at, weight: 100, inputs: {feats: [G/enc/act2, G/enc/act4]}}\n");
        Path out = dir.resolve("student");
        assertEquals(0, Cli.execute(new DistillCommand(), new PrintWriter(err, true), "--teacher",
                teacher.resolve("model.zip").toString(), "--config", cfg.toString(), "--out", out.toString(),
                "--no-progress"), err.toString());
        JsonNode epoch = Json.MAPPER.readTree(Files.readAllLines(out.resolve("epochs.jsonl")).get(1));
        for (String k : new String[]{"distill_kd", "distill_kd_weighted", "distill_at", "distill_at_weighted"}) {
            assertTrue(epoch.has(k), "per-epoch log lacks " + k + ": " + epoch);
        }
        assertTrue(Json.MAPPER.readTree(out.resolve("metrics.json").toFile()).path("test").has("auc"));

        err = new StringWriter();
        assertEquals(2, Cli.execute(new DistillCommand(), new PrintWriter(err, true), "--config", cfg.toString(),
                "--out", out.toString()));
        assertTrue(err.toString().contains("--teacher"), err.toString());
    }

    @Test
    void comparisonWritesReportAndSkipsFinishedRunsOnRerun(@TempDir Path dir) throws Exception {
        Path cfg = dir.resolve("cmp.yaml");
        Files.writeString(cfg, "name: cmp\nmodel: {ngf: 4, ndf: 4}\ntraining: {epochs: 1, batchSize: 16, lr: 1.0e-3}\n"
                + DATA + "experiment:\n  seeds: [0, 1]\n  teacher: {model: {ngf: 8, ndf: 8}}\n  variants:\n"
                + "    - {name: student, terms: []}\n"
                + "    - name: student+AT\n      terms: [{name: at, loss: at, weight: 100, inputs: {feats: [G/enc/act3]}}]\n");
        Path out = dir.resolve("out");
        StringWriter err = new StringWriter();
        assertEquals(0, Cli.execute(new ExperimentCommand(), new PrintWriter(err, true), "--config", cfg.toString(),
                "--out", out.toString(), "--no-progress"), err.toString());
        for (String f : new String[]{"report.md", "report.json", "roc.png", "pr.png"}) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        JsonNode report = Json.MAPPER.readTree(out.resolve("report.json").toFile());
        assertEquals(5, report.path("runs").size(), "teacher + 2 variants x 2 seeds");
        JsonNode at = report.path("summary").path("student+AT");
        assertEquals(2, at.path("runs").asInt());
        assertTrue(at.path("test_auc_std").asDouble() >= 0);
        assertTrue(report.path("summary").path("teacher").path("params_G").asLong()
                > at.path("params_G").asLong());
        String md = Files.readString(out.resolve("report.md"));
        assertTrue(md.contains("| student+AT | 2 |"), md);

        long before = Files.getLastModifiedTime(out.resolve("student-at/seed-1/model.zip")).toMillis();
        assertEquals(0, Cli.execute(new ExperimentCommand(), new PrintWriter(err, true), "--config", cfg.toString(),
                "--out", out.toString(), "--no-progress"), err.toString());
        assertEquals(before, Files.getLastModifiedTime(out.resolve("student-at/seed-1/model.zip")).toMillis(),
                "a finished run must not be retrained");
    }

    @Test
    void identicalVariantsTrainIdenticallyWhateverRanBeforeThem(@TempDir Path dir) throws Exception {
        // two epochs, so the second epoch's shuffle matters; the teacher is trained first in the
        // same process and must not advance the variants' shuffles either
        Path cfg = dir.resolve("same.yaml");
        Files.writeString(cfg, "name: same\nmodel: {ngf: 4, ndf: 4}\ntraining: {epochs: 2, batchSize: 16, lr: 1.0e-3}\n"
                + DATA + "experiment:\n  seeds: [0]\n  teacher: {model: {ngf: 8, ndf: 8}, training: {epochs: 1}}\n"
                + "  variants:\n    - {name: first, terms: []}\n    - {name: second, terms: []}\n");
        Path out = dir.resolve("out");
        StringWriter err = new StringWriter();
        assertEquals(0, Cli.execute(new ExperimentCommand(), new PrintWriter(err, true), "--config", cfg.toString(),
                "--out", out.toString(), "--no-progress"), err.toString());
        JsonNode first = Json.MAPPER.readTree(out.resolve("first/seed-0/metrics.json").toFile()).path("test");
        JsonNode second = Json.MAPPER.readTree(out.resolve("second/seed-0/metrics.json").toFile()).path("test");
        assertEquals(first.path("auc").asDouble(), second.path("auc").asDouble(), 0.0);
        assertEquals(first.path("ap").asDouble(), second.path("ap").asDouble(), 0.0);
    }

    @Test
    void mutualLearningTrainsBothPeersFromDistillAndExperimentCommands(@TempDir Path dir) throws Exception {
        Path cfg = dir.resolve("dml.yaml");
        Files.writeString(cfg, "name: dml\nmodel: {ngf: 4, ndf: 4}\ntraining: {epochs: 1, batchSize: 16, lr: 1.0e-3}\n"
                + DATA + "distill: {mutual: {peers: 2, weight: 10, logits: score}}\n");
        Path out = dir.resolve("dml");
        StringWriter err = new StringWriter();
        assertEquals(0, Cli.execute(new DistillCommand(), new PrintWriter(err, true), "--config", cfg.toString(),
                "--out", out.toString(), "--no-progress"), err.toString());
        for (String peer : new String[]{"peer-1", "peer-2"}) {
            assertTrue(Files.size(out.resolve(peer).resolve("model.zip")) > 0, peer);
            JsonNode epoch = Json.MAPPER.readTree(Files.readAllLines(out.resolve(peer).resolve("epochs.jsonl")).get(0));
            assertTrue(epoch.has("dml_" + (peer.equals("peer-1") ? "peer-2" : "peer-1")), epoch.toString());
        }
        assertEquals(2, Cli.execute(new DistillCommand(), new PrintWriter(err, true), "--config", cfg.toString(),
                "--teacher", "t.zip", "--out", out.toString(), "--no-progress"), "mutual learning has no teacher");

        Path cmp = dir.resolve("cmp.yaml");
        Files.writeString(cmp, "name: cmp\nmodel: {ngf: 4, ndf: 4}\ntraining: {epochs: 1, batchSize: 16, lr: 1.0e-3}\n"
                + DATA + "experiment:\n  seeds: [0]\n  teacher: {model: {ngf: 4, ndf: 4}}\n  variants:\n"
                + "    - {name: dml, mutual: {peers: 2, weight: 10}}\n");
        Path report = dir.resolve("report");
        assertEquals(0, Cli.execute(new ExperimentCommand(), new PrintWriter(err, true), "--config", cmp.toString(),
                "--out", report.toString(), "--no-progress"), err.toString());
        JsonNode summary = Json.MAPPER.readTree(report.resolve("report.json").toFile()).path("summary");
        for (String row : new String[]{"dml/peer-1", "dml/peer-2"}) {
            assertEquals(1, summary.path(row).path("runs").asInt(), row + " in " + summary);
        }
        assertTrue(Files.readString(report.resolve("report.md")).contains("| dml/peer-2 | 1 |"));
        assertTrue(Files.exists(report.resolve("dml-peer-1/seed-0/model.zip")));
    }
}
