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
import java.util.List;

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
    void sizeStudyPairsVariantsBySeedAndSharesRunsBetweenProcesses(@TempDir Path dir) throws Exception {
        Path cfg = dir.resolve("study.yaml");
        Files.writeString(cfg, "name: study\nmodel: {ngf: 4, ndf: 4}\n"
                + "training: {epochs: 3, patience: 1, batchSize: 16, lr: 1.0e-3}\n" + DATA
                + "experiment:\n  report: size-study\n  seeds: [0, 1]\n"
                + "  teacher: {model: {ngf: 8, ndf: 8}, training: {epochs: 1}}\n"
                + "  study: {baseline: alone, budgetCurve: {width: 3, variants: [alone, AT]}}\n  variants:\n"
                + "    - {name: alone, widths: [3, 2], terms: []}\n"
                + "    - {name: AT, widths: [3], terms: [{name: at, loss: at, weight: 100, inputs: {feats: [G/enc/act3]}}]}\n");
        Path out = dir.resolve("out");
        Path locked = out.resolve("w3-at").resolve("seed-1");
        Files.createDirectories(locked);
        StringWriter err = new StringWriter();
        // another process holds one run: this one trains the rest and reports that run as pending
        try (var ch = java.nio.channels.FileChannel.open(locked.resolve("run.lock"),
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
             var lock = ch.lock()) {
            assertEquals(0, Cli.execute(new ExperimentCommand(), new PrintWriter(err, true), "--config", cfg.toString(),
                    "--out", out.toString(), "--no-progress"), err.toString());
        }
        assertFalse(Files.exists(locked.resolve("metrics.json")), "a locked run is left to its process");
        JsonNode study = Json.MAPPER.readTree(out.resolve("study.json").toFile());
        assertEquals(List.of("w3/AT seed 1"), Json.MAPPER.convertValue(study.path("pending"), List.class));
        assertEquals(1, study.path("widths").path("w3").path("AT").path("runs").asInt());
        assertEquals(0, study.path("paired").size(), "one pair is not a paired test");
        assertTrue(Files.readString(out.resolve("study.md")).contains("Not finished yet (1 runs"));

        // report only: trains nothing
        assertEquals(0, Cli.execute(new ExperimentCommand(), new PrintWriter(err, true), "--config", cfg.toString(),
                "--out", out.toString(), "--no-progress", "--report-only"), err.toString());
        assertFalse(Files.exists(locked.resolve("metrics.json")));

        assertEquals(0, Cli.execute(new ExperimentCommand(), new PrintWriter(err, true), "--config", cfg.toString(),
                "--out", out.toString(), "--no-progress"), err.toString());
        study = Json.MAPPER.readTree(out.resolve("study.json").toFile());
        assertEquals(0, study.path("pending").size());
        JsonNode pair = study.path("paired").get(0);
        assertEquals("AT", pair.path("variant").asText());
        assertEquals(2, pair.path("auc_differences").size());
        JsonNode w3 = study.path("widths").path("w3");
        assertEquals(w3.path("AT").path("test_auc_mean").asDouble() - w3.path("alone").path("test_auc_mean").asDouble(),
                pair.path("mean_difference").asDouble(), 1e-12);
        double p = pair.path("wilcoxon_exact_p").asDouble();
        assertTrue(p >= 0.5 && p <= 1, "exact Wilcoxon p of 2 pairs is 0.5 or 1: " + p);
        assertTrue(study.path("widths").path("w2").path("alone").path("params_G").asLong()
                < w3.path("alone").path("params_G").asLong());
        for (String f : new String[]{"auc_vs_params.png", "auc_vs_budget.png", "study.md"}) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        for (String run : new String[]{"w3-alone/seed-0", "w3-at/seed-1", "w2-alone/seed-1"}) {
            JsonNode m = Json.MAPPER.readTree(out.resolve(run).resolve("metrics.json").toFile());
            int epochs = m.path("epochs").asInt();
            assertTrue(epochs == 3 || epochs == m.path("best_epoch").asInt() + 1, run + " stops 1 epoch after its best: " + m);
            assertEquals(run.startsWith("w2") ? 2 : 3, m.path("config").path("ngf").asInt(), run);
        }

        // an edited config does not silently reuse runs trained with the old one
        String original = Files.readString(cfg);
        Files.writeString(cfg, original.replace("lr: 1.0e-3", "lr: 2.0e-3"));
        assertEquals(0, Cli.execute(new ExperimentCommand(), new PrintWriter(err, true), "--config", cfg.toString(),
                "--out", out.toString(), "--no-progress", "--report-only"), err.toString());
        assertTrue(Files.readString(out.resolve("report.json")).contains("trained with other settings"));
        // so does a changed term weight under the same variant name (the run's spec.json)
        Files.writeString(cfg, original.replace("weight: 100", "weight: 200"));
        assertEquals(0, Cli.execute(new ExperimentCommand(), new PrintWriter(err, true), "--config", cfg.toString(),
                "--out", out.toString(), "--no-progress", "--report-only"), err.toString());
        JsonNode rep = Json.MAPPER.readTree(out.resolve("report.json").toFile());
        assertTrue(rep.path("summary").path("w3/AT").path("error").asText().contains("trained with other settings"), rep.toString());
        assertEquals(2, rep.path("summary").path("w3/alone").path("runs").asInt(), "the unchanged variant still counts");

        Files.writeString(cfg, original.replace("widths: [3, 2]", "widths: [3, 2], wdith: 2"));
        assertEquals(2, Cli.execute(new ExperimentCommand(), new PrintWriter(err, true), "--config", cfg.toString(),
                "--out", out.toString(), "--no-progress"));
        assertTrue(err.toString().contains("unknown key 'wdith'"), err.toString());
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
