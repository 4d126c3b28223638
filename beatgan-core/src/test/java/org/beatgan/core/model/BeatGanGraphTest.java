package org.beatgan.core.model;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

import static org.beatgan.core.model.ActivationNames.*;
import static org.junit.jupiter.api.Assertions.*;

class BeatGanGraphTest {

    private static BeatGanGraph paperSize;

    @BeforeAll
    static void build() {
        paperSize = BeatGanGraphBuilder.build(BeatGanConfig.defaults(), 7);
    }

    @Test
    void parameterCountsMatchPyTorchBeatGan() {
        // nc=1, ngf=ndf=32, nz=50: counted from the PyTorch model, BN affine included
        assertEquals(1_908_800L, paperSize.parameterCount(BeatGanGraph.Network.G));
        assertEquals(703_488L, paperSize.parameterCount(BeatGanGraph.Network.D));
    }

    @Test
    void studentParameterCountFollowsTheArchitecture() {
        BeatGanGraph student = BeatGanGraphBuilder.build(BeatGanConfig.defaults().withWidths(8, 8), 1);
        // encoder (ndf=8): convs 1x8x4, 8x16x4 .. 64x128x4, BN affine on 16..128 channels, 128x50x10
        long enc = 32 + (512 + 32) + (2048 + 64) + (8192 + 128) + (32768 + 256) + 64000;
        // decoder (ngf=8): 50x128x10, 128x64x4 .. 16x8x4, BN affine on 128..8 channels, 8x1x4
        long dec = (64000 + 256) + (32768 + 128) + (8192 + 64) + (2048 + 32) + (512 + 16) + 32;
        assertEquals(enc + dec, student.parameterCount(BeatGanGraph.Network.G));
        // the nz-facing convolutions scale with width, not width^2: 8.8x fewer, not 16x
        double ratio = 1_908_800.0 / (enc + dec);
        assertEquals(8.83, ratio, 0.01);
    }

    @Test
    void everyNamedActivationHasTheDocumentedShape() {
        int b = 3;
        INDArray x = Nd4j.rand(DataType.FLOAT, b, 1, 320).muli(2).subi(1);
        Map<String, INDArray> acts = paperSize.activations(x, ActivationNames.all().toArray(new String[0]));
        long[][] enc = {{b, 32, 160}, {b, 64, 80}, {b, 128, 40}, {b, 256, 20}, {b, 512, 10}};
        for (int k = 1; k <= 5; k++) {
            assertArrayEquals(enc[k - 1], acts.get(gEnc(k)).shape(), gEnc(k));
            assertArrayEquals(enc[k - 1], acts.get(dEnc(k)).shape(), dEnc(k));
        }
        assertArrayEquals(new long[]{b, 50, 1}, acts.get(G_LATENT).shape());
        long[][] dec = {{b, 512, 10}, {b, 256, 20}, {b, 128, 40}, {b, 64, 80}, {b, 32, 160}};
        for (int k = 1; k <= 5; k++) {
            assertArrayEquals(dec[k - 1], acts.get(gDec(k)).shape(), gDec(k));
        }
        assertArrayEquals(new long[]{b, 1, 320}, acts.get(G_OUT).shape());
        assertArrayEquals(new long[]{b}, acts.get(G_SCORE).shape());
        assertArrayEquals(new long[]{b}, acts.get(D_PROB).shape());
        INDArray out = acts.get(G_OUT);
        assertTrue(out.amaxNumber().doubleValue() <= 1.0, "tanh output must lie in [-1, 1]");
        INDArray prob = acts.get(D_PROB);
        assertTrue(prob.minNumber().doubleValue() > 0 && prob.maxNumber().doubleValue() < 1);
    }

