package org.beatgan.experiments.report;

import com.fasterxml.jackson.databind.JsonNode;
import org.beatgan.core.io.AtomicFiles;
import org.beatgan.core.io.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a run of an experiment was trained with ({@code spec.json} in its folder: model, training
 * settings, distillation terms), written before it trains, so that a rerun with an edited config
 * never counts a finished run trained otherwise (a changed term weight under the same run name,
 * for instance).
 */
public final class RunSpec {

    static final String FILE = "spec.json";

    private RunSpec() {
    }

    /** Records the spec of the run about to train in {@code dir}. */
    public static void write(Path dir, Object spec) throws IOException {
        Files.createDirectories(dir);
        AtomicFiles.write(dir.resolve(FILE), o -> Json.MAPPER.writeValue(o, spec));
    }

    /**
     * Fails when {@code dir} holds a spec other than {@code spec}; a run folder without one (written
     * before specs were kept) is accepted.
     */
    public static void require(Path dir, Object spec) throws IOException {
        Path f = dir.resolve(FILE);
        if (!Files.exists(f)) return;
        JsonNode saved = Json.MAPPER.readTree(f.toFile());
        JsonNode want = Json.MAPPER.readTree(Json.MAPPER.writeValueAsBytes(spec));
        if (!saved.equals(want)) {
            throw new IllegalStateException(dir + " holds a run trained with other settings (" + Json.COMPACT.writeValueAsString(saved)
                    + "; this config: " + Json.COMPACT.writeValueAsString(want) + "); move it away or use another --out folder");
        }
    }
}
