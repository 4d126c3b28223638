package org.beatgan.experiments.ui;

import org.beatgan.core.io.Json;
import org.beatgan.core.model.BeatGanGraph.Network;
import org.beatgan.core.train.AdamOptimizer;
import org.beatgan.core.train.ObservableTraining;
import org.beatgan.core.train.TrainingListener;
import org.deeplearning4j.core.storage.StatsStorageRouter;
import org.deeplearning4j.ui.model.stats.BaseStatsListener;
import org.deeplearning4j.ui.model.stats.api.StatsType;
import org.deeplearning4j.ui.model.stats.impl.SbeStatsInitializationReport;
import org.deeplearning4j.ui.model.stats.impl.SbeStatsReport;
import org.deeplearning4j.ui.model.storage.impl.SbeStorageMetaData;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Bridges our custom SameDiff loop to DL4J's training UI: it writes DL4J's own stats records
 * (one initialization report per worker, one report per iteration) into a stats storage, with the
 * generator and the discriminator as two workers of one session so both losses show
 * on the Train pages. Everything the Train pages have no place for (each loss term, validation
 * metrics per epoch, discriminator re-inits) goes into {@link BeatGanEvent} records of the same
 * session, shown by our page at /beatgan.
 */
public final class UiStatsReporter implements TrainingListener {

    public static final String TYPE_ID = BaseStatsListener.TYPE_ID;

    /**
     * Worker ids of the two networks. The Train pages list workers in one order and look their
     * data up in another, so the ids sort in the order they are first written, generator first.
     */
    public static String workerId(Network net) {
        return workerId(net == Network.G ? 0 : 1, net == Network.G ? "generator" : "discriminator");
    }

    /** The id of the {@code index}-th worker (0-based) named {@code name}. */
    public static String workerId(int index, String name) {
        return (index + 1) + "-" + name;
    }

    private final StatsStorageRouter router;
    private final String sessionId;
    private final String modelName;
    private final ObservableTraining trainer;
    private final int paramStatsEvery;
    private final long startMs = System.currentTimeMillis();
    private long lastTimestamp;
    private boolean started;
    private long examples;

    public UiStatsReporter(StatsStorageRouter router, String sessionId, String modelName, ObservableTraining trainer,
                           int paramStatsEvery) {
        this.router = router;
        this.sessionId = sessionId;
        this.modelName = modelName;
        this.trainer = trainer;
        this.paramStatsEvery = Math.max(1, paramStatsEvery);
        trainer.workers().forEach(w -> w.optimizer().trackUpdateMagnitudes(true));
    }

