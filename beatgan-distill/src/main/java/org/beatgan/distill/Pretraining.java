package org.beatgan.distill;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Work a loss needs done on the teacher's view of the training data before student training, whose
 * result it keeps in the student's graph (FT's paraphraser, pre-trained as an auto-encoder on the
 * teacher's feature map, then frozen). {@link Distiller} runs it for every term that has
 * one ({@link DistillationLoss#pretraining}).
 */
public interface Pretraining {

    /** Key of the batch's beats themselves in what a {@link TeacherPass} gives, next to the roles. */
    String BEATS = "beats";

    /**
     * One pass over the training batches, each given as the teacher tensors of the loss's roles,
     * plus the beats under {@link #BEATS}.
     */
    @FunctionalInterface
    interface TeacherPass {
        void forEachBatch(Consumer<Map<String, List<INDArray>>> batch);
    }

    /** Runs the pre-training (as many passes as it needs) and writes the result into the student graph. */
    void run(TeacherPass pass);
}
