package org.beatgan.distill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.beatgan.distill.loss.CrdLoss;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * CRD's memory bank outside the graph ({@link CrdLoss#update}): from every crd reference vector's
 * inputs and embedding weights, the updated banks must equal {@code memory_after} and the
 * normalisation constants {@code extras.Z_s} / {@code extras.Z_t} (relative 1e-6, float64).
 */
class CrdMemoryTest {

    private static final double REL = 1e-6;
    private static final double ABS = 1e-9;

    /** Every crd vector present, whatever their names and number (the reference folder is data). */
    @TestFactory
    List<DynamicTest> everyCrdVectorsMemoryUpdate() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path f : ReferenceVector.files()) {
            if (ReferenceVector.load(f).method().equals("crd")) {
                tests.add(DynamicTest.dynamicTest(f.getFileName().toString(), () -> check(f)));
            }
        }
        assertFalse(tests.isEmpty(), "no crd reference vectors in " + ReferenceVector.folder());
        return tests;
    }

    @org.junit.jupiter.api.Test
    void theInPlaceUpdateReadsTheOldBankAndARepeatedIndexTakesItsLastRow() {
        INDArray bank = org.nd4j.linalg.factory.Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.DOUBLE, 6, 4);
        INDArray old = bank.dup();
        INDArray e = org.nd4j.linalg.factory.Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.DOUBLE, 3, 4);
        INDArray idx = org.nd4j.linalg.factory.Nd4j.createFromArray(2L, 5L, 2L);
        CrdLoss.updateMemoryInPlace(bank, e, idx, 0.5);
        for (int r = 0; r < 6; r++) {
            if (r == 2 || r == 5) continue;
            assertEquals(old.getRow(r), bank.getRow(r), "row " + r + " untouched");
        }
        for (int[] c : new int[][]{{5, 1}, {2, 2}}) {
            INDArray mixed = old.getRow(c[0]).mul(0.5).add(e.getRow(c[1]).mul(0.5));
            INDArray expected = mixed.div(mixed.norm2Number().doubleValue());
            assertEquals(0, expected.sub(bank.getRow(c[0])).amaxNumber().doubleValue(), 1e-12, "row " + c[0]);
        }
    }

    private static void check(Path path) throws Exception {
        String file = path.getFileName().toString();
        JsonNode root = new ObjectMapper().readTree(path.toFile());
        JsonNode in = root.get("inputs");
        JsonNode w = root.get("weights");
        CrdLoss crd = (CrdLoss) DistillationLosses.create("crd", root.get("params"));
        INDArray eS = CrdLoss.embed(t(in, "student_feat"), t(w, "embed_s.W"), t(w, "embed_s.b"));
        INDArray eT = CrdLoss.embed(t(in, "teacher_feat"), t(w, "embed_t.W"), t(w, "embed_t.b"));
        INDArray memS = t(in, "memory_s"), memT = t(in, "memory_t");
        INDArray memSBefore = memS.dup(), memTBefore = memT.dup();

        CrdLoss.Update u = crd.update(eS, eT, memS, memT, t(in, "idx"), t(in, "contrast_idx"));

        close(root.get("extras").get("Z_s").asDouble(), u.zS(), file + " Z_s");
        close(root.get("extras").get("Z_t").asDouble(), u.zT(), file + " Z_t");
        JsonNode after = root.get("memory_after");
        same(t(after, "memory_s"), u.memoryS(), file + " memory_s");
        same(t(after, "memory_t"), u.memoryT(), file + " memory_t");
        assertEquals(memSBefore, memS, "update must not modify its input bank");
        assertEquals(memTBefore, memT, "update must not modify its input bank");
    }

    private static INDArray t(JsonNode parent, String name) {
        JsonNode n = parent.get(name);
        assertNotNull(n, "reference lacks " + name);
        return ReferenceVector.tensor(n);
    }

    private static void same(INDArray expected, INDArray actual, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + " shape");
        double[] e = expected.reshape(-1).toDoubleVector(), a = actual.reshape(-1).toDoubleVector();
        for (int i = 0; i < e.length; i++) close(e[i], a[i], what + " element " + i);
    }

    private static void close(double expected, double actual, String what) {
        assertTrue(Math.abs(expected - actual) <= Math.max(ABS, REL * Math.abs(expected)),
                what + ": expected " + expected + ", got " + actual);
    }
}
