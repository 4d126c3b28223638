package org.beatgan.core.model.direct;

import org.beatgan.core.model.BeatGanArchitecture;
import org.beatgan.core.model.BeatGanArchitecture.Layer;
import org.beatgan.core.model.BeatGanConfig;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.beatgan.core.model.direct.DirectTrainingStepTest.assertClose;
import static org.junit.jupiter.api.Assertions.*;

/** A convolution's input gradient alone (a transposed convolution of dy) against conv1d_bp's, in double. */
class ConvKernelTest {

    @Test
    void theInputGradientAloneEqualsConv1dBackpropsAtEveryConvolutionOfTheDiscriminator() {
        Nd4j.getRandom().setSeed(7);
        BeatGanConfig c = BeatGanConfig.of(2, 6, 4, 4);
        long length = c.isize();
        for (Layer l : BeatGanArchitecture.discriminator()) {
            long lo = l.outputLength(length);
            check((int) l.inChannels(c), (int) l.outChannels(c), (int) length, (int) lo, l.kernel(), l.stride(),
                    l.pad(), "conv1d_bp (input only)");
            length = lo;
        }
        // (11 + 2 - 4) / 2 leaves a remainder: the transposed convolution would be one short, conv1d_bp serves
        check(3, 2, 11, 5, 4, 2, 1, "conv1d_bp");
    }

    private static void check(int ci, int co, int li, int lo, int k, int s, int p, String expectedOp) {
        int batch = 3;
        INDArray x = Nd4j.rand(DataType.DOUBLE, batch, ci, li).subi(0.5);
        INDArray w = Nd4j.rand(DataType.DOUBLE, k, ci, co).subi(0.5);
        INDArray dy = Nd4j.rand(DataType.DOUBLE, batch, co, lo).subi(0.5);
        INDArray y = Nd4j.create(DataType.DOUBLE, batch, co, lo);
        ConvKernel.Arrays both = new ConvKernel.Arrays(x, w, y, dy, x.like(), w.like(), k, s, p);
        ConvKernel.Bound full = ConvKernel.conv(both);
        assertEquals("conv1d_bp", full.backwardName());
        full.forward().run();
        full.backward().run();
        ConvKernel.Arrays inputOnly = new ConvKernel.Arrays(x, w, y.like(), dy, x.like(), null, k, s, p);
        ConvKernel.Bound alone = ConvKernel.conv(inputOnly);
        assertEquals(expectedOp, alone.backwardName());
        alone.forward().run();
        alone.backward().run();
        String what = "(" + ci + " -> " + co + ", L " + li + ", k " + k + ", s " + s + ", p " + p + ")";
        assertClose(both.y(), inputOnly.y(), 1e-12, what + " output");
        assertTrue(both.dx().amaxNumber().doubleValue() > 0, "a non-trivial gradient");
        assertClose(both.dx(), inputOnly.dx(), 1e-12, what + " input gradient");
    }
}
