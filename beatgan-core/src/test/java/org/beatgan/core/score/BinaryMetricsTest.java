package org.beatgan.core.score;

import org.junit.jupiter.api.Test;
import org.nd4j.evaluation.classification.ROC;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class BinaryMetricsTest {

    @Test
    void smallExampleWithTiesMatchesHandComputedValues() {
        double[] s = {0.1, 0.4, 0.35, 0.8, 0.4};
        int[] y = {0, 0, 1, 1, 1};
        BinaryMetrics m = BinaryMetrics.of(s, y);
        // 6 pos/neg pairs: 4 ordered correctly, one tie (0.4 vs 0.4) counts 1/2
        assertEquals(4.5 / 6, m.auc(), 1e-12);
        // thresholds 0.8, 0.4, 0.35, 0.1 -> (R, P) = (1/3, 1), (2/3, 2/3), (1, 3/4), (1, 3/5)
        assertEquals(1.0 / 3 + (1.0 / 3) * (2.0 / 3) + (1.0 / 3) * 0.75, m.ap(), 1e-12);
        assertEquals(6.0 / 7, m.bestF1(), 1e-12);
        assertEquals(0.35, m.threshold(), 0);
        assertEquals(3, m.positives());
        assertEquals(2, m.negatives());
        assertArrayEquals(new double[]{1.0 / 3, 2.0 / 3, 1, 1}, m.prRecall(), 1e-12);
    }

    @Test
    void perfectSeparationAndPerfectInversion() {
        double[] s = {0.1, 0.2, 0.9, 0.95};
        int[] y = {0, 0, 1, 1};
        BinaryMetrics good = BinaryMetrics.of(s, y);
        assertEquals(1.0, good.auc(), 1e-12);
        assertEquals(1.0, good.ap(), 1e-12);
        assertEquals(1.0, good.bestF1(), 1e-12);
        assertEquals(0.9, good.threshold());
        BinaryMetrics bad = BinaryMetrics.of(s, new int[]{1, 1, 0, 0});
        assertEquals(0.0, bad.auc(), 1e-12);
    }

    @Test
    void allTiedScoresGiveChanceAuc() {
        BinaryMetrics m = BinaryMetrics.of(new double[]{3, 3, 3, 3, 3}, new int[]{1, 0, 1, 0, 0});
        assertEquals(0.5, m.auc(), 1e-12);
        assertEquals(0.4, m.ap(), 1e-12);
    }

    @Test
    void aucAgreesWithPairCountingOnRandomScoresWithManyTies() {
        Random r = new Random(3);
        for (int trial = 0; trial < 5; trial++) {
            int n = 200;
            double[] s = new double[n];
            int[] y = new int[n];
            for (int i = 0; i < n; i++) {
                y[i] = r.nextDouble() < 0.3 ? 1 : 0;
                s[i] = Math.round((r.nextGaussian() + y[i]) * 4) / 4.0;   // coarse grid -> ties
            }
            y[0] = 1;
            y[1] = 0;
            double pairs = 0, good = 0;
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                    if (y[i] == 1 && y[j] == 0) {
                        pairs++;
                        good += s[i] > s[j] ? 1 : s[i] == s[j] ? 0.5 : 0;
                    }
            assertEquals(good / pairs, BinaryMetrics.of(s, y).auc(), 1e-9);
        }
    }

    /**
     * Tripwire: ND4J M2.1's exact ROC mis-handles ties, which is why BinaryMetrics does its own
     * sweep. If this starts failing, ND4J was fixed and could be used again.
     */
    @Test
    void nd4jExactRocStillSplitsTies() {
        double auc = nd4jRoc(new double[]{3, 3, 3, 3, 3}, new int[]{1, 0, 1, 0, 0}).calculateAUC();
        assertNotEquals(0.5, auc, 1e-6);
    }

    @Test
    void rocCurveRunsFromOriginToOneOne() {
        BinaryMetrics m = BinaryMetrics.of(new double[]{0.1, 0.4, 0.35, 0.8, 0.4}, new int[]{0, 0, 1, 1, 1});
        assertArrayEquals(new double[]{0, 0, 0.5, 0.5, 1}, m.rocFpr(), 1e-12);
        assertArrayEquals(new double[]{0, 1.0 / 3, 2.0 / 3, 1, 1}, m.rocTpr(), 1e-12);
    }

    @Test
    void invalidInputIsRejectedClearly() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BinaryMetrics.of(new double[]{1, 2}, new int[]{0, 0}));
        assertTrue(e.getMessage().contains("both classes"));
        e = assertThrows(IllegalArgumentException.class,
                () -> BinaryMetrics.of(new double[]{1, Double.NaN}, new int[]{0, 1}));
        assertTrue(e.getMessage().contains("score[1]"));
        assertThrows(IllegalArgumentException.class, () -> BinaryMetrics.of(new double[]{1}, new int[]{0, 1}));
        assertThrows(IllegalArgumentException.class, () -> BinaryMetrics.of(new double[]{1, 2}, new int[]{0, 2}));
    }

    private static ROC nd4jRoc(double[] scores, int[] labels) {
        double[] l = new double[labels.length];
        for (int i = 0; i < l.length; i++) l[i] = labels[i];
        ROC roc = new ROC(0);
        roc.eval(Nd4j.create(l, new long[]{l.length, 1}, DataType.DOUBLE),
                Nd4j.create(scores.clone(), new long[]{scores.length, 1}, DataType.DOUBLE));
        return roc;
    }
}
