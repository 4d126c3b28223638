package org.beatgan.distill;

import org.beatgan.core.model.DistillableModel;
import org.beatgan.core.train.DetachedTerms;
import org.beatgan.core.util.QuietStdout;
import org.beatgan.distill.ops.DistillOps;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A distillation's terms rebuilt in a SameDiff graph of their own, whose inputs are the student's
 * generator activations (placeholders named as in the student graph) and the teacher's
 * ({@code teacher/<activation>}). Each term is built by a fresh instance of its loss with the same
 * names, and every weight that the student graph also holds (adapters, frozen weights) is the
 * student graph's very array, so optimizer updates and pre-training reach both. The trainer's
 * direct step runs the student's generator and feeds this graph, which is a few dozen ops instead
 * of the whole student network.
 */
final class DetachedDistillationTerms implements DetachedTerms {

    private static final Logger LOG = LoggerFactory.getLogger(DetachedDistillationTerms.class);

    private static final String ANCHOR = "detached/anchor";
    private static final String INPUT_PREFIX = "detached/input/";

    private final SameDiff sd = SameDiff.create();
    private final DistillableModel student;
    private final Set<String> activations;
    private final List<String> teacherInputs = new ArrayList<>();
    private final List<String> outputs;
    private final List<String> adapters;
    /** Weights of this graph that are the student graph's arrays, by name. */
    private final List<String> shared = new ArrayList<>();

    private DetachedDistillationTerms(DistillableModel student, Set<String> activations, Collection<String> outputs,
                                      List<String> adapters) {
        this.student = student;
        this.activations = activations;
        this.outputs = List.copyOf(outputs);
        this.adapters = adapters;
    }

    /**
     * The terms detached, or empty (with the reason logged) where a loss cannot be rebuilt on
     * placeholders. Whether a training step can feed the activations they read is the trainer's
     * decision, not this class's.
     *
     * @param resolved per term, per role, its resolved taps
     */
    static Optional<DetachedTerms> of(DistillableModel student, List<DistillTermSpec> terms,
                                      List<Map<String, List<Tap>>> resolved, Map<String, long[]> studentShapes,
                                      Map<String, long[]> teacherShapes, List<String> teacherTaps,
                                      Collection<String> logged, List<String> adapters) {
        Set<String> acts = new LinkedHashSet<>(studentShapes.keySet());
        DetachedDistillationTerms d = new DetachedDistillationTerms(student, acts, logged, adapters);
        try {
            d.build(terms, resolved, studentShapes, teacherShapes, teacherTaps);
        } catch (RuntimeException e) {
            LOG.warn("distillation terms stay in the student graph (slower): rebuilding them on activations failed", e);
            return Optional.empty();
        }
        return Optional.of(d);
    }

    private void build(List<DistillTermSpec> terms, List<Map<String, List<Tap>>> resolved,
                       Map<String, long[]> studentShapes, Map<String, long[]> teacherShapes, List<String> teacherTaps) {
        // M2.1 differentiates only along paths that reach a trainable VARIABLE, and a placeholder's
        // gradient comes out only as a by-product of such a path: every activation therefore
        // enters as placeholder + a zero scalar variable, under the activation's own name
        SDVariable anchor = sd.var(ANCHOR, Nd4j.scalar(student.dataType(), 0.0));
        studentShapes.forEach((name, shape) -> {
            SDVariable in = DistillOps.batchPlaceholder(sd, INPUT_PREFIX + name, student.dataType(), shape);
            sd.math().add(name, in, anchor);
        });
        for (String t : teacherTaps) {
            String name = Distiller.TEACHER_PREFIX + t;
            DistillOps.batchPlaceholder(sd, name, student.dataType(), teacherShapes.get(t));
            teacherInputs.add(name);
        }
        for (int i = 0; i < terms.size(); i++) {
            DistillTermSpec term = terms.get(i);
            String prefix = TermBuilder.prefix(term.name());
            // the same builder as the student graph's, with the student graph's weight arrays
            TermBuilder.build(sd, term, resolved.get(i), studentShapes, teacherShapes, loss -> null,
                    new TermInputs.Weights() {
                        public SDVariable adapter(String name, INDArray init) {
                            return sd.var(prefix + name, studentArray(prefix + name));
                        }

                        public SDVariable frozen(String name, INDArray init) {
                            return sd.constant(prefix + name, studentArray(prefix + name));
                        }

                        public INDArray preset(String name) {
                            return studentArray(prefix + name);
                        }
                    }, new LinkedHashMap<>());
        }
        for (SDVariable v : sd.variables()) {
            if (v.getVariableType() == VariableType.VARIABLE && !adapters.contains(v.name()) && !v.name().equals(ANCHOR)) {
                throw new IllegalStateException("Trainable " + v.name() + " of the detached terms is not a student adapter");
            }
            if ((v.getVariableType() == VariableType.VARIABLE || v.getVariableType() == VariableType.CONSTANT)
                    && student.sameDiff().hasVariable(v.name())) {
                shared.add(v.name());
            }
        }
        for (String o : outputs) {
            if (!sd.hasVariable(o)) {
                throw new IllegalStateException("Logged term " + o + " is missing from the detached terms");
            }
        }
        QuietStdout.run(sd::createGradFunction);
    }

    private INDArray studentArray(String name) {
        INDArray a = student.sameDiff().getArrForVarName(name);
        if (a == null) {
            throw new IllegalStateException("The student graph has no weight " + name);
        }
        return a;
    }

    @Override
    public Set<String> activations() {
        return activations;
    }

    @Override
    public OutAndGrad evaluate(Map<String, INDArray> feed, Map<String, INDArray> activationValues) {
        // follow the student graph should it ever hold a new array for a shared weight
        for (String name : shared) {
            INDArray current = studentArray(name);
            if (sd.getArrForVarName(name) != current) {
                sd.getVariable(name).setArray(current);
            }
        }
        Map<String, INDArray> placeholders = new HashMap<>();
        activationValues.forEach((name, value) -> placeholders.put(INPUT_PREFIX + name, value));
        for (String t : teacherInputs) {
            INDArray v = feed.get(t);
            if (v == null) {
                throw new IllegalStateException("No teacher activations fed for " + t);
            }
            placeholders.put(t, v);
        }
        List<String> wrt = new ArrayList<>();
        activations.forEach(a -> wrt.add(INPUT_PREFIX + a));
        wrt.addAll(adapters);
        OutAndGrad r = sd.calculateGradientsAndOutputs(placeholders, outputs, wrt);
        Map<String, INDArray> grads = new LinkedHashMap<>();
        r.getGradients().forEach((k, v) -> {
            if (v != null) {
                grads.put(k.startsWith(INPUT_PREFIX) ? k.substring(INPUT_PREFIX.length()) : k, v);
            }
        });
        for (String a : activations) {
            if (!grads.containsKey(a)) {
                throw new IllegalStateException("The detached terms gave no gradient for " + a);
            }
        }
        return new OutAndGrad(r.getOutputs(), grads);
    }
}
