package org.beatgan.distill;

import org.beatgan.core.model.ActivationNames;
import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.train.Batch;
import org.beatgan.core.train.DetachedTerms;
import org.beatgan.core.train.GeneratorLossExtension;
import org.beatgan.core.train.Pretrainable;
import org.beatgan.distill.ops.DistillOps;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;

/**
 * Joins a frozen teacher BeatGAN to a student's training graph by activation name and adds the
 * weighted distillation terms to the student's generator loss.
 *
 * <p>The teacher runs as its own graph in inference mode (running batch-norm statistics), once
 * per batch; its tapped activations enter the student graph as placeholders named
 * {@code teacher/<activation>}. Nothing in the student graph can reach the teacher's weights, so
 * the teacher never changes. Every term is a differentiable SameDiff expression; its weighted
 * value becomes an extra loss variable, so the student's G optimizer (which also owns the terms'
 * adapters) receives the distillation gradients.
 *
 * <p>A loss with training state ({@link DistillationLoss#createState}, CRD's memory bank) gets it
 * created in the student graph before it is built; this extension then feeds the state's
 * per-batch placeholders and passes it the step outputs it asked for after every step. The state
 * needs the training-set size, which the experiment knows (see {@link DistillationExperiment}).
 * States also get both models, so a loss can run them on beats of its own (sobolev_fd, lwm_fd,
 * bss_score probe the student through extra generator passes in its graph). A loss with
 * {@link DistillationLoss#pretraining} (FT's paraphraser, BSS's threshold) gets it run by
 * {@link #pretrain} on the teacher's activations of its taps, before student training.
 */
public final class BeatGanDistillation implements GeneratorLossExtension, Pretrainable {

    public static final String TEACHER_PREFIX = "teacher/";
    public static final String TERM_PREFIX = "distill/";

    private final TeacherModel teacher;
    /** Teacher activations started for announced batches, oldest first (main thread only). */
    private final Deque<Prefetch> prefetched = new ArrayDeque<>();
    private ExecutorService teacherThread;
    private long announcedFeeds;
    private boolean prefetch = Nd4j.getEnvironment().maxThreads() < Runtime.getRuntime().availableProcessors();
    private final List<String> teacherTaps = new ArrayList<>();
    private final List<String> adapters = new ArrayList<>();
    private final Map<String, String> logged = new LinkedHashMap<>();
    private final Map<String, DistillationLoss> losses = new LinkedHashMap<>();
    private final Map<String, LossState> states = new LinkedHashMap<>();
    /** The terms outside the student graph, for the trainer's direct step; empty where they need the graph. */
    private final Supplier<Optional<DetachedTerms>> detachedBuilder;
    private Optional<DetachedTerms> detached;
    /** Teacher activations of each term's taps by role (for pre-training). */
    private final Map<String, Map<String, List<String>>> teacherTapsByTerm = new LinkedHashMap<>();

    /** For terms without training state (a stateful term then fails, naming what it lacks). */
    public BeatGanDistillation(BeatGanGraph teacher, BeatGanGraph student, List<DistillTermSpec> terms) {
        this(teacher, student, terms, 0, 0);
    }

