package org.beatgan.distill;

import org.nd4j.autodiff.samediff.SDVariable;

import java.util.List;

/**
 * One distillation method. It declares the roles it consumes (which student/teacher tensors it
 * needs) and builds its scalar loss inside the student's graph; adapters it needs are created
 * through {@link LossInputs#adapter}. Trainers never ask which method they run. Its id, and what
 * else the registry knows about it (whether it takes a temperature), is stated once, where it is
 * registered ({@link DistillationLosses}); a loss reads its id from its {@link LossParams}.
 */
public interface DistillationLoss {

    /** Input roles this loss reads, e.g. ["logits"] or ["feats"]. */
    List<String> roles();

    /** Builds the scalar loss; called once per graph. */
    SDVariable build(LossInputs in);

    /**
     * The training state this loss keeps in a student graph that trains with it (CRD's memory
     * bank), created before {@link #build} so the loss can read it; null for a stateless loss.
     */
    default LossState createState(LossState.Context context) {
        return null;
    }

    /**
     * What must run on the teacher's features before student training (FT's paraphraser), valid
     * after {@link #build}; null when nothing must.
     */
    default Pretraining pretraining() {
        return null;
    }
}
