package org.beatgan.distill;

import org.beatgan.core.model.DistillableModel;
import org.beatgan.core.train.Batch;
import org.beatgan.core.train.DetachedTerms;
import org.beatgan.core.train.LossExtension;
import org.beatgan.core.train.Pretrainable;
import org.beatgan.distill.ops.DistillOps;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Joins a frozen teacher to a student's training graph by activation name and adds the weighted
 * distillation terms to the student's loss: {@code new Distiller(teacher, student, terms)}, for any
 * two {@link DistillableModel}s (BeatGAN, the image classifiers, a family of the user's own). The
 * trainer of the student's family treats it as one more {@link LossExtension}.
 *
 * <p>The teacher runs as its own graph in inference mode ({@link TeacherModel}), once per batch;
 * its tapped activations enter the student graph as placeholders named
 * {@code teacher/<activation>}. Nothing in the student graph can reach the teacher's weights, so
 * the teacher never changes. Every term is a differentiable SameDiff expression
 * ({@link TermBuilder}); its weighted value becomes an extra loss variable, so the student's
 * optimizer (which also owns the terms' adapters) receives the distillation gradients.
 *
 * <p>A loss with training state ({@link DistillationLoss#createState}, CRD's memory bank) gets it
 * created in the student graph before it is built; the distiller then feeds the state's
 * per-batch placeholders and passes it the step outputs it asked for after every step. The state
 * needs the training-set size, which the experiment knows. States also get both models, so a loss
 * can run them on inputs of its own (sobolev_fd, lwm_fd, bss_score probe a BeatGAN student through
 * extra generator passes in its graph). A loss with {@link DistillationLoss#pretraining} (FT's
 * paraphraser, BSS's threshold) gets it run by {@link #pretrain} on the teacher's activations of
 * its taps, before student training.
 */
public final class Distiller implements LossExtension, Pretrainable {

    public static final String TEACHER_PREFIX = "teacher/";
    public static final String TERM_PREFIX = TermBuilder.TERM_PREFIX;

    private final TeacherModel teacher;
    private final List<String> adapters = new ArrayList<>();
    private final Map<String, String> logged = new LinkedHashMap<>();
    private final Map<String, DistillationLoss> losses = new LinkedHashMap<>();
    private final Map<String, LossState> states = new LinkedHashMap<>();
    /** The terms outside the student graph, for a family's fast step; empty where they need the graph. */
    private final Supplier<Optional<DetachedTerms>> detachedBuilder;
    /** The terms detached in a SameDiff graph of their own: the plain path the kernels are checked against. */
    private final Supplier<Optional<DetachedTerms>> graphDetachedBuilder;
    private Optional<DetachedTerms> detached;
    /** Teacher activations of each term's taps by role (for pre-training). */
    private final Map<String, Map<String, List<String>>> teacherTapsByTerm = new LinkedHashMap<>();

    /**
     * The teacher's own input for a batch of the student's, when the two read different views of
     * the same examples (learning with privileged information: the teacher sees features the
     * deployed student never will). Looked up by the batch's dataset indices.
     */
    @FunctionalInterface
    public interface TeacherInputs {
        INDArray of(Batch batch);
    }

    /** Null unless the teacher reads its own view of the examples. */
    private final TeacherInputs teacherInputs;

    /** For terms without training state (a stateful term then fails, naming what it lacks). */
    public Distiller(DistillableModel teacher, DistillableModel student, List<DistillTermSpec> terms) {
        this(teacher, student, terms, 0, 0);
    }

    public Distiller(DistillableModel teacher, DistillableModel student, List<DistillTermSpec> terms,
                     int trainingSetSize, long seed) {
        this(teacher, student, terms, trainingSetSize, seed, null);
    }

    /**
     * A teacher that reads its own view of each example ({@code teacherInputs}), e.g. privileged
     * features; teacher and student inputs may then differ in shape.
     */
    public static Distiller privileged(DistillableModel teacher, DistillableModel student, List<DistillTermSpec> terms,
                                       int trainingSetSize, long seed, TeacherInputs teacherInputs) {
        if (teacherInputs == null) throw new IllegalArgumentException("a privileged teacher needs its inputs");
        return new Distiller(teacher, student, terms, trainingSetSize, seed, teacherInputs);
    }

    /**
     * @param trainingSetSize examples in the student's training set (sizes per-example state such as
     *                        CRD's memory bank; 0 when unknown)
     * @param seed            the run's seed (initial state, per-batch sampling)
     */
    private Distiller(DistillableModel teacher, DistillableModel student, List<DistillTermSpec> terms,
                      int trainingSetSize, long seed, TeacherInputs teacherInputs) {
        this.teacherInputs = teacherInputs;
        if (teacherInputs == null && !Arrays.equals(teacher.inputShape(), student.inputShape())) {
            throw new IllegalArgumentException("Teacher " + teacher.describe() + " reads inputs of shape "
                    + Arrays.toString(teacher.inputShape()) + ", student " + student.describe() + " "
                    + Arrays.toString(student.inputShape()) + "; both must read the same examples");
        }
        this.teacher = new TeacherModel(teacher);
        SameDiff sd = student.sameDiff();
        Set<String> teacherNames = new LinkedHashSet<>();
        Set<String> studentNames = new LinkedHashSet<>();
        List<Map<String, List<Tap>>> resolved = new ArrayList<>();
        for (DistillTermSpec term : terms) {
            Map<String, List<Tap>> roles = new LinkedHashMap<>();
            term.inputs().forEach((role, taps) -> {
                List<Tap> pairs = new ArrayList<>();
                for (String tap : taps) {
                    Tap t = Tap.parse(role, tap, teacher, student);
                    pairs.add(t);
                    teacherNames.add(t.teacher());
                    studentNames.add(t.student());
                }
                roles.put(role, pairs);
            });
            resolved.add(roles);
        }
        Map<String, long[]> teacherShapes = probeShapes(teacher, teacherNames, "teacher");
        Map<String, long[]> studentShapes = probeShapes(student, studentNames, "student");
        for (String t : teacherNames) {
            DistillOps.batchPlaceholder(sd, TEACHER_PREFIX + t, student.dataType(), teacherShapes.get(t));
        }
        this.teacher.tap(teacherNames);

        for (int i = 0; i < terms.size(); i++) {
            DistillTermSpec term = terms.get(i);
            String prefix = TermBuilder.prefix(term.name());
            LossState[] state = new LossState[1];
            DistillationLoss loss = TermBuilder.build(sd, term, resolved.get(i), studentShapes, teacherShapes,
                    l -> state[0] = l.createState(new LossState.Context(sd, prefix, student.dataType(),
                            trainingSetSize, seed, student, this.teacher)),
                    new TermInputs.Weights() {
                        public SDVariable adapter(String name, INDArray init) {
                            SDVariable v = sd.var(prefix + name, init.castTo(student.dataType()));
                            adapters.add(v.name());
                            return v;
                        }

                        public SDVariable frozen(String name, INDArray init) {
                            return sd.constant(prefix + name, init.castTo(student.dataType()));
                        }

                        public INDArray preset(String name) {
                            return null;
                        }
                    }, logged);
            losses.put(term.name(), loss);
            Map<String, List<String>> taps = new LinkedHashMap<>();
            resolved.get(i).forEach((role, pairs) -> taps.put(role, pairs.stream().map(Tap::teacher).toList()));
            teacherTapsByTerm.put(term.name(), taps);
            if (state[0] != null) {
                states.put(term.name(), state[0]);
            }
        }
        // built on first request: a distillation trained through the graph never needs it
        graphDetachedBuilder = states.isEmpty()
                ? () -> DetachedDistillationTerms.of(student, terms, resolved, studentShapes, teacherShapes,
                List.copyOf(teacherNames), logged.values(), adapters)
                : Optional::empty;
        // KD on scores, AT and bss_score (a stateful term: its attack is fed per batch) run on the losses'
        // kernels, which need no graph at all; other stateless terms on a graph of their own
        detachedBuilder = () -> KernelDistillationTerms.of(student, terms, losses, resolved, studentShapes,
                teacherShapes, adapters).or(graphDetachedBuilder);
    }

    /** Shapes of the named activations from a 2-example forward pass (unknown names fail clearly). */
    static Map<String, long[]> probeShapes(DistillableModel m, Set<String> names, String side) {
        if (names.isEmpty()) {
            return Map.of();
        }
        for (String n : names) {
            if (!m.sameDiff().hasVariable(n)) {
                throw new IllegalArgumentException("Tap '" + n + "' does not exist in the " + side + " graph ("
                        + m.describe() + "); its activations: " + m.activationNames());
            }
        }
        long[] in = m.inputShape();
        long[] shape = new long[in.length + 1];
        shape[0] = 2;
        System.arraycopy(in, 0, shape, 1, in.length);
        INDArray probe = org.nd4j.linalg.factory.Nd4j.rand(m.dataType(), shape);
        Map<String, INDArray> acts = m.forward(probe, side.equals("student"), names.toArray(new String[0]));
        Map<String, long[]> shapes = new LinkedHashMap<>();
        acts.forEach((k, v) -> shapes.put(k, v.shape()));
        return shapes;
    }

    /** Starts the teacher's forward pass for a coming batch on the teacher's thread (see {@link TeacherModel}). */
    @Override
    public void upcoming(INDArray x) {
        // without the coming step's iteration only the taps can start
        if (teacherInputs == null) teacher.upcoming(x);
    }

    @Override
    public void upcoming(Batch next) {
        // a teacher with a view of its own needs the batch's indices, which an announcement lacks
        if (teacherInputs == null) {
            teacher.upcoming(next.x());
            for (LossState s : states.values()) {
                s.upcoming(next);
            }
        }
    }

    @Override
    public Map<String, INDArray> feed(Batch batch) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        INDArray tx = teacherInputs == null ? batch.x() : teacherInputs.of(batch);
        teacher.taps(tx).forEach((k, v) -> out.put(TEACHER_PREFIX + k, v));
        for (LossState s : states.values()) {
            out.putAll(s.feed(batch));
        }
        return out;
    }

    /** {@link #feed(Batch)} for inputs without dataset indices (enough unless a term keeps state). */
    public Map<String, INDArray> feed(INDArray x) {
        return feed(Batch.of(x));
    }

    @Override
    public List<String> stepOutputs() {
        Set<String> out = new LinkedHashSet<>();
        states.values().forEach(s -> out.addAll(s.stepOutputs()));
        return List.copyOf(out);
    }

    @Override
    public void afterStep(Batch batch, Map<String, INDArray> outputs) {
        for (LossState s : states.values()) {
            s.afterStep(batch, outputs);
        }
    }

    /**
     * Runs every term's {@link DistillationLoss#pretraining} on the teacher's (inference-mode)
     * activations of the term's taps for the training batches; a pass resets {@code train}.
     */
    @Override
    public void pretrain(DataSetIterator train) {
        // on the calling thread: no step runs during pre-training, and nothing is announced
        losses.forEach((name, loss) -> {
            Pretraining p = loss.pretraining();
            if (p == null) {
                return;
            }
            if (teacherInputs != null) {
                throw new UnsupportedOperationException("term '" + name + "' pre-trains on the teacher's activations of "
                        + "the training batches, which a teacher with privileged inputs does not see here");
            }
            Map<String, List<String>> taps = teacherTapsByTerm.get(name);
            String[] all = taps.values().stream().flatMap(List::stream).distinct().toArray(String[]::new);
            p.run(body -> {
                train.reset();
                while (train.hasNext()) {
                    DataSet ds = train.next();
                    Map<String, INDArray> acts = all.length == 0 ? Map.of() : teacher.activations(ds.getFeatures(), all);
                    Map<String, List<INDArray>> byRole = new LinkedHashMap<>();
                    taps.forEach((role, names) -> byRole.put(role, names.stream().map(acts::get).toList()));
                    byRole.put(Pretraining.BEATS, List.of(ds.getFeatures()));
                    body.accept(byRole);
                }
            });
        });
    }

    /** Training state by term name (terms whose loss keeps state only). */
    public Map<String, LossState> states() {
        return states;
    }

    /**
     * The terms outside the student graph: on the losses' kernels where every term has one (KD on
     * scores, AT, bss_score with its further generator pass), else rebuilt in a graph of their own
     * on the student's activations, sharing the student graph's adapter arrays, when no term keeps
     * training state (CRD's memory bank; sobolev_fd's and lwm_fd's probes). The trainer runs them on
     * its fast step when that step computes every activation they read, and keeps the whole graph
     * otherwise.
     */
    @Override
    public synchronized Optional<DetachedTerms> detachedTerms() {
        if (detached == null) {
            detached = detachedBuilder.get();
        }
        return detached;
    }

    /** The detached terms as a SameDiff graph even where kernels serve them (tests compare the two). */
    Optional<DetachedTerms> graphDetachedTerms() {
        return graphDetachedBuilder.get();
    }

    @Override
    public List<String> trainableVariables() {
        return List.copyOf(adapters);
    }

    @Override
    public Map<String, String> loggedTerms() {
        return Map.copyOf(logged);
    }

    public Map<String, DistillationLoss> losses() {
        return losses;
    }

    public TeacherModel teacher() {
        return teacher;
    }
}
