package org.beatgan.core.model;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.imports.converters.DifferentialFunctionClassHolder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.layers.convolution.BatchNorm;
import org.nd4j.linalg.util.HashUtil;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * libnd4j's fused {@code batchnorm} op with a gradient that M2.1 can build: one forward op and one
 * {@code batchnorm_bp} op per batch norm instead of about twenty elementary ops and their
 * broadcast backprops, which were the largest cost of a training step (docs/performance.md).
 *
 * <p>Two M2.1 defects are worked around. {@code BatchNorm.doDiff} builds its derivative from the
 * {@code jaxis} field, which is null on the copy that SameDiff makes for the gradient function, so
 * the gradient fails ("Invalid axis argument ... Got null"; shared notes); here the axis, the
 * gamma/beta flags and epsilon come from the op's integer and float arguments, which the copy
 * keeps. And that copy (like {@code SameDiff.load}) instantiates ops by op name, so
 * {@link #register()} maps the name {@code batchnorm} to this class in ND4J's op registry; saved
 * graphs stay standard {@code batchnorm} ops.
 *
 * <p>{@code batchnorm_bp} returns the FULL derivative with respect to the input, as if mean and
 * variance were the batch statistics of that input (checked against the elementary formulation and
 * numerically in tests). Callers therefore pass batch statistics through a stop-gradient, and the
 * input gradient is only meaningful when the statistics fed are the batch's own (training mode).
 */
public final class NativeBatchNorm extends BatchNorm {

    private static volatile boolean registered;

    /** For ND4J's registry and deserialisation. */
    public NativeBatchNorm() {
    }

    public NativeBatchNorm(SameDiff sd, SDVariable input, SDVariable mean, SDVariable variance, SDVariable gamma,
                           SDVariable beta, double epsilon, int channelAxis) {
        super(sd, input, mean, variance, gamma, beta, epsilon, new int[]{channelAxis});
    }

    /**
     * Ignores the properties a copy or a loaded graph hands over: ND4J would look them up among
     * this class's own declared fields, find none and log four warnings per batch norm per copy.
     * Nothing is lost: the op runs, and {@link #doDiff} builds its derivative, from the integer and
     * float arguments, which copies and loads keep.
     */
    @Override
    public void setPropertiesForFunction(Map<String, Object> properties) {
    }

    @Override
    public List<SDVariable> doDiff(List<SDVariable> gradients) {
        List<SDVariable> inputs = new ArrayList<>(Arrays.asList(args()));
        inputs.add(gradients.get(0));
        return Arrays.asList(new Backprop(sameDiff, inputs.toArray(new SDVariable[0]), iArgs(), tArgs()[0])
                .outputVariables());
    }

    /**
     * Makes ND4J instantiate {@code batchnorm} ops as this class (the gradient function's copy of a
     * graph and {@code SameDiff.load} both go through the registry). Idempotent.
     */
    public static void register() {
        if (registered) {
            return;
        }
        synchronized (NativeBatchNorm.class) {
            if (registered) {
                return;
            }
            try {
                DifferentialFunctionClassHolder holder = DifferentialFunctionClassHolder.getInstance();
                long hash = HashUtil.getLongHash("batchnorm");
                registry(holder, "customOpHashToClass", Long.class, Class.class).put(hash, NativeBatchNorm.class);
                registry(holder, "nodeConverters", String.class, Object.class).put("batchnorm", new NativeBatchNorm());
            } catch (ReflectiveOperationException | RuntimeException e) {
                throw new IllegalStateException("Cannot register the batch-norm gradient fix in ND4J's op registry "
                        + "(this code targets ND4J 1.0.0-M2.1): " + e, e);
            }
            registered = true;
        }
    }

    @SuppressWarnings("unchecked")
    private static <K, V> Map<K, V> registry(DifferentialFunctionClassHolder holder, String field, Class<K> k,
                                             Class<V> v) throws ReflectiveOperationException {
        Field f = DifferentialFunctionClassHolder.class.getDeclaredField(field);
        f.setAccessible(true);
        return (Map<K, V>) f.get(holder);
    }

    /** libnd4j's {@code batchnorm_bp}: gradients for input, mean, variance and, when applied, gamma and beta. */
    public static final class Backprop extends DynamicCustomOp {

        private int outputs;

        public Backprop() {
        }

        Backprop(SameDiff sd, SDVariable[] inputs, long[] forwardIntArgs, double epsilon) {
            super(null, sd, inputs);
            addIArgument(forwardIntArgs);
            addTArgument(epsilon);
            outputs = 3 + (int) forwardIntArgs[0] + (int) forwardIntArgs[1];
        }

        @Override
        public String opName() {
            return "batchnorm_bp";
        }

        @Override
        public int getNumOutputs() {
            return outputs;
        }

        @Override
        public List<DataType> calculateOutputDataTypes(List<DataType> inputTypes) {
            return Collections.nCopies(outputs, inputTypes.get(0));
        }
    }
}
