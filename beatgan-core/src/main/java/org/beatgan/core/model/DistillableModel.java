package org.beatgan.core.model;

import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the distillation core needs from a model to use it as a teacher or a student: its SameDiff
 * graph, its named activations, its own task loss, its trainable variables and an inference mode.
 * BeatGAN ({@link BeatGanGraph}) is one model family, the image classifiers
 * ({@code ImageClassifierGraph}) another; a third implements this interface and needs no change in
 * the distillation core, which never asks which family it joins.
 */
public interface DistillableModel {

    /** The model's graph; a student's distillation terms are added to it. */
    SameDiff sameDiff();

    DataType dataType();

    /** A short description for messages, e.g. "BeatGAN ngf=8" or "LightNN 1x28x28". */
    String describe();

    /** The activations taps may name (listed in the error for an unknown tap). */
    List<String> activationNames();

    /** Shape of one input example (without the batch axis); teacher and student must agree. */
    long[] inputShape();

    /** Named activations for a batch, in training mode (batch statistics, dropout) or inference mode. */
    Map<String, INDArray> forward(INDArray x, boolean training, String... names);

    /** The graph variable of the model's own task loss (reconstruction, cross-entropy, ...). */
    String taskLoss();

    /** The model's own trainable variables (a distillation's adapters come on top). */
    List<String> trainableVariables();

    /**
     * Inference-mode activations of a model that no longer trains (a frozen teacher). Weights
     * never change after this call, so a family may answer from a faster snapshot of them (BeatGAN
     * folds batch norm); by default the graph itself in inference mode. Not thread-safe unless the
     * family says so: the distillation calls it from one thread.
     */
    default Frozen frozen() {
        return (x, names) -> forward(x, false, names);
    }

    /** Activations of a frozen model. */
    @FunctionalInterface
    interface Frozen {
        Map<String, INDArray> activations(INDArray x, String... names);
    }

    /**
     * How a tap in the role {@code logits} reads this model: the activation it names (a family may
     * offer aliases, e.g. BeatGAN's {@code score}) and the shape the logits take. By default the
     * activation itself, flattened to (B, N).
     */
    default Logits logits(String tap) {
        return new Logits(tap, Logits.Form.FLATTEN);
    }

    /**
     * Logits read from an activation. {@code FLATTEN}: (B, N), one row per example;
     * {@code BATCH_AS_CLASSES}: one (1, B) row whose classes are the batch's examples (a per-example
     * scalar, such as an anomaly score, as a distribution over the batch); {@code BINARY}: a
     * per-example scalar logit z as the two-class logits [z, 0].
     */
    record Logits(String activation, Form form) {
        public enum Form { FLATTEN, BATCH_AS_CLASSES, BINARY }
    }

}
