package org.beatgan.core.train;

import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * What computes a BeatGAN step's gradients for {@link BeatGanTrainer}: the discriminator's pass, then
 * the generator's pass with every extension's terms. The trainer alone chooses the engine
 * ({@link GraphStepEngine}: the SameDiff graph, any extension; {@link DirectStepEngine}: the
 * hand-written step on native kernels, extensions whose terms are functions of generator
 * activations); it applies the updates, checks the losses and keeps the running statistics itself,
 * the same way for both.
 */
interface BeatGanStepEngine {

    /**
     * D's gradients (keyed by its parameter names) and outputs ({@code loss/D_real}, {@code loss/D_fake},
     * {@code loss/D} and the batch statistics of D's passes) for the step's feed; begins a step.
     */
    OutAndGrad discriminator(Map<String, INDArray> feed);

    /**
     * G's gradients (every variable of G's optimizer; the extensions' adapters included) and outputs
     * (G's losses, every logged extension term, the batch statistics of G's pass and of D's passes in
     * it, and the extensions' step outputs), for the feed of the step {@link #discriminator} began.
     * D's parameters may have been updated in between (BeatGAN's order) or not (simultaneous order).
     */
    OutAndGrad generator(Map<String, INDArray> feed);

    /** Short description for the log ("graph", "direct ..."). */
    String describe();
}
