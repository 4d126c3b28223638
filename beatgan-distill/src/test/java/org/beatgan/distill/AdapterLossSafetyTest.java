package org.beatgan.distill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The adapter losses (ab, ft, vid, ofd, afd, crd) on inputs that break naive formulas: all-zero
 * maps (dead activations: zero norms, zero batch variance), large activations (~1e3) and a batch
 * of 2, in float32 and float64. The loss and the gradient of every student input and adapter must
 * be finite. Adapters keep their own initial values (as in real training).
 */
class AdapterLossSafetyTest {

    private record Case(String method, String params, long[] student, long[] teacher) {
    }

    private static final List<Case> CASES = List.of(
            new Case("ab", "{\"margin\": 1.0, \"connector\": true}", new long[]{4, 12}, new long[]{6, 12}),
            new Case("ab", "{\"margin\": 2.0, \"connector\": false}", new long[]{4, 3, 3}, new long[]{4, 3, 3}),
            new Case("ft", "{\"k\": 0.5}", new long[]{4, 5, 5}, new long[]{6, 5, 5}),
            new Case("ft", "{\"k\": 0.5, \"factor_channels\": 3}", new long[]{3, 10}, new long[]{6, 10}),
            new Case("vid", "{\"eps\": 1e-6, \"init_var\": 5.0}", new long[]{4, 12}, new long[]{6, 12}),
            new Case("vid", "{\"mid_channels\": 5}", new long[]{4, 3, 3}, new long[]{6, 3, 3}),
            new Case("ofd", "{}", new long[]{4, 12}, new long[]{6, 12}),
            new Case("ofd", "{}", new long[]{4, 3, 3}, new long[]{6, 3, 3}),
            new Case("afd", "{\"att_f\": 0.6}", new long[]{5, 12}, new long[]{5, 12}),
            new Case("afd", "{\"att_f\": 1.0}", new long[]{4, 3, 3}, new long[]{4, 3, 3}),
            new Case("crd", "{\"feat_dim\": 8, \"nce_n\": 6, \"n_data\": 24, \"nce_t\": 0.07}", new long[]{12},
                    new long[]{16}),
            new Case("crd", "{\"feat_dim\": 8, \"nce_n\": 6, \"n_data\": 24, \"nce_t\": 0.02, \"Z_s\": 0.5, \"Z_t\": 2.0}",
                    new long[]{12}, new long[]{16}));

    @TestFactory
    List<DynamicTest> finiteLossAndGradients() {
        Map<String, Function<long[][], INDArray[]>> inputs = new LinkedHashMap<>();
        inputs.put("zeros", shapes -> new INDArray[]{Nd4j.zeros(DataType.DOUBLE, shapes[0]),
                Nd4j.zeros(DataType.DOUBLE, shapes[1])});
        inputs.put("zero student", shapes -> new INDArray[]{Nd4j.zeros(DataType.DOUBLE, shapes[0]),
                Nd4j.randn(DataType.DOUBLE, shapes[1])});
        inputs.put("large", shapes -> new INDArray[]{Nd4j.randn(DataType.DOUBLE, shapes[0]).muli(1e3),
                Nd4j.randn(DataType.DOUBLE, shapes[1]).muli(1e3)});
        inputs.put("random", shapes -> new INDArray[]{Nd4j.randn(DataType.DOUBLE, shapes[0]),
                Nd4j.randn(DataType.DOUBLE, shapes[1])});
        List<DynamicTest> tests = new ArrayList<>();
        for (Case c : CASES) {
            for (Map.Entry<String, Function<long[][], INDArray[]>> in : inputs.entrySet()) {
                for (int batch : new int[]{2, 5}) {
                    for (DataType dt : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
                        String name = c.method() + " " + c.params() + " " + in.getKey() + " B=" + batch + " " + dt;
                        tests.add(DynamicTest.dynamicTest(name, () -> run(c, in.getValue(), batch, dt, name)));
                    }
                }
            }
        }
        return tests;
    }

    private static void run(Case c, Function<long[][], INDArray[]> make, int batch, DataType dt, String name)
            throws Exception {
        Nd4j.getRandom().setSeed(7 + batch);
        INDArray[] st = make.apply(new long[][]{LossHarness.prepend(batch, c.student()), LossHarness.prepend(batch, c.teacher())});
        JsonNode params = new ObjectMapper().readTree(c.params());
        DistillationLoss loss = DistillationLosses.create(c.method(), params);
        SameDiff sd = SameDiff.create();
        Map<String, List<Tensor>> student = new HashMap<>();
        Map<String, List<Tensor>> teacher = new HashMap<>();
        SDVariable s = sd.var("student", st[0].castTo(dt));
        student.put("feat", List.of(new Tensor(s, st[0].shape())));
        teacher.put("feat", List.of(new Tensor(sd.constant("teacher", st[1].castTo(dt)), st[1].shape())));
        if (c.method().equals("crd")) {
            int m = params.get("n_data").asInt(), f = params.get("feat_dim").asInt(), n = params.get("nce_n").asInt();
            for (String bank : List.of("memory_s", "memory_t")) {
                INDArray mem = Nd4j.randn(DataType.DOUBLE, m, f);
                mem.diviColumnVector(mem.norm2(1).reshape(-1, 1));
                student.put(bank, List.of(new Tensor(sd.constant(bank, mem.castTo(dt)), mem.shape())));
            }
            long[] idx = new long[batch * (n + 1)];
            for (int b = 0; b < batch; b++) {
                idx[b * (n + 1)] = b;
                for (int k = 1; k <= n; k++) idx[b * (n + 1) + k] = (b + 3L * k) % m;
            }
            INDArray ci = Nd4j.createFromArray(idx).reshape(batch, n + 1);
            student.put("contrast_idx", List.of(new Tensor(sd.constant("contrast_idx", ci), ci.shape())));
        }
        Map<String, Tensor> state = new HashMap<>();
        for (String n : List.of("memory_s", "memory_t", "contrast_idx")) {
            if (student.containsKey(n)) state.put(n, student.get(n).get(0));
        }
        LossHarness in = new LossHarness(sd, dt, student, teacher, state, new ArrayList<>(List.of("student")));
        SDVariable out = in.build(loss);
        LossHarness.finiteValue(sd, out, name);
        LossHarness.finiteGradients(sd, in.trainable(), name);
    }

}
