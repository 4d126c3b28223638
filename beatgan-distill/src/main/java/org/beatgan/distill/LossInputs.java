package org.beatgan.distill;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

/**
 * What a distillation loss sees when it builds its expression: the graph, the student and teacher
 * tensors it asked for (by role, e.g. "logits", "feats", "feat"), and a way to create the trainable
 * adapters it owns. Teacher tensors are constants or placeholders: no gradient reaches them.
 */
public interface LossInputs {

    SameDiff sd();

    /** Student tensors of a role (one per tapped layer pair for list roles such as "feats"). */
    List<Tensor> student(String role);

    /** Teacher tensors of a role, paired index by index with {@link #student(String)}. */
    List<Tensor> teacher(String role);

    /**
     * A tensor of the loss's own training state by name ({@link LossState#inputs()}: CRD's memory
     * banks, a probing loss's extra passes), or null when the caller holds none by that name.
     */
    default Tensor state(String name) {
        return null;
    }

    /** {@link #state(String)}, failing with a message naming {@code lossId} when the state is absent. */
    default Tensor requireState(String lossId, String name) {
        Tensor t = state(name);
        if (t == null) {
            throw new IllegalStateException(lossId + ": built without its training state '" + name
                    + "' (it needs a distillation with both models; see LossState)");
        }
        return t;
    }

    default Tensor studentOne(String role) {
        return single(student(role), "student", role);
    }

    default Tensor teacherOne(String role) {
        return single(teacher(role), "teacher", role);
    }

    /**
     * A trainable adapter weight owned by the loss (regressor, embedding, ...), trained with the
     * student's optimizer and saved with the student. {@code init} gives shape, type and start value.
     */
    SDVariable adapter(String name, INDArray init);

    /**
     * A frozen weight owned by the loss (e.g. FT's paraphraser, pre-trained separately): part of
     * the graph but never trained (a constant; no gradient, no optimizer state). {@code init} gives
     * shape, type and value. The default suits a graph holding a single loss; implementations that
     * hold several terms prefix the name as they do for {@link #adapter}.
     */
    default SDVariable frozen(String name, INDArray init) {
        return sd().constant(name, init);
    }

    /**
     * The stored value of adapter or frozen weight {@code name} when the caller has one (a reference
     * vector, a checkpoint), else null. A loss whose adapter size is a free choice not fixed by its
     * parameters (VID's hidden width) sizes the adapter after it, so the stored weight fits.
     */
    default INDArray preset(String name) {
        return null;
    }

    private static Tensor single(List<Tensor> list, String side, String role) {
        if (list.size() != 1) {
            throw new IllegalArgumentException("Expected exactly one " + side + " tensor for role '" + role
                    + "', got " + list.size());
        }
        return list.get(0);
    }
}
