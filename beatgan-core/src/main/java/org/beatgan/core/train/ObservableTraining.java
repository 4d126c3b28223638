package org.beatgan.core.train;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A trainer as the training UI watches it: its networks as workers (each with its optimizer and
 * the per-iteration stat that is its score), its parameters, and a description of the run. BeatGAN
 * has two workers (generator, discriminator), a classifier one.
 */
public interface ObservableTraining {

    /**
     * A network of the run: its name (the UI's worker id), its short tag (shown with the model's
     * name, e.g. "G"), its optimizer, and the stats key of its per-iteration loss.
     */
    record Worker(String name, String tag, AdamOptimizer optimizer, String scoreKey) {
    }

    /** The workers, in the order the UI lists them. */
    List<Worker> workers();

    /** A parameter's current array. */
    INDArray array(String variable);

    DataType dataType();

    /** Model and training settings and parameter counts, shown with the run. */
    Map<String, Object> describe();

    /** Every worker's parameter count, by worker name. */
    default Map<String, Long> parameterCounts() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (Worker w : workers()) {
            long n = 0;
            for (String v : w.optimizer().variables()) n += array(v).length();
            out.put(w.name(), n);
        }
        return out;
    }
}
