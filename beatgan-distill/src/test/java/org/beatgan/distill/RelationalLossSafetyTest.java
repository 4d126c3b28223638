package org.beatgan.distill;

import org.beatgan.core.testutil.NumericGradients;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The relation- and feature-based losses (cosine, nst, pkt, fsp, rkd, sp, cc, irg) stay finite,
 * loss and every gradient, where naive formulas give NaN or inf: dead (all-zero) student
 * activations, an all-zero batch, activations of size ~1e3, batches of 2 and 1, in float and
 * double. The batch is declared unknown (-1) as Distiller does, so the run-time batch
 * masks are exercised; a finite-difference check confirms their gradients at batch 3.
 */
class RelationalLossSafetyTest {

    /** One method with the shapes (without the batch) of each role's tensors. */
    private record Case(String id, String params, Map<String, long[][]> student, Map<String, long[][]> teacher) {
    }

    private enum Scenario {
        ZERO_STUDENT(4), ALL_ZERO(4), LARGE(4), BATCH_2(2), BATCH_1(1), NORMAL(3);

        final int batch;

        Scenario(int batch) {
            this.batch = batch;
        }
    }

    private static List<Case> cases() {
        List<Case> c = new ArrayList<>();
        c.add(new Case("cosine", "{}", Map.of("hidden", shapes(4, 16)), Map.of("hidden", shapes(8, 16))));
        c.add(new Case("cosine", "{}", Map.of("hidden", shapes(16)), Map.of("hidden", shapes(32))));
        c.add(new Case("nst", "{}", Map.of("feat", shapes(6, 24)), Map.of("feat", shapes(10, 24))));
        c.add(new Case("nst", "{}", Map.of("feat", shapes(6, 5, 5)), Map.of("feat", shapes(8, 5, 5))));
        c.add(new Case("pkt", "{}", Map.of("feat", shapes(12)), Map.of("feat", shapes(20))));
        c.add(new Case("fsp", "{}", Map.of("feats", shapes(new long[]{6, 24}, new long[]{8, 12})),
                Map.of("feats", shapes(new long[]{6, 24}, new long[]{8, 12}))));
        c.add(new Case("fsp", "{}", Map.of("feats", shapes(new long[]{4, 6, 6}, new long[]{6, 3, 3})),
                Map.of("feats", shapes(new long[]{4, 6, 6}, new long[]{6, 3, 3}))));
        c.add(new Case("rkd", "{}", Map.of("feat", shapes(16)), Map.of("feat", shapes(24))));
        c.add(new Case("sp", "{}", Map.of("feat", shapes(6, 20)), Map.of("feat", shapes(12, 20))));
        c.add(new Case("sp", "{}", Map.of("feat", shapes(4, 5, 5)), Map.of("feat", shapes(8, 3, 3))));
        c.add(new Case("cc", "{\"gamma\": 0.4, \"P_order\": 2, \"embed\": false}", Map.of("feat", shapes(16)),
                Map.of("feat", shapes(24))));
        c.add(new Case("cc", "{\"gamma\": 0.4, \"P_order\": 2, \"embed\": true}", Map.of("feat", shapes(12)),
                Map.of("feat", shapes(16))));
        // an embedding width of its own (the reference README's embed_dim), neither width
        c.add(new Case("cc", "{\"gamma\": 0.4, \"P_order\": 2, \"embed\": true, \"embed_dim\": 5}",
                Map.of("feat", shapes(12)), Map.of("feat", shapes(16))));
        c.add(new Case("irg", "{}",
                Map.of("feats", shapes(new long[]{4, 16}, new long[]{8, 8}), "emb", shapes(8), "logits", shapes(5)),
                Map.of("feats", shapes(new long[]{6, 16}, new long[]{12, 8}), "emb", shapes(12), "logits", shapes(5))));
        c.add(new Case("irg", "{}",
                Map.of("feats", shapes(new long[]{3, 4, 4}, new long[]{6, 2, 2}), "emb", shapes(6), "logits", shapes(5)),
                Map.of("feats", shapes(new long[]{4, 4, 4}, new long[]{8, 2, 2}), "emb", shapes(10), "logits", shapes(5))));
        return c;
    }

    private static long[][] shapes(long... oneTensor) {
        return new long[][]{oneTensor};
    }

    private static long[][] shapes(long[]... tensors) {
        return tensors;
    }

