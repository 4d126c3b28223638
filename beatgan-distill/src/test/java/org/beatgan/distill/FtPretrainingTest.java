package org.beatgan.distill;

import org.beatgan.core.config.DataConfig;
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
import org.beatgan.distill.loss.FtLoss;
import org.beatgan.distill.loss.FtParaphraser;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** FT's paraphraser pre-training: an auto-encoder on the teacher's map, before student training, then frozen. */
class FtPretrainingTest {

    private static final String W1 = Distiller.TERM_PREFIX + "ft/paraphraser.conv1.W";
    private static BeatGanGraph teacher;
    private static ExperimentData.Prepared data;

    @BeforeAll
    static void teacherAndData() throws Exception {
        teacher = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 16, 8, 8), 5);
        data = ExperimentData.prepare(new DataConfig(DataLocations.beatganDemo().toString(), "beatgan", 0, 0, 0, 0),
                1, 16);
    }

    private static String term(int epochs) {
        return "{name: ft, loss: ft, weight: 200, params: {pretrain_epochs: " + epochs + ", pretrain_lr: 0.01},"
                + " inputs: {feat: G/enc/act3}}";
    }

    @Test
    void pretrainingLowersTheReconstructionErrorOnHeldOutTeacherFeatures() throws Exception {
        BeatGanGraph student = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 16, 4, 4), 8);
        Distiller d = new Distiller(teacher, student, List.of(DistillerTest.term(term(20))));
        FtParaphraser p = ((FtLoss) d.losses().get("ft")).pretraining();
        var val = data.withFreshIterators().data().validation();
        val.reset();
        INDArray heldOut = teacher.activations(val.next().getFeatures(), "G/enc/act3").get("G/enc/act3");
        Map<String, INDArray> before = new HashMap<>();
        for (String v : student.stateVariableNames()) before.put(v, student.array(v).dup());
        double errBefore = p.reconstructionError(heldOut);

        long t0 = System.nanoTime();
        d.pretrain(data.withFreshIterators().data().train());
        double seconds = (System.nanoTime() - t0) / 1e9;

        double errAfter = p.reconstructionError(heldOut);
        System.out.printf("ft paraphraser: held-out reconstruction mse %.5f -> %.5f (%d held-out beats, %.1f s)%n",
                errBefore, errAfter, heldOut.size(0), seconds);
        assertTrue(errAfter < 0.5 * errBefore, "held-out reconstruction error " + errBefore + " -> " + errAfter);
        for (String v : student.stateVariableNames()) {
            boolean paraphraser = v.startsWith(Distiller.TERM_PREFIX + "ft/paraphraser.");
            if (paraphraser) {
                String name = v.substring((Distiller.TERM_PREFIX + "ft/").length());
                assertEquals(p.encoderWeights().get(name), student.array(v), "the student holds the trained encoder: " + v);
                assertNotEquals(before.get(v), student.array(v), v + " was trained");
            } else {
                assertEquals(before.get(v), student.array(v), "pre-training touches only the paraphraser: " + v);
            }
        }
        assertFalse(d.trainableVariables().stream().anyMatch(v -> v.contains("paraphraser")),
                "the paraphraser stays frozen during student training");
    }

    @Test
    void experimentsPretrainBeforeStudentTrainingAndSaveTheParaphraser(@TempDir Path out) throws Exception {
        ExperimentConfig cfg = ExperimentConfig.defaults().with(Json.YAML.readTree("name: ft\n"
                + "model: {nc: 1, nz: 16, ngf: 4, ndf: 4}\ntraining: {epochs: 1, batchSize: 16, lr: 1.0e-3}\n"
                + "data: {path: '" + DataLocations.beatganDemo() + "', trainLimit: 0, evalLimit: 0}\n"
                + "distill: {terms: [" + term(2) + "]}\n"));
        DistillationExperiment.run(cfg, teacher, data.withFreshIterators(), new ExperimentRunner.Options(out, false, false));
        INDArray saved = ModelBundle.load(out.resolve(TrainingRun.MODEL)).extraArrays().get(W1);
        assertNotNull(saved, "model.zip holds the paraphraser");

        BeatGanGraph untrained = BeatGanGraphBuilder.build(cfg.model(), cfg.training().seed());
        new Distiller(teacher, untrained, List.of(DistillerTest.term(term(2))));
        assertNotEquals(untrained.array(W1), saved, "the saved paraphraser is the pre-trained one");

        BeatGanGraph none = BeatGanGraphBuilder.build(cfg.model(), cfg.training().seed());
        Distiller d = new Distiller(teacher, none, List.of(DistillerTest.term(term(0))));
        assertNull(d.losses().get("ft").pretraining(), "pretrain_epochs: 0 keeps the random paraphraser");
    }
}
