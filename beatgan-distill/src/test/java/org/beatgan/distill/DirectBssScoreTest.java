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
 * bss_score on the direct step (its loss on {@code BssScoreLoss.scoreKernel}, the student's score of
 * the attacked beats from a further generator pass of the direct step) against the same training
 * through the student graph, in float: the same losses step by step and the same weights after.
 */
class DirectBssScoreTest {

    @Test
    void bssScoreOnTheDirectStepTrainsLikeTheGraph() throws Exception {
        List<DistillTermSpec> terms = List.of(
                Json.YAML.treeToValue(Json.YAML.readTree("{name: bss, loss: bss_score, weight: 30, "
                        + "params: {T: 2, num_steps: 2, beats: 6, threshold: 0.3}}"), DistillTermSpec.class));
        BeatGanGraph teacher = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 5, 8, 8), 1);
        BeatGanGraph viaDirect = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 5, 4, 4), 2);
        BeatGanGraph viaGraph = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 5, 4, 4), 2);
        Distiller direct = new Distiller(teacher, viaDirect, terms, 16, 0);
        Distiller graph = new Distiller(teacher, viaGraph, terms, 16, 0);
        assertInstanceOf(KernelDistillationTerms.class, direct.detachedTerms().orElseThrow());
        TrainingConfig cfg = TrainingConfig.defaults().withLr(1e-3);
        BeatGanTrainer a = new BeatGanTrainer(viaDirect, cfg, List.of(direct));
        BeatGanTrainer b = new BeatGanTrainer(viaGraph, cfg.withStepEngine(TrainingConfig.StepEngine.GRAPH), List.of(graph));
        assertTrue(a.usesDirectStep(), "bss_score trains on the direct step");
        Nd4j.getRandom().setSeed(17);
        INDArray beats = Nd4j.rand(DataType.FLOAT, 24, 1, 320).muli(2).subi(1);
        for (int step = 0; step < 3; step++) {
            INDArray x = beats.get(NDArrayIndex.interval(step * 8, step * 8 + 8));
            Map<String, Double> sa = a.step(x, 0);
            Map<String, Double> sb = b.step(x, 0);
            assertEquals(sb.keySet(), sa.keySet());
            assertTrue(sb.get("distill_bss") > 1e-6, "a bss_score term to compare: " + sb);
            for (String k : sb.keySet()) {
                assertEquals(sb.get(k), sa.get(k), 2e-3 * Math.abs(sb.get(k)) + 1e-7, "step " + step + " " + k);
            }
        }
        for (String v : viaGraph.stateVariableNames()) {
            INDArray e = viaGraph.array(v);
            if (!e.dataType().isFPType()) continue;
            double d = e.sub(viaDirect.array(v)).amaxNumber().doubleValue();
            // a missing or wrong gradient moves a weight by ~lr a step; float rounding through Adam's
            // division by |g| + eps moves a few by a fraction of it
            assertTrue(d < 1e-5 * Math.max(1, e.amaxNumber().doubleValue()) + 0.3 * cfg.lr(), v + ": " + d);
        }
    }

    @Test
    void theScoreKernelsGradientIsTheDerivativeOfItsValue() throws Exception {
        BeatGanGraph teacher = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 5, 8, 8), 1);
        BeatGanGraph student = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 5, 4, 4), 2);
        Distiller d = new Distiller(teacher, student, List.of(Json.YAML.treeToValue(Json.YAML.readTree(
                "{name: bss, loss: bss_score, weight: 1, params: {T: 3, threshold: 0.2}}"), DistillTermSpec.class)));
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
