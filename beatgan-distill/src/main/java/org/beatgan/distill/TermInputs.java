package org.beatgan.distill;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one distillation term is built from in one graph: the student and teacher tensors of its
 * roles (student activations and {@code teacher/<activation>} placeholders, looked up by name in
 * the graph), its training state, and where its own weights come from.
 */
final class TermInputs implements LossInputs {

    /** Where a term's adapters and frozen weights come from, by name within the term. */
    interface Weights {
        SDVariable adapter(String name, INDArray init);

        SDVariable frozen(String name, INDArray init);

        INDArray preset(String name);
    }

    private final SameDiff sd;
    private final Map<String, List<Tensor>> student = new LinkedHashMap<>();
    private final Map<String, List<Tensor>> teacher = new LinkedHashMap<>();
    private final LossState state;
    private final Weights weights;

    /**
     * @param roles         per role, its resolved taps
     * @param studentShapes probed shapes of the student activations (batch dimension free)
     * @param state         the term's training state (its tensors serve roles without taps), or null
     */
    TermInputs(SameDiff sd, Map<String, List<Tap>> roles, Map<String, long[]> studentShapes,
               Map<String, long[]> teacherShapes, LossState state, Weights weights) {
        this.sd = sd;
        this.state = state;
        this.weights = weights;
        roles.forEach((role, pairs) -> {
            List<Tensor> s = new ArrayList<>();
            List<Tensor> t = new ArrayList<>();
            for (Tap p : pairs) {
                s.add(LogitSources.apply(sd, role, p.studentForm(), sd.getVariable(p.student()),
                        studentShapes.get(p.student())));
                t.add(LogitSources.apply(sd, role, p.teacherForm(), sd.getVariable(Distiller.TEACHER_PREFIX + p.teacher()),
                        teacherShapes.get(p.teacher())));
            }
            student.put(role, s);
            teacher.put(role, t);
        });
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
    public Tensor state(String name) {
        return state == null ? null : state.inputs().get(name);
    }

    @Override
    public List<Tensor> teacher(String role) {
        return teacher.get(role);
    }

    @Override
    public SDVariable adapter(String name, INDArray init) {
        return weights.adapter(name, init);
    }

    @Override
    public SDVariable frozen(String name, INDArray init) {
        return weights.frozen(name, init);
    }

    @Override
    public INDArray preset(String name) {
        return weights.preset(name);
    }
}
