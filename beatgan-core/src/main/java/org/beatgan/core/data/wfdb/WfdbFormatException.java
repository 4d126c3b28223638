package org.beatgan.core.data.wfdb;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A WFDB file is missing, truncated or not in the format its header (or the spec) promises.
 *
 * <p>It is an {@link IOException} so that callers treating "cannot read the data set" uniformly
 * do not need a second catch clause, while callers that want to tell a corrupt database from a
 * disk error still can. The message always starts with the offending file, because with 48 records
 * x 3 files "bad annotation code" alone is useless.
 */
public class WfdbFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;

    public WfdbFormatException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    public WfdbFormatException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    /** The file the problem was found in (may be a pseudo-path for in-memory sources). */
    public Path file() {
        return file;
    }
}
