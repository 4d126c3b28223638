package org.beatgan.core.train;

import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;
import java.util.Set;

/**
 * An extension's loss terms detached from the BeatGAN graph: functions of named generator
 * activations (and of the extension's own feed and trainable variables), so that a trainer that
 * runs the generator outside the graph ({@code DirectTrainingStep}) can still train with them.
 */
public interface DetachedTerms {

    /** The generator activations the terms read (the graph's activation names). */
    Set<String> activations();

    /**
     * The terms on this step's activations and the extension's {@link LossExtension#feed}:
     * outputs holding every graph variable of {@link LossExtension#loggedTerms()}, and
     * gradients of the terms' sum with respect to each activation of {@link #activations()} and
     * each of the extension's {@link LossExtension#trainableVariables()} (an absent entry
     * means zero). Activation arrays are valid during the call only.
     */
    OutAndGrad evaluate(Map<String, INDArray> feed, Map<String, INDArray> activations);

    /**
     * Graph variables the terms give in {@link #evaluate}'s outputs beyond the logged terms: what
     * the extension's state reads after the step ({@link LossExtension#stepOutputs}, CRD's
     * embeddings). None by default.
     */
    default Set<String> outputs() {
        return Set.of();
    }

    /**
     * Scopes of further generator passes on beats of the terms' own whose per-beat scores the terms
     * read ({@code DirectTrainingStep.passScore(scope)} among {@link #activations()}): what
     * {@code applyGenerator(scope, beats)} adds to the student's graph. None by default.
     */
    default Set<String> passes() {
        return Set.of();
    }

    /** The beats of pass {@code scope} for this step, from the extension's feed. */
    default INDArray passBeats(String scope, Map<String, INDArray> feed) {
        throw new IllegalStateException("These terms declare no generator pass '" + scope + "'");
    }

    /**
     * Scopes of further passes of the generator's remainder after one of its encoder activations,
     * on inputs the terms make from that activation (lwm_fd's perturbed copies), whose per-row
     * scores the terms read ({@code DirectTrainingStep.passScore(scope)}). None by default.
     */
    default Set<String> activationPassScopes() {
        return Set.of();
    }

    /** The activations any of {@code terms} reads, in order. */
    static Set<String> activationsOf(java.util.List<DetachedTerms> terms) {
        Set<String> names = new java.util.LinkedHashSet<>();
        terms.forEach(t -> names.addAll(t.activations()));
        return names;
    }

    /**
     * Every extension's terms on one step's activations, as a trainer's step consumes them: the
     * gradients by activation (summed over the terms), each term's outputs into {@code outputs}
     * and its variables' (adapters') gradients into {@code variableGradients}.
     */
    static Map<String, INDArray> evaluateAll(java.util.List<DetachedTerms> terms, Map<String, INDArray> feed,
                                             Map<String, INDArray> activations, Map<String, INDArray> outputs,
                                             Map<String, INDArray> variableGradients) {
        Map<String, INDArray> byActivation = new java.util.LinkedHashMap<>();
        for (DetachedTerms t : terms) {
            Map<String, INDArray> own = new java.util.LinkedHashMap<>();
            t.activations().forEach(a -> own.put(a, activations.get(a)));
            OutAndGrad r = t.evaluate(feed, own);
            outputs.putAll(r.getOutputs());
            r.getGradients().forEach((name, grad) -> {
                if (own.containsKey(name)) {
                    byActivation.merge(name, grad, INDArray::add);
                } else {
                    variableGradients.put(name, grad);
                }
            });
        }
        return byActivation;
    }

    /** Pass {@code scope} of {@link #activationPassScopes} for this step, from the extension's feed. */
    default org.beatgan.core.model.direct.DirectTrainingStep.ActivationPass activationPass(String scope,
                                                                                        Map<String, INDArray> feed) {
        throw new IllegalStateException("These terms declare no generator pass from an activation '" + scope + "'");
    }
}
