package org.beatgan.distill;

import org.beatgan.core.testutil.NumericGradients;

import com.fasterxml.jackson.databind.JsonNode;
import org.beatgan.core.io.Json;
import org.beatgan.core.model.mlp.MlpClassifierGraph;
import org.beatgan.core.train.classifier.ClassifierBundle;
import org.beatgan.core.train.classifier.ClassifierRun;
import org.beatgan.core.train.classifier.ClassifierTrainer;
import org.beatgan.core.train.classifier.ClassifierTrainingConfig;
import org.beatgan.core.train.classifier.LrSchedule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * BCE + KD + CRD between MLPs that read different views of the same examples (a privileged
 * teacher): exact gradients in double, the two-class logits convention of one output, and a
 * resumed run equal to an uninterrupted one (memory banks, plateau schedule and all).
 */
class PrivilegedDistillationTest {

    static final String KD = "{name: kd, loss: kd, weight: 0.7, params: {T: 3.0}, inputs: {logits: logits}}";
    static final String CRD = "{name: crd, loss: crd, weight: 0.5, params: {feat_dim: 4, nce_n: 5, nce_t: 0.5, momentum: 0.5}, "
            + "inputs: {feat: features}}";
    /**
     * CRD with its normalisation constants given: otherwise the first batch estimates them from
     * itself, detached from the gradient (as RepDistiller), which central differences would see.
     */
    static final String CRD_FIXED_Z = "{name: crd, loss: crd, weight: 0.5, params: {feat_dim: 4, nce_n: 5, nce_t: 0.5, "
            + "momentum: 0.5, Z_s: 2.5, Z_t: 3.5}, inputs: {feat: features}}";

    @Test
    void bceKdAndCrdHaveExactGradientsInDouble() throws Exception {
        for (List<String> terms : List.of(List.of(KD), List.of(CRD_FIXED_Z), List.of(KD, CRD_FIXED_Z))) gradientCheck(terms);
    }

    private void gradientCheck(List<String> termYaml) throws Exception {
        int n = 12;
        Nd4j.getRandom().setSeed(3);
        INDArray teacherX = Nd4j.rand(DataType.DOUBLE, n, 7).subi(0.5);
        MlpClassifierGraph teacher = MlpClassifierGraph.build("t", 7, List.of(6, 5), new double[]{0.8, 1.7}, DataType.DOUBLE, 1);
        MlpClassifierGraph student = MlpClassifierGraph.build("s", 4, List.of(3), new double[]{0.8, 1.7}, DataType.DOUBLE, 2);
        List<DistillTermSpec> specs = new ArrayList<>();
        for (String t : termYaml) specs.add(DistillerTest.term(t));
        Distiller d = Distiller.privileged(teacher, student, specs, n, 0,
                b -> Nd4j.pullRows(teacherX, 1, b.requireIndices("test")));
        new ClassifierTrainer(student, ClassifierTrainingConfig.defaults(), List.of(d));
        int[] idx = {0, 3, 4, 7, 9, 11};
        INDArray x = Nd4j.rand(DataType.DOUBLE, idx.length, 4).subi(0.5);
        INDArray y = Nd4j.createFromArray(new double[][]{{1}, {0}, {0}, {1}, {0}, {1}});
        Map<String, INDArray> feed = new LinkedHashMap<>(d.feed(new org.beatgan.core.train.Batch(x, idx, 5)));
        feed.put(MlpClassifierGraph.INPUT, x);
        feed.put(MlpClassifierGraph.LABELS, y);
        feed.putAll(student.extraFeed(idx.length, true, null));   // batch statistics, as in training
        SameDiff sd = student.sameDiff();
        List<String> wrt = new ArrayList<>(student.trainableVariables());
        wrt.addAll(d.trainableVariables());
        if (termYaml.contains(CRD_FIXED_Z)) {
            assertTrue(d.trainableVariables().stream().anyMatch(v -> v.startsWith("distill/crd/")), "CRD's embeddings train");
        }
        Map<String, INDArray> grads = sd.calculateGradients(feed, wrt);
        int checked = 0;
        for (String v : wrt) {
            INDArray w = sd.getArrForVarName(v);
            INDArray g = grads.get(v);
            assertNotNull(g, "no gradient for " + v);
            for (long i = 0; i < Math.min(w.length(), 4); i++) {
                long at = (i * 7919) % w.length();
                double h = 1e-6;
                double numeric = NumericGradients.centralDifference(w, at, h,
                        () -> total(sd, feed));
                assertEquals(numeric, g.getDouble(at), 1e-6 + 1e-5 * Math.abs(numeric), termYaml + " " + v + "[" + at + "]");
                checked++;
            }
        }
        assertTrue(checked >= 15, "checked " + checked);
        if (!termYaml.contains(KD)) return;
        // KD on one output reads the logit z as the two-class logits [z, 0]: by hand for this batch
        INDArray zs = student.forward(x, true, MlpClassifierGraph.LOGITS).get(MlpClassifierGraph.LOGITS);
        INDArray zt = teacher.forward(Nd4j.pullRows(teacherX, 1, idx), false, MlpClassifierGraph.LOGITS).get(MlpClassifierGraph.LOGITS);
        double kl = 0, T = 3.0;
        for (int i = 0; i < idx.length; i++) {
            double pt = 1 / (1 + Math.exp(-zt.getDouble(i, 0) / T)), ps = 1 / (1 + Math.exp(-zs.getDouble(i, 0) / T));
            kl += pt * Math.log(pt / ps) + (1 - pt) * Math.log((1 - pt) / (1 - ps));
        }
        double expectedKd = kl / idx.length * T * T;
        String kdVar = d.loggedTerms().get("distill_kd");
        assertEquals(expectedKd, sd.output(feed, kdVar).get(kdVar).getDouble(0), 1e-10);
    }

