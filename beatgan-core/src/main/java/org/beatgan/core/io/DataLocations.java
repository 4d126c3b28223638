package org.beatgan.core.io;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the project's shipped real data lives: {@code $BEATGAN_DATA_DIR} if set, otherwise the
 * first {@code shared/data} folder found walking up from the working directory (the repository
 * sits next to {@code shared/}). Nothing is ever downloaded.
 */
public final class DataLocations {

    public static final String ENV = "BEATGAN_DATA_DIR";

    private DataLocations() {
    }

    public static Path sharedDataDir() {
        return shared("data", ENV);
    }

    /** The step trace of an independent PyTorch BeatGAN ({@code shared/reference/beatgan-step-trace}). */
    public static Path beatganStepTrace() {
        return shared("reference/beatgan-step-trace", "BEATGAN_REFERENCE_TRACE_DIR");
    }

    /**
     * {@code $env} if set, otherwise the first {@code shared/<relative>} folder found walking up
     * from the working directory.
     */
    public static Path shared(String relative, String env) {
        String value = System.getenv(env);
        if (value != null && !value.isBlank()) {
            Path p = Path.of(value);
            if (!Files.isDirectory(p)) {
                throw new IllegalStateException(env + "=" + value + " is not a directory");
            }
            return p;
        }
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path candidate = d.resolve("shared").resolve(relative);
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("No shared/" + relative + " folder found above " + Path.of("").toAbsolutePath()
                + "; set " + env + (env.equals(ENV) ? " or pass --data" : ""));
    }

    /** Fashion-MNIST's IDX files ({@code shared/data/fashion-mnist}, or {@code $<ENV>_FASHION}). */
    public static Path fashionMnist() {
        return shared("data/fashion-mnist", ENV + "_FASHION");
    }

    public static Path mitdb() {
        return sharedDataDir().resolve("mitdb");
    }

    public static Path beatganDemo() {
        return sharedDataDir().resolve("beatgan-demo");
    }
}
