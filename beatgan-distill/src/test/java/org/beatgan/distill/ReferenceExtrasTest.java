package org.beatgan.distill;

import com.fasterxml.jackson.databind.JsonNode;
import org.beatgan.distill.loss.BssLoss;
import org.beatgan.distill.loss.DmlLoss;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.beatgan.distill.ReferenceVectorTest.assertClose;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The intermediate values ("extras") of the dml and bss reference vectors, from the same graphs
 * as {@link ReferenceVectorTest} (relative 1e-6, float64): dml's {@code loss_net1} and
 * {@code loss_net2}; bss's attacked input {@code adv_x}, the number of updates
 * {@code attack_steps} and the active samples per check {@code active_per_step}. (crd's extras are
 * checked by {@link CrdMemoryTest}.)
 */
class ReferenceExtrasTest {

    private static final Set<String> METHODS = Set.of("dml", "bss");

    @TestFactory
    List<DynamicTest> extrasOfDmlAndBss() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path f : ReferenceVector.files()) {
            ReferenceVector ref = ReferenceVector.load(f);
            if (METHODS.contains(ref.method())) {
                tests.add(DynamicTest.dynamicTest(f.getFileName().toString(), () -> check(ref)));
            }
        }
        // every dml and bss vector present is checked, whatever their number (the folder is data)
        assertTrue(tests.size() >= 2, "expected dml and bss reference vectors, found " + tests.size());
        return tests;
    }

    private static void check(ReferenceVector ref) {
        JsonNode extras = ref.extras();
        assertTrue(extras.isObject(), ref.file() + ": no extras");
        ReferenceVectorTest.Built b = ReferenceVectorTest.build(ref);
        String file = ref.file().getFileName().toString();
        if (b.loss() instanceof DmlLoss dml) {
            Map<String, INDArray> out = b.sd().output(new HashMap<>(), dml.lossNet1().name(), dml.lossNet2().name());
            assertClose(extras.get("loss_net1").asDouble(), out.get(dml.lossNet1().name()).getDouble(0),
                    file + " loss_net1");
            assertClose(extras.get("loss_net2").asDouble(), out.get(dml.lossNet2().name()).getDouble(0),
                    file + " loss_net2");
        } else if (b.loss() instanceof BssLoss bss) {
            List<String> names = new ArrayList<>();
            names.add(bss.adversarial().name());
            for (SDVariable c : bss.activeCounts()) names.add(c.name());
            Map<String, INDArray> out = b.sd().output(new HashMap<>(), names.toArray(new String[0]));

            INDArray expected = ReferenceVector.tensor(extras.get("adv_x"));
            INDArray adv = out.get(bss.adversarial().name());
            assertArrayEquals(expected.shape(), adv.shape(), file + " adv_x shape");
            double[] e = expected.reshape(-1).toDoubleVector(), a = adv.reshape(-1).toDoubleVector();
            for (int i = 0; i < e.length; i++) assertClose(e[i], a[i], file + " adv_x element " + i);

            long[] counts = new long[bss.activeCounts().size()];
            for (int i = 0; i < counts.length; i++) {
                counts[i] = Math.round(out.get(bss.activeCounts().get(i).name()).getDouble(0));
            }
            List<Long> checks = BssLoss.checksMade(counts);
            List<Long> expectedChecks = new ArrayList<>();
            extras.get("active_per_step").forEach(n -> expectedChecks.add(n.asLong()));
            assertEquals(expectedChecks, checks, file + " active_per_step");
            assertEquals(extras.get("attack_steps").asLong(), checks.stream().filter(c -> c > 0).count(),
                    file + " attack_steps");
        } else {
            fail(file + ": no extras check for " + b.loss().getClass());
        }
    }
}
