package org.beatgan.core.model;

/**
 * A trainable parameter of the BeatGAN graph and how BeatGAN initialises it.
 *
 * @param name     SameDiff variable name
 * @param kind     what the array is, which decides its initialisation
 * @param fanSum   fan-in + fan-out of a convolution weight (Xavier-normal's denominator); 0 otherwise
 */
public record ParamSpec(String name, Kind kind, long fanSum) {

    public enum Kind {
        /** Convolution or transposed-convolution weight: Xavier-normal. */
        CONV_WEIGHT,
        /** Batch-norm scale: N(1, 0.02). */
        BN_GAMMA,
        /** Batch-norm shift: 0. */
        BN_BETA
    }
}
