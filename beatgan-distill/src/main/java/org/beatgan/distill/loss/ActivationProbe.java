package org.beatgan.distill.loss;

import org.beatgan.core.model.direct.DirectTrainingStep;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * A loss that probes a BeatGAN student through a further pass of its generator's remainder after
 * an encoder activation, on inputs made from that activation (perturbed copies), and reads that
 * pass's per-row scores and the activation itself: what lets it train on the direct step, which
 * runs the pass ({@link DirectTrainingStep.ActivationPass}), with its formula as a kernel.
 */
public interface ActivationProbe {

    /** The pass's scope in the student's graph ({@code applyGeneratorFrom(scope, layer, ...)}). */
    String passScope();

    /** The encoder activation the pass starts after. */
    String layer();

    /** This step's pass (its inputs from the activation, its targets from the beats), from a feed of the loss's state. */
    DirectTrainingStep.ActivationPass pass(Map<String, INDArray> feed);

    /**
     * The loss (unweighted) on the pass's scores and the layer's activation, with the teacher's
     * side from the feed, as the graph computes it: d loss / d scores into {@code grads[0]} and
     * d loss / d activation (through the activation itself, not the pass) into {@code grads[1]},
     * both in double, shaped as the scores and the activation.
     */
    double kernel(INDArray scores, INDArray activation, Map<String, INDArray> feed, INDArray[] grads);
}
