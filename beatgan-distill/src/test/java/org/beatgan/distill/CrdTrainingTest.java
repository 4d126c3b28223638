package org.beatgan.distill;

import org.beatgan.core.config.ExperimentConfig;
import org.beatgan.core.data.ExperimentData;
import org.beatgan.core.io.DataLocations;
import org.beatgan.core.io.Json;
import org.beatgan.core.io.ModelBundle;
import org.beatgan.core.model.BeatGanConfig;
import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.model.BeatGanGraphBuilder;
import org.beatgan.core.train.ExperimentRunner;
import org.beatgan.core.train.TrainingRun;
import org.beatgan.distill.loss.CrdLoss;
import org.beatgan.distill.loss.CrdMemory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * CRD end to end on BeatGAN: real beats (the BeatGAN demo arrays), a tiny student trained through
 * {@link DistillationExperiment}; the memory banks and normalisation constants live in the student's
 * graph, change during training, travel in model.zip and checkpoints, and resume exactly.
 */
class CrdTrainingTest {

    private static final String TERM = "{name: crd, loss: crd, weight: 0.8, params: {feat_dim: 16, nce_n: 24},"
            + " inputs: {feat: G/latent}}";
    private static final String PREFIX = Distiller.TERM_PREFIX + "crd/";
    private static final List<String> STATE = List.of(CrdLoss.MEMORY_S, CrdLoss.MEMORY_T, CrdLoss.Z_S, CrdLoss.Z_T);
    private static BeatGanGraph teacher;
    private static ExperimentData.Prepared data;

