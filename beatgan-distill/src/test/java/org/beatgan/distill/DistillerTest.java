package org.beatgan.distill;

import org.beatgan.core.testutil.NumericGradients;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.beatgan.core.config.DataConfig;
import org.beatgan.core.data.ExperimentData;
import org.beatgan.core.io.DataLocations;
import org.beatgan.core.io.ModelBundle;
import org.beatgan.core.model.BeatGanConfig;
import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.model.BeatGanGraphBuilder;
import org.beatgan.core.score.AnomalyScorer;
import org.beatgan.core.train.BeatGanTrainer;
import org.beatgan.core.train.TrainingConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class DistillerTest {

    private static final ObjectMapper M = new ObjectMapper();
    private static ExperimentData.Prepared demo;
    private static BeatGanGraph teacher;

    @BeforeAll
    static void trainSmallTeacher() throws Exception {
        demo = ExperimentData.prepare(new DataConfig(DataLocations.beatganDemo().toString(), "beatgan", 0, 0, 0, 0),
                1, 16);
        teacher = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 16, 16, 16), 5);
        BeatGanTrainer t = new BeatGanTrainer(teacher, TrainingConfig.defaults().withLr(1e-3).withBatchSize(16));
        for (int e = 0; e < 6; e++) {
            var it = demo.data().train();
            it.reset();
            while (it.hasNext()) t.step(it.next().getFeatures(), e);
        }
    }

    static DistillTermSpec term(String yaml) throws Exception {
        JsonNode n = new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory()).readTree(yaml);
        return M.treeToValue(n, DistillTermSpec.class);
    }

    static List<DistillTermSpec> kdAndAt() throws Exception {
        return List.of(term("{loss: kd, weight: 1.0, params: {T: 4}, inputs: {logits: score}}"),
                term("{loss: at, weight: 1000, inputs: {feats: [G/enc/act1, G/enc/act2, G/enc/act3, G/enc/act4, G/enc/act5]}}"));
    }

    @Test
    void distillingMovesTheStudentTowardTheTeacherAndNeverTouchesTheTeacher() throws Exception {
        Map<String, INDArray> teacherBefore = new HashMap<>();
        for (String v : teacher.stateVariableNames()) teacherBefore.put(v, teacher.array(v).dup());

        BeatGanGraph student = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 16, 4, 4), 8);
        Distiller d = new Distiller(teacher, student, kdAndAt());
        BeatGanTrainer t = new BeatGanTrainer(student, TrainingConfig.defaults().withLr(1e-3).withBatchSize(16),
                List.of(d));
        List<Double> atPerEpoch = new ArrayList<>();
        for (int e = 0; e < 8; e++) {
            var it = demo.data().train();
            it.reset();
            double sum = 0;
            int n = 0;
            while (it.hasNext()) {
                Map<String, Double> s = t.step(it.next().getFeatures(), e);
                assertTrue(s.containsKey("distill_kd") && s.containsKey("distill_at_weighted"), s.keySet().toString());
                sum += s.get("distill_at");
                n++;
            }
            atPerEpoch.add(sum / n);
        }
        double auc = AnomalyScorer.score(student, demo.data().test()).metrics().auc();
        System.out.println("AT term per epoch " + atPerEpoch + "; distilled student test AUC " + auc);
        assertTrue(atPerEpoch.get(atPerEpoch.size() - 1) < 0.5 * atPerEpoch.get(0),
                "attention-transfer term should at least halve: " + atPerEpoch);
        assertTrue(auc > 0 && auc <= 1);
        for (String v : teacher.stateVariableNames()) {
            assertEquals(teacherBefore.get(v), teacher.array(v), "teacher variable " + v + " changed");
        }
    }

    @Test
    void distillationGradientsMatchFiniteDifferences() throws Exception {
        BeatGanGraph tch = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 3, 3, 3), DataType.DOUBLE, 1);
        BeatGanGraph stu = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 3, 2, 2), DataType.DOUBLE, 2);
        Distiller d = new Distiller(tch, stu, List.of(
                term("{loss: kd, weight: 0.7, params: {T: 2}, inputs: {logits: score}}"),
                term("{loss: at, weight: 3, inputs: {feats: [G/enc/act2, G/enc/act4]}}"),
                term("{loss: fitnet, weight: 0.5, params: {kernel_size: 3}, inputs: {feat: G/enc/act3}}")));
        stu.setTrainingMode(true);
        // a fixed input: with an unseeded one the check failed once in 5 runs here by 1.2e-3 relative
        // (G/enc/conv1/W), most likely a central difference straddling a leaky-ReLU kink
        Nd4j.getRandom().setSeed(20);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 3, 1, 320).muli(2).subi(1);
        Map<String, INDArray> feed = new HashMap<>(d.feed(x));
        feed.put("x", x);
        List<String> vars = new ArrayList<>(stu.paramNames(BeatGanGraph.Network.G));
        vars.addAll(d.trainableVariables());
        assertEquals(2, d.trainableVariables().size(), "fitnet owns a weight and a bias");
        Map<String, INDArray> grads = stu.sameDiff().calculateGradients(feed, vars);
        List<String> outputs = new ArrayList<>(List.of("loss/G"));
        for (String k : d.loggedTerms().keySet()) if (k.endsWith("_weighted")) outputs.add(d.loggedTerms().get(k));
        Random r = new Random(4);
        double eps = 1e-6;
        for (String v : vars) {
            INDArray p = stu.array(v);
            for (int k = 0; k < 3; k++) {
                long i = r.nextInt((int) p.length());
                double numeric = NumericGradients.centralDifference(p, i, eps,
                        () -> sum(stu, feed, outputs)), analytic = grads.get(v).getDouble(i);
                assertTrue(Math.abs(numeric - analytic) <= 1e-4 * (Math.abs(numeric) + Math.abs(analytic)) + 1e-8,
                        v + "[" + i + "] numeric " + numeric + " analytic " + analytic);
            }
        }
    }

    private static double sum(BeatGanGraph g, Map<String, INDArray> feed, List<String> outputs) {
        Map<String, INDArray> o = g.sameDiff().output(feed, outputs.toArray(new String[0]));
        return o.values().stream().mapToDouble(a -> a.getDouble(0)).sum();
    }

    @Test
    void adaptersAreTrainedSavedAndRestored(@TempDir Path dir) throws Exception {
        BeatGanGraph student = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 16, 4, 4), 8);
        Distiller d = new Distiller(teacher, student,
                List.of(term("{loss: fitnet, weight: 100, inputs: {feat: G/enc/act3}}")));
        String w = "distill/fitnet/regressor.W";
        assertEquals(List.of(w, "distill/fitnet/regressor.b"), d.trainableVariables());
        INDArray before = student.array(w).dup();
        BeatGanTrainer t = new BeatGanTrainer(student, TrainingConfig.defaults().withBatchSize(16), List.of(d));
        var it = demo.data().train();
        it.reset();
        DataSet ds = it.next();
        t.step(ds.getFeatures(), 0);
        assertNotEquals(before, student.array(w), "G's optimizer trains the adapter");
        Path f = dir.resolve("student.zip");
        ModelBundle.save(student, f);
        ModelBundle.Loaded loaded = ModelBundle.load(f);
        assertEquals(student.array(w), loaded.extraArrays().get(w));

        BeatGanGraph fresh = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 16, 4, 4), 99);
        new Distiller(teacher, fresh, List.of(term("{loss: fitnet, weight: 100, inputs: {feat: G/enc/act3}}")));
        ModelBundle.restoreState(fresh.sameDiff(), f);
        assertEquals(student.array(w), fresh.array(w));
    }

    @Test
    void teacherWorkStartedForAnnouncedBatchesChangesNothing() throws Exception {
        // the same steps with the teacher's forward passes prefetched on its own thread, and without
        List<BeatGanGraph> students = new ArrayList<>();
        for (boolean announce : new boolean[]{true, false}) {
            BeatGanGraph student = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 16, 4, 4), 8);
            Distiller d = new Distiller(teacher, student, kdAndAt());
            d.teacher().prefetch(announce);
            BeatGanTrainer t = new BeatGanTrainer(student, TrainingConfig.defaults().withLr(1e-3).withBatchSize(16),
                    List.of(d));
            List<INDArray> batches = new ArrayList<>();
            for (int e = 0; e < 2; e++) {
                var it = demo.withFreshIterators().data().train();
                while (it.hasNext()) batches.add(it.next().getFeatures());
            }
            // a batch announced but never fed (a skipped batch) is dropped, not fed to a later step
            t.upcoming(Nd4j.rand(DataType.FLOAT, 16, 1, 320));
            for (int i = 0; i < batches.size(); i++) {
                if (i + 1 < batches.size()) t.upcoming(batches.get(i + 1));
                t.step(batches.get(i), 0);
            }
            assertEquals(announce ? batches.size() - 1 : 0, d.teacher().announcedFeeds(), "steps fed from a prefetch");
            students.add(student);
        }
        for (String v : students.get(0).stateVariableNames()) {
            assertEquals(students.get(1).array(v), students.get(0).array(v), v + " differs with announced batches");
        }
    }

    @Test
    void badTapsShapesAndHyperparametersAreRejectedClearly() {
        BeatGanGraph student = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 16, 4, 4), 8);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Distiller(
                teacher, student, List.of(term("{loss: at, inputs: {feats: [G/enc/act9]}}"))));
        assertTrue(e.getMessage().contains("G/enc/act9"), e.getMessage());

        BeatGanGraph s2 = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 16, 4, 4), 8);
        e = assertThrows(IllegalArgumentException.class, () -> new Distiller(teacher, s2,
                List.of(term("{loss: ft_seed, inputs: {feats: ['G/enc/act2 => G/enc/act3']}}"))));
        assertTrue(e.getMessage().contains("spatial"), e.getMessage());

        BeatGanGraph s3 = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 16, 4, 4), 8);
        e = assertThrows(IllegalArgumentException.class, () -> new Distiller(teacher, s3,
                List.of(term("{loss: kd, params: {T: 0}, inputs: {logits: score}}"))));
        assertTrue(e.getMessage().contains("T = 0"), e.getMessage());

        Exception w = assertThrows(Exception.class, () -> term("{loss: kd, weight: -2, inputs: {logits: score}}"));
        assertTrue(rootMessage(w).contains("weight = -2"), rootMessage(w));

        BeatGanGraph s4 = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 16, 4, 4), 8);
        e = assertThrows(IllegalArgumentException.class, () -> new Distiller(teacher, s4,
                List.of(term("{loss: kdd, inputs: {logits: score}}"))));
        assertTrue(e.getMessage().contains("'kdd'"), e.getMessage());

        // a role the loss does not read is an error, not silently ignored
        BeatGanGraph s5 = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 16, 4, 4), 8);
        e = assertThrows(IllegalArgumentException.class, () -> new Distiller(teacher, s5,
                List.of(term("{loss: kd, inputs: {logits: score, feat: G/enc/act3}}"))));
        assertTrue(e.getMessage().contains("no input role 'feat'"), e.getMessage());
        BeatGanGraph s6 = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 16, 4, 4), 8);
        e = assertThrows(IllegalArgumentException.class, () -> new Distiller(teacher, s6,
                List.of(term("{loss: lwm_fd, inputs: {feat: G/enc/act3}}"))));
        assertTrue(e.getMessage().contains("probes the models"), e.getMessage());
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null) t = t.getCause();
        return t.getMessage();
    }

    @Test
    void numericallySafeForHugeLogitsDeadActivationsAndTinyBatches() {
        org.nd4j.autodiff.samediff.SameDiff sd = org.nd4j.autodiff.samediff.SameDiff.create();
        INDArray big = Nd4j.rand(DataType.FLOAT, 2, 10).muli(3e4).subi(1.5e4);
        var s = sd.var("s", big);
        var t = sd.constant("t", big.mul(-1));
        var kd = org.beatgan.distill.ops.DistillOps.kdBatchMean(sd, s, t, 1.0);
        sd.setLossVariables(kd);
        double v = kd.eval().getDouble(0);
        assertTrue(Double.isFinite(v) && v > 0, "KD with logits of size 1e4: " + v);
        assertTrue(allFinite(sd.calculateGradients(new HashMap<>(), "s").get("s")), "KD gradient must be finite");

        org.nd4j.autodiff.samediff.SameDiff sd2 = org.nd4j.autodiff.samediff.SameDiff.create();
        var fs = sd2.var("fs", Nd4j.zeros(DataType.FLOAT, 2, 4, 10));
        var ft = sd2.constant("ft", Nd4j.rand(DataType.FLOAT, 2, 8, 10));
        var at = org.beatgan.distill.ops.DistillOps.attention(sd2, new Tensor(fs, new long[]{2, 4, 10}), 2);
        var loss = sd2.math().square(at.sub(org.beatgan.distill.ops.DistillOps.attention(sd2,
                new Tensor(ft, new long[]{2, 8, 10}), 2))).mean();
        sd2.setLossVariables(loss);
        assertTrue(Double.isFinite(loss.eval().getDouble(0)));
        INDArray g = sd2.calculateGradients(new HashMap<>(), "fs").get("fs");
        assertTrue(allFinite(g), "all-zero student maps must not give NaN gradients");
    }

    private static boolean allFinite(INDArray a) {
        for (double v : a.reshape(-1).toDoubleVector()) if (!Double.isFinite(v)) return false;
        return true;
    }

    @Test
    void theRegistryKnowsWhichLossesTakeATemperature() {
        // the registry's trait must agree with the parameters each loss accepts
        List<String> checked = new ArrayList<>();
        for (String id : DistillationLosses.implemented()) {
            try {
                DistillationLosses.create(id, null);
            } catch (IllegalArgumentException e) {
                continue;   // needs parameters of its own to exist at all
            }
            boolean acceptsT;
            try {
                DistillationLosses.create(id, org.beatgan.core.io.Json.MAPPER.createObjectNode().put("T", 2.0));
                acceptsT = true;
            } catch (IllegalArgumentException e) {
                acceptsT = false;
            }
            assertEquals(acceptsT, DistillationLosses.takesTemperature(id), id);
            checked.add(id);
        }
        assertTrue(checked.containsAll(List.of("kd", "at", "fitnet", "bss_score", "crd")), "checked " + checked);
        assertTrue(DistillationLosses.temperatureLosses().containsAll(List.of("kd", "st", "kd_sum_ce", "at_kd_combo")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DistillationLosses.create("kdd", null));
        assertTrue(e.getMessage().contains("Unknown distillation method 'kdd'"), e.getMessage());
    }
}
