package org.beatgan.distill;

import org.beatgan.core.testutil.NumericGradients;

import org.beatgan.core.config.DataConfig;
import org.beatgan.core.data.ExperimentData;
import org.beatgan.core.io.DataLocations;
import org.beatgan.core.io.ModelBundle;
import org.beatgan.core.model.ActivationNames;
import org.beatgan.core.model.BeatGanConfig;
import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.model.BeatGanGraphBuilder;
import org.beatgan.core.model.GeneratorInference;
import org.beatgan.core.train.Batch;
import org.beatgan.core.train.BeatGanTrainer;
import org.beatgan.core.train.TrainingConfig;
import org.beatgan.distill.loss.BssScoreLoss;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The BeatGAN forms of the gradient-based methods (sobolev_fd, lwm_fd, bss_score): their finite
 * differences against exact gradients, their losses against hand computations, their gradients
 * against finite differences, and that training with them learns.
 */
class ModelProbeLossTest {

    private static ExperimentData.Prepared demo;
    private static BeatGanGraph teacher;
    private static BeatGanGraph teacherDouble;

    @BeforeAll
    static void teachers() throws Exception {
        demo = ExperimentData.prepare(new DataConfig(DataLocations.beatganDemo().toString(), "beatgan", 0, 0, 0, 0),
                1, 16);
        teacher = trainedOn(BeatGanGraphBuilder.build(BeatGanConfig.of(1, 8, 8, 8), 5), 4);
        teacherDouble = trainedOn(BeatGanGraphBuilder.build(BeatGanConfig.of(1, 4, 3, 3), DataType.DOUBLE, 6), 2);
    }

    private static BeatGanGraph trainedOn(BeatGanGraph g, int epochs) {
        BeatGanTrainer t = new BeatGanTrainer(g, TrainingConfig.defaults().withLr(2e-3).withBatchSize(16));
        for (int e = 0; e < epochs; e++) {
            DataSetIterator it = demo.withFreshIterators().data().train();
            while (it.hasNext()) t.step(it.next().getFeatures().castTo(g.dataType()), e);
        }
        return g;
    }

    private static INDArray realBeats(int n, DataType dt) {
        DataSetIterator it = demo.withFreshIterators().data().train();
        return it.next().getFeatures().get(NDArrayIndex.interval(0, n), NDArrayIndex.all(), NDArrayIndex.all()).castTo(dt);
    }

    private static BeatGanGraph doubleStudent(long seed) {
        return trainedOn(BeatGanGraphBuilder.build(BeatGanConfig.of(1, 4, 2, 2), DataType.DOUBLE, seed), 1);
    }

    private static INDArray run(BeatGanGraph g, Map<String, INDArray> feed, INDArray x, boolean training, String name) {
        Map<String, INDArray> in = new HashMap<>(feed);
        in.put(ActivationNames.INPUT, x);
        boolean before = g.isTrainingMode();
        g.setTrainingMode(training);
        try {
            return g.sameDiff().output(in, name).get(name);
        } finally {
            g.setTrainingMode(before);
        }
    }

    private static String inputName(Distiller d, String term, String input) {
        return d.states().get(term).inputs().get(input).var().name();
    }

