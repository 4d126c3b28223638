package org.beatgan.core.data;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

import org.beatgan.core.data.ecg.BeatSet;
import org.beatgan.core.data.ecg.MitBihBeatDataset;

/**
 * Locates the project's shared data folder for tests and keeps expensive fixtures (the full
 * 44-record build) in one lazily built instance per JVM.
 *
 * <p>The folder is {@code $BEATGAN_DATA_DIR} when set, else {@code shared/data} next to the first
 * ancestor of the working directory that has one (tests run from the module directory, the data
 * lives beside the repository root).
 */
public final class TestData {

    private static BeatSet allBeatsNc2;
    private static long allBeatsBuildMillis;

    private TestData() {
    }

    /** The shared data folder (holding {@code mitdb/} and {@code beatgan-demo/}). */
    public static Path dataDir() {
        String env = System.getenv("BEATGAN_DATA_DIR");
        if (env != null && !env.isBlank()) {
            Path p = Paths.get(env).toAbsolutePath();
            if (!Files.isDirectory(p.resolve("mitdb"))) {
                fail("BEATGAN_DATA_DIR=" + env + " has no mitdb/ folder");
            }
            return p;
        }
        Path dir = Paths.get("").toAbsolutePath();
        for (Path d = dir; d != null; d = d.getParent()) {
            Path candidate = d.resolve("shared").resolve("data");
            if (Files.isDirectory(candidate.resolve("mitdb"))) {
                return candidate;
            }
        }
        fail("MIT-BIH data not found: set BEATGAN_DATA_DIR or place shared/data/mitdb next to an ancestor of "
                + dir + " (the repository's ../shared/data)");
        throw new AssertionError("unreachable");
    }

    public static Path mitdb() {
        return dataDir().resolve("mitdb");
    }

    public static Path demo() {
        return dataDir().resolve("beatgan-demo");
    }

    /** All 44 BeatGAN records with both leads, built once per test JVM. */
    public static synchronized BeatSet allBeatsNc2() throws IOException {
        if (allBeatsNc2 == null) {
            long t0 = System.nanoTime();
            allBeatsNc2 = MitBihBeatDataset.build(mitdb(), 2);
            allBeatsBuildMillis = (System.nanoTime() - t0) / 1_000_000;
        }
        return allBeatsNc2;
    }

    /** Wall time of the first {@link #allBeatsNc2()} call (0 before it). */
    public static synchronized long allBeatsBuildMillis() {
        return allBeatsBuildMillis;
    }
}
