package org.beatgan.experiments;

import org.beatgan.experiments.ui.LoopbackUiServer;
import org.deeplearning4j.core.storage.StatsStorage;
import org.deeplearning4j.ui.model.storage.FileStatsStorage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code ./beatgan ui}: opens DL4J's training UI on saved stats files, e.g. teacher vs student runs. */
@Command(name = "ui", mixinStandardHelpOptions = true,
        description = {"Serve the training UI on saved stats files (written with --stats-file), side by side.",
                "Example: ./beatgan ui --stats-file runs/teacher.stats --stats-file runs/student.stats"})
public final class UiCommand implements Callable<Integer> {

    @Option(names = "--stats-file", paramLabel = "F", required = true, arity = "1..*",
            description = "One or more stats files.")
    List<Path> statsFiles;

    @Option(names = "--ui-port", paramLabel = "P", defaultValue = "9000", description = "Port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--ui-host", paramLabel = "ADDR", defaultValue = "127.0.0.1",
            description = "Address to listen on (default: ${DEFAULT-VALUE}; the UI has no authentication).")
    String host;

    @Option(names = "--ui-hold-seconds", paramLabel = "S", defaultValue = "0",
            description = "Serve for S seconds, then exit (default 0: until interrupted).")
    int holdSeconds;

    @Override
    public Integer call() throws Exception {
        List<StatsStorage> storages = new ArrayList<>();
        for (Path f : statsFiles) {
            if (!Files.isRegularFile(f)) {
                throw new NoSuchFileException(f.toString(), null, "stats file not found");
            }
            try {
                storages.add(new FileStatsStorage(f.toFile()));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(f + ": not a readable DL4J stats file (" + e + ")", e);
            }
        }
        LoopbackUiServer server = LoopbackUiServer.start(host, port);
        try {
            for (StatsStorage s : storages) server.attach(s);
            System.err.println("ui: " + storages.size() + " stats file(s) at " + server.url() + "  (BeatGAN page: "
                    + server.url().replace("/train/overview", "/beatgan") + ")");
            if (holdSeconds > 0) {
                Thread.sleep(holdSeconds * 1000L);
            } else {
                Thread.currentThread().join();
            }
        } finally {
            server.shutdown();
            for (StatsStorage s : storages) s.close();
        }
        return 0;
    }

    public static void main(String[] args) {
        System.exit(Cli.execute(new UiCommand(), args));
    }
}
