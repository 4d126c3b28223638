package org.beatgan.distill;

import org.beatgan.core.model.BeatGanConfig;
import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.model.BeatGanGraphBuilder;
import org.beatgan.core.train.BeatGanTrainer;
import org.beatgan.core.train.TrainingConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The probing losses on the direct step (their formulas on {@code ScoreProbe.scoreKernel}, the
 * student's scores of their own beats from a further generator pass of the direct step; lwm_fd's
 * on {@code ActivationProbe.kernel}, from a pass of G's remainder after an encoder activation) against
 * the same training through the student graph, in float: the same losses step by step and the same
 * weights after; and each kernel's gradient against its value's central differences.
 */
class DirectProbeTermsTest {

    static Stream<Arguments> probes() {
        return Stream.of(
                Arguments.of("{name: bss, loss: bss_score, weight: 30, params: {T: 2, num_steps: 2, beats: 6, threshold: 0.3}}",
                        "distill_bss"),
                Arguments.of("{name: sob, loss: sobolev_fd, weight: 100, params: {directions: 3, step: 0.05, beats: 4}}",
                        "distill_sob"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("probes")
    void aProbingTermOnTheDirectStepTrainsLikeTheGraph(String spec, String logged) throws Exception {
        List<DistillTermSpec> terms = List.of(DistillerTest.term(spec));
        BeatGanGraph teacher = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 5, 8, 8), 1);
        BeatGanGraph viaDirect = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 5, 4, 4), 2);
        BeatGanGraph viaGraph = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 5, 4, 4), 2);
        Distiller direct = new Distiller(teacher, viaDirect, terms, 16, 0);
        Distiller graph = new Distiller(teacher, viaGraph, terms, 16, 0);
        assertInstanceOf(KernelDistillationTerms.class, direct.detachedTerms().orElseThrow());
        TrainingConfig cfg = TrainingConfig.defaults().withLr(1e-3);
        BeatGanTrainer a = new BeatGanTrainer(viaDirect, cfg, List.of(direct));
        BeatGanTrainer b = new BeatGanTrainer(viaGraph, cfg.withStepEngine(TrainingConfig.StepEngine.GRAPH), List.of(graph));
        EngineComparison.trainAlike(a, viaDirect, b, viaGraph, logged, cfg.lr(), 17);
    }

    @Test
    void sobolevFdsProbesScoredAheadOnTheTeachersThreadAreTheOnesItFeeds() throws Exception {
        Distiller d = distillerWith(
                "{name: sob, loss: sobolev_fd, weight: 1, params: {directions: 3, step: 0.05, beats: 4}}");
        d.teacher().prefetch(true);
        Nd4j.getRandom().setSeed(5);
        INDArray x1 = Nd4j.rand(DataType.FLOAT, 8, 1, 320);
        INDArray x2 = Nd4j.rand(DataType.FLOAT, 8, 1, 320);
        Map<String, INDArray> now = d.feed(new org.beatgan.core.train.Batch(x1, null, 5));
        d.upcoming(new org.beatgan.core.train.Batch(x1, null, 5));
        d.upcoming(new org.beatgan.core.train.Batch(x2, null, 6));
        Map<String, INDArray> ahead = d.feed(new org.beatgan.core.train.Batch(x1, null, 5));
        assertEquals(now.keySet(), ahead.keySet());
        assertTrue(now.keySet().stream().anyMatch(k -> k.endsWith("teacher_projections")), now.keySet().toString());
        for (String k : now.keySet()) assertArrayEquals(exact(now.get(k)), exact(ahead.get(k)), k + " announced or not");
        Map<String, INDArray> second = d.feed(new org.beatgan.core.train.Batch(x2, null, 6));
        // a step other than the one announced (its iteration seeds the directions) is computed afresh
        Map<String, INDArray> other = d.feed(new org.beatgan.core.train.Batch(x2, null, 7));
        d.teacher().prefetch(false);
        Map<String, INDArray> plain6 = d.feed(new org.beatgan.core.train.Batch(x2, null, 6));
        Map<String, INDArray> plain7 = d.feed(new org.beatgan.core.train.Batch(x2, null, 7));
        for (String k : now.keySet()) {
            assertArrayEquals(exact(plain6.get(k)), exact(second.get(k)), k + " of iteration 6");
            assertArrayEquals(exact(plain7.get(k)), exact(other.get(k)), k + " of iteration 7");
            assertFalse(java.util.Arrays.equals(exact(plain6.get(k)), exact(plain7.get(k))), k + ": the iteration seeds the probes");
        }
    }

    @Test
    void lwmFdsTeacherCamComputedAheadOnTheTeachersThreadIsTheOneItFeeds() throws Exception {
        Distiller d = distillerWith(
                "{name: lwm, loss: lwm_fd, weight: 1, params: {layer: G/enc/act3, beats: 3}}");
        d.teacher().prefetch(true);
        Nd4j.getRandom().setSeed(8);
        INDArray x1 = Nd4j.rand(DataType.FLOAT, 6, 1, 320).muli(2).subi(1);
        INDArray x2 = Nd4j.rand(DataType.FLOAT, 6, 1, 320).muli(2).subi(1);
        d.upcoming(new org.beatgan.core.train.Batch(x1, null, 3));
        d.upcoming(new org.beatgan.core.train.Batch(x2, null, 4));
        Map<String, INDArray> ahead1 = d.feed(new org.beatgan.core.train.Batch(x1, null, 3));
        // announced for iteration 4 with other beats: computed afresh for these
        Map<String, INDArray> other = d.feed(new org.beatgan.core.train.Batch(x1, null, 4));
        d.teacher().prefetch(false);
        Map<String, INDArray> plain1 = d.feed(new org.beatgan.core.train.Batch(x1, null, 3));
        Map<String, INDArray> plain2 = d.feed(new org.beatgan.core.train.Batch(x2, null, 4));
        String cam = plain1.keySet().stream().filter(k -> k.endsWith("teacher_cam")).findFirst().orElseThrow();
        assertArrayEquals(exact(plain1.get(cam)), exact(ahead1.get(cam)), "announced or not");
        assertArrayEquals(exact(plain1.get(cam)), exact(other.get(cam)), "beats other than the announced ones are computed afresh");
        assertTrue(plain1.get(cam).sumNumber().doubleValue() > 0, "a CAM to compare");
        assertFalse(java.util.Arrays.equals(exact(plain1.get(cam)), exact(plain2.get(cam))), "other beats, another CAM");
    }

    /** A width-8 teacher and a width-4 student joined by one term (16 training beats, seed 0). */
    private static Distiller distillerWith(String term) throws Exception {
        BeatGanGraph teacher = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 5, 8, 8), 1);
        BeatGanGraph student = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 5, 4, 4), 2);
        return new Distiller(teacher, student, List.of(DistillerTest.term(term)), 16, 0);
    }

    /** Every value, for comparisons without INDArray.equals' absolute tolerance (1e-5). */
    private static double[] exact(INDArray a) {
        return a.dup().data().asDouble();
    }

    @Test
    void sobolevFdsKernelGradientIsTheDerivativeOfItsValue() throws Exception {
        Distiller d = distillerWith(
                "{name: sob, loss: sobolev_fd, weight: 1, params: {directions: 3, step: 0.05, beats: 2}}");
        org.beatgan.distill.loss.SobolevFdLoss loss = (org.beatgan.distill.loss.SobolevFdLoss) d.losses().get("sob");
        Map<String, INDArray> feed = d.feed(Nd4j.rand(DataType.FLOAT, 4, 1, 320));
        // scores of 2 K n = 12 probes, one beat's differences all but zero (the norm's floor)
        double[] s = {0.3, 0.1, 0.5, 0.2, 0.8, 0.4, 0.1, 0.2, 0.4, 0.2, 0.2, 0.4};
        s[7] = s[1] + 1e-14;
        s[9] = s[3] + 1e-14;
        s[11] = s[5] + 1e-14;
        double[] g = new double[s.length];
        double v = loss.scoreKernel(s, feed, g);
        assertTrue(v > 0);
        for (int i = 0; i < s.length; i++) {
            if (i % 2 == 1) continue; // beat 1 sits on the floor, where the graph's derivative is a convention
            double h = 1e-7;
            double[] up = s.clone();
            double[] down = s.clone();
            up[i] += h;
            down[i] -= h;
            double numeric = (loss.scoreKernel(up, feed, new double[s.length])
                    - loss.scoreKernel(down, feed, new double[s.length])) / (2 * h);
            assertEquals(numeric, g[i], 1e-6 * Math.max(1, Math.abs(numeric)), "d loss / d s_" + i);
        }
    }

    /**
     * lwm_fd on the direct step (a pass of G's remainder after an encoder activation on its
     * perturbed copies) gives G the graph's gradients. One step, not three trainings: its channel
     * weights are central differences of float scores over 2h, so the two engines' float rounding
     * (equal in double to ~1e-7 of the largest gradient, measured) reaches ~1e-3 of a gradient and
     * Adam's normalised steps carry it on; a missing part of the gradient is far larger.
     */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"G/enc/act2", "G/enc/act4"})
    void lwmFdOnTheDirectStepGivesGTheGraphsGradients(String layer) throws Exception {
        BeatGanGraph teacher = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 5, 8, 8), 1);
        BeatGanGraph student = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 5, 4, 4), 2);
        Distiller d = new Distiller(teacher, student, List.of(DistillerTest.term(
                "{name: lwm, loss: lwm_fd, weight: 10, params: {layer: " + layer + ", beats: 3}}")), 16, 0);
        org.beatgan.core.train.DetachedTerms k = d.detachedTerms().orElseThrow();
        assertInstanceOf(KernelDistillationTerms.class, k);
        assertTrue(new BeatGanTrainer(student, TrainingConfig.defaults(), List.of(d)).usesDirectStep());
        student.setTrainingMode(true);
        Nd4j.getRandom().setSeed(17);
        INDArray x = Nd4j.rand(DataType.FLOAT, 8, 1, 320).muli(2).subi(1);
        Map<String, INDArray> feed = new java.util.HashMap<>(d.feed(new org.beatgan.core.train.Batch(x, null, 0)));
        feed.put(org.beatgan.core.model.ActivationNames.INPUT, x);
        List<String> gv = student.paramNames(BeatGanGraph.Network.G);
        Map<String, INDArray> graph = student.sameDiff().calculateGradients(feed, gv);
        org.beatgan.core.model.direct.DirectTrainingStep step = new org.beatgan.core.model.direct.DirectTrainingStep(student);
        step.discriminator(x);
        Map<String, INDArray> termOutputs = new java.util.HashMap<>();
        Map<String, INDArray> direct = step.generator(new org.beatgan.core.model.direct.DirectTrainingStep.ActivationTerms() {
            @Override
            public java.util.Set<String> activations() {
                return k.activations();
            }

            @Override
            public Map<String, org.beatgan.core.model.direct.DirectTrainingStep.ActivationPass> activationPasses() {
                Map<String, org.beatgan.core.model.direct.DirectTrainingStep.ActivationPass> m = new java.util.LinkedHashMap<>();
                k.activationPassScopes().forEach(scope -> m.put(scope, k.activationPass(scope, feed)));
                return m;
            }

            @Override
            public Map<String, INDArray> gradients(Map<String, INDArray> acts) {
                org.nd4j.autodiff.samediff.api.OutAndGrad r = k.evaluate(feed, acts);
                termOutputs.putAll(r.getOutputs());
                return r.getGradients();
            }
        }).getGradients();
        double graphValue = student.sameDiff().output(feed, "distill/lwm/loss").get("distill/lwm/loss").getDouble(0);
        assertTrue(graphValue > 0.01, "a term to compare: " + graphValue);
        assertEquals(graphValue, termOutputs.get("distill/lwm/loss").getDouble(0), 1e-3 * graphValue);
        // the term's own share of G's gradient, to size the tolerance against
        org.beatgan.core.model.direct.DirectTrainingStep plain = new org.beatgan.core.model.direct.DirectTrainingStep(student);
        plain.discriminator(x);
        Map<String, INDArray> withoutTerm = plain.generator().getGradients();
        for (String v : gv) {
            double termShare = direct.get(v).sub(withoutTerm.get(v)).amaxNumber().doubleValue();
            double diff = graph.get(v).sub(direct.get(v)).amaxNumber().doubleValue();
            assertTrue(diff < 0.01 * Math.max(termShare, 1e-6) + 1e-3 * graph.get(v).amaxNumber().doubleValue(),
                    layer + " " + v + ": |graph - direct| " + diff + ", the term's share " + termShare);
        }
    }

    @Test
    void lwmFdsKernelGradientIsTheDerivativeOfItsValue() throws Exception {
        BeatGanGraph teacher = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 5, 8, 8), 1);
        BeatGanGraph student = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 5, 4, 4), 2);
        Distiller d = new Distiller(teacher, student, List.of(DistillerTest.term(
                "{name: lwm, loss: lwm_fd, weight: 1, params: {layer: G/enc/act4, step: 0.05, beats: 2}}")), 16, 0);
        org.beatgan.distill.loss.LwmFdLoss loss = (org.beatgan.distill.loss.LwmFdLoss) d.losses().get("lwm");
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 1, 320);
        Map<String, INDArray> feed = d.feed(x);
        INDArray a = student.activations(x, "G/enc/act4").get("G/enc/act4").castTo(DataType.DOUBLE);
        long c = a.size(1);
        INDArray scores = Nd4j.rand(DataType.DOUBLE, 2 * c * 2);
        INDArray[] g = new INDArray[2];
        double v = loss.kernel(scores, a, feed, g);
        assertTrue(v > 0);
        double h = 1e-6;
        java.util.function.DoubleSupplier value = () -> loss.kernel(scores, a, feed, new INDArray[2]);
        for (int i = 0; i < scores.length(); i += 3) {
            double numeric = org.beatgan.core.testutil.NumericGradients.centralDifference(scores, i, h, value);
            assertEquals(numeric, g[0].getDouble(i), 1e-6 * Math.max(1, Math.abs(numeric)), "d loss / d score_" + i);
        }
        for (long i = 0; i < a.length() / 2; i += 37) {   // the first two beats: the selected ones
            double numeric = org.beatgan.core.testutil.NumericGradients.centralDifference(a, i, h, value);
            assertEquals(numeric, g[1].getDouble(i), 1e-6 * Math.max(1, Math.abs(numeric)), "d loss / d A_" + i);
        }
    }

    @Test
    void theScoreKernelsGradientIsTheDerivativeOfItsValue() throws Exception {
        BeatGanGraph teacher = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 5, 8, 8), 1);
        BeatGanGraph student = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 5, 4, 4), 2);
        Distiller d = new Distiller(teacher, student, List.of(DistillerTest.term(
                "{name: bss, loss: bss_score, weight: 1, params: {T: 3, threshold: 0.2}}")));
        org.beatgan.distill.loss.BssScoreLoss loss = (org.beatgan.distill.loss.BssScoreLoss) d.losses().get("bss");
        double[] s = {0.05, 0.19, 0.31, 0.7};
        double[] zt = {-0.4, 0.2, 1.5, -2.0};
        double[] g = new double[4];
        double v = loss.scoreKernel(s, zt, 0.2, g);
        assertTrue(v > 0);
        for (int i = 0; i < s.length; i++) {
            double h = 1e-6;
            double[] up = s.clone();
            double[] down = s.clone();
            up[i] += h;
            down[i] -= h;
            double numeric = (loss.scoreKernel(up, zt, 0.2, new double[4]) - loss.scoreKernel(down, zt, 0.2, new double[4]))
                    / (2 * h);
            assertEquals(numeric, g[i], 1e-7 * Math.max(1, Math.abs(numeric)), "d loss / d s_" + i);
        }
    }
}
