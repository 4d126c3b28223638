package org.beatgan.core.model;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * A {@link DistillableModel} that classifies: its input and label placeholders, its logits, and
 * what else a step must feed (dropout masks). The classifier trainer trains any such model, alone
 * or with distillation terms, and never asks which model it is.
 */
public interface ClassifierModel extends DistillableModel {

    String inputName();

    /** The labels placeholder: one-hot (B, classes), or (B, 1) targets in {0, 1} for one output. */
    String labelsName();

    /** The logits activation (B, classes), before softmax (or sigmoid for one output). */
    String logitsName();

    int classes();

    /**
     * Placeholders besides input and labels for a batch of {@code batch} examples: in training
     * mode drawn from {@code rng} (dropout masks), in inference mode fixed.
     */
    Map<String, INDArray> extraFeed(int batch, boolean training, SplittableRandom rng);

    /** Graph outputs of a training step the model needs afterwards (batch statistics); none by default. */
    default List<String> stepOutputs() {
        return List.of();
    }

    /**
     * After a training step's update, with the values of {@link #stepOutputs()} from its forward
     * pass on {@code batch} examples: state kept outside gradient descent (batch-norm running
     * statistics) moves here. Nothing by default.
     */
    default void afterStep(Map<String, INDArray> outputs, int batch) {
    }

    /**
     * The model's training step outside its graph (the same loss and gradients, faster), or empty
     * (the default) where the family has none; the trainer then differentiates the graph.
     */
    default Optional<org.beatgan.core.model.direct.ClassifierTrainingStep> directTrainingStep() {
        return Optional.empty();
    }

    /** Every variable holding state (parameters, running statistics): what a saved model holds. */
    List<String> stateVariables();

    /** The parameter count of the model itself (adapters of a distillation not included). */
    default long parameterCount() {
        long n = 0;
        for (String v : trainableVariables()) n += sameDiff().getArrForVarName(v).length();
        return n;
    }

    /** Model settings for metrics.json and the UI (name, input shape, classes, ...). */
    Map<String, Object> describeSettings();
}
