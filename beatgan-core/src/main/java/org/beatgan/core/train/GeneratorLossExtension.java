package org.beatgan.core.train;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Map;

/**
 * Something that adds terms to the generator's loss inside the BeatGAN graph (distillation terms,
 * for instance). The trainer treats every extension alike: it feeds the extension's placeholders,
 * lets G's optimizer train the extension's variables and logs its terms; it never asks what the
 * extension is.
 */
public interface GeneratorLossExtension {

    /** Placeholder values for this batch, e.g. a frozen teacher's activations for {@code x}. */
    Map<String, INDArray> feed(INDArray x);

    /** Trainable variables owned by the extension (adapters), trained with G's optimizer. */
    List<String> trainableVariables();

    /** Scalar graph outputs to log per iteration: log key -> graph variable name. */
    Map<String, String> loggedTerms();
}