    @Test
    void scoreIsMeanSquaredReconstructionError() {
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 1, 320);
        Map<String, INDArray> acts = paperSize.activations(x, G_OUT, G_SCORE);
        INDArray expected = acts.get(G_OUT).sub(x).muli(acts.get(G_OUT).sub(x)).mean(1, 2);
        assertTrue(expected.equalsWithEps(acts.get(G_SCORE), 1e-6));
    }

    @Test
    void twoChannelModelAcceptsTwoLeads() {
        BeatGanGraph g2 = BeatGanGraphBuilder.build(BeatGanConfig.of(2, 10, 4, 4), 3);
        INDArray out = g2.activations(Nd4j.rand(DataType.FLOAT, 2, 2, 320), G_OUT).get(G_OUT);
        assertArrayEquals(new long[]{2, 2, 320}, out.shape());
    }

    @Test
    void wrongInputShapeIsRejectedWithTheExpectedShape() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> paperSize.scores(Nd4j.rand(DataType.FLOAT, 2, 2, 320)));
        assertTrue(e.getMessage().contains("(batch, nc=1, 320)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> paperSize.scores(Nd4j.rand(DataType.FLOAT, 2, 1, 300)));
        assertTrue(e.getMessage().contains("[2, 1, 300]"), e.getMessage());
    }

    @Test
    void unknownActivationNameIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> paperSize.activations(Nd4j.rand(DataType.FLOAT, 1, 1, 320), "G/enc/act9"));
        assertTrue(e.getMessage().contains("G/enc/act9"));
    }

    @Test
    void invalidConfigsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> BeatGanConfig.of(0, 50, 32, 32));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new BeatGanConfig(1, 256, 50, 32, 32));
        assertTrue(e.getMessage().contains("isize = 256"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BeatGanConfig.of(1, 50, -4, 32));
    }

    @Test
    void batchNormModesDifferAndRunningStatisticsAreUsedInInference() {
        BeatGanGraph g = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 8, 4, 4), 11);
        INDArray x = Nd4j.rand(DataType.FLOAT, 8, 1, 320);
        INDArray train = g.forward(x, true, G_OUT).get(G_OUT);
        INDArray infer = g.forward(x, false, G_OUT).get(G_OUT);
        assertFalse(train.equalsWithEps(infer, 1e-6), "running stats (0/1) differ from batch stats");
        BatchNormStats bn = g.batchNorms(BeatGanGraph.Network.G).get(0);
        g.array(bn.runningMean()).addi(0.5);
        INDArray infer2 = g.forward(x, false, G_OUT).get(G_OUT);
        assertFalse(infer.equalsWithEps(infer2, 1e-6), "in-place running-stat update must be seen");
        assertTrue(train.equalsWithEps(g.forward(x, true, G_OUT).get(G_OUT), 1e-6),
                "training mode must not depend on running stats");
    }

    @Test
    void aSavedAndReloadedGraphComputesTheSameStatisticsLossesAndGradients() throws Exception {
        BeatGanGraph g = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 8, 4, 4), DataType.DOUBLE, 3);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 6, 1, 320);
        String[] names = {"G/enc/bn2/batch_mean", "G/dec/bn3/batch_var", G_SCORE, LOSS_G, LOSS_D};
        java.io.File f = java.io.File.createTempFile("graph", ".sd");
        f.deleteOnExit();
        g.sameDiff().save(f, true);
        org.nd4j.autodiff.samediff.SameDiff loaded = org.nd4j.autodiff.samediff.SameDiff.load(f, true);
        Map<String, INDArray> live = g.sameDiff().output(Map.of(INPUT, x), names);
        Map<String, INDArray> back = loaded.output(Map.of(INPUT, x), names);
        for (String n : names) {
            assertEquals(live.get(n), back.get(n), n);
        }
        String w = "G/enc/conv2/W";
        assertEquals(g.sameDiff().calculateGradients(Map.of(INPUT, x), w).get(w),
                loaded.calculateGradients(Map.of(INPUT, x), w).get(w), "gradient of " + w);
    }
}
