package org.beatgan.core.model.direct;

import org.nd4j.linalg.api.ops.CustomOp;
import org.nd4j.linalg.api.ops.Op;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

/**
 * The ops of one network pass, built once for a batch size with every output preallocated: a
 * forward list run in order and a backward list run in reverse, each entry one or a few native
 * calls (or a Java kernel). Running a tape does no shape inference and no allocation.
 */
final class Tape {

    private final List<Runnable> forward = new ArrayList<>();
    private final List<String> forwardOps = new ArrayList<>();
    private final List<Runnable> backward = new ArrayList<>();
    private final List<String> backwardOps = new ArrayList<>();
    /** Time per op kind while profiling, else null (see {@link OpProfile}). */
    private static volatile OpProfile profile;

    /** Starts (or, with null, stops) timing every op of every tape run on any thread. */
    static void profile(OpProfile p) {
        profile = p;
    }

    static Runnable exec(Op op) {
        return () -> Nd4j.exec(op);
    }

    static Runnable exec(CustomOp op) {
        return () -> Nd4j.exec(op);
    }

    /** The forward of a layer, as one or more steps run in order; {@code op} names it in profiles. */
    void forward(String op, Runnable... steps) {
        for (Runnable r : steps) {
            forward.add(r);
            forwardOps.add(op);
        }
    }

    /**
     * The backward of the layer just added, its steps run in the order given; layers' backward
     * steps run in reverse order of addition.
     */
    void backward(String op, Runnable... steps) {
        backward.add(steps.length == 1 ? steps[0] : () -> {
            for (Runnable s : steps) {
                s.run();
            }
        });
        backwardOps.add(op);
    }

    void runForward() {
        OpProfile p = profile;
        for (int i = 0; i < forward.size(); i++) {
            if (p == null) {
                forward.get(i).run();
            } else {
                p.time(forwardOps.get(i), forward.get(i));
            }
        }
    }

    void runBackward() {
        OpProfile p = profile;
        for (int i = backward.size() - 1; i >= 0; i--) {
            if (p == null) {
                backward.get(i).run();
            } else {
                p.time(backwardOps.get(i), backward.get(i));
            }
        }
    }
}
