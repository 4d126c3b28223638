package org.beatgan.distill;

import org.beatgan.core.model.ActivationNames;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * What "logits" mean for BeatGAN, which has no classifier head. A tap in the role {@code logits}
 * may name one of these sources; any other activation is flattened to (B, N) logits.
 * <ul>
 *   <li>{@code score}: the per-beat anomaly scores, as ONE sample whose classes are the beats of the
 *       batch (softmax across the batch, as the seeds' KD did);</li>
 *   <li>{@code discriminator}: D's logit z per beat as the two-class logits [z, 0];</li>
 *   <li>{@code reconstruction}: the generated beat, softmax across its time steps.</li>
 * </ul>
 */
final class LogitSources {

    private LogitSources() {
    }

    static String activationOf(String role, String tap) {
        if (!role.equals("logits")) {
            return tap;
        }
        return switch (tap) {
            case "score" -> ActivationNames.G_SCORE;
            case "discriminator" -> ActivationNames.D_LOGIT;
            case "reconstruction" -> ActivationNames.G_OUT;
            default -> tap;
        };
    }

    static Tensor apply(SameDiff sd, String role, String activation, SDVariable v, long[] probedShape) {
        long[] shape = probedShape.clone();
        shape[0] = -1;
        if (!role.equals("logits")) {
            return new Tensor(v, shape);
        }
        if (activation.equals(ActivationNames.G_SCORE)) {
            return new Tensor(sd.reshape(v, 1, -1), new long[]{1, -1});
        }
        if (activation.equals(ActivationNames.D_LOGIT)) {
            SDVariable z = sd.reshape(v, -1, 1);
            return new Tensor(sd.concat(1, z, sd.zerosLike(z)), new long[]{-1, 2});
        }
        Tensor t = new Tensor(v, shape);
        return t.rank() == 2 ? t : new Tensor(sd.reshape(v, -1, t.perSample()), new long[]{-1, t.perSample()});
    }
}
