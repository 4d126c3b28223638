package org.beatgan.core.model.direct;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Wall time and calls per op kind of the direct training step while profiling is on
 * ({@link DirectTrainingStep#profile}); the bench prints it. Timing each op adds a clock read per
 * op, negligible against ops of tens of microseconds.
 */
public final class OpProfile {

    private final Map<String, long[]> byOp = new TreeMap<>();

    synchronized void add(String op, long nanos) {
        long[] t = byOp.computeIfAbsent(op, k -> new long[2]);
        t[0] += nanos;
        t[1]++;
    }

    void time(String op, Runnable r) {
        long t0 = System.nanoTime();
        r.run();
        add(op, System.nanoTime() - t0);
    }

    /** Milliseconds and calls per op kind, largest first, divided by {@code steps}. */
    public synchronized Map<String, double[]> perStep(int steps) {
        Map<String, double[]> out = new LinkedHashMap<>();
        byOp.entrySet().stream()
                .sorted((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0]))
                .forEach(e -> out.put(e.getKey(), new double[]{e.getValue()[0] / 1e6 / steps,
                        (double) e.getValue()[1] / steps}));
        return out;
    }
}
