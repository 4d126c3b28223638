package org.beatgan.core.score;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class AnomalyScorerTest {

    @Test
    void minMaxScalingMapsScoresOntoZeroOneAndKeepsTheirOrder() {
        AnomalyScorer.Scored s = new AnomalyScorer.Scored(new double[]{2, 6, 4, 2}, new int[]{0, 1, 1, 0});
        assertArrayEquals(new double[]{0, 1, 0.5, 0}, s.minMaxScaled(), 1e-12);
        assertEquals(3.5, s.meanScore(), 1e-12);
        assertTrue(s.hasBothClasses());
        assertEquals(s.metrics().auc(), BinaryMetrics.of(s.minMaxScaled(), s.labels()).auc(), 1e-12,
                "scaling must not change the ranking");
    }

    @Test
    void constantScoresScaleToZeroAndOneClassIsReported() {
        AnomalyScorer.Scored s = new AnomalyScorer.Scored(new double[]{3, 3, 3}, new int[]{0, 0, 0});
        assertArrayEquals(new double[]{0, 0, 0}, s.minMaxScaled(), 0);
        assertFalse(s.hasBothClasses());
    }
}
