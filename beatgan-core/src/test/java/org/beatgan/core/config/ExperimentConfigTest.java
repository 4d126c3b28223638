package org.beatgan.core.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class ExperimentConfigTest {

    @Test
    void fileStatesOnlyWhatDiffersFromDefaults(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("exp.yaml");
        Files.writeString(f, """
                name: student-alone
                model: {ngf: 8, ndf: 8}
                training:
                  epochs: 7
                  lr: 2.0e-4
                data: {protocol: clean, trainLimit: 500}
                """);
        ExperimentConfig c = ExperimentConfig.load(f);
        assertEquals("student-alone", c.name());
        assertEquals(8, c.model().ngf());
        assertEquals(50, c.model().nz(), "unspecified model settings keep BeatGAN's defaults");
        assertEquals(7, c.training().epochs());
        assertEquals(2e-4, c.training().lr());
        assertEquals(64, c.training().batchSize());
        assertEquals("clean", c.data().protocol());
        assertEquals(500, c.data().trainLimit());
    }

    @Test
    void typosAndInvalidValuesNameTheFileAndTheSetting(@TempDir Path dir) throws IOException {
        Path typo = dir.resolve("typo.yaml");
        Files.writeString(typo, "training: {epoch: 3}\n");
        IOException e = assertThrows(IOException.class, () -> ExperimentConfig.load(typo));
        assertTrue(e.getMessage().contains("typo.yaml") && e.getMessage().contains("'epoch'"), e.getMessage());

        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "training: {lr: -0.1}\n");
        e = assertThrows(IOException.class, () -> ExperimentConfig.load(bad));
        assertTrue(e.getMessage().contains("bad.yaml") && e.getMessage().contains("lr = -0.1"), e.getMessage());

        Path broken = dir.resolve("broken.yaml");
        Files.writeString(broken, "model: {ngf: [\n");
        e = assertThrows(IOException.class, () -> ExperimentConfig.load(broken));
        assertTrue(e.getMessage().contains("broken.yaml"), e.getMessage());

        assertThrows(NoSuchFileException.class, () -> ExperimentConfig.load(dir.resolve("absent.yaml")));
    }

    @Test
    void everyShippedConfigParses() throws IOException {
        Path dir = Path.of("..", "notebooks-config");
        try (var files = Files.list(dir)) {
            var yaml = files.filter(p -> p.toString().endsWith(".yaml")).toList();
            assertFalse(yaml.isEmpty(), "notebooks-config/ should hold experiment configs");
            int beatgan = 0;
            for (Path p : yaml) {
                var tree = org.beatgan.core.io.Json.YAML.readTree(p.toFile());
                // the classifier experiments' configs (models: / privileged:) have formats of their
                // own, parsed by beatgan-experiments' ShippedConfigsTest
                if (tree.has("models") || tree.has("privileged")) continue;
                assertNotNull(ExperimentConfig.load(p).name(), p + " needs a name");
                beatgan++;
            }
            assertTrue(beatgan >= 15, "BeatGAN configs parsed: " + beatgan);
        }
    }
}
