package org.beatgan.distill.loss;

import org.beatgan.distill.LossInputs;
import org.beatgan.distill.LossParams;
import org.beatgan.distill.Tensor;
import org.beatgan.distill.ops.DistillOps;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Set;

/**
 * The small classifier of the methods that need the networks (sobolev, lwm, bss; reference README,
 * "Methods that need the networks"), one per side:
 * <pre>
 * fm  = tanh(conv(x;  conv1.W (C1, C_in, 3[,3]), conv1.b, pad 1))
 * z   = tanh(conv(fm; conv2.W (C2, C1, 3[,3]),  conv2.b, pad 1))
 * out = flat(z) fc.W^T + fc.b          fc.W (K, C2 * positions)
 * </pre>
 * Weights {@code <side>.conv1.W}, ... in the reference layout: the student's are adapters
 * (trainable), the teacher's frozen. Their sizes come from stored weights ({@link LossInputs#preset})
 * when the caller has them, else from the parameters {@code student_c1}, {@code student_c2},
 * {@code teacher_c1}, {@code teacher_c2}, {@code classes} (defaults 3, 4, 5, 6, 4: the reference's
 * 1-D sizes); initial values are PyTorch's defaults.
 *
 * <p><b>Input gradients in closed form.</b> SameDiff M2.1 cannot differentiate a gradient it built
 * itself (its backprop ops, e.g. {@code Conv1DDerivative}, have no {@code doDiff}), so a loss that
 * contains an input gradient cannot ask SameDiff for it. For this network the backward pass is
 * written as ordinary forward ops instead: for an upstream gradient {@code dOut = dS/dout} (B, K),
 * <pre>
 * dz  = reshape(dOut fc.W)                   da2 = dz  * (1 - z^2)
 * dfm = convT(da2; conv2.W)                  da1 = dfm * (1 - fm^2)
 * dx  = convT(da1; conv1.W)
 * </pre>
 * with {@code convT} the adjoint convolution ({@link DistillOps#convInputGrad}). This is the exact
 * derivative (not an approximation), and since it is an ordinary graph SameDiff differentiates it
 * again: the gradient of a loss of {@code dfm} or {@code dx} with respect to the weights is the
 * double-backpropagation gradient.
 */
public final class TinyClassifier {

    /** Parameters that size the networks when no stored weights are given. */
    public static final Set<String> SIZE_PARAMS = Set.of("student_c1", "student_c2", "teacher_c1", "teacher_c2",
            "classes");

    /** Kernel size of both convolutions (padding 1 keeps the spatial size). */
    public static final int KERNEL = 3;

    private final SameDiff sd;
    private final int dims;
    private final long c1;
    private final long c2;
    private final long k;
    private final long[] spatial;
    private final SDVariable w1, b1, w2, b2, fcW, fcB;

    /** The activations of one forward pass. */
    public record Forward(SDVariable fm, SDVariable z, SDVariable out) {
    }

    /** The closed-form backward pass of one upstream gradient: d/dfm (Grad-CAM's G) and d/dx. */
    /**
     * Student and teacher on the same constant input, with the one-hot selection of each sample's
     * target logit, whose gradients sobolev and lwm compare.
     */
    public record Pair(SameDiff sd, Tensor x, SDVariable input, TinyClassifier student, TinyClassifier teacher,
                       SDVariable pick) {

        public static Pair of(String lossId, LossInputs in, LossParams params) {
            SameDiff sd = in.sd();
            Tensor x = in.studentOne("x");
            SDVariable target = in.studentOne("target").var();
            TinyClassifier student = TinyClassifier.student(in, params, x);
            TinyClassifier teacher = TinyClassifier.teacher(in, params, x);
            NetworkChecks.sameClasses(lossId, student, teacher);
            SDVariable pick = oneHot(sd, target, student.classes(), x.var().dataType());
            return new Pair(sd, x, DistillOps.stopGradient(sd, x.var()), student, teacher, pick);
        }
    }

    public record Backward(SDVariable dFm, SDVariable dX) {
    }

    private TinyClassifier(SameDiff sd, int dims, long c1, long c2, long k, long[] spatial, SDVariable w1, SDVariable b1,
                           SDVariable w2, SDVariable b2, SDVariable fcW, SDVariable fcB) {
        this.sd = sd;
        this.dims = dims;
        this.c1 = c1;
        this.c2 = c2;
        this.k = k;
        this.spatial = spatial;
        this.w1 = w1;
        this.b1 = b1;
        this.w2 = w2;
        this.b2 = b2;
        this.fcW = fcW;
        this.fcB = fcB;
    }

    /** The trainable student network for inputs shaped like {@code x}. */
    public static TinyClassifier student(LossInputs in, LossParams params, Tensor x) {
        return create(in, params, x, "student", true, 3, 4, 700);
    }

    /** The frozen teacher network for inputs shaped like {@code x}. */
    public static TinyClassifier teacher(LossInputs in, LossParams params, Tensor x) {
        return create(in, params, x, "teacher", false, 5, 6, 710);
    }

