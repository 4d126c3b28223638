package org.beatgan.core.score;

import org.beatgan.core.io.Json;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class ScoreCalibrationTest {

    @Test
    void quantilesFollowNumpysLinearDefinition() {
        // numpy.quantile([1, 2, 3, 4, 10], [0.5, 0.9, 0.99]) = [3, 7.6, 9.76]
        ScoreCalibration c = ScoreCalibration.of(new double[]{4, 1, 10, 3, 2}, "eval");
        assertEquals(3.0, c.quantile(0.5), 1e-12);
        assertEquals(7.6, c.quantile(0.9), 1e-12);
        assertEquals(9.76, c.quantile(0.99), 1e-12);
        assertEquals(1.0, c.quantile(0), 0);
        assertEquals(10.0, c.quantile(1), 0);
        assertEquals(5, c.beats());
    }

    @Test
    void thresholdAtAFalseAlarmRateFlagsThatFractionOfNormalBeats() {
        Random rnd = new Random(3);
        double[] normal = new double[20_000];
        for (int i = 0; i < normal.length; i++) normal[i] = Math.exp(rnd.nextGaussian());
        ScoreCalibration c = ScoreCalibration.of(normal, "eval");
        for (double far : new double[]{0.1, 0.01, 0.002}) {
            double th = c.thresholdAtFalseAlarmRate(far);
            long flagged = Arrays.stream(normal).filter(s -> s >= th).count();
            assertEquals(far, flagged / (double) normal.length, 0.1 * far + 1.0 / normal.length, "rate " + far);
            assertEquals(far, c.falseAlarmRate(th), 1e-9, "falseAlarmRate inverts thresholdAtFalseAlarmRate");
        }
        assertTrue(c.thresholdAtFalseAlarmRate(0.001) > c.thresholdAtFalseAlarmRate(0.01));
    }

    @Test
    void survivesJsonAndRejectsWhatItCannotAnswer() throws Exception {
        ScoreCalibration c = ScoreCalibration.of(new double[]{0.1, 0.2, 0.3, 0.5, 0.9, 1.4}, "eval");
        ScoreCalibration back = Json.MAPPER.readValue(Json.MAPPER.writeValueAsBytes(c), ScoreCalibration.class);
        assertArrayEquals(c.quantiles(), back.quantiles());
        assertEquals(c.thresholdAtFalseAlarmRate(0.2), back.thresholdAtFalseAlarmRate(0.2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.thresholdAtFalseAlarmRate(0.01));
        assertTrue(e.getMessage().contains("6 calibration beats"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> c.thresholdAtFalseAlarmRate(0));
        assertThrows(IllegalArgumentException.class, () -> c.thresholdAtFalseAlarmRate(1.5));
        assertThrows(IllegalArgumentException.class, () -> ScoreCalibration.of(new double[]{1}, "eval"));
        assertThrows(IllegalArgumentException.class, () -> ScoreCalibration.of(new double[]{1, Double.NaN}, "eval"));
        assertThrows(IllegalArgumentException.class,
                () -> new ScoreCalibration("eval", 2, new double[]{0, 1}, new double[]{2, 1}));
    }
}
