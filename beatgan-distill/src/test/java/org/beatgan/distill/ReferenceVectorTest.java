package org.beatgan.distill;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every reference vector in $BEATGAN_REFERENCE_DISTILL_DIR (default ../shared/reference/distill)
 * becomes one test: the loss and every listed gradient must match in float64 (relative 1e-6).
 * A file for an unknown method fails; a method of the planned zoo that is not implemented yet is
 * reported as skipped (aborted), never as passed.
 */
class ReferenceVectorTest {

    private static final double REL = 1e-6;
    private static final double ABS = 1e-9;

    @TestFactory
    List<DynamicTest> everyReferenceVector() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path f : ReferenceVector.files()) {
            tests.add(DynamicTest.dynamicTest(f.getFileName().toString(), () -> check(ReferenceVector.load(f))));
        }
        assertFalse(tests.isEmpty(), "no reference vectors in " + ReferenceVector.folder());
        return tests;
    }

    static void check(ReferenceVector ref) {
        if (!DistillationLosses.implemented().contains(ref.method())) {
            fail(ref.file() + ": unknown distillation method '" + ref.method() + "'");
        }
        Built b = build(ref);
        SameDiff sd = b.sd();
        SDVariable out = b.out();
        Map<String, String> gradVarOf = b.gradVarOf();
        Map<String, SDVariable> adapters = b.adapters();
        double value = sd.output(new HashMap<>(), out.name()).get(out.name()).getDouble(0);
        assertClose(ref.loss(), value, ref.file() + " loss");

        List<String> vars = new ArrayList<>(gradVarOf.values());
        vars.addAll(adapters.keySet());
        Map<String, INDArray> grads = sd.calculateGradients(new HashMap<>(), vars);
        for (Map.Entry<String, List<INDArray>> g : ref.grads().entrySet()) {
            for (int i = 0; i < g.getValue().size(); i++) {
                String v = adapters.containsKey(g.getKey()) ? g.getKey() : gradVarOf.get(g.getKey() + "#" + i);
                assertNotNull(v, ref.file() + ": no variable for gradient " + g.getKey());
                INDArray expected = g.getValue().get(i);
                INDArray actual = grads.get(v);
                assertNotNull(actual, ref.file() + ": no gradient computed for " + v);
                assertArrayEquals(expected.shape(), actual.shape(), v);
                double[] e = expected.reshape(-1).toDoubleVector(), a = actual.reshape(-1).toDoubleVector();
                for (int k = 0; k < e.length; k++) {
                    assertClose(e[k], a[k], ref.file().getFileName() + " grad " + g.getKey() + "[" + i + "] element " + k);
                }
            }
        }
    }

    /**
     * The graph of one reference case: the loss built on its inputs and weights, with the loss
     * variable set. {@code gradVarOf} maps "input#index" to the variable of each trainable input,
     * {@code adapters} holds the trainable weights by name. Also used by {@link ReferenceExtrasTest}.
     */
    record Built(SameDiff sd, DistillationLoss loss, SDVariable out, Map<String, String> gradVarOf,
                 Map<String, SDVariable> adapters) {
    }

    static Built build(ReferenceVector ref) {
        DistillationLoss loss = DistillationLosses.create(ref.method(), ref.params());
        SameDiff sd = SameDiff.create();
        Map<String, List<Tensor>> student = new HashMap<>();
        Map<String, List<Tensor>> teacher = new HashMap<>();
        Map<String, String> gradVarOf = new LinkedHashMap<>();
        for (Map.Entry<String, List<INDArray>> e : ref.inputs().entrySet()) {
            String name = e.getKey();
            boolean trainable = ref.grads().containsKey(name);
            List<Tensor> list = new ArrayList<>();
            for (int i = 0; i < e.getValue().size(); i++) {
                INDArray a = e.getValue().get(i);
                String vn = name + "_" + i;
                SDVariable v = trainable ? sd.var(vn, a.dup()) : sd.constant(vn, a.dup());
                list.add(new Tensor(v, a.shape()));
                if (trainable) gradVarOf.put(name + "#" + i, vn);
            }
            if (name.startsWith("student_")) student.put(name.substring(8), list);
            else if (name.startsWith("teacher_")) teacher.put(name.substring(8), list);
            else student.put(name, list);
        }
        Map<String, SDVariable> adapters = new LinkedHashMap<>();
        LossInputs in = new LossInputs() {
            public SameDiff sd() {
                return sd;
            }

            public List<Tensor> student(String role) {
                return require(student, role, "student");
            }

            public List<Tensor> teacher(String role) {
                return require(teacher, role, "teacher");
            }

            public Tensor state(String name) {
                // inputs named without a side (CRD's memory banks) are the loss's state
                List<Tensor> l = student.get(name);
                return l == null || l.size() != 1 ? null : l.get(0);
            }

            public SDVariable adapter(String name, INDArray init) {
                INDArray w = ref.weights().get(name);
                assertNotNull(w, "reference lacks weight " + name);
                assertArrayEquals(w.shape(), init.shape(), "adapter " + name + " shape");
                SDVariable v = sd.var(name, w.dup());
                adapters.put(name, v);
                return v;
            }

            public SDVariable frozen(String name, INDArray init) {
                INDArray w = ref.weights().get(name);
                assertNotNull(w, "reference lacks weight " + name);
                assertArrayEquals(w.shape(), init.shape(), "frozen weight " + name + " shape");
                assertFalse(ref.grads().containsKey(name), ref.file() + ": " + name
                        + " has a reference gradient, so it must be a trainable adapter, not frozen");
                return sd.constant(name, w.dup());
            }

            public INDArray preset(String name) {
                return ref.weights().get(name);
            }
        };
        SDVariable out = loss.build(in);
        sd.setLossVariables(out);
        return new Built(sd, loss, out, gradVarOf, adapters);
    }

    private static List<Tensor> require(Map<String, List<Tensor>> m, String role, String side) {
        List<Tensor> l = m.get(role);
        if (l == null) throw new IllegalArgumentException("no " + side + " input for role " + role);
        return l;
    }

    static void assertClose(double expected, double actual, String what) {
        double tol = Math.max(ABS, REL * Math.abs(expected));
        assertTrue(Math.abs(expected - actual) <= tol, what + ": expected " + expected + ", got " + actual);
    }
}
