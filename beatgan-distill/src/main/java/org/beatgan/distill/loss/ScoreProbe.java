package org.beatgan.distill.loss;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * A loss that probes a BeatGAN student through a further generator pass on beats of its own
 * (attacked or perturbed beats, fed per batch by its state) and reads only that pass's per-beat
 * scores: what lets it train on the direct step, which runs the pass itself
 * ({@code DirectTrainingStep.passScore}), with its formula as a kernel instead of the graph's.
 */
public interface ScoreProbe {

    /** The pass's scope in the student's graph ({@code applyGenerator(scope, beats)}). */
    String passScope();

    /** This batch's beats of the pass, from a feed of the loss's state. */
    INDArray passBeats(Map<String, INDArray> feed);

    /**
     * The loss (unweighted) on the student's scores of the pass's beats and the teacher's side in
     * the feed, as the graph computes it; adds d loss / d score to {@code grad}.
     */
    double scoreKernel(double[] scores, Map<String, INDArray> feed, double[] grad);

    /** A fed array of the loss's state, or a clear failure naming it. */
    static INDArray fed(Map<String, INDArray> feed, String name, String lossId) {
        INDArray v = feed.get(name);
        if (v == null) throw new IllegalStateException(lossId + ": nothing fed for " + name);
        return v;
    }
}
