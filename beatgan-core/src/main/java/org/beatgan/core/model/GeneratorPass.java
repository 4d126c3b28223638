package org.beatgan.core.model;

import org.nd4j.autodiff.samediff.SDVariable;

/**
 * One application of a BeatGAN generator inside a graph: the reconstruction and the per-beat
 * anomaly score (mean squared error against the beats the pass was given). The primary pass has
 * no scope; passes added by {@link BeatGanGraph#applyGenerator} name their activations
 * {@code scope + "/" + name} (e.g. {@code "probe/G/enc/act3"}), see {@link #activation}.
 */
public record GeneratorPass(String scope, SDVariable out, SDVariable score) {

    /** Name of this pass's copy of a generator activation ({@link ActivationNames}). */
    public String activation(String name) {
        return scope == null ? name : scope + "/" + name;
    }
}
