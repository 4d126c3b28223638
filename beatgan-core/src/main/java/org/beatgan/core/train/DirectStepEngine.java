package org.beatgan.core.train;

import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.model.direct.DirectTrainingStep;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.beatgan.core.model.ActivationNames.INPUT;

/**
 * Gradients from {@link DirectTrainingStep} (BeatGAN's step on native kernels, outside SameDiff),
 * with the extensions' {@link DetachedTerms} evaluated on its generator activations; their
 * gradients join the generator's backward pass there.
 */
final class DirectStepEngine implements BeatGanStepEngine {

    private final BeatGanGraph graph;
    private final DirectTrainingStep step;
    private final List<DetachedTerms> terms;
    /** The terms among {@link #terms} that read D's logit: their gradient there trains D in D's step. */
    private final List<DetachedTerms> onLogit;
    private final List<String> gVariables;

    private DirectStepEngine(BeatGanGraph graph, List<DetachedTerms> terms, List<DetachedTerms> onLogit,
                             List<String> gVariables) {
        this.graph = graph;
        this.step = new DirectTrainingStep(graph);
        this.terms = List.copyOf(terms);
        this.onLogit = List.copyOf(onLogit);
        this.gVariables = List.copyOf(gVariables);
    }

    /**
     * The direct engine for these extensions, or empty when one of them has no detached terms, needs
     * step outputs its detached terms do not give, or reads an activation the direct step does not
     * compute.
     */
    static Optional<DirectStepEngine> of(BeatGanGraph graph, List<LossExtension> extensions, List<String> gVariables) {
        List<DetachedTerms> detached = new java.util.ArrayList<>();
        List<DetachedTerms> onLogit = new java.util.ArrayList<>();
        for (LossExtension e : extensions) {
            Optional<DetachedTerms> t = e.detachedTerms();
            if (t.isEmpty() || !t.get().outputs().containsAll(e.stepOutputs())) return Optional.empty();
            Set<String> readable = new LinkedHashSet<>(DirectTrainingStep.ACTIVATIONS);
            t.get().passes().forEach(scope -> readable.add(DirectTrainingStep.passScore(scope)));
            t.get().activationPassScopes().forEach(scope -> readable.add(DirectTrainingStep.passScore(scope)));
            // terms on D's logit are evaluated in D's step too: only stateless ones without passes
            boolean readsLogit = t.get().activations().stream().anyMatch(DirectTrainingStep.DISCRIMINATOR_ACTIVATIONS::contains);
            if (readsLogit && t.get().outputs().isEmpty() && t.get().passes().isEmpty()
                    && t.get().activationPassScopes().isEmpty() && e.stepOutputs().isEmpty()) {
                readable.addAll(DirectTrainingStep.DISCRIMINATOR_ACTIVATIONS);
                onLogit.add(t.get());
            }
            if (!readable.containsAll(t.get().activations())) return Optional.empty();
            detached.add(t.get());
        }
        return Optional.of(new DirectStepEngine(graph, detached, onLogit, gVariables));
    }

    @Override
    public OutAndGrad discriminator(Map<String, INDArray> feed) {
        // the terms' values and other gradients here are discarded: G's step evaluates them again
        return step.discriminator(feed.get(INPUT), onLogit.isEmpty() ? null : new TermsOnActivations(feed, onLogit));
    }

    @Override
    public OutAndGrad generator(Map<String, INDArray> feed) {
        TermsOnActivations t = new TermsOnActivations(feed, terms);
        OutAndGrad g = step.generator(terms.isEmpty() ? null : t);
        Map<String, INDArray> outputs = new LinkedHashMap<>(g.getOutputs());
        outputs.putAll(t.outputs);
        Map<String, INDArray> gradients = new LinkedHashMap<>(g.getGradients());
        gradients.putAll(t.variableGradients);
        // adapters a term did not reach this step get a zero gradient, as the graph gives them
        for (String v : gVariables) {
            gradients.computeIfAbsent(v, name -> Nd4j.zeros(graph.dataType(), graph.array(name).shape()));
        }
        return new OutAndGrad(outputs, gradients);
    }

    @Override
    public String describe() {
        return terms.isEmpty() ? "direct (BeatGAN's step on native kernels)"
                : "direct (BeatGAN's step on native kernels, terms detached)";
    }

    /** Every extension's detached terms as one set of activation terms for the step; keeps their outputs. */
    private static final class TermsOnActivations implements DirectTrainingStep.ActivationTerms {
        private final Map<String, INDArray> feed;
        private final List<DetachedTerms> terms;
        final Map<String, INDArray> outputs = new LinkedHashMap<>();
        final Map<String, INDArray> variableGradients = new LinkedHashMap<>();

        TermsOnActivations(Map<String, INDArray> feed, List<DetachedTerms> terms) {
            this.feed = feed;
            this.terms = terms;
        }

        @Override
        public Set<String> activations() {
            return DetachedTerms.activationsOf(terms);
        }

        @Override
        public Map<String, INDArray> extraPasses() {
            Map<String, INDArray> beats = new LinkedHashMap<>();
            for (DetachedTerms t : terms) {
                for (String scope : t.passes()) {
                    if (beats.put(scope, t.passBeats(scope, feed)) != null) {
                        throw new IllegalStateException("Two extensions' terms declare the generator pass '" + scope + "'");
                    }
                }
            }
            return beats;
        }

        @Override
        public Map<String, DirectTrainingStep.ActivationPass> activationPasses() {
            Map<String, DirectTrainingStep.ActivationPass> out = new LinkedHashMap<>();
            for (DetachedTerms t : terms) {
                for (String scope : t.activationPassScopes()) {
                    if (out.put(scope, t.activationPass(scope, feed)) != null) {
                        throw new IllegalStateException("Two extensions' terms declare the generator pass '" + scope + "'");
                    }
                }
            }
            return out;
        }

        @Override
        public Map<String, INDArray> gradients(Map<String, INDArray> activations) {
            return DetachedTerms.evaluateAll(terms, feed, activations, outputs, variableGradients);
        }
    }
}
