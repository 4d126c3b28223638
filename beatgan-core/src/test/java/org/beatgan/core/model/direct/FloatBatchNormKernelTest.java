package org.beatgan.core.model.direct;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.beatgan.core.model.direct.DirectTrainingStepTest.assertClose;
import static org.junit.jupiter.api.Assertions.*;

/** The Java float batch norm against libnd4j's kernels, run in double precision as the reference. */
class FloatBatchNormKernelTest {

    @Test
    void forwardAndBackwardEqualLibNd4jInDouble() {
        Nd4j.getRandom().setSeed(3);
        int b = 7, c = 5, l = 12;
        // an offset and a scale far from (0, 1) so that a one-pass variance would show its error
        INDArray x = Nd4j.rand(DataType.DOUBLE, b, c, l).muli(3).addi(40);
        INDArray gamma = Nd4j.rand(DataType.DOUBLE, c).addi(0.5);
        INDArray beta = Nd4j.rand(DataType.DOUBLE, c).subi(0.5);
        INDArray dy = Nd4j.rand(DataType.DOUBLE, b, c, l).subi(0.5);
        BatchNormKernel.Arrays expected = run(new LibNd4jBatchNormKernel(), x, gamma, beta, dy);
        BatchNormKernel.Arrays actual = run(new FloatBatchNormKernel(), x.castTo(DataType.FLOAT),
                gamma.castTo(DataType.FLOAT), beta.castTo(DataType.FLOAT), dy.castTo(DataType.FLOAT));
        assertClose(expected.y(), actual.y(), 1e-5, "y");
        assertClose(expected.mean(), actual.mean(), 1e-6, "batch mean");
        assertClose(expected.var(), actual.var(), 1e-5, "batch variance");
        assertClose(expected.dx(), actual.dx(), 1e-4, "dx");
        assertClose(expected.dGamma(), actual.dGamma(), 1e-4, "dgamma");
        assertClose(expected.dBeta(), actual.dBeta(), 1e-5, "dbeta");
    }

    private static BatchNormKernel.Arrays run(BatchNormKernel kernel, INDArray x, INDArray gamma, INDArray beta,
                                              INDArray dy) {
        long c = x.size(1);
        BatchNormKernel.Arrays a = new BatchNormKernel.Arrays(x, gamma, beta, Nd4j.create(x.dataType(), c),
                Nd4j.create(x.dataType(), c), x.like(), dy, x.like(), gamma.like(), beta.like());
        BatchNormKernel.Bound bound = kernel.bind(a);
        bound.forward().run();
        bound.backward().run();
        return a;
    }

    @Test
    void aBoundBatchNormKeepsItsArraysAlive() throws Exception {
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 3, 10);
        INDArray c = Nd4j.ones(DataType.FLOAT, 3);
        java.lang.ref.WeakReference<INDArray> input = new java.lang.ref.WeakReference<>(x);
        BatchNormKernel.Bound bound = new FloatBatchNormKernel().bind(new BatchNormKernel.Arrays(x, c, c, c.like(),
                c.like(), x.like(), x.like(), x.like(), c.like(), c.like()));
        x = null;
        for (int i = 0; i < 5 && input.get() != null; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertNotNull(input.get(), "the input array was collected while bound");
        bound.forward().run();
    }

    @Test
    void viewsAndOtherTypesAreRefused() {
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 3, 10);
        INDArray c = Nd4j.ones(DataType.FLOAT, 3);
        BatchNormKernel.Arrays view = new BatchNormKernel.Arrays(x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 3)),
                c, c, c.like(), c.like(), x.like(), x.like(), x.like(), c.like(), c.like());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new FloatBatchNormKernel().bind(view));
        assertTrue(e.getMessage().contains("input"), e.getMessage());
        INDArray d = x.castTo(DataType.DOUBLE);
        BatchNormKernel.Arrays doubles = new BatchNormKernel.Arrays(d, c, c, c.like(), c.like(), d.like(), d.like(),
                d.like(), c.like(), c.like());
        assertThrows(IllegalArgumentException.class, () -> new FloatBatchNormKernel().bind(doubles));
    }
}