    /**
     * @param trainingSetSize beats in the student's training set (sizes per-beat state such as
     *                        CRD's memory bank; 0 when unknown)
     * @param seed            the run's seed (initial state, per-batch sampling)
     */
    public BeatGanDistillation(BeatGanGraph teacher, BeatGanGraph student, List<DistillTermSpec> terms,
                               int trainingSetSize, long seed) {
        if (teacher.config().nc() != student.config().nc()) {
            throw new IllegalArgumentException("Teacher has nc=" + teacher.config().nc() + " leads, student nc="
                    + student.config().nc() + "; both must read the same beats");
        }
        this.teacher = new TeacherModel(teacher);
        SameDiff sd = student.sameDiff();
        Set<String> tapNames = new LinkedHashSet<>();
        List<Map<String, List<String[]>>> resolved = new ArrayList<>();
        for (DistillTermSpec term : terms) {
            Map<String, List<String[]>> roles = new LinkedHashMap<>();
            term.inputs().forEach((role, taps) -> {
                List<String[]> pairs = new ArrayList<>();
                for (String tap : taps) {
                    String[] pair = parseTap(role, tap);
                    pairs.add(pair);
                    tapNames.add(pair[0]);
                }
                roles.put(role, pairs);
            });
            resolved.add(roles);
        }
        Map<String, long[]> teacherShapes = probeShapes(teacher, tapNames, false);
        Set<String> studentNames = new LinkedHashSet<>();
        for (Map<String, List<String[]>> roles : resolved) {
            for (List<String[]> pairs : roles.values()) {
                for (String[] p : pairs) {
                    studentNames.add(p[1]);
                }
            }
        }
        Map<String, long[]> studentShapes = probeShapes(student, studentNames, true);
        for (String t : tapNames) {
            DistillOps.batchPlaceholder(sd, TEACHER_PREFIX + t, student.dataType(), teacherShapes.get(t));
            teacherTaps.add(t);
        }

        for (int i = 0; i < terms.size(); i++) {
            DistillTermSpec term = terms.get(i);
            DistillationLoss loss = DistillationLosses.create(term.loss(), term.params());
            for (String role : loss.roles()) {
                if (!term.inputs().containsKey(role)) {
                    throw new IllegalArgumentException("Distillation term '" + term.name() + "' (" + term.loss()
                            + ") needs inputs for role '" + role + "'; it declares " + loss.roles());
                }
            }
            for (String role : term.inputs().keySet()) {
                if (!loss.roles().contains(role)) {
                    throw new IllegalArgumentException("Distillation term '" + term.name() + "' (" + term.loss()
                            + ") has no input role '" + role + "'; its roles: " + loss.roles()
                            + (loss.roles().isEmpty() ? " (it probes the models itself; see its params)" : ""));
                }
            }
            String prefix = TERM_PREFIX + term.name() + "/";
            LossState state = loss.createState(new LossState.Context(sd, prefix, student.dataType(), trainingSetSize,
                    seed, student, this.teacher));
            LossInputs in = new TermInputs(sd, resolved.get(i), studentShapes, teacherShapes, state,
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
                    });
            addWeightedTerm(sd, prefix, loss.build(in), term.weight(), "distill_" + term.name(), logged);
            losses.put(term.name(), loss);
            Map<String, List<String>> taps = new LinkedHashMap<>();
            resolved.get(i).forEach((role, pairs) -> taps.put(role, pairs.stream().map(p -> p[0]).toList()));
            teacherTapsByTerm.put(term.name(), taps);
            if (state != null) {
                states.put(term.name(), state);
            }
        }
        // built on first request: a distillation trained through the graph never needs it
        detachedBuilder = states.isEmpty()
                ? () -> DetachedDistillationTerms.of(student, terms, resolved, studentShapes, teacherShapes,
                teacherTaps, logged.values(), adapters)
                : Optional::empty;
    }

    /**
     * Adds {@code weight * value} to the generator's loss as variables {@code <prefix>loss} and
     * {@code <prefix>weighted}, logged as {@code <logKey>} and {@code <logKey>_weighted}.
     */
    static void addWeightedTerm(SameDiff sd, String prefix, SDVariable value, double weight, String logKey,
                                Map<String, String> logged) {
        SDVariable raw = sd.identity(prefix + "loss", value);
        SDVariable weighted = raw.mul(prefix + "weighted", weight);
        sd.addLossVariable(weighted);
        logged.put(logKey, raw.name());
        logged.put(logKey + "_weighted", weighted.name());
    }

    /** "G/enc/act3" taps the same activation on both sides; "A => B" taps teacher A, student B. */
    private static String[] parseTap(String role, String tap) {
        String[] parts = tap.split("=>");
        if (parts.length > 2) {
            throw new IllegalArgumentException("Tap '" + tap + "': expected 'name' or 'teacherName => studentName'");
        }
        String t = LogitSources.activationOf(role, parts[0].trim());
        String s = LogitSources.activationOf(role, (parts.length == 2 ? parts[1] : parts[0]).trim());
        return new String[]{t, s};
    }

    /** Shapes of the named activations from a 2-beat forward pass (unknown names fail clearly). */
    static Map<String, long[]> probeShapes(BeatGanGraph g, Set<String> names, boolean student) {
        if (names.isEmpty()) {
            return Map.of();
        }
        for (String n : names) {
            if (!g.sameDiff().hasVariable(n)) {
                throw new IllegalArgumentException("Tap '" + n + "' does not exist in the " + (student ? "student"
                        : "teacher") + " graph; documented activations: " + ActivationNames.all());
            }
        }
        INDArray probe = Nd4j.rand(g.dataType(), 2, g.config().nc(), g.config().isize());
        Map<String, INDArray> acts = g.forward(probe, student, names.toArray(new String[0]));
        Map<String, long[]> shapes = new LinkedHashMap<>();
        acts.forEach((k, v) -> shapes.put(k, v.shape()));
        return shapes;
    }

    /**
     * Starts the teacher's forward pass for a coming batch on the teacher's own thread, when a core
     * is free for it (ND4J uses fewer threads per op than there are cores): then it overlaps the
     * current step. Measured on 2 cores with one thread per op: student KD + AT step 151-157 ms
     * against 193 ms; with two threads per op the two threads compete and it was slower (208 vs
     * 189 ms), hence the condition.
     */
    @Override
    public void upcoming(INDArray beats) {
        if (teacherTaps.isEmpty() || !prefetch) {
            return;
        }
        // an announced batch that was never fed (skipped) must not pile up
        while (prefetched.size() >= 2) {
            prefetched.removeFirst();
        }
        prefetched.addLast(new Prefetch(beats, teacherThread().submit(() -> tapActivations(beats))));
    }

    @Override
    public Map<String, INDArray> feed(Batch batch) {
        Map<String, INDArray> acts = teacherTaps.isEmpty() ? Map.of() : announcedOrNow(batch.x());
        Map<String, INDArray> out = new LinkedHashMap<>();
        acts.forEach((k, v) -> out.put(TEACHER_PREFIX + k, v));
        for (LossState s : states.values()) {
            out.putAll(s.feed(batch));
        }
        return out;
    }

    /**
     * The teacher's activations of the taps for {@code x}: the prefetch announced for this very
     * array if there is one (entries announced before it were never fed and are dropped), else
     * computed now (announcements for later steps stay queued). With prefetching on, always on the
     * teacher's thread, so the teacher is never run by two threads at once.
     */
    private Map<String, INDArray> announcedOrNow(INDArray x) {
        Future<Map<String, INDArray>> result = null;
        if (prefetched.stream().anyMatch(p -> p.beats() == x)) {
            while (result == null) {
                Prefetch p = prefetched.removeFirst();
                if (p.beats() == x) {
                    result = p.activations();
                    announcedFeeds++;
                }
            }
        } else if (prefetch) {
            // not announced (first batch of an epoch): the announcements queued are for later steps
            result = teacherThread().submit(() -> tapActivations(x));
        } else {
            return tapActivations(x);
        }
        try {
            return result.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for the teacher's activations", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException("The teacher's forward pass failed: " + cause, cause);
        }
    }

    private Map<String, INDArray> tapActivations(INDArray x) {
        return teacher.activations(x, teacherTaps.toArray(new String[0]));
    }

    /** One daemon thread for all teacher work of this distillation, started on first use. */
    private synchronized ExecutorService teacherThread() {
        if (teacherThread == null) {
            teacherThread = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "teacher-forward");
                t.setDaemon(true);
                return t;
            });
        }
        return teacherThread;
    }

    /** Forces announced batches to be prefetched or not, whatever the thread settings (tests). */
    void prefetch(boolean on) {
        prefetch = on;
    }

    /** Feeds served from an announced batch's prefetched teacher activations (for tests). */
    long announcedFeeds() {
        return announcedFeeds;
    }

    private record Prefetch(INDArray beats, Future<Map<String, INDArray>> activations) {
    }

    /** {@link #feed(Batch)} for beats without dataset indices (enough unless a term keeps state). */
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
            Map<String, List<String>> taps = teacherTapsByTerm.get(name);
            String[] all = taps.values().stream().flatMap(List::stream).distinct().toArray(String[]::new);
            p.run(body -> {
                train.reset();
                while (train.hasNext()) {
                    DataSet ds = train.next();
                    Map<String, INDArray> acts = teacher.activations(ds.getFeatures(), all);
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
     * The terms rebuilt in a graph of their own on the student's generator activations, sharing
     * the student graph's adapter arrays: present when no term keeps training state (CRD's memory
     * bank, the probing losses' extra generator passes) and every student tap is a generator
     * activation.
     */
    @Override
    public synchronized Optional<DetachedTerms> detachedTerms() {
        if (detached == null) {
            detached = detachedBuilder.get();
        }
        return detached;
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

    public BeatGanGraph teacher() {
        return teacher.graph();
    }

}
