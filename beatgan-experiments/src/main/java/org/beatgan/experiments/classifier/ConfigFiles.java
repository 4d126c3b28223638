package org.beatgan.experiments.classifier;

import com.fasterxml.jackson.databind.JsonNode;
import org.beatgan.core.io.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reading a classifier experiment's YAML config: strict (unknown keys are errors), every error naming the file. */
final class ConfigFiles {

    private ConfigFiles() {
    }

    /** Whether the YAML file's top level has {@code marker} (how the experiment command tells configs apart). */
    static boolean hasTopLevelKey(Path file, String marker) throws IOException {
        if (!Files.isRegularFile(file)) return false;
        JsonNode n = Json.YAML.readTree(file.toFile());
        return n != null && n.has(marker);
    }

    static <T> T load(Path file, Class<T> type) throws IOException {
        if (!Files.isRegularFile(file)) throw new NoSuchFileException(file.toString(), null, "experiment config not found");
        JsonNode n;
        try {
            n = Json.YAML.readTree(file.toFile());
        } catch (IOException e) {
            throw new IOException(file + ": not valid YAML: " + e.getMessage(), e);
        }
        try {
            return Json.MAPPER.treeToValue(n, type);
        } catch (com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException e) {
            throw new IOException(file + ": unknown setting '" + e.getPropertyName() + "' (known: "
                    + e.getKnownPropertyIds() + ")", e);
        } catch (com.fasterxml.jackson.databind.exc.ValueInstantiationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IOException(file + ": " + cause.getMessage(), e);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException(file + ": " + e.getOriginalMessage(), e);
        }
    }
}
