package org.beatgan.experiments.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import org.beatgan.core.config.ExperimentConfig;
import org.beatgan.core.io.DataLocations;
import org.beatgan.core.io.Json;
import org.beatgan.experiments.Cli;
import org.beatgan.experiments.TrainCommand;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Arbiter beta7 on the M2.1 classpath, end to end on real beats. */
class DistillationSweepTest {

    @TempDir
    static Path shared;
    static Path teacher;

    @BeforeAll
    static void teacher() {
        StringWriter err = new StringWriter();
        assertEquals(0, Cli.execute(new TrainCommand(), new PrintWriter(err, true), "--data",
                DataLocations.beatganDemo().toString(), "--epochs", "1", "--ngf", "8", "--ndf", "8", "--batch-size", "16",
                "--out", shared.resolve("teacher").toString(), "--no-progress"), err.toString());
        teacher = shared.resolve("teacher/model.zip");
    }

    private static ExperimentConfig config(Path dir, int candidates, String betaValues) throws Exception {
        return config(dir, candidates, betaValues, 1);
    }

    private static ExperimentConfig config(Path dir, int candidates, String betaValues, int parallel) throws Exception {
        Path f = dir.resolve("sweep.yaml");
        Files.writeString(f, "name: tiny-sweep\nmodel: {ngf: 4, ndf: 4}\ntraining: {epochs: 1, batchSize: 16, lr: 1.0e-3}\n"
                + "data: {path: '" + DataLocations.beatganDemo() + "', trainLimit: 0, evalLimit: 0}\n"
                + "distill:\n  terms:\n    - {name: kd, loss: kd, weight: 1, params: {T: 4}, inputs: {logits: score}}\n"
                + "    - {name: at, loss: at, weight: 100, inputs: {feats: [G/enc/act3]}}\n"
                + "sweep:\n  generator: grid\n  candidates: " + candidates + "\n  parallel: " + parallel + "\n  metric: val_auc\n"
                + "  parameters:\n    T: {values: [1, 4]}\n    beta: {values: " + betaValues + "}\n");
        return ExperimentConfig.load(f);
    }

    @Test
    void tinySweepRecordsEveryCandidateSurvivesAFailureAndWritesItsReport(@TempDir Path out) throws Exception {
        // beta = 1e39 overflows float32: that candidate's loss is infinite and it must fail alone
        DistillationSweep.Outcome o = new DistillationSweep(config(out, 4, "[10, 1.0e39]"), teacher, out).run();
        assertEquals(4, o.candidates());
        assertEquals(2, o.failed(), "both beta=1e39 candidates diverge");
        assertEquals(2, o.trained());
        List<String> csv = Files.readAllLines(out.resolve("results.csv"));
        assertEquals(5, csv.size(), "header + 4 candidates");
        assertTrue(csv.stream().filter(l -> l.contains(",failed,")).count() == 2, String.join("\n", csv));
        assertTrue(csv.stream().anyMatch(l -> l.contains("TrainingDivergedException")), "failure reason is kept");
        for (String f : new String[]{"results.md", "score_vs_T.png", "score_vs_beta.png", "best.json", "best-config.yaml"}) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        JsonNode best = Json.MAPPER.readTree(out.resolve("best.json").toFile());
        assertEquals(10.0, best.path("params").path("beta").asDouble());
        assertTrue(best.path("test").has("auc"), "best student is evaluated on the test split");
        ExperimentConfig bestCfg = ExperimentConfig.load(out.resolve("best-config.yaml"));
        assertEquals(teacher.toAbsolutePath().toString(), bestCfg.distill().path("teacher").asText());
        assertNull(bestCfg.sweep(), "the best config is a plain distillation config");
        double weight = bestCfg.distill().path("terms").get(1).path("weight").asDouble();
        assertEquals(10.0, weight);
    }

    @Test
    void parallelCandidatesRespectTheCandidateLimit(@TempDir Path out) throws Exception {
        DistillationSweep.Outcome o = new DistillationSweep(config(out, 3, "[10, 100]", 2), teacher, out).run();
        assertEquals(3, o.candidates());
        assertEquals(3, o.trained());
        assertEquals(4, Files.readAllLines(out.resolve("results.csv")).size(), "header + exactly 3 candidates");
    }

    @Test
    void aRestartedSweepSkipsFinishedCandidatesAndResumesAnInterruptedOne(@TempDir Path out) throws Exception {
        DistillationSweep.Outcome first = new DistillationSweep(config(out, 2, "[10, 100]"), teacher, out).run();
        assertEquals(2, first.trained());
        // simulate a crash in the middle of a third candidate: its run folder exists, its result does not
        DistillationSweep.Outcome second = new DistillationSweep(config(out, 3, "[10, 100]"), teacher, out).run();
        assertEquals(2, second.skipped(), "finished candidates are not retrained");
        assertEquals(1, second.trained());
        Path third = Files.list(out.resolve("candidates")).filter(d -> {
            try {
                return Files.readString(d.resolve("result.json")).contains("\"candidate\" : 2");
            } catch (Exception e) {
                return false;
            }
        }).findFirst().orElseThrow();
        Files.delete(third.resolve("result.json"));
        Files.delete(third.resolve("run/metrics.json"));
        long modelTime = Files.getLastModifiedTime(third.resolve("run/model.zip")).toMillis();
        DistillationSweep.Outcome third2 = new DistillationSweep(config(out, 3, "[10, 100]"), teacher, out).run();
        assertEquals(2, third2.skipped());
        assertEquals(1, third2.trained(), "the interrupted candidate is completed from its checkpoint");
        assertEquals(modelTime, Files.getLastModifiedTime(third.resolve("run/model.zip")).toMillis(),
                "its finished epoch is not trained again");
        assertEquals(4, Files.readAllLines(out.resolve("results.csv")).size());
    }
}
