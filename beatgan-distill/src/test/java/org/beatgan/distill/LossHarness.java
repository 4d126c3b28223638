package org.beatgan.distill;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * One loss built on its own in a small graph, as the safety and gradient tests of the loss zoo need it:
 * the {@link LossInputs} over given student, teacher and state tensors (adapters and frozen weights
 * checked to follow the student's data type and recorded), and the shared checks on the result.
 */
final class LossHarness implements LossInputs {

    private final SameDiff sd;
    private final DataType dt;
    private final Map<String, List<Tensor>> student;
    private final Map<String, List<Tensor>> teacher;
    private final Map<String, Tensor> state;
    /** Variables that must receive gradients: the test's own trainable inputs, then every adapter. */
    private final List<String> trainable;

    /**
     * @param teacher   teacher tensors by role; null for losses that must not ask for any
     * @param state     the loss's state tensors by name (CRD's banks), or an empty map
     * @param trainable the test's trainable inputs; adapters are appended as the loss creates them
     */
    LossHarness(SameDiff sd, DataType dt, Map<String, List<Tensor>> student, Map<String, List<Tensor>> teacher,
                Map<String, Tensor> state, List<String> trainable) {
        this.sd = sd;
        this.dt = dt;
        this.student = student;
        this.teacher = teacher;
        this.state = state;
        this.trainable = trainable;
    }

    @Override
    public SameDiff sd() {
        return sd;
    }

    @Override
    public List<Tensor> student(String role) {
        return student.get(role);
    }

    @Override
    public List<Tensor> teacher(String role) {
        if (teacher == null) {
            throw new IllegalArgumentException("the loss asked for a teacher tensor ('" + role + "')");
        }
        return teacher.get(role);
    }

    @Override
    public Tensor state(String name) {
        return state.get(name);
    }

    @Override
    public SDVariable adapter(String name, INDArray init) {
        assertEquals(dt, init.dataType(), "adapter " + name + " must follow the student's type");
        trainable.add(name);
        return sd.var(name, init.dup());
    }

    @Override
    public SDVariable frozen(String name, INDArray init) {
        assertEquals(dt, init.dataType(), "frozen " + name + " must follow the student's type");
        return sd.constant(name, init);
    }

    /** Builds the loss here and makes it the graph's loss. */
    SDVariable build(DistillationLoss loss) {
        SDVariable out = loss.build(this);
        sd.setLossVariables(out);
        return out;
    }

    List<String> trainable() {
        return trainable;
    }

    /** The loss's value, which must be finite. */
    static double finiteValue(SameDiff sd, SDVariable loss, String what) {
        double value = sd.output(new HashMap<>(), loss.name()).get(loss.name()).getDouble(0);
        assertTrue(Double.isFinite(value), what + ": loss " + value);
        return value;
    }

    /** Gradients of the loss for every trainable variable: present, shaped as the variable, finite everywhere. */
    static Map<String, INDArray> finiteGradients(SameDiff sd, List<String> trainable, String what) {
        Map<String, INDArray> grads = sd.calculateGradients(new HashMap<>(), trainable);
        for (String v : trainable) {
            INDArray g = grads.get(v);
            assertNotNull(g, what + ": no gradient for " + v);
            assertArrayEquals(sd.getArrForVarName(v).shape(), g.shape(), what + ": gradient shape of " + v);
            double[] data = g.castTo(DataType.DOUBLE).reshape(-1).toDoubleVector();
            for (int i = 0; i < data.length; i++) {
                assertTrue(Double.isFinite(data[i]), what + ": gradient of " + v + "[" + i + "] = " + data[i]);
            }
        }
        return grads;
    }

    /** Batch size first, then the per-example shape. */
    static long[] prepend(long b, long[] rest) {
        long[] out = new long[rest.length + 1];
        out[0] = b;
        System.arraycopy(rest, 0, out, 1, rest.length);
        return out;
    }
}
