package org.beatgan.distill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.beatgan.core.data.npy.Npy;
import org.beatgan.core.data.npy.NpyArray;
import org.beatgan.core.io.DataLocations;
import org.beatgan.core.io.PyTorchWeights;
import org.beatgan.core.io.PyTorchWeights.Naming;
import org.beatgan.core.model.BeatGanConfig;
import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.model.BeatGanGraph.Network;
import org.beatgan.core.model.BeatGanGraphBuilder;
import org.beatgan.core.model.GeneratorInference;
import org.beatgan.core.train.BeatGanTrainer;
import org.beatgan.core.train.LossExtension;
import org.beatgan.core.train.TrainingConfig;
import org.beatgan.core.train.TrainingConfig.StepEngine;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Three BeatGAN training steps against an independent PyTorch implementation traced in float64
 * ({@code shared/reference/beatgan-step-trace}, see its README): from the same initial weights
 * and on the same real beats, every loss of every step, all weights and batch-norm running
 * statistics of G and D after steps 1 and 3, and the eval-mode scores of a fourth batch, for plain
 * training and for KD + AT distillation from a frozen width-16 teacher, on both step engines.
 */
class BeatGanStepTraceTest {

    /**
     * The direct step (the default engine) agrees with PyTorch to float64 round-off: losses to
     * ~1e-14, weights and running statistics to ~1e-12 relative after three steps (measured).
     */
    private static final double DIRECT_TOLERANCE = 1e-10;
    /**
     * The graph runs libnd4j's {@code batchnorm_bp}, whose input gradient is ~5e-10 off in double
     * ({@code DoubleBatchNormKernelTest}), and a leaky-ReLU backprop with the slope rounded to
     * float. Adam's first steps move an element by lr * g / (|g| + eps) (eps 1e-8), so for the
     * rare element whose gradient is itself ~eps the update is ~lr * g / eps and such a 1e-10
     * gradient error moves it by ~1e-2 lr: measured, one element of G/enc/conv5/W (|g| = 5.7e-9)
     * 2.7e-3 lr off, and step 2's D loss 1.8e-8 relative. Hence relative 1e-7 and, for parameters,
     * 1e-2 of one learning-rate step. ND4J's own Adam (eps added to the uncorrected root) would
     * move that element by 0.02 lr instead of PyTorch's 0.36 lr, far outside this margin.
     */
    private static final double GRAPH_TOLERANCE = 1e-7;
    private static final double GRAPH_UPDATE_TOLERANCE = 1e-2;
    private static final double LR = 1e-4;
    private static final BeatGanConfig STUDENT = BeatGanConfig.of(1, 50, 8, 8);
    private static final BeatGanConfig TEACHER = BeatGanConfig.of(1, 50, 16, 16);

    static Path folder() {
        return DataLocations.beatganStepTrace();
    }

    @ParameterizedTest
    @EnumSource(StepEngine.class)
    void plainTrainingEqualsPyTorch(StepEngine engine) throws IOException {
        replay("plain", engine, false);
    }

    @ParameterizedTest
    @EnumSource(StepEngine.class)
    void kdAtDistillationEqualsPyTorch(StepEngine engine) throws IOException {
        replay("kd_at", engine, true);
    }

