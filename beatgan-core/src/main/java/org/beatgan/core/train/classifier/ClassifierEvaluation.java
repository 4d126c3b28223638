package org.beatgan.core.train.classifier;

import org.beatgan.core.model.ClassifierModel;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A classifier on a labelled set, in inference mode: accuracy, mean task loss (cross-entropy, or
 * BCE for one output, from the logits in double), per-class recall and, for one output, the
 * positive class's F1 at 0.5.
 */
public record ClassifierEvaluation(int examples, double accuracy, double loss, double[] classRecall, double f1) {

    public static ClassifierEvaluation of(ClassifierModel model, DataSet set, int batchSize) {
        long n = set.numExamples();
        int k = Math.max(2, model.classes());
        long[] hits = new long[k], counts = new long[k];
        long correct = 0, tp = 0, fp = 0, fn = 0;
        double loss = 0;
        for (long from = 0; from < n; from += batchSize) {
            long to = Math.min(n, from + batchSize);
            INDArray x = slice(set.getFeatures(), from, to);
            INDArray y = slice(set.getLabels(), from, to).castTo(DataType.DOUBLE);
            INDArray raw = model.forward(x.castTo(model.dataType()), false, model.logitsName()).get(model.logitsName());
            INDArray z = raw.castTo(DataType.DOUBLE);
            if (raw != z) ClassifierTrainer.release(List.of(raw));
            for (int i = 0; i < to - from; i++) {
                int truth = label(y, i);
                int pred = predicted(z, i);
                counts[truth]++;
                if (pred == truth) {
                    hits[truth]++;
                    correct++;
                }
                if (model.classes() == 1) {
                    double zi = z.getDouble(i, 0);
                    // BCE with logits, stable: max(z, 0) - z y + log(1 + exp(-|z|))
                    loss += Math.max(zi, 0) - zi * truth + Math.log1p(Math.exp(-Math.abs(zi)));
                    if (pred == 1 && truth == 1) tp++;
                    if (pred == 1 && truth == 0) fp++;
                    if (pred == 0 && truth == 1) fn++;
                } else {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int c = 0; c < z.size(1); c++) max = Math.max(max, z.getDouble(i, c));
                    double sum = 0;
                    for (int c = 0; c < z.size(1); c++) sum += Math.exp(z.getDouble(i, c) - max);
                    loss -= z.getDouble(i, truth) - max - Math.log(sum);
                }
            }
        }
        double[] recall = new double[k];
        for (int c = 0; c < k; c++) recall[c] = counts[c] == 0 ? Double.NaN : hits[c] / (double) counts[c];
        double f1 = model.classes() == 1 && tp + fp + fn > 0 ? 2.0 * tp / (2.0 * tp + fp + fn) : Double.NaN;
        return new ClassifierEvaluation((int) n, correct / (double) n, loss / n, recall, f1);
    }

    /** Correct predictions of a batch's logits against one-hot (or 0/1) labels. */
    public static long correct(INDArray logits, INDArray labels) {
        INDArray z = logits.castTo(DataType.DOUBLE), y = labels.castTo(DataType.DOUBLE);
        long c = 0;
        for (int i = 0; i < z.size(0); i++) {
            if (predicted(z, i) == label(y, i)) c++;
        }
        return c;
    }

    private static int predicted(INDArray z, int i) {
        if (z.size(1) == 1) return z.getDouble(i, 0) > 0 ? 1 : 0;
        int best = 0;
        for (int c = 1; c < z.size(1); c++) if (z.getDouble(i, c) > z.getDouble(i, best)) best = c;
        return best;
    }

    private static int label(INDArray y, int i) {
        if (y.size(1) == 1) return y.getDouble(i, 0) > 0.5 ? 1 : 0;
        int best = 0;
        for (int c = 1; c < y.size(1); c++) if (y.getDouble(i, c) > y.getDouble(i, best)) best = c;
        return best;
    }

    static INDArray slice(INDArray a, long from, long to) {
        var ix = new org.nd4j.linalg.indexing.INDArrayIndex[a.rank()];
        ix[0] = NDArrayIndex.interval(from, to);
        for (int d = 1; d < a.rank(); d++) ix[d] = NDArrayIndex.all();
        return a.get(ix);
    }

    /** The selection value of {@code selection} (val_accuracy or val_f1). */
    public double metric(String selection) {
        return selection.equals("val_f1") ? f1 : accuracy;
    }

    public Map<String, Object> toMap(String prefix) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(prefix + "accuracy", accuracy);
        m.put(prefix + "loss", loss);
        if (!Double.isNaN(f1)) m.put(prefix + "f1", f1);
        return m;
    }
}
