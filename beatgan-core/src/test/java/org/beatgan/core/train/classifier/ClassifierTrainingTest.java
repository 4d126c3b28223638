package org.beatgan.core.train.classifier;

import com.fasterxml.jackson.databind.JsonNode;
import org.beatgan.core.data.image.ChannelNormalization;
import org.beatgan.core.data.image.FashionMnistReader;
import org.beatgan.core.data.image.ImageSet;
import org.beatgan.core.io.DataLocations;
import org.beatgan.core.io.Json;
import org.beatgan.core.model.image.ClassifierSpec;
import org.beatgan.core.model.image.ImageClassifierGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ClassifierTrainingTest {

    /** Fashion-MNIST subsets: train, validation and test images (stratified, seeded). */
    static ClassifierRun.Data fashion(int train, int val, int test) throws Exception {
        ImageSet all = FashionMnistReader.read(DataLocations.fashionMnist(), true);
        ImageSet[] split = all.split(val, 0);
        ImageSet tr = split[1].stratified(train, 0);
        ChannelNormalization n = ChannelNormalization.of(tr);
        ImageSet te = FashionMnistReader.read(DataLocations.fashionMnist(), false).stratified(test, 0);
        return new ClassifierRun.Data(n.apply(tr), n.apply(split[0]), n.apply(te));
    }

    @Test
    void aFewEpochsOnRealImagesLearnFarAboveChance(@TempDir Path out) throws Exception {
        ClassifierRun.Data data = fashion(2000, 500, 1000);
        ImageClassifierGraph g = ImageClassifierGraph.build(ClassifierSpec.lightNN(10), 1, 28, 28, DataType.FLOAT, 0);
        ClassifierTrainer t = new ClassifierTrainer(g, ClassifierTrainingConfig.defaults().withEpochs(2).withBatchSize(64),
                List.of());
        var metrics = new ClassifierRun(t, data, new ClassifierRun.Options(out, false, false)).run();
        JsonNode m = Json.MAPPER.readTree(out.resolve(ClassifierRun.METRICS).toFile());
        double acc = m.path("test").path("accuracy").asDouble();
        assertTrue(acc > 0.6, "10 classes (chance 0.1): test accuracy " + acc);
        assertEquals(1000, m.path("test").path("examples").asInt());
        assertEquals(g.parameterCount(), m.path("params").path("model").asLong());
        List<String> lines = Files.readAllLines(out.resolve(ClassifierRun.EPOCHS));
        assertEquals(2, lines.size());
        JsonNode e2 = Json.MAPPER.readTree(lines.get(1));
        for (String k : List.of("loss_task", "loss", "train_accuracy", "val_accuracy", "val_loss", "lr", "seconds")) {
            assertTrue(e2.has(k), k + " missing from " + e2);
        }
        // the saved best model scores the test set as the run reported
        ImageClassifierGraph fresh = ImageClassifierGraph.build(ClassifierSpec.lightNN(10), 1, 28, 28, DataType.FLOAT, 7);
        ClassifierBundle.restore(fresh.sameDiff(), out.resolve(ClassifierRun.MODEL), false);
        assertEquals(acc, ClassifierEvaluation.of(fresh, data.test(), 256).accuracy(), 1e-12);
        assertEquals(metrics.get("best_epoch"), m.path("best_epoch").asInt());
    }

    @Test
    void resumedRunEqualsUninterruptedRun(@TempDir Path dir) throws Exception {
        ClassifierRun.Data data = fashion(300, 100, 100);
        ClassifierTrainingConfig cfg = ClassifierTrainingConfig.defaults().withEpochs(3).withBatchSize(64)
                .withSchedule(LrSchedule.step(1, 0.5));
        Path straight = dir.resolve("straight"), crashed = dir.resolve("crashed");
        run(data, cfg, straight, false);
        run(data, cfg.withEpochs(2), crashed, false);
        Files.delete(crashed.resolve(ClassifierRun.METRICS));   // as if it stopped after epoch 2
        ImageClassifierGraph resumed = run(data, cfg, crashed, true);
        ImageClassifierGraph reference = ImageClassifierGraph.build(ClassifierSpec.lightNN(10), 1, 28, 28, DataType.FLOAT, 0);
        ClassifierBundle.restore(reference.sameDiff(), straight.resolve(ClassifierRun.CHECKPOINT), true);
        for (String v : reference.stateVariables()) {
            assertEquals(reference.sameDiff().getArrForVarName(v), resumed.sameDiff().getArrForVarName(v), v);
        }
        List<String> a = Files.readAllLines(straight.resolve(ClassifierRun.EPOCHS));
        List<String> b = Files.readAllLines(crashed.resolve(ClassifierRun.EPOCHS));
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            JsonNode x = Json.MAPPER.readTree(a.get(i)), y = Json.MAPPER.readTree(b.get(i));
            for (String k : List.of("loss", "train_accuracy", "val_accuracy", "val_loss", "lr")) {
                assertEquals(x.path(k).asDouble(), y.path(k).asDouble(), 0.0, "epoch " + (i + 1) + " " + k);
            }
        }
        assertEquals(0.25e-3, Json.MAPPER.readTree(b.get(2)).path("lr").asDouble(), 1e-15, "step schedule halved twice");
    }

    private static ImageClassifierGraph run(ClassifierRun.Data data, ClassifierTrainingConfig cfg, Path out, boolean resume)
            throws Exception {
        ImageClassifierGraph g = ImageClassifierGraph.build(ClassifierSpec.lightNN(10), 1, 28, 28, DataType.FLOAT, 0);
        new ClassifierRun(new ClassifierTrainer(g, cfg, List.of()), data, new ClassifierRun.Options(out, resume, false)).run();
        // the graph ends holding the best epoch's arrays: give back the last epoch's, from the checkpoint
        ClassifierBundle.restore(g.sameDiff(), out.resolve(ClassifierRun.CHECKPOINT), true);
        return g;
    }

    @Test
    void plateauScheduleHalvesAfterPatienceAndRespectsMinLr() {
        LrSchedule s = LrSchedule.plateau(0.5, 1, 0.01, 0.2);
        LrSchedule.State st = new LrSchedule.State();
        double lr = 1.0;
        lr = s.next(lr, 1, 0.50, st);   // best
        assertEquals(1.0, lr);
        lr = s.next(lr, 2, 0.505, st);  // not better by more than the absolute threshold: 1 bad epoch
        assertEquals(1.0, lr);
        lr = s.next(lr, 3, 0.50, st);   // 2 bad epochs > patience 1: halved
        assertEquals(0.5, lr);
        lr = s.next(lr, 4, 0.60, st);   // better
        assertEquals(0.5, lr);
        lr = s.next(lr, 5, 0.60, st);
        lr = s.next(lr, 6, 0.60, st);
        assertEquals(0.25, lr);
        lr = s.next(lr, 7, 0.60, st);
        lr = s.next(lr, 8, 0.60, st);
        assertEquals(0.2, lr, "not below minLr");
        lr = s.next(lr, 9, 0.60, st);
        lr = s.next(lr, 10, 0.60, st);
        assertEquals(0.2, lr);
        LrSchedule step = LrSchedule.step(2, 0.1);
        assertEquals(1.0, step.next(1.0, 1, 0, new LrSchedule.State()));
        assertEquals(0.1, step.next(1.0, 2, 0, new LrSchedule.State()), 1e-15);
    }

    @Test
    void invalidSettingsAreClearErrors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ClassifierTrainingConfig(10, 128, 1e-3, 0.9, 0.999, -1, 1, 0, LrSchedule.none(), "val_accuracy"));
        assertTrue(e.getMessage().contains("weightDecay = -1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new ClassifierTrainingConfig(10, 128, 1e-3, 0.9, 0.999, 0,
                1, 0, LrSchedule.plateau(0.5, 1, 0, 1e-2), "val_accuracy"));
        assertTrue(e.getMessage().contains("minLr = 0.01, expected <= lr"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LrSchedule.plateau(1.5, 1, 0, 0));
        assertTrue(e.getMessage().contains("schedule.factor"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new ClassifierTrainingConfig(10, 128, 1e-3, 0.9, 0.999, 0,
                1, 0, LrSchedule.none(), "auc"));
        assertTrue(e.getMessage().contains("selection = 'auc'"), e.getMessage());
    }

    @Test
    void corruptBundlesAreRejectedWithoutAssigningAnything(@TempDir Path dir) throws Exception {
        ImageClassifierGraph g = ImageClassifierGraph.build(ClassifierSpec.lightNN(10), 1, 28, 28, DataType.FLOAT, 0);
        Path f = dir.resolve("m.zip");
        ClassifierBundle.save(g.sameDiff(), g.describeSettings(), f, java.util.Map.of());
        byte[] bytes = Files.readAllBytes(f);
        Path cut = dir.resolve("cut.zip");
        Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        ImageClassifierGraph other = ImageClassifierGraph.build(ClassifierSpec.lightNN(10), 1, 28, 28, DataType.FLOAT, 1);
        var before = other.sameDiff().getArrForVarName("conv1/W").dup();
        var e = assertThrows(java.io.IOException.class, () -> ClassifierBundle.restore(other.sameDiff(), cut, false));
        assertTrue(e.getMessage().contains(cut.toString()), e.getMessage());
        // a bundle of another shape (3 channels) names the misshapen array and assigns nothing
        ImageClassifierGraph rgb = ImageClassifierGraph.build(ClassifierSpec.lightNN(10), 3, 28, 28, DataType.FLOAT, 0);
        Path rgbFile = dir.resolve("rgb.zip");
        ClassifierBundle.save(rgb.sameDiff(), rgb.describeSettings(), rgbFile, java.util.Map.of());
        e = assertThrows(java.io.IOException.class, () -> ClassifierBundle.restore(other.sameDiff(), rgbFile, false));
        assertTrue(e.getMessage().contains("conv1/W"), e.getMessage());
        assertEquals(before, other.sameDiff().getArrForVarName("conv1/W"));
    }
}
