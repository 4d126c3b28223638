package org.beatgan.core.model.direct;

import org.beatgan.core.model.BeatGanGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarAdd;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarMultiplication;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarReverseSubtraction;
import org.nd4j.linalg.api.ops.impl.scalar.Step;
import org.nd4j.linalg.api.ops.impl.transforms.custom.Max;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Tanh;
import org.nd4j.linalg.factory.Nd4j;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Builds one pass of BeatGAN's layers onto a {@link Tape}, with the same kernels, configurations
 * and parameter names as {@code BeatGanGraphBuilder}, so parameter and gradient arrays line up
 * with the graph's. A trainable pass records the backward of every layer and a gradient array per
 * parameter; a forward-only pass records neither. Batch norms use the pass's own batch statistics.
 */
final class PassBuilder {

    private static final double LEAKY_SLOPE = org.beatgan.core.model.BeatGanArchitecture.LEAKY_SLOPE;

    private final BeatGanGraph graph;
    private final boolean trainable;
    private final boolean weightGradients;
    private final BatchNormKernel batchNorm;
    private final Tape tape = new Tape();
    private final ParameterBindings bindings;
    private final Map<String, INDArray> statistics = new LinkedHashMap<>();
    private final NamedActivations names;

    /** Whose batch statistics this pass computes: its names are the graph's names for that pass. */
    private final BeatGanGraph.StatisticsPass statisticsPass;

    PassBuilder(BeatGanGraph graph, boolean trainable, BeatGanGraph.StatisticsPass statisticsPass) {
        this(graph, trainable, true, statisticsPass);
    }

    /**
     * A pass; a trainable one without {@code weightGradients} still differentiates to its input but
     * computes no convolution weight gradients (nobody reads them: D's weights in G's adversarial term).
     */
    PassBuilder(BeatGanGraph graph, boolean trainable, boolean weightGradients,
                BeatGanGraph.StatisticsPass statisticsPass) {
        this.graph = graph;
        this.trainable = trainable;
        this.weightGradients = weightGradients;
        this.statisticsPass = statisticsPass;
        this.batchNorm = BatchNormKernel.forType(graph.dataType());
        this.names = new NamedActivations(tape, trainable);
        this.bindings = new ParameterBindings(graph::array, graph.describe());
    }

    Tape tape() {
        return tape;
    }

    /** True while the graph still holds every array this pass's ops were bound to. */
    boolean bindsCurrentParameters() {
        return bindings.current();
    }

    /** d loss / d parameter, written by the backward pass (trainable passes). */
    Map<String, INDArray> gradients() {
        return bindings.gradients();
    }

    /** Batch means and variances by the graph's names for this pass ("G/enc/bn2/batch_mean", "Dfake/bn2/batch_mean", ...). */
    Map<String, INDArray> statistics() {
        return statistics;
    }

    /** Activations named by {@link #name}, by name. */
    Map<String, Node> named() {
        return names.all();
    }

    /** Names an activation (one of the graph's activation names); see {@link NamedActivations#name}. */
    Node name(Node node, String activation) {
        return names.name(node, activation);
    }

    /** Gradients to add to named activations in the next backward pass; replaced by the next call. */
    void extraGradients(Map<String, INDArray> gradients) {
        names.extraGradients(gradients);
    }

    /** An input of the pass: its gradient array is written only if {@code grad} is non-null. */
    Node input(INDArray value, INDArray grad) {
        return new Node(value, trainable && grad == null ? value.like() : grad);
    }

    Node conv(Node in, String weight, int kernel, int stride, int pad) {
        INDArray x = in.value();
        long length = (x.size(2) + 2L * pad - kernel) / stride + 1;
        return convolution(in, weight, kernel, stride, pad, length, "conv1d", ConvKernel::conv);
    }

    /** 1-D transposed convolution, as libnd4j's deconv2d on (B, C, 1, L) views ({@link ConvKernel#deconv}). */
    Node deconv(Node in, String weight, int kernel, int stride, int pad) {
        long length = (in.value().size(2) - 1) * stride - 2L * pad + kernel;
        return convolution(in, weight, kernel, stride, pad, length, "deconv2d", ConvKernel::deconv);
    }

