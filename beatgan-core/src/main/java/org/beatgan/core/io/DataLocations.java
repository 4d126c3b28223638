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
        String env = System.getenv(ENV);
        if (env != null && !env.isBlank()) {
            Path p = Path.of(env);
            if (!Files.isDirectory(p)) {
                throw new IllegalStateException(ENV + "=" + env + " is not a directory");
            }
            return p;
        }
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path candidate = d.resolve("shared").resolve("data");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("No shared/data folder found above " + Path.of("").toAbsolutePath()
                + "; set " + ENV + " or pass --data");
    }

    public static Path mitdb() {
        return sharedDataDir().resolve("mitdb");
    }

    public static Path beatganDemo() {
        return sharedDataDir().resolve("beatgan-demo");
    }
}
