package org.beatgan.experiments.classifier;

import com.fasterxml.jackson.databind.JsonNode;
import org.beatgan.core.io.Json;
import org.beatgan.core.model.mlp.MlpClassifierGraph;
import org.beatgan.core.train.classifier.ClassifierRun;
import org.beatgan.core.train.classifier.ClassifierTrainer;
import org.beatgan.core.train.classifier.ClassifierTrainingConfig;
import org.beatgan.experiments.Cli;
import org.beatgan.experiments.ExperimentCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class PrivilegedExperimentTest {

    static final String BASE = "name: tiny\nprivileged: {trainLimit: 800, testLimit: 600}\nteacher: {hidden: [32, 16]}\n"
            + "student: {hidden: [16]}\ntraining: {epochs: 1, batchSize: 64, lr: 1.0e-3, weightDecay: 1.0e-5, selection: val_f1, "
            + "schedule: {kind: plateau, factor: 0.5, patience: 1, threshold: 1.0e-3, minLr: 1.0e-5}}\nseeds: [0]\nruns:\n"
            + "  - {name: teacher, model: teacher}\n"
            + "  - name: student+KD+CRD\n    model: student\n    terms:\n"
            + "      - {name: kd, loss: kd, weight: 1.0, params: {T: 4.0}, inputs: {logits: logits}}\n"
            + "      - {name: crd, loss: crd, weight: 0.8, params: {feat_dim: 8, nce_n: 16}, inputs: {feat: features}}\n"
            + "search: {run: student+KD+CRD, candidates: 1, epochs: 1, parameters: {lr: {min: 5.0e-4, max: 2.0e-3, log: true}, "
            + "hidden: {values: [[8], [16]]}}}\n";

    @Test
    void aFewEpochsOnRealBeatsLearnFarAboveTheAllNormalBaseline() throws Exception {
        PrivilegedConfig.Privileged d = new PrivilegedConfig.Privileged(null, 0.1, 4000, 2000, 0L);
        PrivilegedExperiment.Prepared p = PrivilegedExperiment.prepare(d);
        assertEquals(4000, p.train().size());
        assertTrue(p.validation().size() > 4000, "10% of DS1: " + p.validation().size());
        assertTrue(p.classWeights()[1] > 3 * p.classWeights()[0], "abnormal beats are the rare class");
        MlpClassifierGraph s = MlpClassifierGraph.build("student", 320, List.of(64, 32), p.classWeights(), DataType.FLOAT, 0);
        ClassifierTrainer t = new ClassifierTrainer(s, new ClassifierTrainingConfig(4, 128, 1e-3, 0.9, 0.999, 0, 1, 0,
                null, "val_f1"), List.of());
        Path out = Files.createTempDirectory("crd-learn");
        new ClassifierRun(t, p.studentData(), new ClassifierRun.Options(out, false, false)).run();
        JsonNode m = Json.MAPPER.readTree(out.resolve(ClassifierRun.METRICS).toFile());
        double f1 = m.path("best_epoch_record").path("val_f1").asDouble();
        // calling every beat normal gives F1 0 for the abnormal class
        assertTrue(f1 > 0.5, "validation F1 of the abnormal class " + f1);
    }

    @Test
    void theExperimentRunsEndToEndAndSkipsFinishedRuns(@TempDir Path dir) throws Exception {
        Path cfg = dir.resolve("crd.yaml");
        Files.writeString(cfg, BASE);
        Path out = dir.resolve("out");
        StringWriter err = new StringWriter();
        assertEquals(0, Cli.execute(new ExperimentCommand(), new PrintWriter(err, true), "--config", cfg.toString(),
                "--out", out.toString(), "--no-progress"), err.toString());
        JsonNode report = Json.MAPPER.readTree(out.resolve("report.json").toFile());
        for (String run : List.of("teacher", "student+KD+CRD", PrivilegedExperiment.SEARCHED)) {
            JsonNode s = report.path("summary").path(run);
            assertEquals(1, s.path("runs").asInt(), run + ": " + s);
            for (String k : List.of("f1_mean", "auc_mean", "ap_mean", "sensitivity_mean", "precision_mean")) {
                assertTrue(s.has(k), run + " lacks " + k);
            }
            assertTrue(s.path("class_recall_mean").has("V"), run);
        }
        assertTrue(report.path("summary").path("teacher").path("params").asLong()
                > report.path("summary").path("student+KD+CRD").path("params").asLong());
        assertEquals(600, report.path("data").path("test").path("beats").asInt());
        assertTrue(Files.exists(out.resolve("search/search.json")));
        for (String f : new String[]{"report.md", "report.png"}) assertTrue(Files.size(out.resolve(f)) > 0, f);
        long before = Files.getLastModifiedTime(out.resolve("student-kd-crd/seed-0/model.zip")).toMillis();
        assertEquals(0, Cli.execute(new ExperimentCommand(), new PrintWriter(err, true), "--config", cfg.toString(),
                "--out", out.toString(), "--no-progress"), err.toString());
        assertEquals(before, Files.getLastModifiedTime(out.resolve("student-kd-crd/seed-0/model.zip")).toMillis());
        // an edited config does not silently reuse runs trained with the old one
        Files.writeString(cfg, BASE.replace("lr: 1.0e-3, weightDecay", "lr: 2.0e-3, weightDecay"));
        assertEquals(0, Cli.execute(new ExperimentCommand(), new PrintWriter(err, true), "--config", cfg.toString(),
                "--out", out.toString(), "--no-progress"), err.toString());
        assertTrue(Files.readString(out.resolve("report.json")).contains("trained with other settings"));
        assertEquals(before, Files.getLastModifiedTime(out.resolve("student-kd-crd/seed-0/model.zip")).toMillis());
    }

    @Test
    void invalidValuesAreClearErrorsBeforeAnythingTrains(@TempDir Path dir) throws Exception {
        String[][] cases = {
                {"weightDecay: 1.0e-5", "weightDecay: -1.0", "weightDecay = -1"},
                {"minLr: 1.0e-5}", "minLr: 1.0e-2}", "minLr = 0.01"},
                {"student: {hidden: [16]}", "student: {hidden: []}", "hidden sizes []"},
                {"params: {T: 4.0}", "params: {T: 0.0}", "T"},
        };
        for (String[] c : cases) {
            Path cfg = dir.resolve("bad.yaml");
            Files.writeString(cfg, BASE.replace(c[0], c[1]));
            StringWriter err = new StringWriter();
            Path out = dir.resolve("never");
            assertEquals(2, Cli.execute(new ExperimentCommand(), new PrintWriter(err, true), "--config", cfg.toString(),
                    "--out", out.toString(), "--no-progress"), c[1] + ": " + err);
            assertTrue(err.toString().contains(c[2]), c[1] + ": " + err);
            assertFalse(Files.exists(out), c[1] + ": nothing may be written");
        }
    }

    @Test
    void shippedConfigParses() throws Exception {
        Path p = Path.of("..", "notebooks-config", "crd-privileged.yaml");
        assertTrue(PrivilegedConfig.isPrivilegedExperiment(p));
        PrivilegedConfig c = PrivilegedConfig.load(p);
        assertEquals(List.of(256, 1024, 256), c.teacher().hidden());
        assertEquals("val_f1", c.training().selection());
        assertEquals(3, c.seeds().size());
        assertEquals(1, c.quick().seeds().size());
    }
}
