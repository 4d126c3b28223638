package org.beatgan.core.model.direct;

import org.beatgan.core.model.image.ClassifierSpec;
import org.beatgan.core.model.image.ImageClassifierGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Conv2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Im2col;
import org.nd4j.linalg.api.ops.impl.layers.convolution.MaxPooling2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.scalar.Step;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One pass of an image classifier ({@link ClassifierSpec}, the layers {@link ImageClassifierGraph}
 * builds, with the same kernels, configurations and parameter arrays) on a {@link Tape} for one
 * batch size: conv2d with bias then ReLU, max pooling, flatten (a view), linear (gemm plus bias)
 * with or without ReLU, and dropout as a multiplication by a mask the caller fills. A trainable
 * pass records every layer's backward and a gradient array per parameter; nobody reads the image's
 * gradient, so the first convolution skips it where that saves time ({@link #weightGradients}).
 */
final class ClassifierPass {

    private final ImageClassifierGraph graph;
    private final boolean trainable;
    private final Tape tape = new Tape();
    private final Node input;
    private final Node logits;
    private final ParameterBindings bindings;
    private final Map<String, INDArray> masks = new LinkedHashMap<>();
    private final NamedActivations names;
    /** The first convolution skips its input gradient above this work per example ({@link #weightGradients}). */
    private final long weightOnlyAboveFlops;

    ClassifierPass(ImageClassifierGraph graph, long batch, boolean trainable, long weightOnlyAboveFlops) {
        this.graph = graph;
        this.trainable = trainable;
        this.weightOnlyAboveFlops = weightOnlyAboveFlops;
        this.bindings = new ParameterBindings(graph.sameDiff()::getArrForVarName, graph.describe());
        this.names = new NamedActivations(tape, trainable);
        DataType type = graph.dataType();
        long[] in = graph.inputShape();
        INDArray x = Nd4j.create(type, batch, in[0], in[1], in[2]);
        input = new Node(x, null);
        Node h = input;
        for (ClassifierSpec.Layer layer : graph.spec().layers()) {
            if (layer instanceof ClassifierSpec.Conv c) {
                h = relu(conv(h, c));
            } else if (layer instanceof ClassifierSpec.MaxPool p) {
                h = maxPool(h, p.size());
            } else if (layer instanceof ClassifierSpec.Flatten) {
                long n = h.value().length() / batch;
                h = new Node(h.value().reshape(batch, n), trainable ? h.grad().reshape(batch, n) : null);
            } else if (layer instanceof ClassifierSpec.Linear l) {
                h = linear(h, l);
                if (l.relu()) h = relu(h);
            } else if (layer instanceof ClassifierSpec.Dropout d) {
                h = dropout(h, d.output() + "/mask");
            }
            h = names.name(h, layer.output());
        }
        logits = h;
    }

    Tape tape() {
        return tape;
    }

    /** The pass's image array, which the caller fills before running the forward. */
    INDArray input() {
        return input.value();
    }

    Node logits() {
        return logits;
    }

    /** d loss / d parameter, written by the backward pass (trainable passes). */
    Map<String, INDArray> gradients() {
        return bindings.gradients();
    }

    /** The dropout masks the caller fills before each forward, by placeholder name ({@code <layer>/mask}). */
    Map<String, INDArray> masks() {
        return masks;
    }

    /** Every layer's output by its activation name. */
    Map<String, Node> named() {
        return names.all();
    }

    /** Gradients to add to named activations in the next backward pass; replaced by the next call. */
    void extraGradients(Map<String, INDArray> g) {
        names.extraGradients(g);
    }

    /** True while the graph still holds the parameter arrays this pass's ops were bound to. */
    boolean bindsCurrentParameters() {
        return bindings.current();
    }

    private Node conv(Node in, ClassifierSpec.Conv c) {
        INDArray x = in.value();
        INDArray w = parameter(c.output() + "/W");
        INDArray b = parameter(c.output() + "/b");
        int pad = (c.kernel() - 1) / 2;
        long h = x.size(2) + 2L * pad - c.kernel() + 1;
        long wd = x.size(3) + 2L * pad - c.kernel() + 1;
        Node out = node(Nd4j.create(x.dataType(), x.size(0), c.channels(), h, wd));
        Conv2DConfig cfg = Conv2DConfig.builder().kH(c.kernel()).kW(c.kernel()).sH(1).sW(1).pH(pad).pW(pad)
                .dH(1).dW(1).paddingMode(PaddingMode.VALID).dataFormat("NCHW").build();
        Conv2D forward = new Conv2D(new INDArray[]{x, w, b}, new INDArray[]{out.value()}, cfg);
        tape.forward("conv2d", Tape.exec(forward));
        if (trainable && in == input && inputGradientFlops(x, c) > weightOnlyAboveFlops) {
            weightGradients(x, out.grad(), cfg, c, gradient(c.output() + "/W", w), gradient(c.output() + "/b", b));
        } else if (trainable) {
            // the image's gradient, where conv2d_bp must write one, is computed and not read
            INDArray dx = in == input ? x.like() : in.grad();
            tape.backward("conv2d_bp", Tape.exec(DynamicCustomOp.builder("conv2d_bp")
                    .addInputs(x, w, b, out.grad())
                    .addOutputs(dx, gradient(c.output() + "/W", w), gradient(c.output() + "/b", b))
                    .addIntegerArguments(intArgs(forward.iArgs())).build()));
        }
        return out;
    }

    /** Multiply-adds times 2 per example of a convolution's input gradient, the same as its forward's. */
    static long inputGradientFlops(INDArray x, ClassifierSpec.Conv c) {
        return 2L * c.channels() * x.size(1) * c.kernel() * c.kernel() * x.size(2) * x.size(3);
    }

    /**
     * The weight and bias gradients of a convolution whose input gradient nobody reads (the first
     * layer's): im2col of the input, then per example one matrix product of the output gradient
     * (Co, H W) with the columns (Ci kH kW, H W) transposed, summed into dW; db the output
     * gradient summed over batch and positions. {@code conv2d_bp} always computes the input
     * gradient too, which costs a forward pass's work; this path costs an im2col and a product
     * per example instead, so it pays only where that work is large (see
     * {@link ClassifierTrainingStep#WEIGHT_ONLY_ABOVE_FLOPS}).
     */
    private void weightGradients(INDArray x, INDArray dy, Conv2DConfig cfg, ClassifierSpec.Conv c,
                                 INDArray dw, INDArray db) {
        long batch = x.size(0);
        long ci = x.size(1);
        long co = c.channels();
        long k = c.kernel();
        long rows = ci * k * k;
        long positions = dy.size(2) * dy.size(3);
        INDArray columns = Nd4j.create(x.dataType(), batch, ci, k, k, dy.size(2), dy.size(3));
        DynamicCustomOp im2col = DynamicCustomOp.builder("im2col").addInputs(x).addOutputs(columns)
                .addIntegerArguments(intArgs(new Im2col(x, cfg).iArgs())).build();
        INDArray product = Nd4j.create(x.dataType(), co, rows);
        // (Co, Ci, kH, kW) -> the graph's (kH, kW, Ci, Co)
        INDArray productAsWeight = product.reshape(co, ci, k, k).permute(2, 3, 1, 0);
        // db as a product with ones (1.5 ms on (128, 128, 32, 32) at 2 threads, a sum over axes 0, 2, 3: 10.4)
        INDArray perMap = Nd4j.create(x.dataType(), batch * co, 1);
        INDArray ones = Nd4j.ones(x.dataType(), positions, 1);
        INDArray dyRows = dy.reshape(batch * co, positions);
        INDArray perMapByExample = perMap.reshape(batch, co);
        // backward steps run in reverse order of addition
        tape.backward("conv2d_bp (bias)", () -> {
            Nd4j.gemm(dyRows, ones, perMap, false, false, 1.0, 0.0);
            perMapByExample.sum(db, 0);
        });
        INDArray dyByExample = dy.reshape(batch, co, positions);
        INDArray columnsByExample = columns.reshape(batch, rows, positions);
        INDArray[] dyOf = new INDArray[(int) batch];
        INDArray[] columnsOf = new INDArray[(int) batch];
        for (int i = 0; i < batch; i++) {
            dyOf[i] = dyByExample.slice(i);
            columnsOf[i] = columnsByExample.slice(i);
        }
        tape.backward("conv2d_bp (weights product)", () -> {
            // one product per example, summed in place: at 3x32x32 (Ci kH kW = 27) ND4J's batched
            // Mmul of the same shapes took 10 ms, these 5-6 ms; OpenBLAS called directly on the
            // arrays' memory, 9.6 (at 1x28x28 all three take 1-3 ms)
            for (int i = 0; i < dyOf.length; i++) {
                Nd4j.gemm(dyOf[i], columnsOf[i], product, false, true, 1.0, i == 0 ? 0.0 : 1.0);
            }
            dw.assign(productAsWeight);
        });
        tape.backward("conv2d_bp (im2col)", Tape.exec(im2col));
    }

    private Node maxPool(Node in, int size) {
        INDArray x = in.value();
        Node out = node(Nd4j.create(x.dataType(), x.size(0), x.size(1), x.size(2) / size, x.size(3) / size));
        Pooling2DConfig cfg = Pooling2DConfig.builder().kH(size).kW(size).sH(size).sW(size)
                .pH(0).pW(0).dH(1).dW(1).isNHWC(false).build();
        MaxPooling2D forward = new MaxPooling2D(x, out.value(), cfg);
        tape.forward("maxpool2d", Tape.exec(forward));
        if (trainable) {
            tape.backward("maxpool2d_bp", Tape.exec(DynamicCustomOp.builder("maxpool2d_bp")
                    .addInputs(x, out.grad()).addOutputs(in.grad())
                    .addIntegerArguments(intArgs(forward.iArgs())).build()));
        }
        return out;
    }

    /** h W + b; backward: dh = dz W^T, dW = h^T dz, db = column sums of dz. */
    private Node linear(Node in, ClassifierSpec.Linear l) {
        INDArray x = in.value();
        INDArray w = parameter(l.output() + "/W");
        INDArray b = parameter(l.output() + "/b");
        Node out = node(Nd4j.create(x.dataType(), x.size(0), l.units()));
        INDArray z = out.value();
        INDArray bRow = b.reshape(1, b.length());
        tape.forward("linear", () -> {
            Nd4j.gemm(x, w, z, false, false, 1.0, 0.0);
            z.addiRowVector(bRow);
        });
        if (trainable) {
            INDArray dw = gradient(l.output() + "/W", w);
            INDArray db = gradient(l.output() + "/b", b);
            INDArray dz = out.grad();
            INDArray dx = in.grad();
            tape.backward("linear_bp", () -> {
                Nd4j.gemm(x, dz, dw, true, false, 1.0, 0.0);
                dz.sum(db, 0);
                Nd4j.gemm(dz, w, dx, false, true, 1.0, 0.0);
            });
        }
        return out;
    }

    /** ReLU in place; backward multiplies by the step of the output. */
    private Node relu(Node in) {
        INDArray h = in.value();
        tape.forward("relu", Tape.exec(new RectifiedLinear(h, h, 0.0)));
        if (trainable) {
            INDArray mask = h.like();
            tape.backward("relu_bp", Tape.exec(new Step(h, mask, 0.0)), Tape.exec(new MulOp(in.grad(), mask, in.grad())));
        }
        return in;
    }

    private Node dropout(Node in, String maskName) {
        INDArray mask = in.value().like();
        masks.put(maskName, mask);
        Node out = node(in.value().like());
        tape.forward("dropout", Tape.exec(new MulOp(in.value(), mask, out.value())));
        if (trainable) {
            tape.backward("dropout_bp", Tape.exec(new MulOp(out.grad(), mask, in.grad())));
        }
        return out;
    }

    private Node node(INDArray value) {
        return new Node(value, trainable ? value.like() : null);
    }

    private INDArray parameter(String name) {
        return bindings.parameter(name);
    }

    private INDArray gradient(String name, INDArray parameter) {
        return bindings.gradient(name, parameter);
    }

    private static int[] intArgs(long[] a) {
        return Arrays.stream(a).mapToInt(v -> (int) v).toArray();
    }
}