    private void replay(String run, StepEngine engine, boolean distill) throws IOException {
        Path dir = folder();
        Tolerance tol = engine == StepEngine.DIRECT ? new Tolerance(DIRECT_TOLERANCE, 0)
                : new Tolerance(GRAPH_TOLERANCE, GRAPH_UPDATE_TOLERANCE * LR);
        JsonNode trace = new ObjectMapper().readTree(dir.resolve("trace.json").toFile()).path("runs").path(run);
        INDArray batches = batches(dir);
        BeatGanGraph student = BeatGanGraphBuilder.build(STUDENT, DataType.DOUBLE, 99);
        PyTorchWeights.load(student, Network.G, dir.resolve("init"), "G.", Naming.REFERENCE);
        PyTorchWeights.load(student, Network.D, dir.resolve("init"), "D.", Naming.REFERENCE);

        List<LossExtension> extensions = new ArrayList<>();
        if (distill) {
            BeatGanGraph teacher = BeatGanGraphBuilder.build(TEACHER, DataType.DOUBLE, 98);
            PyTorchWeights.load(teacher, Network.G, dir.resolve("init"), "teacher.G.", Naming.REFERENCE);
            ObjectMapper json = new ObjectMapper();
            List<DistillTermSpec> terms = List.of(
                    DistillTermSpec.of("kd", "kd", 1.0, json.readTree("{\"T\": 4.0}"),
                            json.readTree("{\"logits\": \"score\"}")),
                    DistillTermSpec.of("at", "at", 1000.0, null, json.readTree(
                            "{\"feats\": [\"G/enc/act1\", \"G/enc/act2\", \"G/enc/act3\", \"G/enc/act4\", \"G/enc/act5\"]}")));
            extensions.add(new Distiller(teacher, student, terms));
        }
        TrainingConfig config = TrainingConfig.defaults().withLr(LR).withBatchSize(32).withStepEngine(engine);
        BeatGanTrainer trainer = new BeatGanTrainer(student, config, extensions);
        assertEquals(engine == StepEngine.DIRECT, trainer.usesDirectStep(),
                "KD + AT on generator activations runs on the direct step when asked to");

        for (int step = 1; step <= 3; step++) {
            Map<String, Double> losses = trainer.step(batch(batches, step - 1), 0);
            JsonNode expected = trace.path("steps").get(step - 1);
            String at = run + " step " + step + " (" + engine + ")";
            tol.assertRelative(expected.path("err_d_real").asDouble(), losses.get("loss_d_real"), at + " err_d_real");
            tol.assertRelative(expected.path("err_d_fake").asDouble(), losses.get("loss_d_fake"), at + " err_d_fake");
            tol.assertRelative(expected.path("err_d").asDouble(), losses.get("loss_d"), at + " err_d");
            tol.assertRelative(expected.path("err_rec").asDouble(), losses.get("loss_g_rec"), at + " err_rec");
            tol.assertRelative(expected.path("err_adv").asDouble(), losses.get("loss_g_adv"), at + " err_adv");
            if (distill) {
                tol.assertRelative(expected.path("kd").asDouble(), losses.get("distill_kd"), at + " kd");
                tol.assertRelative(expected.path("at").asDouble(), losses.get("distill_at"), at + " at");
                tol.assertRelative(expected.path("beta_at").asDouble(), losses.get("distill_at_weighted"), at + " beta_at");
                double total = losses.get("loss_g") + losses.get("distill_kd_weighted") + losses.get("distill_at_weighted");
                tol.assertRelative(expected.path("err_g").asDouble(), total, at + " err_g");
            } else {
                tol.assertRelative(expected.path("err_g").asDouble(), losses.get("loss_g"), at + " err_g");
            }
            if (step == 1 || step == 3) {
                Path after = dir.resolve(run + "_after_step" + step);
                tol.assertStateEquals(student, Network.G, after, "G.", at);
                tol.assertStateEquals(student, Network.D, after, "D.", at);
            }
        }
        assertEquals(0, trainer.discriminatorReinits());

        INDArray fourth = batch(batches, 3);
        double[] expectedScores = doubles(trace.path("eval_scores_batch4_after_step3"));
        tol.assertArrayRelative(expectedScores, student.scores(fourth).data().asDouble(), 0, run + " eval scores (graph)");
        tol.assertArrayRelative(expectedScores, GeneratorInference.of(student).scores(fourth).data().asDouble(), 0,
                run + " eval scores (scoring path)");
    }

    private static INDArray batches(Path dir) throws IOException {
        NpyArray npy = Npy.read(dir.resolve("batches.npy"));
        assertArrayEquals(new int[]{4, 32, 1, 320}, npy.shape());
        return Nd4j.createFromArray(npy.asDoubles()).reshape(4, 32, 1, 320);
    }

    private static INDArray batch(INDArray batches, int i) {
        return batches.get(NDArrayIndex.point(i), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all()).dup();
    }

    private static double[] doubles(JsonNode array) {
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).asDouble();
        return out;
    }

    /** Relative agreement, and for parameters an absolute floor besides. */
    private record Tolerance(double relative, double updateFloor) {

        /** Every parameter and running statistic of one network against the trace's tensors. */
        void assertStateEquals(BeatGanGraph graph, Network net, Path dir, String prefix, String at)
                throws IOException {
            BeatGanGraph expected = BeatGanGraphBuilder.build(graph.config(), DataType.DOUBLE, 97);
            PyTorchWeights.load(expected, net, dir, prefix, Naming.REFERENCE);
            for (String name : PyTorchWeights.keys(net, Naming.REFERENCE).keySet()) {
                boolean parameter = !name.endsWith("running_mean") && !name.endsWith("running_var");
                assertArrayRelative(expected.array(name).data().asDouble(), graph.array(name).data().asDouble(),
                        parameter ? updateFloor : 0, at + " " + name);
            }
        }

        void assertRelative(double expected, Double actual, String what) {
            assertNotNull(actual, what + " was not logged");
            if (System.getenv("TRACE_DEBUG") != null) {
                System.out.printf("%s: relative %.3g%n", what, Math.abs(expected - actual) / Math.abs(expected));
            }
            assertEquals(expected, actual, relative * Math.max(1e-3, Math.abs(expected)), what);
        }

        /** Largest difference relative to the largest magnitude of the expected tensor, plus {@code floor}. */
        void assertArrayRelative(double[] expected, double[] actual, double floor, String what) {
            assertEquals(expected.length, actual.length, what + ": length");
            double scale = 1e-12;
            double worst = 0;
            int at = -1;
            for (int i = 0; i < expected.length; i++) {
                scale = Math.max(scale, Math.abs(expected[i]));
                double d = Math.abs(expected[i] - actual[i]);
                if (d > worst) {
                    worst = d;
                    at = i;
                }
            }
            double finalWorst = worst;
            int finalAt = at;
            if (System.getenv("TRACE_DEBUG") != null) {
                System.out.printf("%s: max |diff| %.3g, relative %.3g, in lr %.3g%n", what, worst, worst / scale, worst / LR);
            }
            assertTrue(worst <= relative * scale + floor, () -> what + ": max |diff| " + finalWorst + " at " + finalAt
                    + " (expected " + expected[finalAt] + ", got " + actual[finalAt] + "), scale " + Math.abs(expected[finalAt]));
        }
    }
}
