package org.beatgan.distill;

import org.beatgan.core.testutil.NumericGradients;

import com.fasterxml.jackson.databind.JsonNode;
import org.beatgan.core.io.Json;
import org.beatgan.core.model.BeatGanConfig;
import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.model.BeatGanGraphBuilder;
import org.beatgan.core.model.image.ClassifierSpec;
import org.beatgan.core.model.image.ImageClassifierGraph;
import org.beatgan.core.train.LossExtension;
import org.beatgan.core.train.TrainingConfig;
import org.beatgan.core.train.classifier.ClassifierBundle;
import org.beatgan.core.train.classifier.ClassifierRun;
import org.beatgan.core.train.classifier.ClassifierTrainer;
import org.beatgan.core.train.classifier.ClassifierTrainingConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The distillation core on the second model family, image classifiers: the tutorial's three terms
 * (KD on logits, cosine on hidden representations, a FitNet regressor) on tiny classifiers in
 * double, checked against central differences; the regressor trained and saved with the student;
 * resume bit-exact with a distillation term; and the same Distiller serving BeatGAN.
 */
class ClassifierDistillationTest {

    private static ClassifierSpec tinyTeacher() {
        return new ClassifierSpec("TinyTeacher", List.of(new ClassifierSpec.Conv("conv1", 4, 3),
                new ClassifierSpec.MaxPool("pool1", 2), new ClassifierSpec.Conv("conv2", 6, 3),
                new ClassifierSpec.MaxPool("pool2", 2), new ClassifierSpec.Flatten("flat"),
                new ClassifierSpec.Linear("fc1", 8, true), new ClassifierSpec.Linear("logits", 3, false)));
    }

    private static ClassifierSpec tinyStudent() {
        return new ClassifierSpec("TinyStudent", List.of(new ClassifierSpec.Conv("conv1", 2, 3),
                new ClassifierSpec.MaxPool("pool1", 2), new ClassifierSpec.Conv("conv2", 3, 3),
                new ClassifierSpec.MaxPool("pool2", 2), new ClassifierSpec.Flatten("flat"),
                new ClassifierSpec.Linear("fc1", 5, true), new ClassifierSpec.Dropout("drop1", 0.1),
                new ClassifierSpec.Linear("logits", 3, false)));
    }

    static final String KD = "{name: kd, loss: kd, weight: 0.25, params: {T: 2.0}, inputs: {logits: logits}}";
    static final String COSINE = "{name: cosine, loss: cosine, weight: 0.25, inputs: {hidden: flat}}";
    static final String REGRESSOR = "{name: regressor, loss: fitnet, weight: 0.25, params: {kernel_size: 3}, inputs: {feat: pool2}}";

    @Test
    void everyTutorialTermHasExactGradientsInDouble() throws Exception {
        for (String term : List.of(KD, COSINE, REGRESSOR)) {
            ImageClassifierGraph teacher = ImageClassifierGraph.build(tinyTeacher(), 1, 8, 8, DataType.DOUBLE, 1);
            ImageClassifierGraph student = ImageClassifierGraph.build(tinyStudent(), 1, 8, 8, DataType.DOUBLE, 2);
            Distiller d = new Distiller(teacher, student, List.of(DistillerTest.term(term)));
            new ClassifierTrainer(student, ClassifierTrainingConfig.defaults().withTaskWeight(0.75), List.of(d));
            INDArray x = Nd4j.rand(DataType.DOUBLE, 4, 1, 8, 8).subi(0.5);
            INDArray y = Nd4j.zeros(DataType.DOUBLE, 4, 3);
            for (int i = 0; i < 4; i++) y.putScalar(i, i % 3, 1.0);
            Map<String, INDArray> feed = new LinkedHashMap<>(d.feed(x));
            feed.put(ImageClassifierGraph.INPUT, x);
            feed.put(ImageClassifierGraph.LABELS, y);
            feed.putAll(student.extraFeed(4, false, new SplittableRandom(0)));
            SameDiff sd = student.sameDiff();
            List<String> wrt = new java.util.ArrayList<>(student.trainableVariables());
            wrt.addAll(d.trainableVariables());
            if (term.equals(REGRESSOR)) assertEquals(List.of("distill/regressor/regressor.W", "distill/regressor/regressor.b"),
                    d.trainableVariables());
            Map<String, INDArray> grads = sd.calculateGradients(feed, wrt);
            double termValue = 0;
            for (String v : wrt) {
                INDArray w = sd.getArrForVarName(v);
                INDArray g = grads.get(v);
                assertNotNull(g, term + ": no gradient for " + v);
                for (long i = 0; i < Math.min(w.length(), 6); i++) {
                    long at = (i * 7919) % w.length();
                    double h = 1e-6;
                    double numeric = NumericGradients.centralDifference(w, at, h,
                            () -> total(sd, feed));
                    assertEquals(numeric, g.getDouble(at), 1e-6 + 1e-5 * Math.abs(numeric), term + " d/d " + v + "[" + at + "]");
                }
                termValue = total(sd, feed);
            }
            assertTrue(Double.isFinite(termValue));
            // the term is in the loss: weight 0 would change it
            String weighted = d.loggedTerms().entrySet().stream().filter(e -> e.getKey().endsWith("_weighted"))
                    .findFirst().orElseThrow().getValue();
            assertTrue(sd.output(feed, weighted).get(weighted).getDouble(0) != 0, term + " contributes");
        }
    }

