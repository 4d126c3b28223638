package org.beatgan.core.io;

import org.beatgan.core.io.PyTorchWeights.Naming;
import org.beatgan.core.model.BeatGanConfig;
import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.model.BeatGanGraph.Network;
import org.beatgan.core.model.BeatGanGraphBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.beatgan.core.data.npy.Npy;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** The PyTorch name and layout mapping (the step-trace test loads real PyTorch tensors through it). */
class PyTorchWeightsTest {

    private static final BeatGanConfig C = BeatGanConfig.of(2, 7, 3, 2);

    @ParameterizedTest
    @EnumSource(Naming.class)
    void keysCoverEveryParameterAndRunningStatisticOnce(Naming naming) {
        BeatGanGraph g = BeatGanGraphBuilder.build(C, DataType.DOUBLE, 1);
        for (Network net : Network.values()) {
            assertTrue(PyTorchWeights.coversGraph(g, net, naming), net + " " + naming);
            assertEquals(PyTorchWeights.keys(net, naming).size(),
                    new java.util.HashSet<>(PyTorchWeights.keys(net, naming).values()).size(), "distinct keys");
        }
    }

    @Test
    void beatganNamingFollowsItsFlatSequentialIndices() {
        var g = PyTorchWeights.keys(Network.G, Naming.BEATGAN);
        assertEquals("encoder1.main.0.weight", g.get("G/enc/conv1/W"));
        assertEquals("encoder1.main.2.weight", g.get("G/enc/conv2/W"));
        assertEquals("encoder1.main.3.running_var", g.get("G/enc/bn2/running_var"));
        assertEquals("encoder1.main.11.weight", g.get("G/enc/conv5/W"));
        assertEquals("encoder1.main.12.bias", g.get("G/enc/bn5/beta"));
        assertEquals("encoder1.main.14.weight", g.get("G/enc/conv6/W"));
        assertEquals("decoder.main.13.weight", g.get("G/dec/bn5/gamma"));
        assertEquals("decoder.main.15.weight", g.get("G/dec/convT6/W"));
        var d = PyTorchWeights.keys(Network.D, Naming.BEATGAN);
        assertEquals("features.8.weight", d.get("D/conv4/W"));
        assertEquals("classifier.0.weight", d.get("D/conv6/W"));
    }

    @ParameterizedTest
    @EnumSource(Naming.class)
    void saveAndLoadRoundTripInPyTorchLayouts(Naming naming, @TempDir Path dir) throws IOException {
        BeatGanGraph a = BeatGanGraphBuilder.build(C, DataType.DOUBLE, 1);
        a.array("G/enc/bn3/running_mean").assign(Nd4j.rand(DataType.DOUBLE, 8));
        PyTorchWeights.save(a, Network.G, dir, "netg.", naming, DataType.DOUBLE);
        PyTorchWeights.save(a, Network.D, dir, "", naming, DataType.DOUBLE);
        BeatGanGraph b = BeatGanGraphBuilder.build(C, DataType.DOUBLE, 2);
        PyTorchWeights.load(b, Network.G, dir, "netg.", naming);
        PyTorchWeights.load(b, Network.D, dir, "", naming);
        for (Network net : Network.values()) {
            for (String name : PyTorchWeights.keys(net, naming).keySet()) {
                assertEquals(a.array(name), b.array(name), name);
            }
        }
    }

    @Test
    void layoutsArePyTorchs(@TempDir Path dir) throws IOException {
        BeatGanGraph g = BeatGanGraphBuilder.build(C, DataType.DOUBLE, 1);
        PyTorchWeights.save(g, Network.G, dir, "G.", Naming.REFERENCE, DataType.DOUBLE);
        // Conv1d (out, in, k): ours [k, in, out]
        INDArray conv = g.array("G/enc/conv2/W");
        assertArrayEquals(new int[]{4, 2, 4}, Npy.read(dir.resolve("G.encoder.blocks.1.0.weight.npy")).shape());
        double[] torch = Npy.read(dir.resolve("G.encoder.blocks.1.0.weight.npy")).asDoubles();
        assertEquals(conv.getDouble(3, 1, 2), torch[(2 * 2 + 1) * 4 + 3]);
        // ConvTranspose1d (in, out, k): ours [1, k, out, in]; convT2 maps 48 -> 24 channels
        INDArray deconv = g.array("G/dec/convT2/W");
        assertArrayEquals(new int[]{48, 24, 4}, Npy.read(dir.resolve("G.decoder.main.3.weight.npy")).shape());
        double[] t2 = Npy.read(dir.resolve("G.decoder.main.3.weight.npy")).asDoubles();
        assertEquals(deconv.getDouble(0, 1, 5, 7), t2[(7 * 24 + 5) * 4 + 1]);
    }

    @Test
    void missingOrMisshapenTensorsNameTheFileAndChangeNothing(@TempDir Path dir) throws IOException {
        BeatGanGraph g = BeatGanGraphBuilder.build(C, DataType.DOUBLE, 1);
        PyTorchWeights.save(g, Network.G, dir, "G.", Naming.REFERENCE, DataType.FLOAT);
        BeatGanGraph other = BeatGanGraphBuilder.build(C, DataType.DOUBLE, 5);
        INDArray before = other.array("G/enc/conv1/W").dup();
        Files.delete(dir.resolve("G.decoder.main.15.weight.npy"));
        NoSuchFileException missing = assertThrows(NoSuchFileException.class,
                () -> PyTorchWeights.load(other, Network.G, dir, "G.", Naming.REFERENCE));
        assertTrue(missing.getMessage().contains("G.decoder.main.15.weight.npy"), missing.getMessage());
        assertEquals(before, other.array("G/enc/conv1/W"), "nothing assigned before the failure");

        Npy.writeFloat32(dir.resolve("G.decoder.main.15.weight.npy"), new float[6], 3, 2);
        IOException shape = assertThrows(IOException.class,
                () -> PyTorchWeights.load(other, Network.G, dir, "G.", Naming.REFERENCE));
        assertTrue(shape.getMessage().contains("G.decoder.main.15.weight.npy") && shape.getMessage().contains("[3, 2, 4]"),
                shape.getMessage());
        assertEquals(before, other.array("G/enc/conv1/W"));
    }
}
