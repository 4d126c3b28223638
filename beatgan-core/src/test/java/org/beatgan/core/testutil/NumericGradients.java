package org.beatgan.core.testutil;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.function.DoubleSupplier;

/**
 * The numeric side of every gradient check in the project's tests (core, distill and experiments
 * share it through beatgan-core's test jar): a central difference of a scalar loss with respect to
 * one element of a live parameter or input array, the element restored afterwards. Each test keeps
 * its own sampling of elements and its own tolerance, since those encode what it checks (kinks of
 * leaky ReLUs, float vs double).
 */
public final class NumericGradients {

    private NumericGradients() {
    }

    /**
     * {@code (loss(x_i + eps) - loss(x_i - eps)) / (2 eps)} for element {@code index} of {@code array},
     * which {@code loss} must read (a graph variable's own array, an input fed by reference); the
     * element holds its original value again on return, also when {@code loss} throws.
     */
    public static double centralDifference(INDArray array, long index, double eps, DoubleSupplier loss) {
        double original = array.getDouble(index);
        try {
            array.putScalar(index, original + eps);
            double plus = loss.getAsDouble();
            array.putScalar(index, original - eps);
            double minus = loss.getAsDouble();
            return (plus - minus) / (2 * eps);
        } finally {
            array.putScalar(index, original);
        }
    }
}
