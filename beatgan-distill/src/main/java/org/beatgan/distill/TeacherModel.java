package org.beatgan.distill;

import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.model.DistillableModel;
import org.beatgan.core.model.GeneratorGradients;
import org.beatgan.core.model.GeneratorInference;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The frozen teacher as distillation reads it, in inference mode, with the thread its work runs
 * on. Its tapped activations for a batch come from {@link DistillableModel#frozen()}; when a core is
 * free for it (ND4J runs fewer threads per op than there are cores), the activations of an
 * announced coming batch are computed on the teacher's own thread while the current step trains.
 * Measured on 2 cores with one thread per op: a BeatGAN student's KD + AT step took 151-157 ms
 * against 193 ms; with two threads per op the two threads compete and it was slower (208 vs 189
 * ms), hence the condition. With prefetching on, all tap work runs on that one thread, so the
 * teacher is never run by two threads at once.
 *
 * <p>Losses that probe a BeatGAN teacher on beats of their own (sobolev_fd, lwm_fd, bss_score)
 * read its generator and exact score gradients ({@link #generator()}, {@link #gradients()}),
 * snapshots of its weights made once under a lock; the teacher never changes, so they never go
 * stale.
 */
public final class TeacherModel {

    private final DistillableModel model;
    private final DistillableModel.Frozen frozen;
    private String[] taps = new String[0];
    /** Teacher activations started for announced batches, oldest first (main thread only). */
    private final Deque<Prefetch> prefetched = new ArrayDeque<>();
    private ExecutorService thread;
    private boolean prefetch = Nd4j.getEnvironment().maxThreads() < Runtime.getRuntime().availableProcessors();
    private long announcedFeeds;
    private GeneratorInference generator;
    private GeneratorGradients gradients;

    public TeacherModel(DistillableModel model) {
        this.model = model;
        this.frozen = model.frozen();
    }

    public DistillableModel model() {
        return model;
    }

    /** The activations {@link #taps(INDArray)} serves for every batch. */
    void tap(Collection<String> names) {
        taps = names.toArray(new String[0]);
    }

    boolean hasTaps() {
        return taps.length > 0;
    }

    /** Inference-mode activations of {@code x}, computed now on the calling thread. */
    public Map<String, INDArray> activations(INDArray x, String... names) {
        return frozen.activations(x, names);
    }

    /**
     * Teacher work of a loss's own (probe beats scored by the teacher): on the teacher's thread
     * when prefetching, serialised with the taps, so it can run during the student's step; else
     * now, on the calling thread (the future is then complete).
     */
    public <T> Future<T> onTeacherThread(java.util.concurrent.Callable<T> work) {
        if (prefetch) {
            return thread().submit(work);
        }
        try {
            return java.util.concurrent.CompletableFuture.completedFuture(work.call());
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("Teacher work failed: " + e, e);
        }
    }

    /** Whether teacher work runs on its own thread (a core is free for it). */
    public boolean prefetching() {
        return prefetch;
    }

    /** Starts the tapped activations of a coming batch on the teacher's thread (when a core is free). */
    void upcoming(INDArray beats) {
        if (taps.length == 0 || !prefetch) {
            return;
        }
        // an announced batch that was never fed (skipped) must not pile up
        while (prefetched.size() >= 2) {
            prefetched.removeFirst();
        }
        prefetched.addLast(new Prefetch(beats, thread().submit(() -> activations(beats, taps))));
    }

    /**
     * The tapped activations of {@code x}: the prefetch announced for this very array if there is
     * one (entries announced before it were never fed and are dropped), else computed now
     * (announcements for later steps stay queued).
     */
    Map<String, INDArray> taps(INDArray x) {
        if (taps.length == 0) {
            return Map.of();
        }
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
            result = thread().submit(() -> activations(x, taps));
        } else {
            return activations(x, taps);
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

    /** One daemon thread for all teacher work of this distillation, started on first use. */
    private synchronized ExecutorService thread() {
        if (thread == null) {
            thread = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "teacher-forward");
                t.setDaemon(true);
                return t;
            });
        }
        return thread;
    }

    /** Forces announced batches to be prefetched or not, whatever the thread settings. */
    void prefetch(boolean on) {
        prefetch = on;
    }

    /** Feeds served from an announced batch's prefetched activations. */
    long announcedFeeds() {
        return announcedFeeds;
    }

    private record Prefetch(INDArray beats, Future<Map<String, INDArray>> activations) {
    }

    /** The teacher as a BeatGAN, for losses that probe its generator; a clear failure otherwise. */
    public BeatGanGraph beatGan(String lossId) {
        if (!(model instanceof BeatGanGraph g)) {
            throw new IllegalArgumentException(lossId + " probes a BeatGAN teacher's generator; the teacher is "
                    + model.describe());
        }
        return g;
    }

    /** The BeatGAN generator in inference mode (plain ND4J ops, batch norm folded). */
    public synchronized GeneratorInference generator() {
        if (generator == null) {
            generator = GeneratorInference.of(beatGan("a generator probe"));
        }
        return generator;
    }

    /** Exact per-beat gradients of the BeatGAN teacher's anomaly score (inference mode). */
    public synchronized GeneratorGradients gradients() {
        if (gradients == null) {
            gradients = generator().gradients();
        }
        return gradients;
    }

    List<String> tapNames() {
        return List.of(taps);
    }
}
