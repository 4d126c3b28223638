package org.beatgan.distill;

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
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * sobolev, lwm, bss (which own a student and a teacher network and differentiate through input
 * gradients) and dml stay finite, loss and every gradient, on inputs that break naive formulas:
 * an all-zero input, inputs of size ~1e3 (saturated tanh: vanishing input gradients, zero CAMs,
 * zero attack directions; for dml, logits ~1e3), a batch of 2, in float and double. The batch is
 * declared unknown (-1) as Distiller does. Every trainable weight must receive a
 * gradient (the output bias of sobolev/lwm an exact 0), as the trainers require one.
 */
class NetworkLossSafetyTest {

    private record Case(String id, String params, long[] x) {
    }

    private static final String SIZES = "\"student_c1\": 2, \"student_c2\": 3, \"teacher_c1\": 4, \"teacher_c2\": 5, "
            + "\"classes\": 3";

    private static final List<Case> CASES = List.of(
            new Case("sobolev", "{}", new long[]{2, 16}),
            new Case("sobolev", "{" + SIZES + "}", new long[]{2, 5, 5}),
            new Case("lwm", "{\"cam_source\": \"grad\"}", new long[]{2, 16}),
            new Case("lwm", "{\"cam_source\": \"activation\", " + SIZES + "}", new long[]{2, 5, 5}),
            new Case("bss", "{\"T\": 3.0, \"num_steps\": 4}", new long[]{2, 16}),
            new Case("bss", "{\"T\": 2.0, \"step_alpha\": 10.0, \"num_steps\": 3, " + SIZES + "}", new long[]{2, 5, 5}),
            new Case("dml", "{}", new long[]{10}));

    private enum Scenario {
        ZEROS(4), LARGE(4), BATCH_2(2), RANDOM(3);

        final int batch;

        Scenario(int batch) {
            this.batch = batch;
        }
    }

    @TestFactory
    List<DynamicTest> finiteLossAndGradients() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Case c : CASES) {
            for (Scenario s : Scenario.values()) {
                for (DataType dt : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
                    String name = c.id() + " " + c.params() + " " + s + " " + dt;
                    tests.add(DynamicTest.dynamicTest(name, () -> run(c, s, dt, name)));
                }
            }
        }
        return tests;
    }

    private static INDArray data(Scenario s, long[] shape, DataType dt) {
        INDArray a = switch (s) {
            case ZEROS -> Nd4j.zeros(DataType.DOUBLE, shape);
            case LARGE -> Nd4j.randn(DataType.DOUBLE, shape).muli(1e3);
            default -> Nd4j.randn(DataType.DOUBLE, shape);
        };
        return a.castTo(dt);
    }

    private static void run(Case c, Scenario scenario, DataType dt, String name) throws Exception {
        Nd4j.getRandom().setSeed(11 + scenario.ordinal());
        int batch = scenario.batch;
        long[] shape = LossHarness.prepend(batch, c.x());
        long[] declared = shape.clone();
        declared[0] = -1;
        SameDiff sd = SameDiff.create();
        Map<String, List<Tensor>> student = new HashMap<>();
        List<String> trainable = new ArrayList<>();
        if (c.id().equals("dml")) {
            for (String role : List.of("logits_1", "logits_2")) {
                SDVariable v = sd.var(role, data(scenario, shape, dt));
                student.put(role, List.of(new Tensor(v, declared)));
                trainable.add(role);
            }
        } else {
            student.put("x", List.of(new Tensor(sd.constant("x", data(scenario, shape, dt)), declared)));
            long classes = c.params().contains("classes") ? 3 : 4;
            long[] target = new long[batch], attack = new long[batch];
            for (int b = 0; b < batch; b++) {
                target[b] = b % classes;
                attack[b] = (b + 1) % classes;
            }
            student.put("target", List.of(new Tensor(sd.constant("target", Nd4j.createFromArray(target)),
                    new long[]{-1})));
            student.put("attack_class", List.of(new Tensor(sd.constant("attack_class",
                    Nd4j.createFromArray(attack)), new long[]{-1})));
        }
        DistillationLoss loss = DistillationLosses.create(c.id(), new ObjectMapper().readTree(c.params()));
        LossHarness in = new LossHarness(sd, dt, student, null, Map.of(), trainable);
        SDVariable out = in.build(loss);
        LossHarness.finiteValue(sd, out, name);
        LossHarness.finiteGradients(sd, in.trainable(), name);
    }

}