    private static double total(SameDiff sd, Map<String, INDArray> feed) {
        double s = 0;
        for (String l : sd.getLossVariables()) s += sd.output(feed, l).get(l).getDouble(0);
        return s;
    }

    private static MlpClassifierGraph run(Path out, int epochs, boolean resume, INDArray teacherX, MlpClassifierGraph teacher,
                                          ClassifierRun.Data data) throws Exception {
        MlpClassifierGraph student = MlpClassifierGraph.build("s", 6, List.of(5, 4), new double[]{0.7, 2.0}, DataType.FLOAT, 4);
        Distiller d = Distiller.privileged(teacher, student, List.of(DistillerTest.term(KD), DistillerTest.term(CRD)),
                (int) data.train().numExamples(), 4, b -> Nd4j.pullRows(teacherX, 1, b.requireIndices("test")));
        ClassifierTrainingConfig cfg = new ClassifierTrainingConfig(epochs, 16, 3e-2, 0.9, 0.999, 1e-3, 1, 4,
                LrSchedule.plateau(0.5, 0, 0.5, 1e-3), "val_f1");
        new ClassifierRun(new ClassifierTrainer(student, cfg, List.of(d)), data, new ClassifierRun.Options(out, resume, false)).run();
        ClassifierBundle.restore(student.sameDiff(), out.resolve(ClassifierRun.CHECKPOINT), true);
        return student;
    }

    @Test
    void memoryBankAndScheduleSurviveResumeBitExactly(@TempDir Path dir) throws Exception {
        int n = 80;
        Nd4j.getRandom().setSeed(9);
        INDArray teacherX = Nd4j.rand(DataType.FLOAT, n, 9);
        INDArray x = teacherX.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 6)).dup();
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, 1);
        for (int i = 0; i < n; i++) if (teacherX.getDouble(i, 8) > 0.7) y.putScalar(i, 0, 1f);
        ClassifierRun.Data data = new ClassifierRun.Data(new DataSet(x, y), new DataSet(x.dup(), y.dup()), null);
        MlpClassifierGraph teacher = MlpClassifierGraph.build("t", 9, List.of(8, 6), new double[]{1, 1}, DataType.FLOAT, 1);

        MlpClassifierGraph a = run(dir.resolve("straight"), 4, false, teacherX, teacher, data);
        run(dir.resolve("crashed"), 2, false, teacherX, teacher, data);
        Files.delete(dir.resolve("crashed").resolve(ClassifierRun.METRICS));
        MlpClassifierGraph b = run(dir.resolve("crashed"), 4, true, teacherX, teacher, data);
        Map<String, INDArray> sa = ClassifierBundle.stateArrays(a.sameDiff());
        assertTrue(sa.keySet().stream().anyMatch(k -> k.contains("memory")), "the memory banks are saved: " + sa.keySet());
        assertTrue(sa.containsKey("h1/bn/running_mean"));
        for (String v : sa.keySet()) {
            assertEquals(sa.get(v), b.sameDiff().getArrForVarName(v), v + " after resume");
        }
        List<String> la = Files.readAllLines(dir.resolve("straight").resolve(ClassifierRun.EPOCHS));
        List<String> lb = Files.readAllLines(dir.resolve("crashed").resolve(ClassifierRun.EPOCHS));
        assertEquals(la.size(), lb.size());
        boolean halved = false;
        for (int i = 0; i < la.size(); i++) {
            JsonNode ra = Json.MAPPER.readTree(la.get(i)), rb = Json.MAPPER.readTree(lb.get(i));
            for (String k : List.of("loss", "distill_crd", "val_accuracy", "lr")) {
                assertEquals(ra.path(k).asDouble(), rb.path(k).asDouble(), 0.0, "epoch " + (i + 1) + " " + k);
            }
            if (i > 0 && ra.path("lr").asDouble() < Json.MAPPER.readTree(la.get(i - 1)).path("lr").asDouble()) halved = true;
            assertTrue(ra.path("lr").asDouble() >= 1e-3, "never below minLr");
        }
        assertTrue(halved, "the plateau schedule (threshold 0.5, patience 0) halved the rate: " + la);
    }
}