    @TestFactory
    List<DynamicTest> lossAndGradientsStayFinite() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Case c : cases()) {
            for (Scenario s : Scenario.values()) {
                if (s == Scenario.NORMAL) continue;
                for (DataType dt : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
                    tests.add(DynamicTest.dynamicTest(c.id() + " " + c.params() + " " + s + " " + dt,
                            () -> checkFinite(c, s, dt)));
                }
            }
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> gradientsMatchFiniteDifferencesWithUnknownBatch() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Case c : cases()) {
            tests.add(DynamicTest.dynamicTest(c.id() + " " + c.params(), () -> checkFiniteDifferences(c)));
        }
        return tests;
    }

    /** A built loss: graph, loss variable and the variables that must receive gradients. */
    private record Built(SameDiff sd, SDVariable loss, List<String> trainable) {
    }

    private static Built build(Case c, Scenario scenario, DataType dt, long seed) throws Exception {
        SameDiff sd = SameDiff.create();
        Random r = new Random(seed);
        List<String> trainable = new ArrayList<>();
        Map<String, List<Tensor>> student = new LinkedHashMap<>();
        Map<String, List<Tensor>> teacher = new LinkedHashMap<>();
        for (var e : c.student().entrySet()) {
            student.put(e.getKey(), tensors(sd, "s_" + e.getKey(), e.getValue(), scenario, dt, r, true, trainable));
        }
        for (var e : c.teacher().entrySet()) {
            teacher.put(e.getKey(), tensors(sd, "t_" + e.getKey(), e.getValue(), scenario, dt, r, false, trainable));
        }
        LossHarness in = new LossHarness(sd, dt, student, teacher, Map.of(), trainable);
        SDVariable out = in.build(DistillationLosses.create(c.id(), new ObjectMapper().readTree(c.params())));
        return new Built(sd, out, trainable);
    }

    private static List<Tensor> tensors(SameDiff sd, String name, long[][] shapes, Scenario scenario, DataType dt,
                                        Random r, boolean studentSide, List<String> trainable) {
        List<Tensor> list = new ArrayList<>();
        for (int i = 0; i < shapes.length; i++) {
            long[] full = new long[shapes[i].length + 1];
            full[0] = scenario.batch;
            System.arraycopy(shapes[i], 0, full, 1, shapes[i].length);
            INDArray a = values(full, scenario, dt, r, studentSide);
            String vn = name + "_" + i;
            SDVariable v = studentSide ? sd.var(vn, a) : sd.constant(vn, a);
            if (studentSide) trainable.add(vn);
            long[] declared = full.clone();
            declared[0] = -1;
            list.add(new Tensor(v, declared));
        }
        return list;
    }

    private static INDArray values(long[] shape, Scenario scenario, DataType dt, Random r, boolean studentSide) {
        long n = 1;
        for (long d : shape) n *= d;
        double[] v = new double[(int) n];
        boolean zero = scenario == Scenario.ALL_ZERO || (scenario == Scenario.ZERO_STUDENT && studentSide);
        double scale = scenario == Scenario.LARGE ? 1e3 : 1.0;
        if (!zero) {
            for (int i = 0; i < v.length; i++) v[i] = scale * r.nextGaussian();
        }
        return Nd4j.create(v, shape, DataType.DOUBLE).castTo(dt);
    }

    private static void checkFinite(Case c, Scenario scenario, DataType dt) throws Exception {
        Built b = build(c, scenario, dt, 11);
        String what = c.id() + " " + scenario + " " + dt;
        LossHarness.finiteValue(b.sd(), b.loss(), what);
        LossHarness.finiteGradients(b.sd(), b.trainable(), what);
    }

    private static void checkFiniteDifferences(Case c) throws Exception {
        Built b = build(c, Scenario.NORMAL, DataType.DOUBLE, 5);
        Map<String, INDArray> grads = b.sd().calculateGradients(new HashMap<>(), b.trainable());
        Random r = new Random(7);
        double h = 1e-6;
        for (String v : b.trainable()) {
            INDArray p = b.sd().getArrForVarName(v);
            for (int k = 0; k < 4; k++) {
                long i = r.nextInt((int) p.length());
                double numeric = NumericGradients.centralDifference(p, i, h,
                        () -> eval(b));
                double analytic = grads.get(v).getDouble(i);
                assertEquals(numeric, analytic, 1e-5 * (Math.abs(numeric) + Math.abs(analytic)) + 1e-8,
                        c.id() + ": d loss / d " + v + "[" + i + "]");
            }
        }
    }

    private static double eval(Built b) {
        return b.sd().output(new HashMap<>(), b.loss().name()).get(b.loss().name()).getDouble(0);
    }
}
