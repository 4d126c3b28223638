package org.beatgan.core.score;


import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * Threshold-free quality of anomaly scores (higher score = more anomalous, label 1 = anomaly).
 *
 * <p>All values come from one sweep over the distinct thresholds (rule: score >= threshold ->
 * anomaly), so tied scores always fall on the same side. ND4J's exact-mode ROC was the
 * first choice, but in 1.0.0-M2.1 it splits tied scores into separate thresholds (five tied
 * scores give AUC 0.83 instead of 0.5; see BinaryMetricsTest), so the ROC curve and AUC
 * (trapezoidal, equal to the Mann-Whitney statistic with ties counted 1/2) are computed here.
 * Average precision is scikit-learn's step-wise sum_k (R_k - R_{k-1}) P_k.
 *
 * @param threshold the score at which the best F1 is reached, in the scores' own units
 */
public record BinaryMetrics(double auc, double ap, double bestF1, double threshold, int positives,
                            int negatives, double[] rocFpr, double[] rocTpr, double[] prRecall,
                            double[] prPrecision) {

    public static BinaryMetrics of(double[] scores, int[] labels) {
        if (scores.length != labels.length) {
            throw new IllegalArgumentException("scores (" + scores.length + ") and labels (" + labels.length
                    + ") differ in length");
        }
        int pos = 0;
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] != 0 && labels[i] != 1) {
                throw new IllegalArgumentException("label[" + i + "] = " + labels[i] + ", expected 0 or 1");
            }
            if (!Double.isFinite(scores[i])) {
                throw new IllegalArgumentException("score[" + i + "] = " + scores[i] + " is not finite");
            }
            pos += labels[i];
        }
        int neg = labels.length - pos;
        if (pos == 0 || neg == 0) {
            throw new IllegalArgumentException("Metrics need both classes; got " + pos + " anomalies and "
                    + neg + " normal beats");
        }

        Integer[] order = IntStream.range(0, scores.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> scores[i]).reversed());
        int distinct = 0;
        double[] fpr = new double[scores.length + 1];
        double[] tpr = new double[scores.length + 1];
        double[] recall = new double[scores.length];
        double[] precision = new double[scores.length];
        double ap = 0, auc = 0, prevRecall = 0, bestF1 = -1, bestTh = Double.NaN;
        int tp = 0, fp = 0;
        for (int k = 0; k < order.length; k++) {
            int i = order[k];
            if (labels[i] == 1) tp++; else fp++;
            boolean lastOfTie = k == order.length - 1 || scores[order[k + 1]] != scores[i];
            if (!lastOfTie) continue;
            double r = (double) tp / pos;
            double p = (double) tp / (tp + fp);
            ap += (r - prevRecall) * p;
            prevRecall = r;
            double f1 = 2.0 * tp / (2.0 * tp + fp + (pos - tp));
            if (f1 > bestF1) {
                bestF1 = f1;
                bestTh = scores[i];
            }
            recall[distinct] = r;
            precision[distinct] = p;
            fpr[distinct + 1] = (double) fp / neg;
            tpr[distinct + 1] = r;
            auc += (fpr[distinct + 1] - fpr[distinct]) * (tpr[distinct + 1] + tpr[distinct]) / 2;
            distinct++;
        }
        return new BinaryMetrics(auc, ap, bestF1, bestTh, pos, neg, Arrays.copyOf(fpr, distinct + 1),
                Arrays.copyOf(tpr, distinct + 1), Arrays.copyOf(recall, distinct),
                Arrays.copyOf(precision, distinct));
    }
}
