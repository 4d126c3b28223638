package org.beatgan.core.model;

import org.beatgan.core.train.BeatGanTrainer;
import org.beatgan.core.train.TrainingConfig;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GeneratorInferenceTest {

    /** A few training steps, so that running statistics and gammas are far from their initial values. */
    private static BeatGanGraph trained(DataType dtype, int nc, int width) {
        BeatGanGraph g = BeatGanGraphBuilder.build(BeatGanConfig.of(nc, 10, width, width), dtype, 7);
        BeatGanTrainer t = new BeatGanTrainer(g, TrainingConfig.defaults().withLr(0.01));
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.rand(dtype, 16, nc, 320).muli(2).subi(1);
        for (int i = 0; i < 3; i++) t.step(x, 0);
        return g;
    }

    @Test
    void foldedGeneratorMatchesTheGraphInDoublePrecision() {
        BeatGanGraph g = trained(DataType.DOUBLE, 2, 4);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 5, 2, 320).muli(2).subi(1);
        GeneratorInference fast = GeneratorInference.of(g);
        INDArray expected = g.activations(x, ActivationNames.G_OUT).get(ActivationNames.G_OUT);
        INDArray got = fast.reconstruct(x);
        assertEquals(0.0, got.sub(expected).amaxNumber().doubleValue(), 1e-12);
        INDArray s = fast.scores(x);
        INDArray sRef = g.scores(x);
        assertEquals(0.0, s.sub(sRef).amaxNumber().doubleValue(), 1e-12 * sRef.amaxNumber().doubleValue());
        // batch norm is folded, not skipped: the running statistics moved away from (0, 1)
        assertTrue(g.array("G/dec/bn1/running_mean").amaxNumber().doubleValue() > 1e-3);
    }

    @Test
    void everyNamedGeneratorActivationMatchesTheGraph() {
        BeatGanGraph g = trained(DataType.DOUBLE, 1, 4);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 6, 1, 320).muli(2).subi(1);
        GeneratorInference fast = GeneratorInference.of(g);
        String[] names = ActivationNames.all().stream().filter(GeneratorInference::provides).toArray(String[]::new);
        assertEquals(13, names.length, "5 encoder, latent, 5 decoder, output, score");
        Map<String, INDArray> expected = g.activations(x, names);
        Map<String, INDArray> got = fast.activations(x, names);
        for (String n : names) {
            assertArrayEquals(expected.get(n).shape(), got.get(n).shape(), n);
            double scale = Math.max(1e-3, expected.get(n).amaxNumber().doubleValue());
            assertEquals(0.0, got.get(n).sub(expected.get(n)).amaxNumber().doubleValue(), 1e-11 * scale, n);
        }
        // returned arrays are copies: a second call must not change the first call's results
        INDArray latent = got.get(ActivationNames.G_LATENT).dup();
        fast.activations(x.mul(-1), ActivationNames.G_LATENT);
        assertEquals(latent, got.get(ActivationNames.G_LATENT));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> fast.activations(x, ActivationNames.D_LOGIT));
        assertTrue(e.getMessage().contains("D/logit"), e.getMessage());
    }

    @Test
    void floatScoresMatchTheGraphToFloatRoundingAtBatchOneAndSixtyFour() {
        BeatGanGraph g = trained(DataType.FLOAT, 1, 8);
        GeneratorInference fast = GeneratorInference.of(g);
        for (int batch : new int[]{1, 64}) {
            INDArray x = Nd4j.rand(DataType.FLOAT, batch, 1, 320).muli(2).subi(1);
            INDArray ref = g.scores(x);
            INDArray got = fast.scores(x);
            assertEquals(batch, got.length());
            double rel = got.sub(ref).amaxNumber().doubleValue() / ref.amaxNumber().doubleValue();
            assertTrue(rel < 1e-4, "relative difference " + rel);
        }
    }

    @Test
    void snapshotDoesNotFollowLaterUpdatesAndInputShapeIsChecked() {
        BeatGanGraph g = trained(DataType.FLOAT, 1, 4);
        GeneratorInference fast = GeneratorInference.of(g);
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 1, 320);
        INDArray before = fast.scores(x);
        g.array("G/enc/conv1/W").muli(3);
        assertEquals(0.0, fast.scores(x).sub(before).amaxNumber().doubleValue(), 0.0);
        assertTrue(GeneratorInference.of(g).scores(x).sub(before).amaxNumber().doubleValue() > 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> fast.scores(Nd4j.rand(DataType.FLOAT, 4, 2, 320)));
        assertTrue(e.getMessage().contains("expected (batch, nc=1, 320)"), e.getMessage());
    }

    /** Float runs through sgemm (GemmGenerator): every named activation as the graph gives it. */
    @Test
    void floatActivationsThroughSgemmMatchTheGraph() {
        BeatGanGraph g = trained(DataType.FLOAT, 2, 4);
        GeneratorInference fast = GeneratorInference.of(g);
        assertTrue(fast.usesGemm());
        assertTrue(!GeneratorInference.of(trained(DataType.DOUBLE, 1, 2)).usesGemm(), "double runs libnd4j's kernels");
        String[] names = ActivationNames.all().stream().filter(GeneratorInference::provides).toArray(String[]::new);
        for (int batch : new int[]{1, 3, 17}) {
            INDArray x = Nd4j.rand(DataType.FLOAT, batch, 2, 320).muli(2).subi(1);
            Map<String, INDArray> expected = g.activations(x, names);
            Map<String, INDArray> got = fast.activations(x, names);
            for (String n : names) {
                assertArrayEquals(expected.get(n).shape(), got.get(n).shape(), n);
                double scale = Math.max(1e-3, expected.get(n).amaxNumber().doubleValue());
                double diff = got.get(n).sub(expected.get(n)).amaxNumber().doubleValue();
                assertTrue(diff / scale < 1e-4, "batch " + batch + " " + n + ": " + diff + " at scale " + scale);
            }
            assertEquals(0.0, fast.reconstruct(x).sub(got.get(ActivationNames.G_OUT)).amaxNumber().doubleValue(), 0.0);
            assertEquals(0.0, fast.scores(x).sub(got.get(ActivationNames.G_SCORE)).amaxNumber().doubleValue(), 0.0);
        }
    }

    @Test
    void fastTanhIsFloatAccurate() {
        double worst = 0;
        for (int i = -300000; i <= 300000; i++) {
            float x = i * 1e-4f;
            double exact = Math.tanh(x);
            double err = Math.abs(GemmGenerator.tanh(x) - exact) / Math.max(Math.abs(exact), 1e-30);
            if (x != 0) worst = Math.max(worst, err);
        }
        assertTrue(worst < 1.2e-7, "worst relative error " + worst);
        assertEquals(0f, GemmGenerator.tanh(0f));
        assertEquals(1f, GemmGenerator.tanh(1000f));
        assertEquals(-1f, GemmGenerator.tanh(-1000f));
    }
}
