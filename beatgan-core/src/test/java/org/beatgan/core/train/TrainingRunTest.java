package org.beatgan.core.train;

import com.fasterxml.jackson.databind.JsonNode;
import org.beatgan.core.io.Json;
import org.beatgan.core.io.ModelBundle;
import org.beatgan.core.model.BeatGanConfig;
import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.model.BeatGanGraphBuilder;
import org.beatgan.core.score.AnomalyScorer;
import org.beatgan.core.testutil.DemoBeats;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class TrainingRunTest {

    private static final BeatGanConfig MODEL = BeatGanConfig.of(1, 8, 4, 4);

    private static TrainingRun run(int epochs, Path out, boolean resume) {
        DemoBeats demo = DemoBeats.get();
        BeatGanGraph g = BeatGanGraphBuilder.build(MODEL, 9);
        BeatGanTrainer t = new BeatGanTrainer(g, TrainingConfig.defaults().withEpochs(epochs).withBatchSize(16)
                .withLr(1e-3).withSeed(9));
        var data = new TrainingRun.Data(demo.normals(0, 32, 16), demo.mixed(32, 48, 0, 16, 64),
                demo.mixed(48, 64, 16, 64, 64));
        return new TrainingRun(t, data, new TrainingRun.Options(out, resume, false));
    }

    @Test
    void patienceStopsOnceValidationStopsImproving(@TempDir Path out) throws Exception {
        DemoBeats demo = DemoBeats.get();
        BeatGanGraph g = BeatGanGraphBuilder.build(MODEL, 9);
        TrainingConfig cfg = TrainingConfig.defaults().withEpochs(12).withBatchSize(16).withLr(1e-2).withSeed(9);
        cfg = new TrainingConfig(cfg.epochs(), cfg.batchSize(), cfg.lr(), cfg.beta1(), cfg.beta2(), cfg.wAdv(),
                cfg.seed(), cfg.dReinitThreshold(), cfg.stepOrder(), cfg.stepEngine(), 2);
        var data = new TrainingRun.Data(demo.normals(0, 32, 16), demo.mixed(32, 48, 0, 16, 64),
                demo.mixed(48, 64, 16, 64, 64));
        new TrainingRun(new BeatGanTrainer(g, cfg), data, new TrainingRun.Options(out, false, false)).run();
        JsonNode m = Json.MAPPER.readTree(out.resolve(TrainingRun.METRICS).toFile());
        int best = m.path("best_epoch").asInt();
        int epochs = m.path("epochs").asInt();
        assertTrue(m.path("stopped_early").asBoolean(), "a noisy lr 1e-2 run should plateau before 12 epochs: " + m);
        assertEquals(best + 2, epochs, "stops exactly 2 epochs after the best one");
        assertEquals(epochs, Files.readAllLines(out.resolve(TrainingRun.EPOCHS)).size());
        assertThrows(IllegalArgumentException.class, () -> new TrainingConfig(3, 16, 1e-3, 0.5, 0.999, 1, 0, 0,
                null, null, -1));
    }

    @Test
    void runWritesModelLogAndMetrics(@TempDir Path out) throws Exception {
        Map<String, Object> metrics = run(2, out, false).run();
        for (String f : List.of(TrainingRun.MODEL, TrainingRun.CHECKPOINT, TrainingRun.EPOCHS,
                TrainingRun.METRICS, TrainingRun.CURVES)) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        List<String> lines = Files.readAllLines(out.resolve(TrainingRun.EPOCHS));
        assertEquals(2, lines.size());
        JsonNode first = Json.MAPPER.readTree(lines.get(0));
        for (String k : List.of("epoch", "loss_d_real", "loss_d_fake", "loss_g_rec", "loss_g_adv", "val_auc",
                "val_ap", "val_f1", "seconds", "beats_per_s", "validation_seconds", "wall_seconds")) {
            assertTrue(first.has(k), "epoch record lacks " + k + ": " + first);
        }
        assertTrue(first.path("wall_seconds").asDouble() >= first.path("seconds").asDouble()
                + first.path("validation_seconds").asDouble(), "the epoch's wall time holds its steps and validation: " + first);
        JsonNode m = Json.MAPPER.readTree(out.resolve(TrainingRun.METRICS).toFile());
        for (String k : List.of("auc", "ap", "best_f1", "threshold")) {
            double v = m.path("test").path(k).asDouble(Double.NaN);
            assertTrue(Double.isFinite(v), "test." + k);
        }
        assertEquals(BeatGanGraphBuilder.build(MODEL, 0).parameterCount(BeatGanGraph.Network.G),
                m.path("params").path("G").asLong());
        assertEquals(metrics.get("best_epoch"), m.path("best_epoch").asInt());
    }

    @Test
    void batchStatsScoringSelectsByItAndReportsEvalModeBeside(@TempDir Path out) throws Exception {
        DemoBeats demo = DemoBeats.get();
        BeatGanGraph g = BeatGanGraphBuilder.build(MODEL, 9);
        BeatGanTrainer t = new BeatGanTrainer(g, TrainingConfig.defaults().withEpochs(2).withBatchSize(16)
                .withLr(1e-3).withSeed(9));
        var data = new TrainingRun.Data(demo.normals(0, 32, 16), demo.mixed(32, 48, 0, 16, 64),
                demo.mixed(48, 64, 16, 64, 64));
        org.beatgan.core.score.ScoringConfig scoring = new org.beatgan.core.score.ScoringConfig(
                org.beatgan.core.score.ScoringConfig.Mode.BATCH_STATS, 8, 3L);
        new TrainingRun(t, data, new TrainingRun.Options(out, false, false, scoring)).run();
        for (String line : Files.readAllLines(out.resolve(TrainingRun.EPOCHS))) {
            JsonNode r = Json.MAPPER.readTree(line);
            for (String k : List.of("val_auc", "val_ap", "val_f1", "val_auc_eval", "val_ap_eval", "val_f1_eval")) {
                assertTrue(Double.isFinite(r.path(k).asDouble(Double.NaN)), "epoch record lacks " + k + ": " + r);
            }
            assertNotEquals(r.path("val_auc").asDouble(), r.path("val_auc_eval").asDouble(), 0.0);
        }
        JsonNode m = Json.MAPPER.readTree(out.resolve(TrainingRun.METRICS).toFile());
        assertEquals("batch-stats", m.path("scoring").path("mode").asText());
        assertEquals(8, m.path("scoring").path("batchSize").asInt());
        ModelBundle.Loaded best = ModelBundle.load(out.resolve(TrainingRun.MODEL));
        assertEquals(AnomalyScorer.scoreWithBatchStatistics(best.graph(), data.test(), 8, 3).metrics().auc(),
                m.path("test").path("auc").asDouble(), 1e-12);
        assertEquals(AnomalyScorer.score(best.graph(), data.test()).metrics().auc(),
                m.path("test_eval").path("auc").asDouble(), 1e-12);
    }

    @Test
    void savedModelGivesIdenticalScores(@TempDir Path out) throws Exception {
        run(1, out, false).run();
        ModelBundle.Loaded a = ModelBundle.load(out.resolve(TrainingRun.MODEL));
        Path copy = out.resolve("copy.zip");
        ModelBundle.save(a.graph(), copy);
        ModelBundle.Loaded b = ModelBundle.load(copy);
        INDArray x = DemoBeats.get().abnormal.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 10));
        assertEquals(a.graph().scores(x), b.graph().scores(x));
        // the running statistics travel with the model: inference differs from training mode
        assertNotEquals(a.graph().forward(x, true, "G/score").get("G/score"), a.graph().scores(x));
    }

    @Test
    void resumedRunEqualsUninterruptedRun(@TempDir Path dir) throws Exception {
        Path straight = dir.resolve("straight"), crashed = dir.resolve("crashed");
        run(3, straight, false).run();
        run(1, crashed, false).run();                       // "crash" after epoch 1
        Files.delete(crashed.resolve(TrainingRun.METRICS));
        Map<String, Object> resumed = run(3, crashed, true).run();
        assertEquals(3, resumed.get("epochs"));
        List<String> a = Files.readAllLines(straight.resolve(TrainingRun.EPOCHS));
        List<String> b = Files.readAllLines(crashed.resolve(TrainingRun.EPOCHS));
        assertEquals(3, b.size());
        for (int i = 0; i < 3; i++) {
            JsonNode x = Json.MAPPER.readTree(a.get(i)), y = Json.MAPPER.readTree(b.get(i));
            for (String k : List.of("loss_g", "loss_d", "val_auc", "val_score_mean")) {
                assertEquals(x.get(k).asDouble(), y.get(k).asDouble(), 0.0, "epoch " + (i + 1) + " " + k);
            }
        }
        BeatGanGraph ga = ModelBundle.load(straight.resolve(TrainingRun.CHECKPOINT)).graph();
        BeatGanGraph gb = ModelBundle.load(crashed.resolve(TrainingRun.CHECKPOINT)).graph();
        for (String v : ga.stateVariableNames()) {
            assertEquals(ga.array(v), gb.array(v), v);
        }
    }

    @Test
    void resumedRunWithReshuffledEpochsEqualsUninterruptedRun(@TempDir Path dir) throws Exception {
        // BeatGAN's training iterator reshuffles every epoch: a resumed run must continue with the
        // shuffle of its next epoch, not replay the first epoch's order
        var prepared = org.beatgan.core.data.ExperimentData.prepare(new org.beatgan.core.config.DataConfig(
                org.beatgan.core.io.DataLocations.beatganDemo().toString(), "beatgan", 0, 0, 0, 0), 1, 16);
        Path straight = dir.resolve("straight"), crashed = dir.resolve("crashed");
        shuffledRun(prepared, 2, straight, false).run();
        shuffledRun(prepared, 1, crashed, false).run();
        Files.delete(crashed.resolve(TrainingRun.METRICS));
        shuffledRun(prepared, 2, crashed, true).run();
        BeatGanGraph ga = ModelBundle.load(straight.resolve(TrainingRun.CHECKPOINT)).graph();
        BeatGanGraph gb = ModelBundle.load(crashed.resolve(TrainingRun.CHECKPOINT)).graph();
        for (String v : ga.stateVariableNames()) {
            assertEquals(ga.array(v), gb.array(v), v);
        }
    }

    private static TrainingRun shuffledRun(org.beatgan.core.data.ExperimentData.Prepared prepared, int epochs, Path out,
                                           boolean resume) {
        BeatGanGraph g = BeatGanGraphBuilder.build(MODEL, 9);
        BeatGanTrainer t = new BeatGanTrainer(g, TrainingConfig.defaults().withEpochs(epochs).withBatchSize(16)
                .withLr(1e-3).withSeed(9));
        return new TrainingRun(t, prepared.withFreshIterators().data(), new TrainingRun.Options(out, resume, false));
    }

    @Test
    void resumeWithOtherSettingsIsRefused(@TempDir Path out) throws Exception {
        run(1, out, false).run();
        BeatGanGraph g = BeatGanGraphBuilder.build(MODEL, 9);
        BeatGanTrainer t = new BeatGanTrainer(g, TrainingConfig.defaults().withEpochs(2).withBatchSize(16).withSeed(10));
        DemoBeats demo = DemoBeats.get();
        var run = new TrainingRun(t, new TrainingRun.Data(demo.normals(0, 32, 16), demo.mixed(32, 48, 0, 16, 64), null),
                new TrainingRun.Options(out, true, false));
        java.io.IOException e = assertThrows(java.io.IOException.class, run::run);
        assertTrue(e.getMessage().contains("seed 9") && e.getMessage().contains("seed 10"), e.getMessage());
    }

    @Test
    void bestModelCarriesTheCalibrationOfItsValidationNormalBeats(@TempDir Path out) throws Exception {
        run(2, out, false).run();
        ModelBundle.Loaded best = ModelBundle.load(out.resolve(TrainingRun.MODEL));
        var cal = best.calibration().orElseThrow(() -> new AssertionError("model.zip has no calibration"));
        DemoBeats demo = DemoBeats.get();
        AnomalyScorer.Scored val = AnomalyScorer.score(best.graph(), demo.mixed(32, 48, 0, 16, 64));
        double[] normal = java.util.stream.IntStream.range(0, val.scores().length).filter(i -> val.labels()[i] == 0)
                .mapToDouble(i -> val.scores()[i]).sorted().toArray();
        assertEquals(normal.length, cal.beats());
        assertEquals(normal[0], cal.quantile(0), 1e-6 * normal[0]);
        assertEquals(normal[normal.length - 1], cal.quantile(1), 1e-6 * normal[normal.length - 1]);
        assertEquals("eval", cal.scoring());
    }
}
