package org.beatgan.core.model.direct;

import org.beatgan.core.model.BeatGanConfig;
import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.model.BeatGanGraph.Network;
import org.beatgan.core.model.BeatGanGraphBuilder;
import org.beatgan.core.util.QuietStdout;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.beatgan.core.model.ActivationNames.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The hand-written step against the SameDiff graph it replaces: every output and gradient of both
 * networks, in double precision (libnd4j's batch norm) and in float (the Java batch norm), with D
 * changed between the two halves as an update would change it.
 */
class DirectTrainingStepTest {

    private static final BeatGanConfig TINY = BeatGanConfig.of(2, 5, 3, 2);

    /**
     * Outputs to 1e-10; gradients to 3e-7 because the graph runs two libnd4j kernels that are not
     * exact in double: the leaky-ReLU backprop multiplies by the slope rounded to float (0.2f,
     * 1.5e-8 off; the D gradients then differ by ~5e-9 relative), and {@code batchnorm_bp} is
     * ~5e-10 off ({@code DoubleBatchNormKernelTest}); the direct step's double batch norm is exact.
     */
    @Test
    void equalsTheGraphInDoublePrecision() {
        compareWithGraph(DataType.DOUBLE, 1e-10, 3e-7);
    }

    @Test
    void equalsTheGraphInFloatWithTheJavaBatchNorm() {
        compareWithGraph(DataType.FLOAT, 2e-3, 2e-3);
    }

    private void compareWithGraph(DataType type, double tolerance, double gradientTolerance) {
        BeatGanGraph graph = BeatGanGraphBuilder.build(TINY, type, 5);
        graph.setAdversarialWeight(0.7);
        graph.setTrainingMode(true);
        QuietStdout.run(() -> graph.sameDiff().createGradFunction());
        Nd4j.getRandom().setSeed(11);
        INDArray x = Nd4j.rand(type, 6, 2, 320).muli(2).subi(1);
        Map<String, INDArray> feed = Map.of(INPUT, x);
        DirectTrainingStep direct = new DirectTrainingStep(graph);

        List<String> dOutputs = new ArrayList<>(List.of(LOSS_D_REAL, LOSS_D_FAKE, LOSS_D));
        dOutputs.addAll(graph.batchStatisticOutputs(BeatGanGraph.StatisticsPass.D_REAL));
        dOutputs.addAll(graph.batchStatisticOutputs(BeatGanGraph.StatisticsPass.D_FAKE));
        OutAndGrad expectedD = graph.sameDiff().calculateGradientsAndOutputs(feed, dOutputs, graph.paramNames(Network.D));
        OutAndGrad actualD = direct.discriminator(x);
        assertSame(expectedD, actualD, dOutputs, graph.paramNames(Network.D), tolerance, gradientTolerance);

        // as D's update would: the adversarial term must see D's weights as they are now
        for (String p : graph.paramNames(Network.D)) {
            graph.array(p).addi(Nd4j.rand(type, graph.array(p).shape()).subi(0.5).muli(0.2));
        }
        List<String> gOutputs = new ArrayList<>(List.of(LOSS_G_REC, LOSS_G_ADV, LOSS_G));
        gOutputs.addAll(graph.batchStatisticOutputs(BeatGanGraph.StatisticsPass.G));
        // the adversarial term's D passes, with D as changed above
        gOutputs.addAll(graph.batchStatisticOutputs(BeatGanGraph.StatisticsPass.D_ADVERSARIAL));
        gOutputs.addAll(graph.batchStatisticOutputs(BeatGanGraph.StatisticsPass.D_REAL));
        OutAndGrad expectedG = graph.sameDiff().calculateGradientsAndOutputs(feed, gOutputs, graph.paramNames(Network.G));
        OutAndGrad actualG = direct.generator();
        assertSame(expectedG, actualG, gOutputs, graph.paramNames(Network.G), tolerance, gradientTolerance);
    }

    private static void assertSame(OutAndGrad expected, OutAndGrad actual, List<String> outputs, List<String> params,
                                   double tolerance, double gradientTolerance) {
        assertEquals(new java.util.HashSet<>(outputs), actual.getOutputs().keySet());
        assertEquals(new java.util.HashSet<>(params), actual.getGradients().keySet());
        for (String o : outputs) {
            assertClose(expected.getOutputs().get(o), actual.getOutputs().get(o), tolerance, o);
        }
        for (String p : params) {
            assertClose(expected.getGradients().get(p), actual.getGradients().get(p), gradientTolerance, "d/d " + p);
        }
    }

    /** Largest difference relative to the largest magnitude of the expected array. */
    static void assertClose(INDArray expected, INDArray actual, double tolerance, String what) {
        INDArray e = expected.castTo(DataType.DOUBLE).reshape(expected.length());
        INDArray a = actual.castTo(DataType.DOUBLE).reshape(actual.length());
        assertEquals(e.length(), a.length(), what);
        double scale = Math.max(e.amaxNumber().doubleValue(), 1e-12);
        double diff = e.sub(a).amaxNumber().doubleValue();
        assertTrue(diff / scale <= tolerance, what + ": max difference " + diff + " at scale " + scale);
        assertTrue(scale > 1e-12 || e.length() == 0, what + " is all zeros, which tests nothing");
    }

    /**
     * Terms on activations join G's backward where they should: a linear term sum(a * R) on four
     * activations (an encoder map, the latent, the output and the per-beat score) added to the
     * graph's loss gives the same G gradients as the direct step handed d term / d a = R.
     */
    @Test
    void activationTermsJoinTheBackwardPassAtTheirActivations() {
        BeatGanGraph graph = BeatGanGraphBuilder.build(TINY, DataType.DOUBLE, 9);
        graph.setTrainingMode(true);
        Nd4j.getRandom().setSeed(12);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 5, 2, 320).muli(2).subi(1);
        Map<String, INDArray> probe = graph.forward(x, true, gEnc(3), G_LATENT, G_OUT, G_SCORE, gDec(2));
        Map<String, INDArray> weights = new java.util.LinkedHashMap<>();
        var sd = graph.sameDiff();
        probe.forEach((name, act) -> {
            INDArray r = Nd4j.rand(DataType.DOUBLE, act.shape()).subi(0.5);
            weights.put(name, r);
            sd.addLossVariable(sd.getVariable(name).mul(sd.constant(r)).sum("term/" + name));
        });
        QuietStdout.run(sd::createGradFunction);
        List<String> gVars = graph.paramNames(Network.G);
        Map<String, INDArray> expected = sd.calculateGradients(Map.of(INPUT, x), gVars);

        DirectTrainingStep direct = new DirectTrainingStep(graph);
        direct.discriminator(x);
        Map<String, INDArray> seen = new java.util.HashMap<>();
        OutAndGrad actual = direct.generator(new DirectTrainingStep.ActivationTerms() {
            public java.util.Set<String> activations() {
                return weights.keySet();
            }

            public Map<String, INDArray> gradients(Map<String, INDArray> activations) {
                activations.forEach((k, v) -> seen.put(k, v.dup()));
                return weights;
            }
        });
        probe.forEach((name, act) -> assertClose(act, seen.get(name), 1e-12, "activation " + name));
        for (String v : gVars) {
            assertClose(expected.get(v), actual.getGradients().get(v), 1e-7, "d/d " + v);
        }
    }

    @Test
    void termsOnUnknownActivationsAreRefused() {
        DirectTrainingStep direct = new DirectTrainingStep(BeatGanGraphBuilder.build(TINY, DataType.FLOAT, 1));
        direct.discriminator(Nd4j.rand(DataType.FLOAT, 3, 2, 320));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> direct.generator(new DirectTrainingStep.ActivationTerms() {
                    public java.util.Set<String> activations() {
                        return java.util.Set.of(D_FEATURES);
                    }

                    public Map<String, INDArray> gradients(Map<String, INDArray> activations) {
                        return Map.of();
                    }
                }));
        assertTrue(e.getMessage().contains(D_FEATURES), e.getMessage());
    }

    @Test
    void generatorWithoutDiscriminatorIsRefused() {
        DirectTrainingStep direct = new DirectTrainingStep(BeatGanGraphBuilder.build(TINY, DataType.FLOAT, 1));
        IllegalStateException e = assertThrows(IllegalStateException.class, direct::generator);
        assertTrue(e.getMessage().contains("discriminator(x)"), e.getMessage());
    }

    @Test
    void wrongBeatShapeIsRefusedWithTheExpectedShape() {
        DirectTrainingStep direct = new DirectTrainingStep(BeatGanGraphBuilder.build(TINY, DataType.FLOAT, 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> direct.discriminator(Nd4j.zeros(DataType.FLOAT, 4, 1, 320)));
        assertTrue(e.getMessage().contains("2"), e.getMessage());
    }

    @Test
    void replacedParameterArraysAreFollowed() {
        BeatGanGraph graph = BeatGanGraphBuilder.build(TINY, DataType.DOUBLE, 3);
        graph.setTrainingMode(true);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 4, 2, 320);
        DirectTrainingStep direct = new DirectTrainingStep(graph);
        double before = direct.discriminator(x).getOutputs().get(LOSS_D).getDouble(0);
        String w = "D/conv6/W";
        graph.sameDiff().getVariable(w).setArray(graph.array(w).mul(-3));
        double after = direct.discriminator(x).getOutputs().get(LOSS_D).getDouble(0);
        double graphLoss = graph.sameDiff().output(Map.of(INPUT, x), LOSS_D).get(LOSS_D).getDouble(0);
        assertNotEquals(before, after);
        assertEquals(graphLoss, after, 1e-12);
    }

    @Test
    void batchSizesEachGetTheirOwnPlan() {
        BeatGanGraph graph = BeatGanGraphBuilder.build(TINY, DataType.DOUBLE, 4);
        graph.setTrainingMode(true);
        DirectTrainingStep direct = new DirectTrainingStep(graph);
        for (int batch : new int[]{5, 2, 5, 3}) {
            INDArray x = Nd4j.rand(DataType.DOUBLE, batch, 2, 320);
            double expected = graph.sameDiff().output(Map.of(INPUT, x), LOSS_D).get(LOSS_D).getDouble(0);
            assertEquals(expected, direct.discriminator(x).getOutputs().get(LOSS_D).getDouble(0), 1e-12, "batch " + batch);
            direct.generator();
        }
    }
}
