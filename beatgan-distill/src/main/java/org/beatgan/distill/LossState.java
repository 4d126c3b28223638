package org.beatgan.distill;

import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.model.DistillableModel;
import org.beatgan.core.train.Batch;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Map;

/**
 * Training state a loss keeps between steps in the student's graph (CRD's memory banks and
 * normalisation constants). Persistent arrays are graph constants updated in place after each step,
 * like batch-norm running statistics, so they are saved with the student (model.zip, checkpoints)
 * and restored on resume with everything else; per-batch inputs (CRD's contrast indices) are
 * placeholders fed by {@link #feed}. {@link Distiller} drives it for any loss that
 * returns one from {@link DistillationLoss#createState}; the trainer never knows.
 */
public interface LossState {

    /**
     * Where the state lives: the student graph, the term's variable-name prefix, the student's
     * data type, the training-set size (0 when unknown), the run's seed, and the two models for
     * losses that run them on inputs of their own (perturbed or adversarial beats); the models are
     * null where a loss is built outside a BeatGAN distillation (reference vectors).
     */
    record Context(SameDiff sd, String prefix, DataType dataType, int trainingSetSize, long seed,
                   DistillableModel student, TeacherModel teacher) {

        /** The BeatGAN student (with a BeatGAN teacher), or a clear failure for a loss that probes them. */
        public BeatGanGraph requireStudent(String lossId) {
            if (!(student instanceof BeatGanGraph g) || teacher == null || !(teacher.model() instanceof BeatGanGraph)) {
                throw new IllegalArgumentException(lossId + " runs the student and teacher BeatGAN on beats of its own; "
                        + "it works in a BeatGAN teacher -> student distillation only"
                        + (student == null ? "" : " (student: " + student.describe()
                        + (teacher == null ? "" : ", teacher: " + teacher.model().describe()) + ")"));
            }
            return g;
        }
    }

    /** State tensors by input name; the loss reads them through {@link LossInputs#student(String)}. */
    Map<String, Tensor> inputs();

    /** Placeholder values for this batch. */
    Map<String, INDArray> feed(Batch batch);

    /**
     * The beats and iteration of a coming step ({@link org.beatgan.core.train.LossExtension#upcoming(Batch)}):
     * a state whose feed is costly teacher work may start it on the teacher's thread
     * ({@link TeacherModel#onTeacherThread}); {@link #feed} must give the same values either way.
     * Nothing by default.
     */
    default void upcoming(Batch next) {
    }

    /** Graph variables this state needs from the step (valid once the loss is built); none by default. */
    default List<String> stepOutputs() {
        return List.of();
    }

    /**
     * Updates the state in place from this step's outputs (after the parameter updates); nothing
     * by default (state that is only fed per batch).
     */
    default void afterStep(Batch batch, Map<String, INDArray> outputs) {
    }
}