    private static double total(SameDiff sd, Map<String, INDArray> feed) {
        double s = 0;
        for (String l : sd.getLossVariables()) s += sd.output(feed, l).get(l).getDouble(0);
        return s;
    }

    private static ClassifierRun.Data data(int n, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.rand(DataType.FLOAT, n, 1, 8, 8);
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, 3);
        for (int i = 0; i < n; i++) {
            int c = i % 3;
            y.putScalar(i, c, 1f);
            // a learnable signal: the class brightens one third of the image
            x.get(org.nd4j.linalg.indexing.NDArrayIndex.point(i), org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.interval(c * 2, c * 2 + 3), org.nd4j.linalg.indexing.NDArrayIndex.all())
                    .addi(1.0);
        }
        return new ClassifierRun.Data(new DataSet(x, y), new DataSet(x.dup(), y.dup()), new DataSet(x.dup(), y.dup()));
    }

    private static ImageClassifierGraph distilledRun(ImageClassifierGraph teacher, Path out, int epochs, boolean resume)
            throws Exception {
        ImageClassifierGraph student = ImageClassifierGraph.build(tinyStudent(), 1, 8, 8, DataType.FLOAT, 3);
        Distiller d = new Distiller(teacher, student, List.of(DistillerTest.term(REGRESSOR), DistillerTest.term(KD)), 96, 3);
        ClassifierTrainer t = new ClassifierTrainer(student, ClassifierTrainingConfig.defaults().withEpochs(epochs)
                .withBatchSize(16).withTaskWeight(0.75).withSeed(3), List.of(d));
        new ClassifierRun(t, data(96, 5), new ClassifierRun.Options(out, resume, false)).run();
        ClassifierBundle.restore(student.sameDiff(), out.resolve(ClassifierRun.CHECKPOINT), true);
        return student;
    }

    @Test
    void theRegressorTrainsAndIsSavedWithTheStudentAndResumeIsBitExact(@TempDir Path dir) throws Exception {
        ImageClassifierGraph teacher = ImageClassifierGraph.build(tinyTeacher(), 1, 8, 8, DataType.FLOAT, 1);
        String w = "distill/regressor/regressor.W";
        ImageClassifierGraph init = ImageClassifierGraph.build(tinyStudent(), 1, 8, 8, DataType.FLOAT, 3);
        new Distiller(teacher, init, List.of(DistillerTest.term(REGRESSOR)), 96, 3);
        INDArray initial = init.sameDiff().getArrForVarName(w).dup();

        Path straight = dir.resolve("straight");
        ImageClassifierGraph a = distilledRun(teacher, straight, 3, false);
        assertNotEquals(initial, a.sameDiff().getArrForVarName(w), "the regressor trained");
        // model.zip holds the regressor of the best epoch, beside the student's weights
        Map<String, byte[]> entries = ClassifierBundle.entries(straight.resolve(ClassifierRun.MODEL));
        var arrays = org.beatgan.core.io.ArrayMapCodec.decode(entries.get("arrays.bin"), "model");
        assertTrue(arrays.containsKey(w) && arrays.containsKey("conv1/W"), arrays.keySet().toString());
        JsonNode m = Json.MAPPER.readTree(straight.resolve(ClassifierRun.METRICS).toFile());
        assertEquals(6 * 3 * 9 + 6, m.path("params").path("adapters").asLong(), "the regressor Conv(3 -> 6, k3)");

        Path crashed = dir.resolve("crashed");
        distilledRun(teacher, crashed, 2, false);
        Files.delete(crashed.resolve(ClassifierRun.METRICS));
        ImageClassifierGraph b = distilledRun(teacher, crashed, 3, true);
        for (String v : ClassifierBundle.stateArrays(a.sameDiff()).keySet()) {
            assertEquals(a.sameDiff().getArrForVarName(v), b.sameDiff().getArrForVarName(v), v + " after resume");
        }
        List<String> la = Files.readAllLines(straight.resolve(ClassifierRun.EPOCHS));
        List<String> lb = Files.readAllLines(crashed.resolve(ClassifierRun.EPOCHS));
        for (int i = 0; i < la.size(); i++) {
            for (String k : List.of("loss", "distill_kd", "distill_regressor", "val_accuracy")) {
                assertEquals(Json.MAPPER.readTree(la.get(i)).path(k).asDouble(), Json.MAPPER.readTree(lb.get(i)).path(k).asDouble(),
                        0.0, "epoch " + (i + 1) + " " + k);
            }
        }
    }

    @Test
    void theDirectStepTrainsAsTheGraphDoesWithEveryTutorialTerm() throws Exception {
        for (String term : List.of(KD, COSINE, REGRESSOR)) {
            for (DataType type : List.of(DataType.DOUBLE, DataType.FLOAT)) {
                ImageClassifierGraph teacher = ImageClassifierGraph.build(tinyTeacher(), 1, 8, 8, type, 1);
                List<ImageClassifierGraph> students = new java.util.ArrayList<>();
                List<List<Map<String, Double>>> stats = new java.util.ArrayList<>();
                for (TrainingConfig.StepEngine engine : TrainingConfig.StepEngine.values()) {
                    ImageClassifierGraph student = ImageClassifierGraph.build(tinyStudent(), 1, 8, 8, type, 2);
                    Distiller d = new Distiller(teacher, student, List.of(DistillerTest.term(term)));
                    ClassifierTrainer t = new ClassifierTrainer(student, ClassifierTrainingConfig.defaults()
                            .withTaskWeight(0.75), List.of(d), engine);
                    assertEquals(engine == TrainingConfig.StepEngine.DIRECT, t.stepEngine().startsWith("direct"),
                            term + " " + engine + ": " + t.stepEngine());
                    ClassifierRun.Data data = data(24, 5);
                    SplittableRandom rng = new SplittableRandom(9);
                    List<Map<String, Double>> steps = new java.util.ArrayList<>();
                    for (int i = 0; i < 3; i++) {
                        INDArray x = data.train().getFeatures().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(i * 8, i * 8 + 8))
                                .castTo(type);
                        INDArray y = data.train().getLabels().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(i * 8, i * 8 + 8))
                                .castTo(type);
                        steps.add(t.step(x, y, null, 0, rng));
                    }
                    students.add(student);
                    stats.add(steps);
                }
                double tol = type == DataType.DOUBLE ? 1e-10 : 2e-4;
                String what = term + " " + type;
                for (int i = 0; i < 3; i++) {
                    for (Map.Entry<String, Double> e : stats.get(1).get(i).entrySet()) {
                        assertEquals(e.getValue(), stats.get(0).get(i).get(e.getKey()), tol * Math.max(1, Math.abs(e.getValue())),
                                what + " step " + i + " " + e.getKey());
                    }
                }
                assertTrue(stats.get(0).get(0).keySet().containsAll(stats.get(1).get(0).keySet()), what);
                for (String v : ClassifierBundle.stateArrays(students.get(1).sameDiff()).keySet()) {
                    INDArray g = students.get(1).sameDiff().getArrForVarName(v);
                    INDArray dArr = students.get(0).sameDiff().getArrForVarName(v);
                    assertTrue(g.equalsWithEps(dArr, tol * 10), what + " " + v + " after 3 steps");
                }
            }
        }
    }

    @Test
    void oneDistillerServesBothModelFamilies() throws Exception {
        BeatGanGraph bt = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 16, 8, 8), 1);
        BeatGanGraph bs = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 16, 4, 4), 2);
        ImageClassifierGraph ct = ImageClassifierGraph.build(tinyTeacher(), 1, 8, 8, DataType.FLOAT, 1);
        ImageClassifierGraph cs = ImageClassifierGraph.build(tinyStudent(), 1, 8, 8, DataType.FLOAT, 2);
        LossExtension beatgan = new Distiller(bt, bs, List.of(DistillerTest.term(
                "{name: kd, loss: kd, weight: 1, params: {T: 4}, inputs: {logits: score}}")));
        LossExtension images = new Distiller(ct, cs, List.of(DistillerTest.term(KD)));
        assertSame(beatgan.getClass(), images.getClass());
        assertTrue(bs.sameDiff().hasVariable("teacher/G/score"));
        assertTrue(cs.sameDiff().hasVariable("teacher/logits"));
        assertEquals(Map.of("distill_kd", "distill/kd/loss", "distill_kd_weighted", "distill/kd/weighted"), images.loggedTerms());
        // family-neutral errors: an unknown tap lists the model's own activations
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Distiller(ct,
                ImageClassifierGraph.build(tinyStudent(), 1, 8, 8, DataType.FLOAT, 2),
                List.of(DistillerTest.term("{loss: fitnet, weight: 1, inputs: {feat: conv9}}"))));
        assertTrue(e.getMessage().contains("conv9") && e.getMessage().contains("pool2"), e.getMessage());
        // teacher and student must read the same inputs
        e = assertThrows(IllegalArgumentException.class, () -> new Distiller(ct,
                ImageClassifierGraph.build(tinyStudent(), 3, 8, 8, DataType.FLOAT, 2), List.of(DistillerTest.term(KD))));
        assertTrue(e.getMessage().contains("[1, 8, 8]") && e.getMessage().contains("[3, 8, 8]"), e.getMessage());
        // a probing loss says it needs BeatGAN, naming the models
        e = assertThrows(IllegalArgumentException.class, () -> new Distiller(ct,
                ImageClassifierGraph.build(tinyStudent(), 1, 8, 8, DataType.FLOAT, 2),
                List.of(DistillerTest.term("{loss: bss_score, weight: 1}")), 16, 0));
        assertTrue(e.getMessage().contains("BeatGAN") && e.getMessage().contains("TinyStudent"), e.getMessage());
    }
}