    public static String newSessionId(String runName) {
        return runName.replaceAll("[^A-Za-z0-9._-]", "_") + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    public String sessionId() {
        return sessionId;
    }

    /** Storage keys records by timestamp: keep them strictly increasing per session. */
    private synchronized long timestamp() {
        lastTimestamp = Math.max(System.currentTimeMillis(), lastTimestamp + 1);
        return lastTimestamp;
    }

    private void start() {
        long ts = timestamp();
        List<ObservableTraining.Worker> workers = trainer.workers();
        for (int i = 0; i < workers.size(); i++) {
            router.putStorageMetaData(new SbeStorageMetaData(ts, sessionId, TYPE_ID, workerId(i, workers.get(i).name()),
                    SbeStatsInitializationReport.class, SbeStatsReport.class));
            router.putStaticInfo(initReport(i, workers.get(i), ts));
        }
        router.putStorageMetaData(new SbeStorageMetaData(ts, sessionId, BeatGanEvent.TYPE_ID, "run",
                BeatGanEvent.class, BeatGanEvent.class));
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("kind", "start");
        info.put("model", modelName);
        info.putAll(trainer.describe());
        router.putStaticInfo(event("run", ts, info));
        started = true;
    }

    private SbeStatsInitializationReport initReport(int index, ObservableTraining.Worker worker, long ts) {
        SbeStatsInitializationReport r = new SbeStatsInitializationReport();
        r.reportIDs(sessionId, TYPE_ID, workerId(index, worker.name()), ts);
        Runtime rt = Runtime.getRuntime();
        Map<String, String> env = new LinkedHashMap<>();
        env.put("OMP_NUM_THREADS", System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"));
        r.reportSoftwareInfo(System.getProperty("os.arch"), System.getProperty("os.name"),
                System.getProperty("java.vm.name"), System.getProperty("java.version"),
                System.getProperty("java.specification.version"), Nd4j.getBackend().getClass().getSimpleName(),
                trainer.dataType().name(), hostName(), ManagementFactory.getRuntimeMXBean().getName(), env);
        r.reportHardwareInfo(rt.availableProcessors(), 0, rt.maxMemory(), 0L, new long[0], new String[0],
                hostName());
        List<String> names = worker.optimizer().variables();
        String json;
        try {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("network", worker.tag());
            m.putAll(trainer.describe());
            json = Json.COMPACT.writeValueAsString(m);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        r.reportModelInfo(modelName + " " + worker.tag(), json, names.toArray(new String[0]), names.size(),
                trainer.parameterCounts().get(worker.name()));
        return r;
    }

    @Override
    public void onIteration(int epoch, long iteration, Map<String, Double> stats, int batchSize, double seconds) {
        if (!started) start();
        examples += batchSize;
        boolean paramStats = iteration % paramStatsEvery == 0 || iteration == 1;
        List<ObservableTraining.Worker> workers = trainer.workers();
        for (int i = 0; i < workers.size(); i++) {
            ObservableTraining.Worker w = workers.get(i);
            router.putUpdate(report(i, w, iteration, stats.getOrDefault(w.scoreKey(), Double.NaN), batchSize, seconds,
                    paramStats));
        }
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("kind", "iteration");
        e.put("epoch", epoch + 1);
        e.put("iteration", iteration);
        e.put("terms", stats);
        router.putUpdate(event("run", timestamp(), e));
    }

    private SbeStatsReport report(int index, ObservableTraining.Worker worker, long iteration, double score, int batch,
                                  double seconds, boolean paramStats) {
        SbeStatsReport r = new SbeStatsReport();
        long ts = timestamp();
        r.reportIDs(sessionId, TYPE_ID, workerId(index, worker.name()), ts);
        r.reportIterationCount((int) iteration);
        r.reportScore(score);
        long runtime = ts - startMs;
        r.reportPerformance(runtime, examples, iteration, seconds > 0 ? batch / seconds : 0,
                seconds > 0 ? 1 / seconds : 0);
        Runtime rt = Runtime.getRuntime();
        r.reportMemoryUse(rt.totalMemory() - rt.freeMemory(), rt.maxMemory(), 0L, 0L, new long[0], new long[0]);
        AdamOptimizer opt = worker.optimizer();
        Map<String, Double> lr = new LinkedHashMap<>();
        for (String v : opt.variables()) lr.put(v, opt.learningRate());
        r.reportLearningRates(lr);
        if (paramStats) {
            Map<String, Double> params = new LinkedHashMap<>();
            for (String v : opt.variables()) {
                var a = trainer.array(v);
                params.put(v, a.norm1Number().doubleValue() / a.length());
            }
            r.reportMeanMagnitudes(StatsType.Parameters, params);
            r.reportMeanMagnitudes(StatsType.Updates, opt.lastUpdateMagnitudes());
        }
        return r;
    }

    @Override
    public void onEpoch(Map<String, Object> record) {
        if (!started) start();
        Map<String, Object> e = new LinkedHashMap<>(record);
        e.put("kind", "epoch");
        router.putUpdate(event("run", timestamp(), e));
    }

    @Override
    public void onDiscriminatorReinit(int epoch, long iteration, int totalReinits) {
        if (!started) start();
        router.putUpdate(event("run", timestamp(), Map.of("kind", "d_reinit", "epoch", epoch + 1,
                "iteration", iteration, "total", totalReinits)));
    }

    private BeatGanEvent event(String worker, long ts, Map<String, Object> data) {
        try {
            return new BeatGanEvent(sessionId, worker, ts, Json.COMPACT.writeValueAsString(data));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "localhost";
        }
    }
}
