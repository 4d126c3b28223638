package org.beatgan.core.util;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.function.Supplier;

/**
 * Runs a SameDiff call with System.out muted. DL4J M2.1 prints one line per op with
 * System.out.println while it builds a gradient function (about 1,600 lines for BeatGAN), which
 * no logging configuration can silence and which would bury a command's JSON output.
 */
public final class QuietStdout {

    private QuietStdout() {
    }

    public static synchronized <T> T call(Supplier<T> action) {
        PrintStream original = System.out;
        System.setOut(new PrintStream(OutputStream.nullOutputStream()));
        try {
            return action.get();
        } finally {
            System.setOut(original);
        }
    }

    public static void run(Runnable action) {
        call(() -> {
            action.run();
            return null;
        });
    }
}
