package org.beatgan.core.data.npy;

import java.io.IOException;
import java.nio.file.Path;

/** A {@code .npy} file is corrupt, truncated or holds an array of an unexpected type or shape. */
public class NpyFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    public NpyFormatException(Path file, String problem) {
        super(file + ": " + problem);
    }
}
