package org.beatgan.core.model;

import org.beatgan.core.testutil.NumericGradients;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.controlflow.compat.StopGradient;
import org.nd4j.linalg.factory.Nd4j;

import java.io.File;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NativeBatchNormTest {

    private static final double EPS = 1e-5;

    private static final INDArray X = Nd4j.rand(DataType.DOUBLE, 4, 3, 5).muli(3).addi(1);
    private static final INDArray GAMMA = Nd4j.rand(DataType.DOUBLE, 3).addi(0.5);
    private static final INDArray BETA = Nd4j.rand(DataType.DOUBLE, 3);
    private static final INDArray R = Nd4j.rand(DataType.DOUBLE, 4, 3, 5);

    /** loss = sum(BN(x) * r) with batch statistics, either fused (native) or spelled out in elementary ops. */
    private static SameDiff graph(boolean fused) {
        NativeBatchNorm.register();
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.var("x", X.dup());
        SDVariable g = sd.var("g", GAMMA.dup());
        SDVariable b = sd.var("b", BETA.dup());
        SDVariable y;
        if (fused) {
            SDVariable detached = new StopGradient(sd, x).outputVariable();
            SDVariable mean = detached.mean(true, 0, 2);
            SDVariable var = sd.math().square(detached.sub(mean)).mean(true, 0, 2);
            y = new NativeBatchNorm(sd, x, mean.reshape(3), var.reshape(3), g, b, EPS, 1).outputVariable();
        } else {
            SDVariable mean = x.mean(true, 0, 2);
            SDVariable var = sd.math().square(x.sub(mean)).mean(true, 0, 2);
            y = x.sub(mean).div(sd.math().sqrt(var.add(EPS))).mul(g.reshape(1, 3, 1)).add(b.reshape(1, 3, 1));
        }
        sd.identity("y", y);
        y.mul(sd.constant("r", R)).sum("loss");
        sd.setLossVariables("loss");
        return sd;
    }

    private static Map<String, INDArray> valuesAndGradients(SameDiff sd) {
        Map<String, INDArray> out = new HashMap<>(sd.calculateGradients(Map.of(), "x", "g", "b"));
        out.put("y", sd.output(Map.of(), "y").get("y"));
        return out;
    }

    @Test
    void fusedBatchNormAndItsBackpropMatchTheElementaryFormulation() {
        Map<String, INDArray> expected = valuesAndGradients(graph(false));
        Map<String, INDArray> got = valuesAndGradients(graph(true));
        for (String k : List.of("y", "x", "g", "b")) {
            double scale = expected.get(k).amaxNumber().doubleValue();
            // libnd4j's batchnorm_bp sums in another order: 1e-8 relative, far below float32 rounding
            assertEquals(0.0, got.get(k).sub(expected.get(k)).amaxNumber().doubleValue(), 1e-7 * scale, k);
        }
    }

    @Test
    void inputGradientMatchesFiniteDifferences() {
        SameDiff sd = graph(true);
        INDArray analytic = sd.calculateGradients(Map.of(), "x").get("x");
        INDArray x = sd.getArrForVarName("x");
        double h = 1e-6;
        for (int i : new int[]{0, 17, 33, 59}) {
            double numeric = NumericGradients.centralDifference(x, i, h,
                    () -> sd.output(Map.of(), "loss").get("loss").getDouble(0));
            assertEquals(numeric, analytic.getDouble(i), 1e-6 * Math.max(1, Math.abs(numeric)), "element " + i);
        }
    }

    @Test
    void aSavedAndReloadedGraphCanStillBeDifferentiated(@TempDir Path dir) throws Exception {
        SameDiff sd = graph(true);
        File f = dir.resolve("bn.sd").toFile();
        sd.save(f, true);
        SameDiff loaded = SameDiff.load(f, true);
        assertTrue(loaded.getOps().values().stream().anyMatch(o -> o.getOp() instanceof NativeBatchNorm),
                "loaded batchnorm ops are NativeBatchNorm");
        NativeBatchNorm bn = (NativeBatchNorm) loaded.getOps().values().stream()
                .filter(o -> o.getOp() instanceof NativeBatchNorm).findFirst().orElseThrow().getOp();
        // what the op and its derivative run on survives the round trip: gamma, beta, axis; epsilon
        assertArrayEquals(new long[]{1, 1, 1}, bn.iArgs());
        assertArrayEquals(new double[]{EPS}, bn.tArgs(), 0.0);
        INDArray expected = sd.calculateGradients(Map.of(), "x").get("x");
        INDArray got = loaded.calculateGradients(Map.of(), "x").get("x");
        assertEquals(0.0, got.sub(expected).amaxNumber().doubleValue(), 1e-12);
    }
}
