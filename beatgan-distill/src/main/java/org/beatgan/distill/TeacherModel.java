package org.beatgan.distill;

import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.model.GeneratorGradients;
import org.beatgan.core.model.GeneratorInference;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.Map;

/**
 * The frozen teacher as distillation reads it, in inference mode: named activations, anomaly
 * scores and their exact gradients. Generator work runs on snapshots of the teacher's weights
 * ({@link GeneratorInference}, {@link GeneratorGradients}), made on first use; the teacher never
 * changes during distillation, so they never go stale. The snapshots are made once, under a lock;
 * the teacher's graph itself (discriminator taps) is not thread-safe, which is why
 * {@link BeatGanDistillation} runs all its tap work on one thread.
 */
public final class TeacherModel {

    private final BeatGanGraph graph;
    private GeneratorInference generator;
    private GeneratorGradients gradients;

    public TeacherModel(BeatGanGraph graph) {
        this.graph = graph;
    }

    public BeatGanGraph graph() {
        return graph;
    }

    /** The generator in inference mode (plain ND4J ops, batch norm folded). */
    public synchronized GeneratorInference generator() {
        if (generator == null) {
            generator = GeneratorInference.of(graph);
        }
        return generator;
    }

    /** Exact per-beat gradients of the teacher's anomaly score (inference mode). */
    public synchronized GeneratorGradients gradients() {
        if (gradients == null) {
            gradients = generator().gradients();
        }
        return gradients;
    }

    /**
     * Inference-mode activations: through {@link #generator()} (about twice as fast as SameDiff at
     * batch 64) when every name is a generator activation, through the teacher's graph otherwise
     * (discriminator taps).
     */
    public Map<String, INDArray> activations(INDArray x, String... names) {
        if (Arrays.stream(names).allMatch(GeneratorInference::provides)) {
            return generator().activations(x, names);
        }
        return graph.activations(x, names);
    }
}
