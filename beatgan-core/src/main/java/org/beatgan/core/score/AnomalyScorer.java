package org.beatgan.core.score;

import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.model.GeneratorInference;
import org.beatgan.core.model.direct.DirectTrainingStep;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.indexing.SpecifiedIndex;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Scores beats with a generator: in inference mode (batch norm on running statistics), through
 * {@link GeneratorInference} on a snapshot taken at the start of the call, or, for BeatGAN's
 * protocol, with the batch statistics of shuffled batches ({@link ScoringConfig}).
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

        /** Mean score of the beats labelled {@code label} (NaN if none). */
        public double meanScore(int label) {
            double sum = 0;
            int n = 0;
            for (int i = 0; i < scores.length; i++) {
                if (labels[i] == label) {
                    sum += scores[i];
                    n++;
                }
            }
            return n == 0 ? Double.NaN : sum / n;
        }

        /** Min-max scaled copy into [0, 1] (BeatGAN reports scaled scores); constant scores map to 0. */
        public double[] minMaxScaled() {
            double min = Arrays.stream(scores).min().orElse(0), max = Arrays.stream(scores).max().orElse(0);
            double span = max - min;
            return Arrays.stream(scores).map(s -> span > 0 ? (s - min) / span : 0).toArray();
        }
    }

    /** Scores in the config's mode. */
    public static Scored score(BeatGanGraph graph, DataSetIterator beats, ScoringConfig scoring) {
        return scoring.mode() == ScoringConfig.Mode.EVAL ? score(graph, beats)
                : scoreWithBatchStatistics(graph, beats, scoring.batchSize(), scoring.seed());
    }

    /**
     * BeatGAN's {@code validate()}: G in training mode on batches of a seeded random order of the
     * beats, each batch normalised by its own statistics; scores in the iterator's order. The
     * running statistics are not changed.
     */
    public static Scored scoreWithBatchStatistics(BeatGanGraph graph, DataSetIterator beats, int batchSize, long seed) {
        beats.reset();
        List<INDArray> features = new ArrayList<>();
        List<INDArray> labels = new ArrayList<>();
        while (beats.hasNext()) {
            DataSet ds = beats.next();
            features.add(ds.getFeatures());
            labels.add(ds.getLabels().reshape(-1));
        }
        if (features.isEmpty()) {
            return new Scored(new double[0], new int[0]);
        }
        INDArray x = Nd4j.concat(0, features.toArray(INDArray[]::new)).castTo(graph.dataType());
        double[] l = Nd4j.concat(0, labels.toArray(INDArray[]::new)).toDoubleVector();
        int n = (int) x.size(0);
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Random rnd = new Random(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        DirectTrainingStep generator = new DirectTrainingStep(graph);
        double[] scores = new double[n];
        int[] y = new int[n];
        for (int from = 0; from < n; from += batchSize) {
            int[] rows = Arrays.copyOfRange(order, from, Math.min(n, from + batchSize));
            double[] s = generator.trainModeScores(x.get(new SpecifiedIndex(rows), NDArrayIndex.all(), NDArrayIndex.all()).dup()).toDoubleVector();
            for (int i = 0; i < rows.length; i++) {
                scores[rows[i]] = s[i];
            }
        }
        for (int i = 0; i < n; i++) y[i] = (int) Math.round(l[i]);
        return new Scored(scores, y);
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
