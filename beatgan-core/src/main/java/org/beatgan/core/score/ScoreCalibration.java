package org.beatgan.core.score;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.Arrays;

/**
 * Where a model's anomaly scores of <em>normal</em> beats lie, measured on the validation normal
 * beats at training time (eval-mode scoring, the mode a deployed detector uses), so that a flagging
 * threshold can be chosen at a false-alarm rate without ever looking at test data or at anomalies.
 *
 * <p>The distribution is kept as its quantiles on a fixed probability grid: every 0.1% from 0 to
 * 99%, then every 0.01% up to 100% (the tail is where thresholds live: a 1% false-alarm rate is
 * the 99% quantile). Between grid points quantiles are interpolated linearly; NumPy's default
 * ("linear") quantile definition is used on the sorted scores, so the calibration of a known sample
 * can be checked by hand.
 *
 * @param scoring       how the calibration scores were computed (always {@code eval} when written
 *                      by the toolkit; stored so a reader can refuse a mismatch)
 * @param beats         normal validation beats the quantiles come from
 * @param probabilities the probability grid, ascending, from 0 to 1
 * @param quantiles     score quantile at each probability, non-decreasing
 */
public record ScoreCalibration(String scoring, int beats, double[] probabilities, double[] quantiles) {

    /** The model-bundle entry holding a calibration. */
    public static final String ENTRY = "calibration.json";
    /** Default false-alarm rate on normal beats for the flagging threshold. */
    public static final double DEFAULT_FALSE_ALARM_RATE = 0.01;

    @JsonCreator
    public ScoreCalibration(@JsonProperty("scoring") String scoring, @JsonProperty("beats") int beats,
                            @JsonProperty("probabilities") double[] probabilities,
                            @JsonProperty("quantiles") double[] quantiles) {
        if (probabilities == null || quantiles == null || probabilities.length != quantiles.length
                || probabilities.length < 2) {
            throw new IllegalArgumentException("calibration needs equally long probability and quantile arrays "
                    + "of at least 2 points");
        }
        for (int i = 0; i < probabilities.length; i++) {
            if (!Double.isFinite(quantiles[i]) || (i > 0 && (probabilities[i] <= probabilities[i - 1]
                    || quantiles[i] < quantiles[i - 1]))) {
                throw new IllegalArgumentException("calibration point " + i + " (p " + probabilities[i] + ", q "
                        + quantiles[i] + ") is not finite or not ascending");
            }
        }
        if (probabilities[0] != 0 || probabilities[probabilities.length - 1] != 1) {
            throw new IllegalArgumentException("calibration probabilities must run from 0 to 1");
        }
        this.scoring = scoring;
        this.beats = beats;
        this.probabilities = probabilities.clone();
        this.quantiles = quantiles.clone();
    }

    /** The calibration of the given normal-beat scores (at least 2, all finite). */
    public static ScoreCalibration of(double[] normalScores, String scoring) {
        if (normalScores.length < 2) {
            throw new IllegalArgumentException("a calibration needs at least 2 normal beats, got "
                    + normalScores.length);
        }
        double[] sorted = normalScores.clone();
        Arrays.sort(sorted);
        if (!Double.isFinite(sorted[0]) || !Double.isFinite(sorted[sorted.length - 1])) {
            throw new IllegalArgumentException("normal-beat scores must be finite");
        }
        double[] p = grid();
        double[] q = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            q[i] = quantileOfSorted(sorted, p[i]);
        }
        return new ScoreCalibration(scoring, sorted.length, p, q);
    }

    /** The normal beats (label 0) of a scored set; fails when it holds none. */
    public static ScoreCalibration ofNormal(AnomalyScorer.Scored scored, String scoring) {
        double[] normal = new double[scored.scores().length];
        int n = 0;
        for (int i = 0; i < normal.length; i++) {
            if (scored.labels()[i] == 0) normal[n++] = scored.scores()[i];
        }
        return of(Arrays.copyOf(normal, n), scoring);
    }

    /** Score quantile at probability {@code p} in [0, 1], linear between grid points. */
    public double quantile(double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("probability " + p + " is outside [0, 1]");
        }
        int k = Arrays.binarySearch(probabilities, p);
        if (k >= 0) return quantiles[k];
        int hi = -k - 1;
        int lo = hi - 1;
        double f = (p - probabilities[lo]) / (probabilities[hi] - probabilities[lo]);
        return quantiles[lo] + f * (quantiles[hi] - quantiles[lo]);
    }

    /**
     * The flagging threshold (score >= threshold is flagged) that flags the fraction {@code rate}
     * of normal validation beats: the {@code 1 - rate} quantile.
     */
    public double thresholdAtFalseAlarmRate(double rate) {
        if (!(rate > 0 && rate < 1)) {
            throw new IllegalArgumentException("false-alarm rate " + rate + " must lie in (0, 1), e.g. 0.01 for 1%");
        }
        if (rate < 1.0 / beats) {
            throw new IllegalArgumentException("false-alarm rate " + rate + " is below what " + beats
                    + " calibration beats can resolve (1/" + beats + " = " + (1.0 / beats) + ")");
        }
        return quantile(1 - rate);
    }

    /** Fraction of normal validation beats scoring at or above {@code threshold} (interpolated). */
    public double falseAlarmRate(double threshold) {
        if (threshold <= quantiles[0]) return 1;
        if (threshold > quantiles[quantiles.length - 1]) return 0;
        for (int i = 1; i < quantiles.length; i++) {
            if (threshold <= quantiles[i]) {
                double span = quantiles[i] - quantiles[i - 1];
                double f = span > 0 ? (threshold - quantiles[i - 1]) / span : 1;
                return 1 - (probabilities[i - 1] + f * (probabilities[i] - probabilities[i - 1]));
            }
        }
        return 0;
    }

    @Override
    public double[] probabilities() {
        return probabilities.clone();
    }

    @Override
    public double[] quantiles() {
        return quantiles.clone();
    }

    /** NumPy's default quantile of sorted values: linear between order statistics at (n-1) p. */
    static double quantileOfSorted(double[] sorted, double p) {
        double h = (sorted.length - 1) * p;
        int lo = (int) Math.floor(h);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }

    /** 0, 0.001, ..., 0.99, then 0.9901, ..., 1 (1,091 points). */
    private static double[] grid() {
        double[] p = new double[991 + 100];
        for (int i = 0; i <= 990; i++) p[i] = i / 1000.0;
        for (int i = 1; i <= 100; i++) p[990 + i] = (9900 + i) / 10000.0;
        return p;
    }
}