    private Node convolution(Node in, String weight, int kernel, int stride, int pad, long length, String op,
                             java.util.function.Function<ConvKernel.Arrays, ConvKernel.Bound> bind) {
        INDArray w = parameter(weight);
        INDArray x = in.value();
        Node out = node(Nd4j.create(x.dataType(), x.size(0), w.size(2), length));
        ConvKernel.Bound bound = bind.apply(new ConvKernel.Arrays(x, w, out.value(), out.grad(),
                trainable ? in.grad() : null, trainable && weightGradients ? gradient(weight, w) : null,
                kernel, stride, pad));
        tape.forward(op, bound.forward());
        if (trainable) {
            tape.backward(bound.backwardName(), bound.backward());
        }
        return out;
    }

    Node batchNorm(Node in, String name) {
        INDArray gamma = parameter(name + "/gamma");
        INDArray beta = parameter(name + "/beta");
        INDArray x = in.value();
        long channels = x.size(1);
        INDArray mean = Nd4j.create(x.dataType(), channels);
        INDArray var = Nd4j.create(x.dataType(), channels);
        statistics.put(statisticsPass.statisticName(name) + "/batch_mean", mean);
        statistics.put(statisticsPass.statisticName(name) + "/batch_var", var);
        Node out = node(x.like());
        // a forward-only pass still needs arrays to bind; its backward is never run
        INDArray dGamma = trainable ? gradient(name + "/gamma", gamma) : gamma.like();
        INDArray dBeta = trainable ? gradient(name + "/beta", beta) : beta.like();
        BatchNormKernel.Bound bound = batchNorm.bind(new BatchNormKernel.Arrays(x, gamma, beta, mean, var,
                out.value(), trainable ? out.grad() : x.like(), trainable ? in.grad() : x.like(), dGamma, dBeta));
        tape.forward(batchNorm.name(), bound.forward());
        if (trainable) {
            tape.backward(batchNorm.name() + "_bp", bound.backward());
        }
        return out;
    }

    /** max(h, 0.2 h) in place; backward multiplies by 1 where the output is positive, 0.2 elsewhere. */
    Node leakyRelu(Node in) {
        INDArray h = in.value();
        INDArray scratch = h.like();
        tape.forward("leaky_relu", Tape.exec(new ScalarMultiplication(h, null, scratch, LEAKY_SLOPE)),
                Tape.exec(new Max(new INDArray[]{h, scratch}, new INDArray[]{h})));
        if (trainable) {
            tape.backward("leaky_relu_bp", Tape.exec(new Step(h, scratch, 0.0)),
                    Tape.exec(new ScalarMultiplication(scratch, null, scratch, 1 - LEAKY_SLOPE)),
                    Tape.exec(new ScalarAdd(scratch, null, scratch, LEAKY_SLOPE)),
                    Tape.exec(new MulOp(in.grad(), scratch, in.grad())));
        }
        return in;
    }

    Node relu(Node in) {
        INDArray h = in.value();
        tape.forward("relu", Tape.exec(new RectifiedLinear(h, h, 0.0)));
        if (trainable) {
            INDArray mask = h.like();
            tape.backward("relu_bp", Tape.exec(new Step(h, mask, 0.0)), Tape.exec(new MulOp(in.grad(), mask, in.grad())));
        }
        return in;
    }

    /** tanh in place; backward multiplies by 1 - y^2. */
    Node tanh(Node in) {
        INDArray h = in.value();
        tape.forward("tanh", Tape.exec(new Tanh(h, h)));
        if (trainable) {
            INDArray slope = h.like();
            tape.backward("tanh_bp", Tape.exec(new MulOp(h, h, slope)),
                    Tape.exec(new ScalarReverseSubtraction(slope, null, slope, 1.0)),
                    Tape.exec(new MulOp(in.grad(), slope, in.grad())));
        }
        return in;
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
}