    private static TinyClassifier create(LossInputs in, LossParams params, Tensor x, String side, boolean trainable,
                                         int dC1, int dC2, long seed) {
        if (x.rank() != 3 && x.rank() != 4) {
            throw new IllegalArgumentException(side + " network: input " + x.describe()
                    + ", expected (B, C, L) or (B, C, H, W)");
        }
        int dims = x.rank() - 2;
        long cIn = x.channels();
        long[] spatial = x.spatial();
        long positions = DistillOps.positions(spatial);
        DataType dt = x.var().dataType();
        String p = side + ".";
        long c1 = size(in, p + "conv1.W", 0, params, side + "_c1", dC1);
        long c2 = size(in, p + "conv2.W", 0, params, side + "_c2", dC2);
        long k = size(in, p + "fc.W", 0, params, "classes", 4);
        long[] w1Shape = DistillOps.convWeightShape(c1, cIn, KERNEL, dims);
        long[] w2Shape = DistillOps.convWeightShape(c2, c1, KERNEL, dims);
        long[] fcShape = {k, c2 * positions};
        long f1 = DistillOps.fanIn(w1Shape), f2 = DistillOps.fanIn(w2Shape), f3 = c2 * positions;
        SDVariable w1 = weight(in, trainable, p + "conv1.W", DistillOps.torchDefault(w1Shape, f1, dt, seed));
        SDVariable b1 = weight(in, trainable, p + "conv1.b", DistillOps.torchDefault(new long[]{c1}, f1, dt, seed + 1));
        SDVariable w2 = weight(in, trainable, p + "conv2.W", DistillOps.torchDefault(w2Shape, f2, dt, seed + 2));
        SDVariable b2 = weight(in, trainable, p + "conv2.b", DistillOps.torchDefault(new long[]{c2}, f2, dt, seed + 3));
        SDVariable fcW = weight(in, trainable, p + "fc.W", DistillOps.torchDefault(fcShape, f3, dt, seed + 4));
        SDVariable fcB = weight(in, trainable, p + "fc.b", DistillOps.torchDefault(new long[]{k}, f3, dt, seed + 5));
        return new TinyClassifier(in.sd(), dims, c1, c2, k, spatial, w1, b1, w2, b2, fcW, fcB);
    }

    private static long size(LossInputs in, String weight, int axis, LossParams params, String param, int dflt) {
        INDArray stored = in.preset(weight);
        return stored != null ? stored.size(axis) : params.positiveInt(param, dflt);
    }

    private static SDVariable weight(LossInputs in, boolean trainable, String name, INDArray init) {
        return trainable ? in.adapter(name, init) : in.frozen(name, init);
    }

    /** fm, z and the logits out (B, K) for x (B, C_in, ...). */
    public Forward forward(SDVariable x) {
        SDVariable fm = sd.math().tanh(DistillOps.conv(sd, x, dims, w1, b1, KERNEL));
        SDVariable z = sd.math().tanh(DistillOps.conv(sd, fm, dims, w2, b2, KERNEL));
        SDVariable out = DistillOps.linear(sd, sd.reshape(z, -1, c2 * DistillOps.positions(spatial)), fcW, fcB);
        return new Forward(fm, z, out);
    }

    /**
     * The gradients of {@code S} with respect to fm and x for the upstream gradient
     * {@code dOut = dS/dout} (B, K) of a forward pass {@code f}, as differentiable graph ops.
     */
    public Backward backward(Forward f, SDVariable dOut) {
        long[] mapShape = new long[2 + spatial.length];
        mapShape[0] = -1;
        mapShape[1] = c2;
        System.arraycopy(spatial, 0, mapShape, 2, spatial.length);
        SDVariable dz = sd.reshape(sd.mmul(dOut, fcW), mapShape);
        SDVariable da2 = dz.mul(tanhDerivative(f.z()));
        SDVariable dFm = DistillOps.convInputGrad(sd, da2, dims, w2, KERNEL);
        SDVariable da1 = dFm.mul(tanhDerivative(f.fm()));
        SDVariable dX = DistillOps.convInputGrad(sd, da1, dims, w1, KERNEL);
        return new Backward(dFm, dX);
    }

    /** tanh'(a) = 1 - tanh(a)^2 from the output y = tanh(a). */
    private SDVariable tanhDerivative(SDVariable y) {
        return sd.math().square(y).rsub(1.0);
    }

    /** One-hot rows (B, K) of int64 class indices (B), a constant of type {@code dt}. */
    public static SDVariable oneHot(SameDiff sd, SDVariable classes, long k, DataType dt) {
        return DistillOps.stopGradient(sd, sd.oneHot(classes, (int) k, -1, 1.0, 0.0, dt));
    }

    /**
     * The output bias fc.b. It shifts the logits but not their input gradients, so a loss built only
     * from {@link #backward} does not depend on it (gradient exactly 0); such losses tie it in with
     * {@link DistillOps#withZeroGradient} so the zero gradient is reported.
     */
    public SDVariable outputBias() {
        return fcB;
    }

    /** Channels C1 of the feature map fm. */
    public long featureChannels() {
        return c1;
    }

    /** Number of classes K. */
    public long classes() {
        return k;
    }
}
