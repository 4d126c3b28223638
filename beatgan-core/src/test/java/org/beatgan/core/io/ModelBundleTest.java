package org.beatgan.core.io;

import org.beatgan.core.model.BeatGanConfig;
import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.model.BeatGanGraphBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

class ModelBundleTest {

    @Test
    void roundTripKeepsWeightsRunningStatsAndConfig(@TempDir Path dir) throws IOException {
        BeatGanGraph g = BeatGanGraphBuilder.build(BeatGanConfig.of(2, 6, 4, 3), 4);
        g.array(g.batchNorms(BeatGanGraph.Network.G).get(1).runningVar()).assign(2.5);
        Path f = dir.resolve("m.zip");
        ModelBundle.save(g, f);
        ModelBundle.Loaded l = ModelBundle.load(f);
        assertEquals(g.config(), l.graph().config());
        INDArray x = Nd4j.rand(DataType.FLOAT, 5, 2, 320);
        assertEquals(g.scores(x), l.graph().scores(x));
        assertTrue(l.extraArrays().isEmpty());
        assertFalse(Files.list(dir).anyMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temp files left");
    }

    @Test
    void missingTruncatedAndForeignFilesGiveClearErrors(@TempDir Path dir) throws IOException {
        Path missing = dir.resolve("none.zip");
        assertThrows(NoSuchFileException.class, () -> ModelBundle.load(missing));

        BeatGanGraph g = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 6, 4, 4), 4);
        Path good = dir.resolve("good.zip");
        ModelBundle.save(g, good);
        byte[] bytes = Files.readAllBytes(good);
        Path truncated = dir.resolve("truncated.zip");
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length / 2));
        IOException e = assertThrows(IOException.class, () -> ModelBundle.load(truncated));
        assertTrue(e.getMessage().contains("truncated.zip"), e.getMessage());

        Path text = dir.resolve("notes.zip");
        Files.writeString(text, "not a model");
        e = assertThrows(IOException.class, () -> ModelBundle.load(text));
        assertTrue(e.getMessage().contains("notes.zip"), e.getMessage());
    }

    @Test
    void restoringIntoAnotherArchitectureIsRefused(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("small.zip");
        ModelBundle.save(BeatGanGraphBuilder.build(BeatGanConfig.of(1, 6, 4, 4), 4), f);
        BeatGanGraph wider = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 6, 8, 8), 4);
        IOException e = assertThrows(IOException.class, () -> ModelBundle.restoreState(wider.sameDiff(), f));
        assertTrue(e.getMessage().contains("shape"), e.getMessage());
    }
}
