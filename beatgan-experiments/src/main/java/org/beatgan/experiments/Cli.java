package org.beatgan.experiments;

import org.beatgan.core.util.CpuBackendSelection;
import picocli.CommandLine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;

/**
 * Runs a picocli command with the project's error policy: bad input (missing files, invalid
 * values, corrupt data) prints one clear line naming the problem instead of a stack trace;
 * {@code BEATGAN_DEBUG=1} shows the trace.
 */
public final class Cli {

    private Cli() {
    }

    public static int execute(Object command, String... args) {
        return execute(command, null, args);
    }

    /** As {@link #execute(Object, String...)}, with picocli's error stream redirected (tests). */
    public static int execute(Object command, java.io.PrintWriter err, String... args) {
        CpuBackendSelection.apply();
        CommandLine cl = new CommandLine(command);
        if (err != null) {
            cl.setErr(err);
        }
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            Throwable t = ex instanceof UncheckedIOException u ? u.getCause() : ex;
            String msg;
            if (t instanceof NoSuchFileException nsf) {
                msg = "file not found: " + nsf.getFile() + (nsf.getReason() != null ? " (" + nsf.getReason() + ")" : "");
            } else if (t instanceof IOException || t instanceof IllegalArgumentException
                    || t instanceof IllegalStateException) {
                msg = t.getMessage();
            } else {
                msg = t.toString();
            }
            line.getErr().println("beatgan " + line.getCommandName() + ": error: " + msg);
            if (System.getenv("BEATGAN_DEBUG") != null) {
                t.printStackTrace(line.getErr());
            }
            return 2;
        });
        return cl.execute(args);
    }
}
