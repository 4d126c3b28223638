package org.beatgan.experiments.ui;

import org.beatgan.core.train.ObservableTraining;
import org.beatgan.core.io.Json;
import org.beatgan.core.train.TrainingListener;
import org.deeplearning4j.core.storage.Persistable;
import org.deeplearning4j.core.storage.StatsStorage;
import org.deeplearning4j.core.storage.StatsStorageRouter;
import org.deeplearning4j.core.storage.StorageMetaData;
import org.deeplearning4j.ui.model.storage.FileStatsStorage;
import org.deeplearning4j.ui.model.storage.InMemoryStatsStorage;
import org.deeplearning4j.ui.model.storage.impl.SbeStorageMetaData;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The UI side of one command: the stats storages (in memory for a live UI, a file to keep the run),
 * the loopback UI server, and factories for per-run reporters. Closing it keeps the UI up for the
 * hold time, then stops the server and closes the file.
 */
public final class UiSession implements AutoCloseable {

    private final UiOptions options;
    private final List<StatsStorage> storages = new ArrayList<>();
    private final StatsStorageRouter router;
    private LoopbackUiServer server;

    private UiSession(UiOptions options) throws IOException {
        this.options = options;
        if (options.statsFile != null) {
            if (options.statsFile.getParent() != null) Files.createDirectories(options.statsFile.toAbsolutePath().getParent());
            storages.add(new FileStatsStorage(options.statsFile.toFile()));
        }
        if (options.ui) {
            storages.add(new InMemoryStatsStorage());
        }
        router = new TeeRouter(storages);
    }

    public static UiSession open(UiOptions options) throws IOException {
        UiSession s = new UiSession(options);
        if (options.ui) {
            if (!isLoopback(options.host)) {
                System.err.println("ui: WARNING: serving on " + options.host + " exposes the UI (no authentication) to the network");
            }
            s.server = LoopbackUiServer.start(options.host, options.port);
            for (StatsStorage st : s.storages) s.server.attach(st);
            System.err.println("ui: training UI at " + s.server.url() + "  (BeatGAN terms, epochs, sweeps: "
                    + s.server.url().replace("/train/overview", "/beatgan") + ")");
        }
        return s;
    }

    static boolean isLoopback(String host) {
        return host.equals("localhost") || host.startsWith("127.") || host.equals("::1");
    }

    /** What a run's name is shown with: BeatGAN's widths, or the model the trainer describes. */
    private static String modelLabel(ObservableTraining trainer) {
        Object cfg = trainer.describe().get("config");
        if (cfg instanceof org.beatgan.core.model.BeatGanConfig c) {
            return "ngf=" + c.ngf() + ", ndf=" + c.ndf();
        }
        return String.valueOf(trainer.describe().getOrDefault("model", cfg));
    }

    /** A reporter per training run (each run is its own UI session). */
    public Function<ObservableTraining, TrainingListener> reporter(String runName) {
        return trainer -> new UiStatsReporter(router, UiStatsReporter.newSessionId(runName),
                runName + " (" + modelLabel(trainer) + ")", trainer, 1);
    }

    public List<Function<ObservableTraining, TrainingListener>> reporters(String runName) {
        return options.active() ? List.of(reporter(runName)) : List.of();
    }

    /** Sweep progress records (candidates done / failed / best so far) for our /beatgan page. */
    public Consumer<Map<String, Object>> sweepProgress(String sweepName) {
        if (!options.active()) return m -> { };
        String session = UiStatsReporter.newSessionId(sweepName);
        long[] ts = {System.currentTimeMillis()};
        router.putStorageMetaData(new SbeStorageMetaData(ts[0], session, BeatGanEvent.TYPE_ID, "run",
                BeatGanEvent.class, BeatGanEvent.class));
        router.putStaticInfo(new BeatGanEvent(session, "run", ts[0], json(Map.of("kind", "start", "model", "sweep " + sweepName))));
        return m -> {
            synchronized (ts) {
                ts[0] = Math.max(System.currentTimeMillis(), ts[0] + 1);
                Map<String, Object> e = new java.util.LinkedHashMap<>(m);
                e.put("kind", "sweep");
                router.putUpdate(new BeatGanEvent(session, "run", ts[0], json(e)));
            }
        };
    }

    private static String json(Object o) {
        try {
            return Json.COMPACT.writeValueAsString(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public LoopbackUiServer server() {
        return server;
    }

    @Override
    public void close() throws IOException {
        if (server != null) {
            if (options.holdSeconds > 0) {
                System.err.println("ui: serving " + server.url() + " for " + options.holdSeconds + " s more");
                try {
                    Thread.sleep(options.holdSeconds * 1000L);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            server.shutdown();
        }
        for (StatsStorage s : storages) s.close();
    }

    /** Sends every record to all storages (live UI and stats file). */
    private record TeeRouter(List<StatsStorage> targets) implements StatsStorageRouter {
        public void putStorageMetaData(StorageMetaData m) {
            targets.forEach(t -> t.putStorageMetaData(m));
        }

        public void putStorageMetaData(Collection<? extends StorageMetaData> m) {
            targets.forEach(t -> t.putStorageMetaData(m));
        }

        public void putStaticInfo(Persistable p) {
            targets.forEach(t -> t.putStaticInfo(p));
        }

        public void putStaticInfo(Collection<? extends Persistable> p) {
            targets.forEach(t -> t.putStaticInfo(p));
        }

        public void putUpdate(Persistable p) {
            targets.forEach(t -> t.putUpdate(p));
        }

        public void putUpdate(Collection<? extends Persistable> p) {
            targets.forEach(t -> t.putUpdate(p));
        }
    }
}