    @Test
    void sobolevFdProjectionsAreDirectionalDerivativesOfTheScore() throws Exception {
        BeatGanGraph student = doubleStudent(11);
        Distiller d = new Distiller(teacherDouble, student, List.of(
                DistillerTest.term("{name: sob, loss: sobolev_fd, params: {directions: 3, step: 1.0e-5, beats: 4}}")));
        INDArray x = realBeats(4, DataType.DOUBLE);
        Map<String, INDArray> feed = d.feed(new Batch(x, null, 7));
        INDArray probes = feed.get("distill/sob/probe_beats");
        assertArrayEquals(new long[]{24, 1, 320}, probes.shape());
        INDArray ps = run(student, feed, x, false, inputName(d, "sob", "student_projections"));
        INDArray pt = feed.get("distill/sob/teacher_projections");
        INDArray gS = GeneratorInference.of(student).gradients().scoreGradients(x, ActivationNames.INPUT).get(ActivationNames.INPUT);
        INDArray gT = GeneratorInference.of(teacherDouble).gradients().scoreGradients(x, ActivationNames.INPUT)
                .get(ActivationNames.INPUT);
        for (int k = 0; k < 3; k++) {
            INDArray dir = probes.get(NDArrayIndex.interval(4L * k, 4L * k + 4), NDArrayIndex.all(), NDArrayIndex.all())
                    .sub(x).divi(1e-5);
            assertEquals(1.0, dir.std(true).getDouble(0), 0.1, "directions are standard normal");
            INDArray exactS = gS.mul(dir).sum(1, 2);
            INDArray exactT = gT.mul(dir).sum(1, 2);
            assertEquals(0.0, ps.getColumn(k).sub(exactS).amaxNumber().doubleValue(), 1e-5 * exactS.amaxNumber().doubleValue(), "student k=" + k);
            assertEquals(0.0, pt.getColumn(k).sub(exactT).amaxNumber().doubleValue(), 1e-5 * exactT.amaxNumber().doubleValue(), "teacher k=" + k);
        }
        // the loss: mse of the row-normalised sketches, in training mode (as the trainer runs it)
        INDArray psTrain = run(student, feed, x, true, inputName(d, "sob", "student_projections"));
        INDArray loss = run(student, feed, x, true, "distill/sob/loss");
        INDArray expected = Transforms.pow(unitRows(psTrain).sub(unitRows(pt)), 2).mean();
        assertEquals(expected.getDouble(0), loss.getDouble(0), 1e-12);
        assertTrue(loss.getDouble(0) > 1e-4, "student and teacher gradients differ: " + loss);
        // a new step draws new directions; the same step the same ones (resume)
        assertNotEquals(probes, d.feed(new Batch(x, null, 8)).get("distill/sob/probe_beats"));
        assertEquals(probes, d.feed(new Batch(x, null, 7)).get("distill/sob/probe_beats"));
    }

    private static INDArray unitRows(INDArray a) {
        return a.divColumnVector(a.norm2(1).reshape(-1, 1));
    }

