package org.beatgan.core.model.direct;

import org.beatgan.core.model.BeatGanArchitecture;
import org.beatgan.core.model.BeatGanArchitecture.Kind;
import org.beatgan.core.model.BeatGanArchitecture.Layer;
import org.beatgan.core.model.BeatGanConfig;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

import static org.beatgan.core.model.direct.DirectTrainingStepTest.assertClose;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The sgemm convolutions against libnd4j's kernels run in double precision as the reference, at
 * every layer of BeatGAN's table (a small config) and at geometries the table does not use.
 */
class GemmConvKernelTest {

    private record Case(Kind kind, int ci, int co, int li, int k, int s, int p) {
        int lo() {
            return kind == Kind.CONV ? (li + 2 * p - k) / s + 1 : (li - 1) * s - 2 * p + k;
        }

        long[] weightShape() {
            return kind == Kind.CONV ? new long[]{k, ci, co} : new long[]{1, k, co, ci};
        }
    }

    private static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        BeatGanConfig c = BeatGanConfig.of(2, 6, 4, 4);
        long length = c.isize();
        for (Layer l : BeatGanArchitecture.generator()) {
            cases.add(new Case(l.kind(), (int) l.inChannels(c), (int) l.outChannels(c), (int) length, l.kernel(),
                    l.stride(), l.pad()));
            length = l.outputLength(length);
        }
        cases.add(new Case(Kind.CONV, 3, 5, 11, 3, 1, 2));
        cases.add(new Case(Kind.CONV, 2, 3, 13, 5, 3, 1));
        cases.add(new Case(Kind.DECONV, 3, 2, 5, 3, 3, 1));
        cases.add(new Case(Kind.DECONV, 2, 4, 7, 5, 1, 2));
        return cases;
    }

    @Test
    void forwardAndBothGradientsEqualLibNd4jAtEveryLayerOfTheTable() {
        Nd4j.getRandom().setSeed(11);
        int batch = 5;
        for (Case k : cases()) {
            INDArray x = Nd4j.rand(DataType.DOUBLE, batch, k.ci(), k.li()).subi(0.5);
            INDArray w = Nd4j.rand(DataType.DOUBLE, k.weightShape()).subi(0.5);
            INDArray dy = Nd4j.rand(DataType.DOUBLE, batch, k.co(), k.lo()).subi(0.5);
            ConvKernel.Arrays expected = run(new LibNd4jConvKernel(), k, x, w, dy, true);
            ConvKernel.Arrays actual = run(new GemmConvKernel(), k, x.castTo(DataType.FLOAT), w.castTo(DataType.FLOAT),
                    dy.castTo(DataType.FLOAT), true);
            double scale = Math.max(1, k.ci() * k.k());
            assertClose(expected.y(), actual.y(), 1e-5 * scale, k + ": output");
            assertClose(expected.dx(), actual.dx(), 1e-5 * scale * k.co(), k + ": input gradient");
            assertClose(expected.dw(), actual.dw(), 1e-5 * batch * k.li() * k.co(), k + ": weight gradient");
            ConvKernel.Arrays noWeights = run(new GemmConvKernel(), k, x.castTo(DataType.FLOAT),
                    w.castTo(DataType.FLOAT), dy.castTo(DataType.FLOAT), false);
            assertEquals(actual.dx(), noWeights.dx(), k + ": the input gradient does not depend on skipping dW");
        }
    }

    @Test
    void theSharedScratchArraysDoNotLeakBetweenLayersOfOneKernel() {
        // a wide layer then a narrow padded one: stale values in the shared columns would show as non-zero padding
        GemmConvKernel kernel = new GemmConvKernel();
        Case wide = new Case(Kind.CONV, 6, 6, 40, 4, 2, 1);
        Case padded = new Case(Kind.CONV, 2, 3, 9, 3, 1, 2);
        Nd4j.getRandom().setSeed(5);
        run(kernel, wide, Nd4j.rand(DataType.FLOAT, 4, 6, 40).addi(10), Nd4j.rand(DataType.FLOAT, wide.weightShape()),
                Nd4j.rand(DataType.FLOAT, 4, 6, wide.lo()), false);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 4, 2, 9);
        INDArray w = Nd4j.rand(DataType.DOUBLE, padded.weightShape());
        INDArray dy = Nd4j.rand(DataType.DOUBLE, 4, 3, padded.lo());
        ConvKernel.Arrays expected = run(new LibNd4jConvKernel(), padded, x, w, dy, true);
        ConvKernel.Arrays actual = run(kernel, padded, x.castTo(DataType.FLOAT), w.castTo(DataType.FLOAT),
                dy.castTo(DataType.FLOAT), true);
        assertClose(expected.y(), actual.y(), 1e-5, "output");
        assertClose(expected.dx(), actual.dx(), 1e-5, "input gradient");
    }

    @Test
    void aBoundLayerKeepsItsArraysAliveWhileOnlyItsBuffersReachThem() throws Exception {
        // the tape binds buffers on the arrays' memory; an array nothing else reaches (a conv's output,
        // read by the next batch norm's buffers) must not be collected and its memory freed under them
        Case k = new Case(Kind.CONV, 2, 3, 10, 4, 2, 1);
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 2, 10);
        INDArray y = Nd4j.create(DataType.FLOAT, 4, 3, k.lo());
        java.lang.ref.WeakReference<INDArray> output = new java.lang.ref.WeakReference<>(y);
        ConvKernel.Bound bound = new GemmConvKernel().conv(new ConvKernel.Arrays(x, Nd4j.rand(DataType.FLOAT,
                k.weightShape()), y, y.like(), null, null, k.k(), k.s(), k.p()));
        y = null;
        for (int i = 0; i < 5 && output.get() != null; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertNotNull(output.get(), "the output array was collected while bound");
        bound.forward().run();
    }

    @Test
    void mismatchedWeightsAndViewsAreRefusedNamingTheArray() {
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, 10);
        INDArray y = Nd4j.create(DataType.FLOAT, 2, 4, 5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new GemmConvKernel().conv(
                new ConvKernel.Arrays(x, Nd4j.rand(DataType.FLOAT, 4, 2, 4), y, y.like(), x.like(), null, 4, 2, 1)));
        assertTrue(e.getMessage().contains("(K, Ci, Co) = (4, 3, 4)"), e.getMessage());
        INDArray view = Nd4j.rand(DataType.FLOAT, 3, 3, 10).get(org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 3));
        e = assertThrows(IllegalArgumentException.class, () -> new GemmConvKernel().conv(
                new ConvKernel.Arrays(view, Nd4j.rand(DataType.FLOAT, 4, 3, 4), y, y.like(), x.like(), null, 4, 2, 1)));
        assertTrue(e.getMessage().contains("Convolution input"), e.getMessage());
    }

    private static ConvKernel.Arrays run(ConvKernel kernel, Case k, INDArray x, INDArray w, INDArray dy,
                                         boolean weightGradient) {
        INDArray y = Nd4j.create(x.dataType(), x.size(0), k.co(), k.lo());
        ConvKernel.Arrays a = new ConvKernel.Arrays(x, w, y, dy, x.like(), weightGradient ? w.like() : null,
                k.k(), k.s(), k.p());
        ConvKernel.Bound bound = k.kind() == Kind.CONV ? kernel.conv(a) : kernel.deconv(a);
        bound.forward().run();
        bound.backward().run();
        return a;
    }
}
