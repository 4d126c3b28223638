package org.beatgan.core.model;

import org.beatgan.core.model.BeatGanGraph.Network;
import org.beatgan.core.model.direct.DirectTrainingStep;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every engine reads {@link BeatGanArchitecture}'s one table: the SameDiff graph's parameters, the
 * activations the graph, the inference plan and the direct training step publish, and their shapes
 * are all what the table derives (with ngf != ndf and nc = 2, so a swapped width or lead count shows).
 */
class BeatGanArchitectureTest {

    private static final BeatGanConfig CONFIG = BeatGanConfig.of(2, 6, 4, 3);

    /** Shapes of the table's named activations for a batch, derived from the table alone. */
    private static Map<String, long[]> tableShapes(long batch) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        long length = CONFIG.isize();
        for (BeatGanArchitecture.Layer l : BeatGanArchitecture.generator()) {
            length = l.outputLength(length);
            shapes.put(l.activationName(), new long[]{batch, l.outChannels(CONFIG), length});
        }
        return shapes;
    }

    @Test
    void theGraphsParametersAreTheTables() {
        BeatGanGraph g = BeatGanGraphBuilder.build(CONFIG, DataType.DOUBLE, 1);
        for (Network net : Network.values()) {
            List<BeatGanArchitecture.Layer> layers = net == Network.G ? BeatGanArchitecture.generator()
                    : BeatGanArchitecture.discriminator();
            long count = 0;
            for (BeatGanArchitecture.Layer l : layers) {
                assertArrayEquals(l.weightShape(CONFIG), g.array(l.weight()).shape(), l.weight());
                count += Arrays.stream(l.weightShape(CONFIG)).reduce(1, (a, b) -> a * b);
                if (l.batchNorm() != null) {
                    assertArrayEquals(new long[]{l.outChannels(CONFIG)}, g.array(l.batchNorm() + "/gamma").shape());
                    count += 2 * l.outChannels(CONFIG);
                }
            }
            assertEquals(count, g.parameterCount(net), net + " has exactly the table's parameters");
            assertEquals(count, g.params(net).stream().mapToLong(p -> g.array(p.name()).length()).sum());
        }
        assertEquals(12, BeatGanArchitecture.generator().size());
        assertEquals(6, BeatGanArchitecture.discriminator().size());
        assertEquals(CONFIG.isize(), BeatGanArchitecture.generator().stream()
                .reduce((long) CONFIG.isize(), (len, l) -> l.outputLength(len), (a, b) -> b), "beat to beat");
    }

    @Test
    void graphInferenceAndDirectStepPublishTheTablesActivations() {
        BeatGanGraph g = BeatGanGraphBuilder.build(CONFIG, DataType.DOUBLE, 2);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 3, CONFIG.nc(), CONFIG.isize()).muli(2).subi(1);
        Map<String, long[]> want = tableShapes(3);
        Set<String> names = BeatGanArchitecture.generatorActivations();
        assertEquals(Set.copyOf(want.keySet()), names.stream().filter(n -> !n.equals(ActivationNames.G_SCORE))
                .collect(java.util.stream.Collectors.toSet()));
        assertEquals(names, DirectTrainingStep.ACTIVATIONS);
        String[] tapped = want.keySet().toArray(String[]::new);

        Map<String, INDArray> graph = g.forward(x, false, tapped);
        Map<String, INDArray> inference = GeneratorInference.of(g).activations(x, tapped);
        Map<String, long[]> direct = new HashMap<>();
        DirectTrainingStep step = new DirectTrainingStep(g);
        step.discriminator(x);
        step.generator(new DirectTrainingStep.ActivationTerms() {
            @Override
            public Set<String> activations() {
                return want.keySet();
            }

            @Override
            public Map<String, INDArray> gradients(Map<String, INDArray> acts) {
                acts.forEach((n, a) -> direct.put(n, a.shape()));
                return Map.of();
            }
        });
        for (Map.Entry<String, long[]> e : want.entrySet()) {
            assertArrayEquals(e.getValue(), graph.get(e.getKey()).shape(), "graph " + e.getKey());
            assertArrayEquals(e.getValue(), inference.get(e.getKey()).shape(), "inference " + e.getKey());
            assertArrayEquals(e.getValue(), direct.get(e.getKey()), "direct step " + e.getKey());
            // eval-mode graph and folded inference plan compute the same values
            assertEquals(0, graph.get(e.getKey()).sub(inference.get(e.getKey())).amaxNumber().doubleValue(), 1e-9,
                    e.getKey());
        }
        assertFalse(GeneratorInference.provides(ActivationNames.D_FEATURES), "the inference plan is the generator only");
    }

    /** In float on the CPU the inference plan is GemmGenerator's sgemm path: it too publishes the table's shapes. */
    @Test
    void theSgemmInferencePathPublishesTheTablesActivations() {
        BeatGanGraph g = BeatGanGraphBuilder.build(CONFIG, DataType.FLOAT, 3);
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, CONFIG.nc(), CONFIG.isize()).muli(2).subi(1);
        Map<String, long[]> want = tableShapes(2);
        String[] tapped = want.keySet().toArray(String[]::new);
        Map<String, INDArray> graph = g.forward(x, false, tapped);
        Map<String, INDArray> gemm = GeneratorInference.of(g).activations(x, tapped);
        for (Map.Entry<String, long[]> e : want.entrySet()) {
            assertArrayEquals(e.getValue(), gemm.get(e.getKey()).shape(), "sgemm " + e.getKey());
            double scale = Math.max(1e-3, graph.get(e.getKey()).amaxNumber().doubleValue());
            assertEquals(0, graph.get(e.getKey()).sub(gemm.get(e.getKey())).amaxNumber().doubleValue() / scale, 1e-4,
                    e.getKey());
        }
    }

    @Test
    void sharedConstantsLiveInTheTable() {
        assertEquals(0.2, BeatGanArchitecture.LEAKY_SLOPE);
        assertEquals(1e-5, BeatGanArchitecture.BN_EPS);
        assertThrows(IllegalArgumentException.class, () -> BeatGanArchitecture.encoder("X"));
    }
}
