package org.beatgan.distill;

import org.beatgan.core.train.Batch;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * A loss state's teacher work for coming steps ({@link LossState#upcoming}), started on the
 * teacher's thread while the current step trains and taken when that step is fed; a step that
 * was not announced, or announced with other beats, is computed when fed (on the teacher's thread
 * too, serialised with its other work). The work must depend only on the batch (its beats and
 * iteration), so the values fed are the same either way. At most two announcements are pending.
 */
public final class TeacherWorkAhead {

    private final TeacherModel teacher;
    private final String owner;
    private final Function<Batch, Map<String, INDArray>> work;
    private final Map<Long, Pending> pending = new LinkedHashMap<>();

    private record Pending(INDArray beats, Future<Map<String, INDArray>> result) {
    }

    /** {@code owner} names the loss in errors; {@code work} is the feed's teacher work for a batch. */
    public TeacherWorkAhead(TeacherModel teacher, String owner, Function<Batch, Map<String, INDArray>> work) {
        this.teacher = teacher;
        this.owner = owner;
        this.work = work;
    }

    /** Starts the work of an announced step, when the teacher has a thread of its own. */
    public void announce(Batch next) {
        if (!teacher.prefetching() || next.iteration() < 0) return;
        while (pending.size() >= 2) pending.remove(pending.keySet().iterator().next());
        pending.put(next.iteration(), new Pending(next.x(), teacher.onTeacherThread(() -> work.apply(next))));
    }

    /** The work's result for this step: the announced one if it was for these very beats, else computed now. */
    public Map<String, INDArray> take(Batch batch) {
        Pending p = pending.remove(batch.iteration());
        Future<Map<String, INDArray>> f = p != null && p.beats() == batch.x() ? p.result()
                : teacher.onTeacherThread(() -> work.apply(batch));
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(owner + ": interrupted while the teacher worked for this step", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw new IllegalStateException(owner + ": the teacher's work for this step failed: " + e.getCause(), e.getCause());
        }
    }
}
