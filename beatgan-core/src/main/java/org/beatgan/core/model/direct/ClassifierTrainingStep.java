package org.beatgan.core.model.direct;

import org.beatgan.core.model.image.ImageClassifierGraph;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * An image classifier's training step outside SameDiff: the layers of {@link ClassifierPass} on
 * tapes built once per batch size, the task loss (mean softmax cross-entropy, as the graph's
 * {@code loss/ce}) and its gradient in Java, and further terms on named activations whose
 * gradients join the backward pass. The same loss and gradients as the graph's
 * {@code calculateGradientsAndOutputs} for the same feed, without its per-op allocation and
 * bookkeeping; {@link #forward} runs a forward-only tape (inference mode when the masks are ones).
 *
 * <p>Returned gradient arrays belong to the step: they are overwritten by its next call.
 */
public final class ClassifierTrainingStep {

    /** Further terms of the loss that are functions of named activations (distillation terms). */
    public interface ActivationTerms {

        /** The activations the terms read (the graph's activation names). */
        Set<String> activations();

        /**
         * d terms / d activation for this step's activations (live arrays, valid during the call
         * only), for any of them; the terms' own values are the caller's business.
         */
        Map<String, INDArray> gradients(Map<String, INDArray> activations);
    }

    private final ImageClassifierGraph graph;
    private final Map<Long, ClassifierPass> training = lru();
    private final Map<Long, ClassifierPass> inference = lru();

    /**
     * The first convolution computes no input gradient when that gradient's work per example is
     * above this (2 Co Ci k^2 H W flops). Measured at batch 128, 2 threads, step medians with
     * {@code conv2d_bp} against the weight-only path: LightNN (Co 16) 15.1 against 20.5 ms at
     * 3x32x32 (0.9 MFLOP) and 10.8 against 11.7 at 1x28x28 (0.2); DeepNN (Co 128) 241 against 223
     * at 3x32x32 (7.1) and 194 against 167 at 1x28x28 (1.8).
     */
    static final long WEIGHT_ONLY_ABOVE_FLOPS = 1_300_000;

    private final long weightOnlyAboveFlops;

    public ClassifierTrainingStep(ImageClassifierGraph graph) {
        this(graph, WEIGHT_ONLY_ABOVE_FLOPS);
    }

    /** With another threshold for the first layer's weight-only gradient: 0 always, Long.MAX_VALUE never (tests). */
    ClassifierTrainingStep(ImageClassifierGraph graph, long weightOnlyAboveFlops) {
        this.graph = graph;
        this.weightOnlyAboveFlops = weightOnlyAboveFlops;
    }

    /**
     * One step's outputs ({@code loss/ce} and the logits, a copy) and gradients of
     * {@code taskWeight * loss/ce + terms} by parameter name.
     *
     * @param labels one-hot (B, classes)
     * @param masks  every dropout layer's mask by placeholder name, as {@link ImageClassifierGraph#dropoutMasks} gives
     * @param terms  null for none
     */
    public synchronized OutAndGrad step(INDArray x, INDArray labels, Map<String, INDArray> masks, double taskWeight,
                                        ActivationTerms terms) {
        graph.checkInput(x);
        int b = (int) x.size(0);
        ClassifierPass p = pass(training, b, true);
        load(p, x, masks);
        p.tape().runForward();

        Node logits = p.logits();
        int k = (int) logits.value().size(1);
        if (labels.rank() != 2 || labels.size(0) != b || labels.size(1) != k) {
            throw new IllegalArgumentException("labels " + Arrays.toString(labels.shape()) + ", expected one-hot ("
                    + b + ", " + k + ") for " + graph.describe());
        }
        double[] z = logits.value().data().asDouble();
        double[] y = labels.dup('c').data().asDouble();
        double[] g = new double[z.length];
        double loss = crossEntropy(z, y, b, k, g, taskWeight);
        logits.grad().assign(Nd4j.createFromArray(g).castTo(logits.grad().dataType()).reshape(b, k));

        Map<String, INDArray> extra = Map.of();
        if (terms != null) {
            Map<String, INDArray> acts = new LinkedHashMap<>();
            for (String a : terms.activations()) {
                Node n = p.named().get(a);
                if (n == null) {
                    throw new IllegalArgumentException("No activation named '" + a + "' in " + graph.describe()
                            + "; its activations: " + graph.activationNames());
                }
                acts.put(a, n.value());
            }
            extra = NamedActivations.checkedGradients(terms.gradients(acts), acts, graph.dataType());
        }
        p.extraGradients(extra);
        p.tape().runBackward();
        p.extraGradients(Map.of());

        Map<String, INDArray> outputs = new LinkedHashMap<>();
        outputs.put(ImageClassifierGraph.LOSS, Nd4j.scalar(graph.dataType(), loss));
        outputs.put(graph.logitsName(), logits.value().dup());
        return new OutAndGrad(outputs, p.gradients());
    }

    /** Named activations (copies) of a forward-only pass with these dropout masks (ones: inference mode). */
    public synchronized Map<String, INDArray> forward(INDArray x, Map<String, INDArray> masks, String... names) {
        graph.checkInput(x);
        ClassifierPass p = pass(inference, x.size(0), false);
        load(p, x, masks);
        p.tape().runForward();
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (String n : names) {
            Node node = p.named().get(n);
            if (node == null) {
                throw new IllegalArgumentException("No activation named '" + n + "' in " + graph.describe()
                        + "; its activations: " + graph.activationNames());
            }
            out.put(n, node.value().dup());
        }
        return out;
    }

    /**
     * Mean over the batch of -sum_k y_k log softmax(z)_k, and into {@code grad} its gradient times
     * {@code weight}: weight (softmax(z) sum_k y_k - y) / B.
     */
    static double crossEntropy(double[] z, double[] y, int b, int k, double[] grad, double weight) {
        double loss = 0;
        for (int i = 0; i < b; i++) {
            int o = i * k;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < k; j++) max = Math.max(max, z[o + j]);
            double sum = 0;
            for (int j = 0; j < k; j++) sum += Math.exp(z[o + j] - max);
            double logSum = max + Math.log(sum);
            double ySum = 0;
            for (int j = 0; j < k; j++) {
                loss -= y[o + j] * (z[o + j] - logSum);
                ySum += y[o + j];
            }
            for (int j = 0; j < k; j++) {
                grad[o + j] = weight * (Math.exp(z[o + j] - logSum) * ySum - y[o + j]) / b;
            }
        }
        return loss / b;
    }

    private void load(ClassifierPass p, INDArray x, Map<String, INDArray> masks) {
        p.input().assign(x);
        for (Map.Entry<String, INDArray> m : p.masks().entrySet()) {
            INDArray given = masks.get(m.getKey());
            if (given == null || !Arrays.equals(given.shape(), m.getValue().shape())) {
                throw new IllegalArgumentException("dropout mask " + m.getKey() + ": expected "
                        + Arrays.toString(m.getValue().shape()) + ", got "
                        + (given == null ? "none" : Arrays.toString(given.shape())));
            }
            m.getValue().assign(given);
        }
    }

    private ClassifierPass pass(Map<Long, ClassifierPass> passes, long batch, boolean trainable) {
        ClassifierPass p = passes.get(batch);
        if (p == null || !p.bindsCurrentParameters()) {
            p = new ClassifierPass(graph, batch, trainable, weightOnlyAboveFlops);
            passes.put(batch, p);
        }
        return p;
    }

    /** Passes for the last two batch sizes (an epoch's full batches and its last, smaller one). */
    private static Map<Long, ClassifierPass> lru() {
        return new LinkedHashMap<>(4, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, ClassifierPass> eldest) {
                return size() > 2;
            }
        };
    }
}