    @BeforeAll
    static void teacherAndData() throws Exception {
        teacher = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 50, 8, 8), 3);
        data = ExperimentRunner.prepareData(config(1));
    }

    static ExperimentConfig config(int epochs) throws Exception {
        return ExperimentConfig.defaults().with(Json.YAML.readTree("name: crd\nmodel: {nc: 1, ngf: 4, ndf: 4}\n"
                + "training: {epochs: " + epochs + ", batchSize: 16, lr: 1.0e-3, seed: 4}\n"
                + "data: {path: '" + DataLocations.beatganDemo() + "', trainLimit: 0, evalLimit: 0}\n"
                + "distill: {terms: [" + TERM + "]}\n"));
    }

    private static Map<String, Object> train(int epochs, Path out, boolean resume) throws Exception {
        return DistillationExperiment.run(config(epochs), teacher, data.withFreshIterators(),
                new ExperimentRunner.Options(out, resume, false));
    }

    /** The state arrays of a freshly built student with the same term (the initial banks). */
    private static Map<String, INDArray> initialState() throws Exception {
        BeatGanGraph student = BeatGanGraphBuilder.build(config(1).model(), 4);
        Distiller d = new Distiller(teacher, student,
                List.of(DistillerTest.term(TERM)), data.train().length, 4);
        CrdMemory m = (CrdMemory) d.states().get("crd");
        assertEquals(data.train().length, m.nData(), "n_data is the training-set size");
        return Map.of(CrdLoss.MEMORY_S, student.array(m.variable(CrdLoss.MEMORY_S)).dup(),
                CrdLoss.MEMORY_T, student.array(m.variable(CrdLoss.MEMORY_T)).dup(),
                CrdLoss.Z_S, student.array(m.variable(CrdLoss.Z_S)).dup(),
                CrdLoss.Z_T, student.array(m.variable(CrdLoss.Z_T)).dup());
    }

    @Test
    void trainingUpdatesTheMemoryBankAndSavesItWithTheStudent(@TempDir Path out) throws Exception {
        Map<String, INDArray> before = initialState();
        Map<String, Object> metrics = train(2, out, false);
        assertTrue(Double.isFinite(((Number) ((Map<?, ?>) metrics.get("test")).get("auc")).doubleValue()));
        String log = Files.readAllLines(out.resolve(TrainingRun.EPOCHS)).get(1);
        double crd = Json.MAPPER.readTree(log).path("distill_crd").asDouble(Double.NaN);
        assertTrue(Double.isFinite(crd) && crd > 0, "per-epoch CRD term: " + log);

        Map<String, INDArray> saved = ModelBundle.load(out.resolve(TrainingRun.CHECKPOINT)).extraArrays();
        INDArray memS = saved.get(PREFIX + CrdLoss.MEMORY_S), memT = saved.get(PREFIX + CrdLoss.MEMORY_T);
        assertNotNull(memS, "checkpoint lacks the student memory bank; saved: " + saved.keySet());
        assertArrayEquals(new long[]{data.train().length, 16}, memS.shape());
        // 2 epochs x floor(n / 16) batches of distinct beats: every updated row is unit length
        int updatedRows = 0;
        for (int r = 0; r < memS.rows(); r++) {
            if (!memS.getRow(r).equals(before.get(CrdLoss.MEMORY_S).getRow(r))) {
                updatedRows++;
                assertEquals(1.0, memS.getRow(r).norm2Number().doubleValue(), 1e-5, "updated row " + r);
                assertNotEquals(before.get(CrdLoss.MEMORY_T).getRow(r), memT.getRow(r), "teacher bank row " + r);
            }
        }
        assertTrue(updatedRows >= 16, "rows updated: " + updatedRows + " of " + memS.rows());
        for (String z : List.of(CrdLoss.Z_S, CrdLoss.Z_T)) {
            assertEquals(0.0, before.get(z).getDouble(0), "Z starts unset");
            double v = saved.get(PREFIX + z).getDouble(0);
            assertTrue(Double.isFinite(v) && v > 0, z + " set from the first batch: " + v);
        }
        // the best model (model.zip) carries the state too
        assertTrue(ModelBundle.load(out.resolve(TrainingRun.MODEL)).extraArrays().containsKey(PREFIX + CrdLoss.MEMORY_T));
        System.out.println("CRD: n_data " + memS.rows() + ", rows updated " + updatedRows + ", Z_s "
                + saved.get(PREFIX + CrdLoss.Z_S).getDouble(0) + ", Z_t " + saved.get(PREFIX + CrdLoss.Z_T).getDouble(0)
                + ", distill_crd epoch 2 " + crd);
    }

    @Test
    void zIsSetOnceAndThenFrozen(@TempDir Path out) throws Exception {
        train(1, out.resolve("one"), false);
        train(2, out.resolve("two"), false);
        Map<String, INDArray> one = ModelBundle.load(out.resolve("one").resolve(TrainingRun.CHECKPOINT)).extraArrays();
        Map<String, INDArray> two = ModelBundle.load(out.resolve("two").resolve(TrainingRun.CHECKPOINT)).extraArrays();
        for (String z : List.of(CrdLoss.Z_S, CrdLoss.Z_T)) {
            assertEquals(one.get(PREFIX + z), two.get(PREFIX + z), z + " must not change after the first batch");
        }
        assertNotEquals(one.get(PREFIX + CrdLoss.MEMORY_S), two.get(PREFIX + CrdLoss.MEMORY_S), "the bank keeps moving");
    }

    @Test
    void resumeRestoresMemoryBanksAndZExactly(@TempDir Path dir) throws Exception {
        Path straight = dir.resolve("straight"), crashed = dir.resolve("crashed");
        train(2, straight, false);
        train(1, crashed, false);                       // "crash" after epoch 1
        Files.delete(crashed.resolve(TrainingRun.METRICS));
        train(2, crashed, true);
        Map<String, INDArray> a = ModelBundle.load(straight.resolve(TrainingRun.CHECKPOINT)).extraArrays();
        Map<String, INDArray> b = ModelBundle.load(crashed.resolve(TrainingRun.CHECKPOINT)).extraArrays();
        for (String s : STATE) {
            assertEquals(a.get(PREFIX + s), b.get(PREFIX + s), s + " after resume vs uninterrupted run");
        }

        // restoring a saved student into a freshly built graph brings the state back
        BeatGanGraph fresh = BeatGanGraphBuilder.build(config(1).model(), 99);
        Distiller d = new Distiller(teacher, fresh, List.of(DistillerTest.term(TERM)),
                data.train().length, 99);
        ModelBundle.restoreState(fresh.sameDiff(), straight.resolve(TrainingRun.CHECKPOINT));
        CrdMemory m = (CrdMemory) d.states().get("crd");
        for (String s : STATE) {
            assertEquals(a.get(PREFIX + s), fresh.array(m.variable(s)), s + " restored into a fresh student");
        }
    }

    @Test
    void contrastIndicesPutTheOwnBeatFirstAndOnlyOtherBeatsAfter() throws Exception {
        BeatGanGraph student = BeatGanGraphBuilder.build(config(1).model(), 4);
        Distiller d = new Distiller(teacher, student, List.of(DistillerTest.term(TERM)),
                5, 4);
        INDArray x = data.data().train().next().getFeatures().get(
                org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 3));
        int[] idx = {4, 0, 2};
        INDArray c = d.feed(new org.beatgan.core.train.Batch(x, idx, 7)).get(PREFIX + CrdLoss.CONTRAST_IDX);
        assertArrayEquals(new long[]{3, 25}, c.shape());
        for (int b = 0; b < 3; b++) {
            assertEquals(idx[b], c.getLong(b, 0));
            for (int k = 1; k < 25; k++) {
                long j = c.getLong(b, k);
                assertTrue(j >= 0 && j < 5 && j != idx[b], "negative " + j + " for beat " + idx[b]);
            }
        }
        assertEquals(c, d.feed(new org.beatgan.core.train.Batch(x, idx, 7)).get(PREFIX + CrdLoss.CONTRAST_IDX),
                "same iteration, same draws");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> d.feed(x));
        assertTrue(e.getMessage().contains("index in the training set"), e.getMessage());
        IllegalArgumentException n = assertThrows(IllegalArgumentException.class, () -> new Distiller(teacher,
                BeatGanGraphBuilder.build(config(1).model(), 4), List.of(DistillerTest.term(TERM))));
        assertTrue(n.getMessage().contains("n_data"), n.getMessage());
    }
}
