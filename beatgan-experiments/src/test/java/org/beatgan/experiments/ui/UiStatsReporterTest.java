package org.beatgan.experiments.ui;

import com.fasterxml.jackson.databind.JsonNode;
import org.beatgan.core.config.DataConfig;
import org.beatgan.core.data.ExperimentData;
import org.beatgan.core.io.DataLocations;
import org.beatgan.core.model.BeatGanConfig;
import org.beatgan.core.model.BeatGanGraphBuilder;
import org.beatgan.core.train.BeatGanTrainer;
import org.beatgan.core.train.TrainingConfig;
import org.beatgan.core.train.TrainingRun;
import org.deeplearning4j.core.storage.Persistable;
import org.deeplearning4j.core.storage.StatsStorage;
import org.deeplearning4j.ui.model.stats.api.StatsType;
import org.deeplearning4j.ui.model.stats.impl.SbeStatsInitializationReport;
import org.deeplearning4j.ui.model.stats.impl.SbeStatsReport;
import org.deeplearning4j.ui.model.storage.FileStatsStorage;
import org.deeplearning4j.ui.model.storage.InMemoryStatsStorage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class UiStatsReporterTest {

    @Test
    void trainingWritesDl4jStatsForGAndDAndOurRecords(@TempDir Path dir) throws Exception {
        ExperimentData.Prepared data = ExperimentData.prepare(
                new DataConfig(DataLocations.beatganDemo().toString(), "beatgan", 0, 0, 0, 0), 1, 16);
        BeatGanTrainer t = new BeatGanTrainer(BeatGanGraphBuilder.build(BeatGanConfig.of(1, 8, 4, 4), 1),
                TrainingConfig.defaults().withEpochs(2).withBatchSize(16));
        InMemoryStatsStorage mem = new InMemoryStatsStorage();
        UiStatsReporter r = new UiStatsReporter(mem, "s1", "teacher-test", t, 1);
        t.addListener(r);
        List<Double> lossG = new ArrayList<>();
        t.addListener(new org.beatgan.core.train.TrainingListener() {
            @Override
            public void onIteration(int e, long it, Map<String, Double> s, int b, double sec) {
                lossG.add(s.get("loss_g"));
            }
        });
        new TrainingRun(t, data.data(), new TrainingRun.Options(dir.resolve("run"), false, false)).run();

        assertEquals(List.of("1-generator", "2-discriminator"), mem.listWorkerIDsForSessionAndType("s1", UiStatsReporter.TYPE_ID));
        SbeStatsInitializationReport init = (SbeStatsInitializationReport) mem.getStaticInfo("s1", UiStatsReporter.TYPE_ID, "1-generator");
        assertEquals("teacher-test G", init.getModelClassName());
        assertEquals(t.graph().parameterCount(org.beatgan.core.model.BeatGanGraph.Network.G), init.getModelNumParams());
        List<Persistable> g = mem.getAllUpdatesAfter("s1", UiStatsReporter.TYPE_ID, "1-generator", 0);
        assertEquals(lossG.size(), g.size(), "one report per iteration");
        SbeStatsReport last = (SbeStatsReport) g.get(g.size() - 1);
        assertEquals(lossG.get(lossG.size() - 1), last.getScore(), 1e-9);
        Map<String, Double> updates = last.getMeanMagnitudes(StatsType.Updates);
        assertTrue(updates.get("G/enc/conv1/W") > 0, "update magnitudes feed the update:parameter chart");

        JsonNode snap = module(mem).snapshot();
        JsonNode s = snap.path("sessions").get(0);
        assertEquals(2, s.path("epochs").size());
        assertTrue(s.path("epochs").get(1).has("val_auc"));
        assertEquals(lossG.size(), s.path("iterations").path("loss_g").size());
    }

    @Test
    void aClassifierRunReportsOneWorkerAndItsEpochs(@TempDir Path dir) throws Exception {
        var g = org.beatgan.core.model.image.ImageClassifierGraph.build(org.beatgan.core.model.image.ClassifierSpec.lightNN(10),
                1, 12, 12, org.nd4j.linalg.api.buffer.DataType.FLOAT, 0);
        var t = new org.beatgan.core.train.classifier.ClassifierTrainer(g,
                org.beatgan.core.train.classifier.ClassifierTrainingConfig.defaults().withEpochs(2).withBatchSize(16), List.of());
        InMemoryStatsStorage mem = new InMemoryStatsStorage();
        t.addListener(new UiStatsReporter(mem, "c1", "LightNN", t, 1));
        var x = org.nd4j.linalg.factory.Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 32, 1, 12, 12);
        var y = org.nd4j.linalg.factory.Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, 32, 10);
        for (int i = 0; i < 32; i++) y.putScalar(i, i % 10, 1f);
        var ds = new org.nd4j.linalg.dataset.DataSet(x, y);
        new org.beatgan.core.train.classifier.ClassifierRun(t, new org.beatgan.core.train.classifier.ClassifierRun.Data(ds, ds, null),
                new org.beatgan.core.train.classifier.ClassifierRun.Options(dir.resolve("run"), false, false)).run();
        assertEquals(List.of("1-model"), mem.listWorkerIDsForSessionAndType("c1", UiStatsReporter.TYPE_ID));
        SbeStatsInitializationReport init = (SbeStatsInitializationReport) mem.getStaticInfo("c1", UiStatsReporter.TYPE_ID, "1-model");
        assertEquals(g.parameterCount(), init.getModelNumParams());
        List<Persistable> u = mem.getAllUpdatesAfter("c1", UiStatsReporter.TYPE_ID, "1-model", 0);
        assertEquals(4, u.size(), "2 epochs of 2 steps");
        assertTrue(Double.isFinite(((SbeStatsReport) u.get(3)).getScore()));
        JsonNode s = module(mem).snapshot().path("sessions").get(0);
        assertEquals(2, s.path("epochs").size());
        assertTrue(s.path("epochs").get(1).has("val_accuracy"));
    }

    @Test
    void statsFilesKeepOurRecordsForLaterViewing(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("run.stats");
        FileStatsStorage file = new FileStatsStorage(f.toFile());
        BeatGanTrainer t = new BeatGanTrainer(BeatGanGraphBuilder.build(BeatGanConfig.of(1, 8, 4, 4), 1),
                TrainingConfig.defaults().withBatchSize(8));
        UiStatsReporter r = new UiStatsReporter(file, "s2", "student", t, 1);
        r.onIteration(0, 1, Map.of("loss_g", 0.5, "loss_d", 1.0, "distill_at", 0.25), 8, 0.1);
        r.onEpoch(Map.of("epoch", 1, "val_auc", 0.7));
        file.close();
        FileStatsStorage reopened = new FileStatsStorage(f.toFile());
        JsonNode s = module(reopened).snapshot().path("sessions").get(0);
        assertEquals(0.25, s.path("iterations").path("distill_at").get(0).get(1).asDouble());
        assertEquals(0.7, s.path("epochs").get(0).path("val_auc").asDouble());
        assertEquals("student", s.path("model").asText());
        // the same session in memory and in a file (--ui with --stats-file) is listed once
        InMemoryStatsStorage mem = new InMemoryStatsStorage();
        UiStatsReporter r2 = new UiStatsReporter(mem, "s2", "student", t, 1);
        r2.onEpoch(Map.of("epoch", 1, "val_auc", 0.7));
        BeatGanUiModule both = module(reopened);
        both.onAttach(mem);
        assertEquals(1, both.snapshot().path("sessions").size());
        reopened.close();
    }

    @Test
    void sweepProgressIsVisibleOnOurPage(@TempDir Path dir) throws Exception {
        UiOptions o = new UiOptions();
        o.statsFile = dir.resolve("sweep.stats");
        try (UiSession session = UiSession.open(o)) {
            var progress = session.sweepProgress("distill-sweep");
            progress.accept(Map.of("candidate", 0, "status", "done", "score", 0.71, "done", 1, "failed", 0, "total", 3,
                    "best", 0.71));
            progress.accept(Map.of("candidate", 1, "status", "failed", "done", 1, "failed", 1, "total", 3, "best", 0.71));
        }
        FileStatsStorage f = new FileStatsStorage(o.statsFile.toFile());
        JsonNode s = module(f).snapshot().path("sessions").get(0);
        assertEquals("sweep distill-sweep", s.path("model").asText());
        assertEquals(2, s.path("sweep").size());
        JsonNode last = s.path("sweep").get(1);
        assertEquals(1, last.path("failed").asInt());
        assertEquals(0.71, last.path("best").asDouble());
        f.close();
    }

    private static BeatGanUiModule module(StatsStorage s) {
        BeatGanUiModule m = new BeatGanUiModule();
        m.onAttach(s);
        return m;
    }
}
