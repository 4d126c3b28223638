package org.beatgan.core.model.direct;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An activation of a hand-written pass and the gradient of the loss with respect to it, both
 * preallocated. Exactly one consumer writes {@code grad} during the backward pass; activations
 * applied in place share their input's arrays.
 */
record Node(INDArray value, INDArray grad) {

    static Node like(INDArray value) {
        return new Node(value, value.like());
    }
}
