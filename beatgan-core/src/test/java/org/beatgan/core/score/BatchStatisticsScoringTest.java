package org.beatgan.core.score;

import org.beatgan.core.model.ActivationNames;
import org.beatgan.core.model.BatchNormStats;
import org.beatgan.core.model.BeatGanConfig;
import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.model.BeatGanGraph.Network;
import org.beatgan.core.model.BeatGanGraphBuilder;
import org.beatgan.core.testutil.DemoBeats;
import org.beatgan.core.train.BeatGanTrainer;
import org.beatgan.core.train.TrainingConfig;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** BeatGAN's scoring protocol: G in training mode on shuffled batches, running statistics untouched. */
class BatchStatisticsScoringTest {

    private static BeatGanGraph trained(DataType type) {
        BeatGanGraph g = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 8, 4, 4), type, 3);
        BeatGanTrainer t = new BeatGanTrainer(g, TrainingConfig.defaults().withLr(2e-3).withBatchSize(16));
        INDArray normal = DemoBeats.get().normal.castTo(type);
        for (int i = 0; i < 4; i++) {
            t.step(normal.get(NDArrayIndex.interval(16 * i, 16 * i + 16)), 0);
        }
        return g;
    }

    private static List<INDArray> runningStatistics(BeatGanGraph g) {
        List<INDArray> out = new ArrayList<>();
        for (BatchNormStats bn : g.batchNorms(Network.G)) {
            out.add(g.array(bn.runningMean()).dup());
            out.add(g.array(bn.runningVar()).dup());
        }
        return out;
    }

    @Test
    void oneBatchEqualsTheTrainModeForwardPassAndLeavesRunningStatisticsAlone() {
        BeatGanGraph g = trained(DataType.DOUBLE);
        var demo = DemoBeats.get().mixed(0, 24, 0, 16, 7);   // 40 beats in batches of 7
        List<INDArray> before = runningStatistics(g);
        AnomalyScorer.Scored s = AnomalyScorer.scoreWithBatchStatistics(g, demo, 64, 5);
        assertEquals(before, runningStatistics(g), "scoring must not move the running statistics");

        INDArray all = Nd4j.concat(0, DemoBeats.get().normal.get(NDArrayIndex.interval(0, 24)),
                DemoBeats.get().abnormal.get(NDArrayIndex.interval(0, 16))).castTo(DataType.DOUBLE);
        double[] expected = g.forward(all, true, ActivationNames.G_SCORE).get(ActivationNames.G_SCORE).toDoubleVector();
        assertArrayEquals(expected, s.scores(), 1e-12, "the batch of all 40 beats, in the iterator's order");
        int[] labels = new int[40];
        for (int i = 24; i < 40; i++) labels[i] = 1;
        assertArrayEquals(labels, s.labels());
        double[] eval = AnomalyScorer.score(g, demo).scores();
        assertTrue(maxDiff(eval, s.scores()) > 1e-4, "batch statistics are not the running statistics");
    }

    @Test
    void smallerBatchesScoreEachBeatWithItsOwnBatchAndTheSeedFixesTheBatches() {
        BeatGanGraph g = trained(DataType.FLOAT);
        var demo = DemoBeats.get().mixed(0, 40, 0, 24, 16);
        AnomalyScorer.Scored a = AnomalyScorer.score(g, demo, new ScoringConfig(ScoringConfig.Mode.BATCH_STATS, 16, 1));
        AnomalyScorer.Scored again = AnomalyScorer.score(g, demo, new ScoringConfig(ScoringConfig.Mode.BATCH_STATS, 16, 1));
        AnomalyScorer.Scored other = AnomalyScorer.score(g, demo, new ScoringConfig(ScoringConfig.Mode.BATCH_STATS, 16, 2));
        assertArrayEquals(a.scores(), again.scores(), 0);
        assertTrue(maxDiff(a.scores(), other.scores()) > 1e-5, "another seed batches other beats together");
        // every batch of 16 in the seeded order scores as the train-mode forward of those beats
        INDArray all = Nd4j.concat(0, DemoBeats.get().normal.get(NDArrayIndex.interval(0, 40)),
                DemoBeats.get().abnormal.get(NDArrayIndex.interval(0, 24)));
        int[] order = new int[64];
        for (int i = 0; i < 64; i++) order[i] = i;
        java.util.Random rnd = new java.util.Random(1);
        for (int i = 63; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        for (int b = 0; b < 4; b++) {
            int[] rows = java.util.Arrays.copyOfRange(order, 16 * b, 16 * b + 16);
            INDArray x = all.get(new org.nd4j.linalg.indexing.SpecifiedIndex(rows), NDArrayIndex.all(), NDArrayIndex.all()).dup();
            double[] expected = g.forward(x, true, ActivationNames.G_SCORE).get(ActivationNames.G_SCORE).toDoubleVector();
            for (int i = 0; i < 16; i++) {
                assertEquals(expected[i], a.scores()[rows[i]], 2e-5 * Math.abs(expected[i]) + 1e-7, "beat " + rows[i]);
            }
        }
    }

    @Test
    void configRejectsBadValuesAndReadsBothSpellings() {
        assertEquals(ScoringConfig.Mode.BATCH_STATS, ScoringConfig.Mode.of("batch-stats"));
        assertEquals(ScoringConfig.Mode.EVAL, ScoringConfig.Mode.of("EVAL"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ScoringConfig.Mode.of("train"));
        assertTrue(e.getMessage().contains("batch-stats"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ScoringConfig(ScoringConfig.Mode.BATCH_STATS, 1, 0L));
    }

    private static double maxDiff(double[] a, double[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
        return d;
    }
}
