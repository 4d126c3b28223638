package org.beatgan.core.train.classifier;

import org.beatgan.core.model.ClassifierModel;
import org.beatgan.core.model.direct.ClassifierTrainingStep;
import org.beatgan.core.train.DetachedTerms;
import org.beatgan.core.train.LossExtension;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A classifier's step on its own direct step ({@link ClassifierModel#directTrainingStep}), with
 * every extension's {@link DetachedTerms} evaluated on the step's activations and their
 * gradients joining its backward pass: the loss and gradients of the graph's step, outside it.
 */
final class DirectClassifierStep {

    private final ClassifierModel model;
    private final ClassifierTrainingStep step;
    private final List<DetachedTerms> terms;

    private DirectClassifierStep(ClassifierModel model, ClassifierTrainingStep step, List<DetachedTerms> terms) {
        this.model = model;
        this.step = step;
        this.terms = List.copyOf(terms);
    }

    /**
     * The direct step for this model and these extensions, or empty where the model has none, it
     * needs step outputs of its own, or an extension's terms do not detach, need outputs their
     * detached form does not give, run further passes, or read an activation the step does not name.
     */
    static Optional<DirectClassifierStep> of(ClassifierModel model, List<LossExtension> extensions) {
        Optional<ClassifierTrainingStep> step = model.directTrainingStep();
        if (step.isEmpty() || !model.stepOutputs().isEmpty()) return Optional.empty();
        List<DetachedTerms> detached = new ArrayList<>();
        for (LossExtension e : extensions) {
            Optional<DetachedTerms> t = e.detachedTerms();
            if (t.isEmpty() || !t.get().outputs().containsAll(e.stepOutputs()) || !t.get().passes().isEmpty()
                    || !model.activationNames().containsAll(t.get().activations())) {
                return Optional.empty();
            }
            detached.add(t.get());
        }
        return Optional.of(new DirectClassifierStep(model, step.get(), detached));
    }

    String describe() {
        return terms.isEmpty() ? "direct (the classifier's step on native kernels)"
                : "direct (the classifier's step on native kernels, terms detached)";
    }

    /**
     * Outputs (the task loss, the logits, every term's outputs) and gradients of every variable of
     * {@code trainable} (zero where no term reached an adapter this step).
     */
    OutAndGrad step(Map<String, INDArray> feed, INDArray x, INDArray labels, double taskWeight, List<String> trainable) {
        Map<String, INDArray> termOutputs = new LinkedHashMap<>();
        Map<String, INDArray> variableGradients = new LinkedHashMap<>();
        ClassifierTrainingStep.ActivationTerms onActivations = terms.isEmpty() ? null
                : new ClassifierTrainingStep.ActivationTerms() {
            @Override
            public Set<String> activations() {
                return DetachedTerms.activationsOf(terms);
            }

            @Override
            public Map<String, INDArray> gradients(Map<String, INDArray> activations) {
                return DetachedTerms.evaluateAll(terms, feed, activations, termOutputs, variableGradients);
            }
        };
        // the feed holds the dropout masks under the placeholder names the step reads
        OutAndGrad r = step.step(x.castTo(model.dataType()), labels.castTo(model.dataType()), feed, taskWeight,
                onActivations);
        Map<String, INDArray> outputs = new LinkedHashMap<>(r.getOutputs());
        outputs.putAll(termOutputs);
        Map<String, INDArray> gradients = new LinkedHashMap<>(r.getGradients());
        gradients.putAll(variableGradients);
        for (String v : trainable) {
            gradients.computeIfAbsent(v, name -> Nd4j.zeros(model.dataType(), model.sameDiff().getArrForVarName(name).shape()));
        }
        return new OutAndGrad(outputs, gradients);
    }
}
