package org.beatgan.distill;

import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.train.BeatGanTrainer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Three float training steps of the same student on the direct step and through the graph, compared. */
final class EngineComparison {

    private EngineComparison() {
    }

    /**
     * The same losses step by step (2e-3 relative) with {@code logged} nonzero, and the same
     * weights after: a missing or wrong gradient moves a weight by ~lr a step; float rounding
     * through Adam's division by |g| + eps moves a few by a fraction of it.
     */
    static void trainAlike(BeatGanTrainer direct, BeatGanGraph viaDirect, BeatGanTrainer graph, BeatGanGraph viaGraph,
                           String logged, double lr, long seed) {
        assertTrue(direct.usesDirectStep(), logged + " trains on the direct step");
        assertFalse(graph.usesDirectStep());
        Nd4j.getRandom().setSeed(seed);
        INDArray beats = Nd4j.rand(DataType.FLOAT, 24, 1, 320).muli(2).subi(1);
        for (int step = 0; step < 3; step++) {
            INDArray x = beats.get(NDArrayIndex.interval(step * 8, step * 8 + 8));
            Map<String, Double> sa = direct.step(x, 0);
            Map<String, Double> sb = graph.step(x, 0);
            assertEquals(sb.keySet(), sa.keySet());
            assertTrue(sb.get(logged) > 1e-7, "a term to compare: " + sb);
            for (String k : sb.keySet()) {
                assertEquals(sb.get(k), sa.get(k), 2e-3 * Math.abs(sb.get(k)) + 1e-7, "step " + step + " " + k);
            }
        }
        for (String v : viaGraph.stateVariableNames()) {
            INDArray e = viaGraph.array(v);
            if (!e.dataType().isFPType()) continue;
            double d = e.sub(viaDirect.array(v)).amaxNumber().doubleValue();
            assertTrue(d < 1e-5 * Math.max(1, e.amaxNumber().doubleValue()) + 0.3 * lr, v + ": " + d);
        }
    }
}
