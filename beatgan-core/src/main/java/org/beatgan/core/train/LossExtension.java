package org.beatgan.core.train;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Something that adds terms to a model's training loss inside its graph (distillation terms,
 * for instance). The trainer treats every extension alike: it feeds the extension's placeholders,
 * lets G's optimizer train the extension's variables, logs its terms, and hands it the step
 * outputs it asked for once the step's updates are applied; it never asks what the extension is.
 */
public interface LossExtension {

    /** Placeholder values for this batch, e.g. a frozen teacher's activations for {@code batch.x()}. */
    Map<String, INDArray> feed(Batch batch);

    /**
     * The beats of a coming step (normally the next), announced before the current step runs, so
     * work that depends only on the beats (a frozen teacher's forward pass) can start on another
     * core while the current step trains; {@link #feed} must give the same values either way.
     * Nothing by default.
     */
    default void upcoming(INDArray beats) {
    }

    /**
     * {@link #upcoming(INDArray)} with what a trainer knows of the coming step: its iteration (the
     * trainer's step counter after the current step), for work seeded per step; no dataset
     * indices. By default the beats alone.
     */
    default void upcoming(Batch next) {
        upcoming(next.x());
    }

    /** Trainable variables owned by the extension (adapters), trained with G's optimizer. */
    List<String> trainableVariables();

    /** Scalar graph outputs to log per iteration: log key -> graph variable name. */
    Map<String, String> loggedTerms();

    /**
     * Graph variables the extension needs from the generator's training pass, delivered to
     * {@link #afterStep} (e.g. embeddings for a memory-bank update). None by default.
     */
    default List<String> stepOutputs() {
        return List.of();
    }

    /**
     * Called after the step's parameter updates with the values of {@link #stepOutputs()} from that
     * step's generator pass; state the extension keeps in the graph (constants updated in place,
     * like batch-norm running statistics) is updated here. Nothing by default.
     */
    default void afterStep(Batch batch, Map<String, INDArray> outputs) {
    }

    /**
     * The extension's terms as functions of generator activations, when they can be computed
     * outside the BeatGAN graph; empty (the default) when they need the graph itself (training
     * state updated from step outputs, extra generator passes, discriminator activations). With
     * detached terms from every extension, the trainer can run its faster direct step.
     */
    default Optional<DetachedTerms> detachedTerms() {
        return Optional.empty();
    }
}
