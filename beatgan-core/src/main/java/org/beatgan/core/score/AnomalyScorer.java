package org.beatgan.core.score;

import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.model.GeneratorInference;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.util.Arrays;

/**
 * Scores beats with a generator in inference mode (batch norm on running statistics), through
 * {@link GeneratorInference} on a snapshot taken at the start of the call.
 */
public final class AnomalyScorer {

    private AnomalyScorer() {
    }

    /** Scores (mean squared reconstruction error) and 0/1 labels of every beat the iterator yields. */
    public record Scored(double[] scores, int[] labels) {
        public BinaryMetrics metrics() {
            return BinaryMetrics.of(scores, labels);
        }

        public boolean hasBothClasses() {
            int pos = Arrays.stream(labels).sum();
            return pos > 0 && pos < labels.length;
        }

        public double meanScore() {
            return Arrays.stream(scores).average().orElse(Double.NaN);
        }

        /** Min-max scaled copy into [0, 1] (BeatGAN reports scaled scores); constant scores map to 0. */
        public double[] minMaxScaled() {
            double min = Arrays.stream(scores).min().orElse(0), max = Arrays.stream(scores).max().orElse(0);
            double span = max - min;
            return Arrays.stream(scores).map(s -> span > 0 ? (s - min) / span : 0).toArray();
        }
    }

    public static Scored score(BeatGanGraph graph, DataSetIterator beats) {
        GeneratorInference generator = GeneratorInference.of(graph);
        beats.reset();
        double[] scores = new double[1024];
        int[] labels = new int[1024];
        int n = 0;
        while (beats.hasNext()) {
            DataSet ds = beats.next();
            double[] s = generator.scores(ds.getFeatures()).toDoubleVector();
            double[] l = ds.getLabels().reshape(-1).toDoubleVector();
            if (n + s.length > scores.length) {
                int cap = Math.max(scores.length * 2, n + s.length);
                scores = Arrays.copyOf(scores, cap);
                labels = Arrays.copyOf(labels, cap);
            }
            for (int i = 0; i < s.length; i++) {
                scores[n + i] = s[i];
                labels[n + i] = (int) Math.round(l[i]);
            }
            n += s.length;
        }
        return new Scored(Arrays.copyOf(scores, n), Arrays.copyOf(labels, n));
    }
}