    @Test
    void lwmFdChannelWeightsAreTheGradCamWeightsOfTheScore() throws Exception {
        BeatGanGraph student = doubleStudent(12);
        String layer = ActivationNames.gEnc(2);
        Distiller d = new Distiller(teacherDouble, student, List.of(DistillerTest.term(
                "{name: cam, loss: lwm_fd, params: {layer: " + layer + ", step: 1.0e-5, beats: 3}}")));
        INDArray x = realBeats(5, DataType.DOUBLE);
        Map<String, INDArray> feed = d.feed(Batch.of(x));
        INDArray camS = run(student, feed, x, false, inputName(d, "cam", "student_cam"));
        assertArrayEquals(new long[]{3, 80}, camS.shape(), "the first 3 beats, 80 positions of " + layer);
        INDArray first = x.get(NDArrayIndex.interval(0, 3), NDArrayIndex.all(), NDArrayIndex.all());
        // central differences of a uniform channel shift are O(h^2), except where the shift carries
        // a later pre-activation across a (leaky) ReLU kink (O(h) there): measured against the
        // size of the CAM's terms |w_c a_c| (the CAM itself can nearly cancel: max 2.6e-7 seen, with
        // terms up to 6.1e-6 and an error of 7e-9, 1.1e-3 of the terms, after this training history;
        // a wrong channel or sign would be off by the terms' whole size)
        double camError = camS.sub(exactCam(student, first, layer)).amaxNumber().doubleValue();
        double camScale = camTermScale(student, first, layer);
        assertTrue(camError <= 5e-3 * camScale, "CAM by differences off by " + camError + ", terms up to " + camScale);
        INDArray camT = feed.get("distill/cam/teacher_cam");
        assertEquals(0.0, camT.sub(exactCam(teacherDouble, first, layer)).amaxNumber().doubleValue(), 1e-12);
        assertTrue(camS.amaxNumber().doubleValue() > 0 && camT.amaxNumber().doubleValue() > 0, "non-trivial maps");
        INDArray camSTrain = run(student, feed, x, true, inputName(d, "cam", "student_cam"));
        INDArray loss = run(student, feed, x, true, "distill/cam/loss");
        assertEquals(Transforms.abs(unitRows(camSTrain).sub(unitRows(camT))).meanNumber().doubleValue(), loss.getDouble(0), 1e-12);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DistillationLosses.create("lwm_fd", DistillerTest.term(
                        "{loss: lwm_fd, params: {cam_source: grad}}").params()));
        assertTrue(e.getMessage().contains("activation"), e.getMessage());
    }

    /** relu(sum_c mean_p(d s / d A)_c A_c) from the model's exact gradients. */
    /** The largest sum over channels of |w_c a_c|: the scale of the CAM before its terms cancel. */
    private static double camTermScale(BeatGanGraph g, INDArray x, String layer) {
        GeneratorInference inf = GeneratorInference.of(g);
        INDArray a = inf.activations(x, layer).get(layer);
        INDArray w = inf.gradients().scoreGradients(x, layer).get(layer).mean(true, 2);
        return Transforms.abs(a.mul(w), false).sum(1).amaxNumber().doubleValue();
    }

    private static INDArray exactCam(BeatGanGraph g, INDArray x, String layer) {
        GeneratorInference inf = GeneratorInference.of(g);
        INDArray a = inf.activations(x, layer).get(layer);
        INDArray w = inf.gradients().scoreGradients(x, layer).get(layer).mean(true, 2);
        return Transforms.relu(a.mul(w).sum(1), false);
    }

    @Test
    void bssScoreAttacksBeatsTowardsTheTeachersThreshold() throws Exception {
        BeatGanGraph student = doubleStudent(13);
        Distiller d = new Distiller(teacherDouble, student, List.of(DistillerTest.term(
                "{name: bss, loss: bss_score, params: {num_steps: 4, beats: 6, quantile: 0.9}}")));
        BssScoreLoss loss = (BssScoreLoss) d.losses().get("bss");
        INDArray x = realBeats(8, DataType.DOUBLE);
        IllegalStateException noBoundary = assertThrows(IllegalStateException.class, () -> d.feed(Batch.of(x)));
        assertTrue(noBoundary.getMessage().contains("threshold"), noBoundary.getMessage());

        d.pretrain(demo.withFreshIterators().data().train());
        double tau = loss.threshold();
        INDArray trainScores = GeneratorInference.of(teacherDouble).scores(demo.withFreshIterators().data().train()
                .next().getFeatures().castTo(DataType.DOUBLE));
        assertTrue(tau > trainScores.minNumber().doubleValue() && tau < 10 * trainScores.maxNumber().doubleValue(),
                "threshold " + tau + " among the teacher's training scores " + trainScores);
        assertEquals(tau, student.array("distill/bss/threshold").getDouble(0), "kept in the student's graph");

        Map<String, INDArray> feed = d.feed(Batch.of(x));
        INDArray adv = loss.adversarial();
        INDArray first = x.get(NDArrayIndex.interval(0, 6), NDArrayIndex.all(), NDArrayIndex.all());
        INDArray before = GeneratorInference.of(teacherDouble).scores(first);
        INDArray after = GeneratorInference.of(teacherDouble).scores(adv);
        List<Integer> active = loss.activePerStep();
        assertTrue(active.get(0) > 0, "some beats start on the normal side: " + active);
        for (int b = 0; b < 6; b++) {
            if (before.getDouble(b) < tau) {
                assertTrue(after.getDouble(b) > before.getDouble(b), "beat " + b + " moved towards the boundary: "
                        + before.getDouble(b) + " -> " + after.getDouble(b) + " (tau " + tau + ")");
            } else {
                assertEquals(first.slice(b), adv.slice(b), "a beat past the boundary is not moved");
            }
        }
        assertTrue(adv.maxNumber().doubleValue() <= 1 && adv.minNumber().doubleValue() >= -1, "clamped to [-1, 1]");
        INDArray zt = feed.get("distill/bss/teacher_logits");
        assertEquals(0.0, zt.sub(after.sub(tau).div(tau)).amaxNumber().doubleValue(), 1e-12);
        // the loss: mean KL of the two-class distributions [sigmoid(z), 1 - sigmoid(z)], T = 1
        INDArray zs = run(student, feed, x, true, "distill/bss/adv/G/score").sub(tau).div(tau);
        double kl = 0;
        for (int b = 0; b < 6; b++) {
            double pt = 1 / (1 + Math.exp(-zt.getDouble(b)));
            double ps = 1 / (1 + Math.exp(-zs.getDouble(b)));
            kl += pt * Math.log(pt / ps) + (1 - pt) * Math.log((1 - pt) / (1 - ps));
        }
        assertEquals(kl / 6, run(student, feed, x, true, "distill/bss/loss").getDouble(0), 1e-12);
    }

    @Test
    void gradientsOfTheProbeLossesMatchFiniteDifferences() throws Exception {
        BeatGanGraph student = doubleStudent(14);
        Distiller d = new Distiller(teacherDouble, student, List.of(
                DistillerTest.term("{name: sob, loss: sobolev_fd, params: {directions: 2, step: 0.01, beats: 3}}"),
                DistillerTest.term("{name: cam, loss: lwm_fd, params: {layer: G/enc/act3, beats: 2}}"),
                DistillerTest.term("{name: bss, loss: bss_score, params: {num_steps: 2, beats: 3, threshold: 0.05}}")));
        INDArray x = realBeats(4, DataType.DOUBLE);
        Map<String, INDArray> feed = new HashMap<>(d.feed(Batch.of(x)));
        feed.put(ActivationNames.INPUT, x);
        SameDiff sd = student.sameDiff();
        student.setTrainingMode(true);
        String[] weights = {"G/enc/conv1/W", "G/enc/bn3/gamma", "G/dec/convT3/W", "G/dec/bn4/beta"};
        for (String term : new String[]{"sob", "cam", "bss"}) {
            String lossName = "distill/" + term + "/loss";
            sd.setLossVariables(lossName);
            Map<String, INDArray> grads = sd.calculateGradients(feed, weights);
            for (String w : weights) {
                if (term.equals("cam") && w.equals("G/enc/conv1/W")) {
                    // reaches the CAM through the layer's activation and the channel weights alike
                }
                INDArray arr = sd.getArrForVarName(w);
                for (long idx : new long[]{0, arr.length() - 1}) {
                    double eps = 1e-6;
                    double numeric = NumericGradients.centralDifference(arr, idx, eps,
                            () -> sd.output(feed, lossName).get(lossName).getDouble(0));
                    double analytic = grads.get(w).getDouble(idx);
                    // cam: its central differences cross (leaky) ReLU kinks (see the CAM test): 1e-4
                    double tolerance = term.equals("cam") ? 1e-4 : 1e-5;
                    assertEquals(numeric, analytic, tolerance * Math.max(1e-4, Math.abs(numeric)),
                            term + " " + w + "[" + idx + "]");
                }
            }
        }
    }

    /** Epochs of the 32 demo training beats (2 steps each) in the learning test. */
    private static final int EPOCHS = 12;

    @Test
    void eachProbeLossTeachesWhatAStudentTrainedWithoutItDoesNotLearn() throws Exception {
        INDArray probe = realBeats(16, DataType.FLOAT);
        Map<String, String> terms = Map.of(
                "sob", "{name: sob, loss: sobolev_fd, weight: %s}",
                "cam", "{name: cam, loss: lwm_fd, weight: %s, params: {beats: 4}}",
                "bss", "{name: bss, loss: bss_score, weight: %s, params: {beats: 8}}");
        Map<String, Double> weights = Map.of("sob", 30.0, "cam", 300.0, "bss", 30.0);
        for (String term : List.of("sob", "cam", "bss")) {
            double[] after = new double[2];
            double before = 0;
            for (int run = 0; run < 2; run++) {
                double w = run == 0 ? weights.get(term) : 0.0;
                BeatGanGraph student = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 8, 4, 4), 21);
                Distiller d = new Distiller(teacher, student,
                        List.of(DistillerTest.term(String.format(terms.get(term), w))));
                d.pretrain(demo.withFreshIterators().data().train());
                before = termValue(student, d, probe, term);
                BeatGanTrainer t = new BeatGanTrainer(student, TrainingConfig.defaults().withLr(2e-3).withBatchSize(16),
                        List.of(d));
                for (int e = 0; e < EPOCHS; e++) {
                    DataSetIterator it = demo.withFreshIterators().data().train();
                    while (it.hasNext()) {
                        assertTrue(t.step(it.next().getFeatures(), e).containsKey("distill_" + term));
                    }
                }
                after[run] = termValue(student, d, probe, term);
            }
            System.out.printf("%s on a fixed batch: %.4f at start, after %d epochs %.4f with the term, %.4f without%n",
                    term, before, EPOCHS, after[0], after[1]);
            assertTrue(after[0] < 0.8 * after[1] && after[0] < before, term + ": start " + before + ", with the term "
                    + after[0] + ", without " + after[1]);
        }
    }

    @Test
    void probeLossStateIsSavedWithTheStudent(@TempDir Path dir) throws Exception {
        BeatGanGraph student = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 8, 4, 4), 22);
        Distiller d = new Distiller(teacher, student, List.of(
                DistillerTest.term("{name: sob, loss: sobolev_fd}"),
                DistillerTest.term("{name: cam, loss: lwm_fd}"),
                DistillerTest.term("{name: bss, loss: bss_score}")));
        d.pretrain(demo.withFreshIterators().data().train());
        INDArray probe = realBeats(16, DataType.FLOAT);
        Path file = dir.resolve("model.zip");
        ModelBundle.save(student, file);
        ModelBundle.Loaded loaded = ModelBundle.load(file);
        assertTrue(student.array("distill/bss/threshold").getDouble(0) > 0);
        assertEquals(student.array("distill/bss/threshold"), loaded.extraArrays().get("distill/bss/threshold"));
        assertEquals(0.0, loaded.graph().scores(probe).sub(student.scores(probe)).amaxNumber().doubleValue(), 1e-6);
    }

    /** A term's raw loss on a fixed batch and fixed probe draws (step 1000), in training mode. */
    private static double termValue(BeatGanGraph student, Distiller d, INDArray x, String term) {
        return run(student, d.feed(new Batch(x, null, 1000)), x, true, "distill/" + term + "/loss").getDouble(0);
    }

    @Test
    void probeLossesStayFiniteOnFlatBeatsAndTinyBatches() throws Exception {
        for (int batch : new int[]{1, 2}) {
            for (boolean flat : new boolean[]{true, false}) {
                BeatGanGraph student = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 8, 4, 4), 23);
                Distiller d = new Distiller(teacher, student, List.of(
                        DistillerTest.term("{name: sob, loss: sobolev_fd}"),
                        DistillerTest.term("{name: cam, loss: lwm_fd}"),
                        DistillerTest.term("{name: bss, loss: bss_score, params: {threshold: 0.05}}")));
                INDArray x = flat ? Nd4j.zeros(DataType.FLOAT, batch, 1, 320) : realBeats(batch, DataType.FLOAT);
                Map<String, INDArray> feed = new HashMap<>(d.feed(Batch.of(x)));
                feed.put(ActivationNames.INPUT, x);
                student.setTrainingMode(true);
                SameDiff sd = student.sameDiff();
                for (String term : new String[]{"sob", "cam", "bss"}) {
                    String lossName = "distill/" + term + "/loss";
                    double v = sd.output(feed, lossName).get(lossName).getDouble(0);
                    sd.setLossVariables(lossName);
                    Map<String, INDArray> g = sd.calculateGradients(feed, student.paramNames(BeatGanGraph.Network.G)
                            .toArray(new String[0]));
                    String where = term + " batch " + batch + (flat ? " of flat beats" : "");
                    assertTrue(Double.isFinite(v), where + ": loss " + v);
                    g.forEach((n, a) -> assertFalse(a.isNaN().any() || a.isInfinite().any(), where + ": gradient of " + n));
                }
            }
        }
    }

    @Test
    void probeLossesNeedTheModelsAndCheckTheirParameters() throws Exception {
        DistillationLoss sob = DistillationLosses.create("sobolev_fd", null);
        SameDiff sd = SameDiff.create();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sob.createState(
                new LossState.Context(sd, "p/", DataType.FLOAT, 0, 0, null, null)));
        assertTrue(e.getMessage().contains("BeatGAN"), e.getMessage());
        for (String bad : new String[]{"{loss: bss_score, params: {quantile: 1.5}}",
                "{loss: bss_score, params: {clamp_min: 1, clamp_max: -1}}", "{loss: sobolev_fd, params: {step: 0}}",
                "{loss: sobolev_fd, params: {directions: 0}}", "{loss: lwm_fd, params: {layer: G/latent}}",
                "{loss: lwm_fd, params: {beats: -2}}"}) {
            DistillTermSpec spec = DistillerTest.term(bad);
            assertThrows(IllegalArgumentException.class, () -> DistillationLosses.create(spec.loss(), spec.params()), bad);
        }
    }
}
