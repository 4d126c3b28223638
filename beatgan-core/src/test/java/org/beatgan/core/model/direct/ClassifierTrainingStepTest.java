package org.beatgan.core.model.direct;

import org.beatgan.core.model.image.ClassifierSpec;
import org.beatgan.core.model.image.ImageClassifierGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The image classifiers' direct step against the graph's gradients (double, small shapes, dropout
 * on, a weighted task loss, a further term on an activation), against central differences, and its
 * forward-only pass against the graph's activations.
 */
class ClassifierTrainingStepTest {

    private static final int B = 3;

    @Test
    void deepAndLightStepsGiveTheGraphsLossAndGradients() {
        // the first layer's two gradient paths: conv2d_bp (its image gradient discarded) and weight-only
        for (long weightOnlyAbove : new long[]{Long.MAX_VALUE, 0}) {
            for (ClassifierSpec spec : List.of(ClassifierSpec.deepNN(4), ClassifierSpec.lightNN(4))) {
                stepMatchesTheGraph(spec, weightOnlyAbove);
            }
        }
    }

    private static void stepMatchesTheGraph(ClassifierSpec spec, long weightOnlyAbove) {
        ImageClassifierGraph g = ImageClassifierGraph.build(spec, 2, 8, 8, DataType.DOUBLE, 7);
        INDArray x = Nd4j.rand(DataType.DOUBLE, B, 2, 8, 8).subi(0.5);
        INDArray y = labels();
        Map<String, INDArray> masks = g.dropoutMasks(B, true, new SplittableRandom(3));
        // a further term on conv2's activation: sum(C * conv2), whose gradient is C
        long[] conv2 = g.activationShapes().get("conv2");
        INDArray cShaped = Nd4j.rand(DataType.DOUBLE, B, conv2[0], conv2[1], conv2[2]).subi(0.5);
        OutAndGrad direct = new ClassifierTrainingStep(g, weightOnlyAbove)
                .step(x, y, masks, 0.75, term("conv2", cShaped));

        SameDiff sd = g.sameDiff();
        SDVariable extra = sd.constant("extraC", cShaped);
        sd.getVariable(ImageClassifierGraph.LOSS).mul("weighted_ce", 0.75);
        sd.getVariable("conv2").mul(extra).sum().rename("extra_term");
        sd.setLossVariables("weighted_ce", "extra_term");
        org.beatgan.core.util.QuietStdout.run(sd::createGradFunction);
        Map<String, INDArray> feed = new LinkedHashMap<>(masks);
        feed.put(ImageClassifierGraph.INPUT, x);
        feed.put(ImageClassifierGraph.LABELS, y);
        OutAndGrad graph = sd.calculateGradientsAndOutputs(feed, List.of(ImageClassifierGraph.LOSS, "logits"),
                g.parameters());

        assertEquals(graph.getOutputs().get(ImageClassifierGraph.LOSS).getDouble(0),
                direct.getOutputs().get(ImageClassifierGraph.LOSS).getDouble(0), 1e-12, spec.name());
        assertTrue(graph.getOutputs().get("logits").equalsWithEps(direct.getOutputs().get("logits"), 1e-12));
        for (String p : g.parameters()) {
            INDArray expected = graph.getGradients().get(p);
            INDArray actual = direct.getGradients().get(p);
            double scale = Math.max(1e-12, expected.amaxNumber().doubleValue());
            double diff = expected.sub(actual).amaxNumber().doubleValue();
            assertTrue(diff <= 1e-10 * Math.max(1, scale), spec.name() + " " + p + " (weight-only above "
                    + weightOnlyAbove + " flops): |diff| " + diff
                    + " of max |grad| " + scale);
            assertTrue(actual.amaxNumber().doubleValue() > 0, spec.name() + " " + p + " gradient is all zero");
        }
    }

    @Test
    void gradientsMatchCentralDifferences() {
        ImageClassifierGraph g = ImageClassifierGraph.build(ClassifierSpec.lightNN(3), 1, 8, 8, DataType.DOUBLE, 11);
        INDArray x = Nd4j.rand(DataType.DOUBLE, B, 1, 8, 8).subi(0.5);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, B, 3);
        for (int i = 0; i < B; i++) y.putScalar(i, i % 3, 1);
        Map<String, INDArray> masks = g.dropoutMasks(B, true, new SplittableRandom(5));
        ClassifierTrainingStep step = new ClassifierTrainingStep(g);
        Map<String, INDArray> analytic = new LinkedHashMap<>();
        step.step(x, y, masks, 1.0, null).getGradients().forEach((k, v) -> analytic.put(k, v.dup()));
        double h = 1e-6;
        SplittableRandom pick = new SplittableRandom(1);
        for (String p : g.parameters()) {
            INDArray w = g.sameDiff().getArrForVarName(p);
            for (int t = 0; t < 3; t++) {
                long i = pick.nextLong(w.length());
                double numeric = org.beatgan.core.testutil.NumericGradients.centralDifference(w, i, h,
                        () -> loss(step, x, y, masks));
                assertEquals(numeric, analytic.get(p).getDouble(i), 1e-6 + 1e-5 * Math.abs(numeric), p + "[" + i + "]");
            }
        }
    }

    @Test
    void forwardOnlyPassGivesTheGraphsActivations() {
        ImageClassifierGraph g = ImageClassifierGraph.build(ClassifierSpec.deepNN(5), 1, 12, 12, DataType.FLOAT, 2);
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 1, 12, 12);
        String[] names = g.activationShapes().keySet().toArray(String[]::new);
        Map<String, INDArray> expected = g.sameDiff().output(feed(g, x), names);
        Map<String, INDArray> actual = new ClassifierTrainingStep(g).forward(x, g.dropoutMasks(4, false, new SplittableRandom(0)), names);
        for (String n : names) {
            assertTrue(expected.get(n).equalsWithEps(actual.get(n), 1e-5), n);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ClassifierTrainingStep(g).forward(x, Map.of(), "logits"));
        assertTrue(e.getMessage().contains("drop1/mask"), e.getMessage());
    }

    private static Map<String, INDArray> feed(ImageClassifierGraph g, INDArray x) {
        Map<String, INDArray> f = new LinkedHashMap<>(g.dropoutMasks((int) x.size(0), false, new SplittableRandom(0)));
        f.put(ImageClassifierGraph.INPUT, x);
        return f;
    }

    private static double loss(ClassifierTrainingStep step, INDArray x, INDArray y, Map<String, INDArray> masks) {
        return step.step(x, y, masks, 1.0, null).getOutputs().get(ImageClassifierGraph.LOSS).getDouble(0);
    }

    private static INDArray labels() {
        INDArray y = Nd4j.zeros(DataType.DOUBLE, B, 4);
        y.putScalar(0, 1, 1);
        y.putScalar(1, 3, 1);
        y.putScalar(2, 0, 1);
        return y;
    }

    private static ClassifierTrainingStep.ActivationTerms term(String activation, INDArray c) {
        return new ClassifierTrainingStep.ActivationTerms() {
            @Override
            public Set<String> activations() {
                return Set.of(activation);
            }

            @Override
            public Map<String, INDArray> gradients(Map<String, INDArray> activations) {
                assertArrayEquals(c.shape(), activations.get(activation).shape());
                return Map.of(activation, c);
            }
        };
    }
}
