package org.beatgan.distill;

import org.beatgan.core.io.Json;
import org.beatgan.core.model.BeatGanConfig;
import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.model.BeatGanGraphBuilder;
import org.beatgan.core.train.BeatGanTrainer;
import org.beatgan.core.train.TrainingConfig;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * CRD on the direct step ({@code CrdLoss.kernel}: embeddings, NCE against the memory banks,
 * adapters' gradients, the step outputs the banks' update reads) against the same training through
 * the student graph, in float: the same losses step by step, and the same weights, adapters,
 * memory banks and normalisation constants after.
 */
class DirectCrdTest {

    private static final TrainingConfig CFG = TrainingConfig.defaults().withLr(1e-3);

    /** A tiny student trained with CRD on both engines from the same start, with its distiller. */
    private record Pair(BeatGanGraph viaDirect, BeatGanGraph viaGraph, Distiller direct, Distiller graph,
                        BeatGanTrainer a, BeatGanTrainer b) {

        static Pair of(String params) throws Exception {
            List<DistillTermSpec> terms = List.of(Json.YAML.treeToValue(Json.YAML.readTree(
                    "{name: crd, loss: crd, weight: 0.8, params: {" + params + "}, inputs: {feat: G/latent}}"),
                    DistillTermSpec.class));
            BeatGanGraph teacher = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 5, 8, 8), 1);
            BeatGanGraph viaDirect = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 5, 4, 4), 2);
            BeatGanGraph viaGraph = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 5, 4, 4), 2);
            Distiller direct = new Distiller(teacher, viaDirect, terms, 32, 3);
            Distiller graph = new Distiller(teacher, viaGraph, terms, 32, 3);
            BeatGanTrainer a = new BeatGanTrainer(viaDirect, CFG, List.of(direct));
            BeatGanTrainer b = new BeatGanTrainer(viaGraph, CFG.withStepEngine(TrainingConfig.StepEngine.GRAPH),
                    List.of(graph));
            assertInstanceOf(KernelDistillationTerms.class, direct.detachedTerms().orElseThrow());
            assertTrue(a.usesDirectStep(), "crd trains on the direct step");
            return new Pair(viaDirect, viaGraph, direct, graph, a, b);
        }
    }

    /**
     * With Z fixed by the parameters: Z set from the first batch makes a few weights jump by up to an
     * Adam step (~lr) from float rounding of Z alone, on either engine (two direct runs 1e-7 apart
     * differ as much), so that path is checked by {@link #bothEnginesStoreTheSameZFromTheFirstBatch}.
     */
    @Test
    void crdOnTheDirectStepTrainsLikeTheGraph() throws Exception {
        Pair p = Pair.of("feat_dim: 16, nce_n: 20, nce_t: 0.1, Z_s: 900, Z_t: 1200");
        BeatGanGraph viaDirect = p.viaDirect();
        BeatGanGraph viaGraph = p.viaGraph();
        BeatGanTrainer a = p.a();
        BeatGanTrainer b = p.b();
        Distiller graph = p.graph();
        int trainingSet = 32;
        TrainingConfig cfg = CFG;
        Nd4j.getRandom().setSeed(23);
        INDArray beats = Nd4j.rand(DataType.FLOAT, 24, 1, 320).muli(2).subi(1);
        for (int step = 0; step < 3; step++) {
            INDArray x = beats.get(NDArrayIndex.interval(step * 8, step * 8 + 8));
            int[] idx = new int[8];
            for (int i = 0; i < 8; i++) idx[i] = (step * 8 + i) * 5 % trainingSet;
            Map<String, Double> sa = a.step(x, idx, 0);
            Map<String, Double> sb = b.step(x, idx, 0);
            assertEquals(sb.keySet(), sa.keySet());
            assertTrue(sb.get("distill_crd") > -1, "a CRD term to compare: " + sb);
            for (String k : sb.keySet()) {
                assertEquals(sb.get(k), sa.get(k), 2e-3 * Math.abs(sb.get(k)) + 1e-6, "step " + step + " " + k);
            }
        }
        List<String> state = viaGraph.stateVariableNames();
        assertTrue(state.containsAll(graph.trainableVariables()), "the adapters are compared");
        assertTrue(state.stream().anyMatch(v -> v.endsWith("memory_s")), "the banks are compared: " + state);
        for (String v : state) {
            INDArray e = viaGraph.array(v);
            if (!e.dataType().isFPType()) continue;
            double d = e.sub(viaDirect.array(v)).amaxNumber().doubleValue();
            if (v.contains("running_")) {
                // batch-norm running statistics: float rounding of the batch variances, no gradient involved
                assertTrue(d < 2e-3 * Math.max(1e-3, e.amaxNumber().doubleValue()), v + ": " + d);
                continue;
            }
            // a missing or wrong gradient moves a weight by ~lr a step; float rounding through Adam's
            // division by |g| + eps moves a few by a fraction of it
            assertTrue(d < 1e-4 * Math.max(1, e.amaxNumber().doubleValue()) + 0.1 * cfg.lr(), v + ": " + d);
        }
    }

    @Test
    void bothEnginesStoreTheSameZFromTheFirstBatch() throws Exception {
        Pair p = Pair.of("feat_dim: 16, nce_n: 20, nce_t: 0.1");
        BeatGanGraph viaDirect = p.viaDirect();
        BeatGanGraph viaGraph = p.viaGraph();
        BeatGanTrainer a = p.a();
        BeatGanTrainer b = p.b();
        Distiller direct = p.direct();
        INDArray x = Nd4j.rand(DataType.FLOAT, 8, 1, 320).muli(2).subi(1);
        int[] idx = {3, 7, 11, 15, 19, 23, 27, 31};
        Map<String, Double> sa = a.step(x, idx, 0);
        Map<String, Double> sb = b.step(x, idx, 0);
        assertEquals(sb.get("distill_crd"), sa.get("distill_crd"), 1e-5 * sb.get("distill_crd"));
        org.beatgan.distill.loss.CrdMemory memory = (org.beatgan.distill.loss.CrdMemory) direct.states().get("crd");
        for (String z : List.of(org.beatgan.distill.loss.CrdLoss.Z_S, org.beatgan.distill.loss.CrdLoss.Z_T)) {
            double zb = viaGraph.array(memory.variable(z)).getDouble(0);
            double za = viaDirect.array(memory.variable(z)).getDouble(0);
            assertTrue(zb > 0, z + " stored from the first batch");
            assertEquals(zb, za, 1e-5 * zb, z);
        }
        for (String bank : List.of(org.beatgan.distill.loss.CrdLoss.MEMORY_S, org.beatgan.distill.loss.CrdLoss.MEMORY_T)) {
            INDArray e = viaGraph.array(memory.variable(bank));
            double d = e.sub(viaDirect.array(memory.variable(bank))).amaxNumber().doubleValue();
            assertTrue(d < 1e-5, bank + " updated alike: " + d);
        }
    }

    @Test
    void theKernelsGradientsAreTheDerivativesOfItsValue() throws Exception {
        BeatGanGraph teacher = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 5, 8, 8), DataType.DOUBLE, 1);
        BeatGanGraph student = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 5, 4, 4), DataType.DOUBLE, 2);
        Distiller d = new Distiller(teacher, student, List.of(Json.YAML.treeToValue(Json.YAML.readTree(
                "{name: crd, loss: crd, weight: 1, params: {feat_dim: 6, nce_n: 7, nce_t: 0.2}, inputs: {feat: G/latent}}"),
                DistillTermSpec.class)), 16, 5);
        org.beatgan.distill.loss.CrdLoss loss = (org.beatgan.distill.loss.CrdLoss) d.losses().get("crd");
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 4, 1, 320);
        Map<String, INDArray> feed = d.feed(new org.beatgan.core.train.Batch(x, new int[]{1, 5, 9, 12}, 0));
        INDArray fs = student.activations(x, "G/latent").get("G/latent");
        INDArray ft = feed.get(Distiller.TEACHER_PREFIX + "G/latent");
        // log Z carries no gradient (set from the first batch, then frozen): fix it, so the value's
        // derivative is the kernel's gradient
        org.beatgan.distill.loss.CrdMemory memory = (org.beatgan.distill.loss.CrdMemory) d.states().get("crd");
        student.array(memory.variable(org.beatgan.distill.loss.CrdLoss.Z_S)).assign(30.0);
        student.array(memory.variable(org.beatgan.distill.loss.CrdLoss.Z_T)).assign(50.0);
        org.beatgan.distill.loss.CrdLoss.Step step = loss.kernel(fs, ft, feed);
        double h = 1e-6;
        for (int i = 0; i < fs.length(); i++) {
            INDArray up = fs.dup();
            up.putScalar(i, up.getDouble(i) + h);
            INDArray down = fs.dup();
            down.putScalar(i, down.getDouble(i) - h);
            double numeric = (loss.kernel(up, ft, feed).value() - loss.kernel(down, ft, feed).value()) / (2 * h);
            assertEquals(numeric, step.studentFeatureGradient()[i], 1e-6 * Math.max(1, Math.abs(numeric)), "d / d feature " + i);
        }
        for (String adapter : loss.adapterNames()) {
            INDArray a = student.array(adapter);
            INDArray g = step.adapterGradients().get(adapter);
            for (int i = 0; i < Math.min(a.length(), 12); i++) {
                double v = a.getDouble(i);
                a.putScalar(i, v + h);
                double plus = loss.kernel(fs, ft, feed).value();
                a.putScalar(i, v - h);
                double minus = loss.kernel(fs, ft, feed).value();
                a.putScalar(i, v);
                double numeric = (plus - minus) / (2 * h);
                assertEquals(numeric, g.getDouble(i), 1e-6 * Math.max(1, Math.abs(numeric)), adapter + "[" + i + "]");
            }
        }
    }
}
