package org.beatgan.core.model;

import org.beatgan.core.testutil.NumericGradients;

import org.beatgan.core.train.BeatGanTrainer;
import org.beatgan.core.train.TrainingConfig;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Extra generator passes in a graph (shared weights) and the frozen generator's exact score gradients. */
class GeneratorPassTest {

    private static BeatGanGraph trained(long seed) {
        BeatGanGraph g = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 6, 2, 2), DataType.DOUBLE, seed);
        BeatGanTrainer t = new BeatGanTrainer(g, TrainingConfig.defaults().withLr(0.01));
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 8, 1, 320).muli(2).subi(1);
        for (int i = 0; i < 3; i++) t.step(x, 0);
        return g;
    }

    private static INDArray beats(int n, long seed) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.rand(DataType.DOUBLE, n, 1, 320).muli(2).subi(1);
    }

    @Test
    void aSecondPassOnTheSameBeatsGivesThePrimaryScoresInBothModes() {
        BeatGanGraph g = trained(1);
        SameDiff sd = g.sameDiff();
        SDVariable x = sd.getVariable(ActivationNames.INPUT);
        GeneratorPass again = g.applyGenerator("again", x);
        SDVariable act3 = sd.getVariable(ActivationNames.gEnc(3));
        GeneratorPass tail = g.applyGeneratorFrom("tail", ActivationNames.gEnc(3), act3, x);
        assertEquals("again/G/enc/act2", again.activation(ActivationNames.gEnc(2)));
        assertTrue(sd.hasVariable("again/G/enc/act2") && sd.hasVariable("tail/G/dec/act4"));
        INDArray in = beats(5, 2);
        for (boolean training : new boolean[]{true, false}) {
            Map<String, INDArray> out = g.forward(in, training, ActivationNames.G_SCORE, again.score().name(),
                    tail.score().name());
            INDArray ref = out.get(ActivationNames.G_SCORE);
            assertEquals(0.0, out.get(again.score().name()).sub(ref).amaxNumber().doubleValue(), 1e-12, "training=" + training);
            assertEquals(0.0, out.get(tail.score().name()).sub(ref).amaxNumber().doubleValue(), 1e-12, "training=" + training);
        }
        assertThrows(IllegalArgumentException.class, () -> g.applyGeneratorFrom("bad", ActivationNames.G_LATENT, act3, x));
        assertThrows(IllegalArgumentException.class, () -> g.applyGenerator("bad/", x));
    }

    @Test
    void anExtraPassIsDifferentiableWithRespectToTheSharedWeights() {
        BeatGanGraph g = trained(3);
        SameDiff sd = g.sameDiff();
        SDVariable other = sd.placeHolder("other", DataType.DOUBLE, -1, 1, 320);
        GeneratorPass pass = g.applyGenerator("probe", other);
        // a loss on the extra pass only: loss/G's own gradient is removed by weighting it with 0
        sd.getVariable(BeatGanGraph.W_ADV).getArr().assign(0.0);
        SDVariable probeLoss = pass.score().mul(pass.score()).sum("probe_loss");
        sd.setLossVariables(probeLoss.name());
        INDArray in = beats(4, 4);
        INDArray o = beats(4, 5).muli(0.5);
        Map<String, INDArray> feed = Map.of(ActivationNames.INPUT, in, "other", o);
        String[] names = {"G/enc/conv2/W", "G/dec/bn2/gamma", "G/dec/convT6/W"};
        Map<String, INDArray> grads = sd.calculateGradients(feed, names);
        for (String n : names) {
            INDArray w = sd.getArrForVarName(n);
            for (long idx : new long[]{0, w.length() / 2}) {
                double eps = 1e-6;
                double numeric = NumericGradients.centralDifference(w, idx, eps,
                        () -> sd.output(feed, probeLoss.name()).get(probeLoss.name()).getDouble(0));
                double analytic = grads.get(n).getDouble(idx);
                assertEquals(numeric, analytic, 1e-6 * Math.max(1e-3, Math.abs(numeric)), n + "[" + idx + "]");
            }
            assertTrue(grads.get(n).amaxNumber().doubleValue() > 0, n + " gets a gradient through the extra pass");
        }
    }

    @Test
    void frozenGeneratorGradientsMatchFiniteDifferences() {
        BeatGanGraph g = trained(5);
        GeneratorInference inf = GeneratorInference.of(g);
        GeneratorGradients grads = inf.gradients();
        INDArray x = beats(3, 6);
        String act = ActivationNames.gEnc(3);
        Map<String, INDArray> gr = grads.scoreGradients(x, ActivationNames.INPUT, act);
        INDArray v = Nd4j.randn(DataType.DOUBLE, x.shape());
        double h = 1e-5;
        INDArray fd = inf.scores(x.add(v.mul(h))).sub(inf.scores(x.sub(v.mul(h)))).divi(2 * h);
        INDArray exact = gr.get(ActivationNames.INPUT).mul(v).sum(1, 2);
        assertEquals(0.0, fd.sub(exact).amaxNumber().doubleValue(), 1e-6 * exact.amaxNumber().doubleValue());

        // the activation gradient: perturb G/enc/act3 inside the graph (inference mode, running statistics)
        SameDiff sd = g.sameDiff();
        SDVariable a = sd.placeHolder("a3", DataType.DOUBLE, -1, 8, 40);
        GeneratorPass tail = g.applyGeneratorFrom("tail", act, a, sd.getVariable(ActivationNames.INPUT));
        INDArray a3 = inf.activations(x, act).get(act);
        INDArray u = Nd4j.randn(DataType.DOUBLE, a3.shape());
        g.setTrainingMode(false);
        INDArray sPlus = tailScores(sd, x, a3.add(u.mul(h)), tail.score().name());
        INDArray sMinus = tailScores(sd, x, a3.sub(u.mul(h)), tail.score().name());
        INDArray fdAct = sPlus.sub(sMinus).divi(2 * h);
        INDArray exactAct = gr.get(act).mul(u).sum(1, 2);
        assertEquals(0.0, fdAct.sub(exactAct).amaxNumber().doubleValue(), 1e-6 * exactAct.amaxNumber().doubleValue());
        assertThrows(IllegalArgumentException.class, () -> grads.scoreGradients(x, ActivationNames.G_SCORE));
    }

    private static INDArray tailScores(SameDiff sd, INDArray x, INDArray a3, String score) {
        return sd.output(Map.of(ActivationNames.INPUT, x, "a3", a3), score).get(score);
    }
}
