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
    private final List<Runnable> backward = new ArrayList<>();

    static Runnable exec(Op op) {
        return () -> Nd4j.exec(op);
    }

    static Runnable exec(CustomOp op) {
        return () -> Nd4j.exec(op);
    }

    void forward(Runnable... steps) {
        forward.addAll(List.of(steps));
    }

    /**
     * The backward of the layer just added, its steps run in the order given; layers' backward
     * steps run in reverse order of addition.
     */
    void backward(Runnable... steps) {
        backward.add(steps.length == 1 ? steps[0] : () -> {
            for (Runnable s : steps) {
                s.run();
            }
        });
    }

    void runForward() {
        for (Runnable r : forward) {
            r.run();
        }
    }

    void runBackward() {
        for (int i = backward.size() - 1; i >= 0; i--) {
            backward.get(i).run();
        }
    }
}
