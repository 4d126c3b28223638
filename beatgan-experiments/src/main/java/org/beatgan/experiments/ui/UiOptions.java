package org.beatgan.experiments.ui;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The training UI options shared by every training command. */
public final class UiOptions {

    @Option(names = "--ui", description = "Serve DL4J's training UI during the run and print its URL.")
    public boolean ui;

    @Option(names = "--ui-port", paramLabel = "P", defaultValue = "9000", description = "UI port (default: ${DEFAULT-VALUE}).")
    public int port;

    @Option(names = "--ui-host", paramLabel = "ADDR", defaultValue = "127.0.0.1",
            description = "Address the UI listens on (default: ${DEFAULT-VALUE}; the UI has no authentication).")
    public String host;

    @Option(names = "--ui-hold-seconds", paramLabel = "S", defaultValue = "0",
            description = "Keep serving S seconds after training ends (default: 0).")
    public int holdSeconds;

    @Option(names = "--stats-file", paramLabel = "F",
            description = "Also write the run's UI stats to this file (view later with ./beatgan ui --stats-file F).")
    public Path statsFile;

    public boolean active() {
        return ui || statsFile != null;
    }
}
