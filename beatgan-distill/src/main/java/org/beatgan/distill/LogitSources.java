package org.beatgan.distill;

import org.beatgan.core.model.DistillableModel.Logits;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * A tapped activation as the tensor a loss reads: as it is, batch axis free, in every role but
 * {@code logits}; there, in the form its model declares ({@link org.beatgan.core.model.DistillableModel#logits}).
 */
final class LogitSources {

    private LogitSources() {
    }

    static Tensor apply(SameDiff sd, String role, Logits.Form form, SDVariable v, long[] probedShape) {
        long[] shape = probedShape.clone();
        shape[0] = -1;
        if (!role.equals(Tap.LOGITS)) {
            return new Tensor(v, shape);
        }
        return switch (form) {
            case BATCH_AS_CLASSES -> new Tensor(sd.reshape(v, 1, -1), new long[]{1, -1});
            case BINARY -> {
                SDVariable z = sd.reshape(v, -1, 1);
                yield new Tensor(sd.concat(1, z, sd.zerosLike(z)), new long[]{-1, 2});
            }
            case FLATTEN -> {
                Tensor t = new Tensor(v, shape);
                yield t.rank() == 2 ? t : new Tensor(sd.reshape(v, -1, t.perSample()), new long[]{-1, t.perSample()});
            }
        };
    }
}
