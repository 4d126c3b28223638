package org.beatgan.spark;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.beatgan.core.config.ExperimentConfig;
import org.beatgan.core.io.DataLocations;
import org.beatgan.core.io.Json;
import org.beatgan.experiments.Cli;
import org.beatgan.experiments.TrainCommand;
import org.beatgan.experiments.sweep.CandidateTrainer;
import org.beatgan.experiments.sweep.DistillationSweep;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Sweeps through an embedded Spark (local[2], loopback only, Spark's web UI off) on real beats,
 * against the local runner.
 */
class SparkSweepTest {

    @TempDir
    static Path shared;
    static Path teacher;
    static JavaSparkContext sc;
    static SparkSweepBackend spark;

    @BeforeAll
    static void start() {
        StringWriter err = new StringWriter();
        assertEquals(0, Cli.execute(new TrainCommand(), new PrintWriter(err, true), "--data",
                DataLocations.beatganDemo().toString(), "--epochs", "1", "--ngf", "8", "--ndf", "8", "--batch-size", "16",
                "--out", shared.resolve("teacher").toString(), "--no-progress"), err.toString());
        teacher = shared.resolve("teacher/model.zip");
        sc = new JavaSparkContext(SparkSettings.conf("local[2]", "SparkSweepTest"));
        spark = new SparkSweepBackend(sc, false);
    }

    @AfterAll
    static void stop() {
        if (sc != null) sc.stop();
    }

    private static ExperimentConfig config(Path dir, int candidates, String betaValues, int epochs) throws Exception {
        Path f = dir.resolve("sweep.yaml");
        Files.createDirectories(dir);
        Files.writeString(f, "name: spark-sweep\nmodel: {ngf: 4, ndf: 4}\ntraining: {epochs: " + epochs
                + ", batchSize: 16, lr: 1.0e-3}\n"
                + "data: {path: '" + DataLocations.beatganDemo() + "', trainLimit: 256, evalLimit: 256}\n"
                + "distill:\n  terms:\n    - {name: kd, loss: kd, weight: 1, params: {T: 4}, inputs: {logits: score}}\n"
                + "    - {name: at, loss: at, weight: 100, inputs: {feats: [G/enc/act3]}}\n"
                + "sweep:\n  generator: grid\n  candidates: " + candidates + "\n  parallel: 2\n  metric: val_auc\n"
                + "  parameters:\n    T: {values: [1, 4]}\n    beta: {values: " + betaValues + "}\n");
        return ExperimentConfig.load(f);
    }

    private static Map<String, JsonNode> results(Path out) throws Exception {
        Map<String, JsonNode> m = new HashMap<>();
        try (Stream<Path> dirs = Files.list(out.resolve("candidates"))) {
            for (Path d : dirs.toList()) {
                JsonNode r = Json.MAPPER.readTree(d.resolve("result.json").toFile());
                m.put(r.path("key").asText(), r);
            }
        }
        return m;
    }

    @Test
    void sparkGivesTheLocalRunnersResultsAndAFailingCandidateFailsAlone(@TempDir Path tmp) throws Exception {
        // beta = 1e39 overflows float32: those candidates diverge, and only they fail
        Path local = tmp.resolve("local");
        Path viaSpark = tmp.resolve("spark");
        DistillationSweep.Outcome a = new DistillationSweep(config(local, 4, "[10, 1.0e39]", 1), teacher, local).run();
        DistillationSweep.Outcome b = new DistillationSweep(config(viaSpark, 4, "[10, 1.0e39]", 1), teacher, viaSpark)
                .withBackend(spark).run();
        assertEquals(2, a.trained());
        assertEquals(2, b.trained(), "the others finish");
        assertEquals(2, b.failed(), "the diverging candidates are recorded as failed");
        Map<String, JsonNode> ra = results(local);
        Map<String, JsonNode> rb = results(viaSpark);
        assertEquals(ra.keySet(), rb.keySet(), "the same candidates");
        for (String key : ra.keySet()) {
            JsonNode x = ra.get(key);
            JsonNode y = rb.get(key);
            assertEquals(x.path("status").asText(), y.path("status").asText(), key);
            if (x.path("status").asText().equals("done")) {
                assertEquals(x.path("score").asDouble(), y.path("score").asDouble(), 1e-6, key + ": validation score");
                assertEquals(x.path("metrics").path("test").path("auc").asDouble(),
                        y.path("metrics").path("test").path("auc").asDouble(), 1e-6, key + ": test AUC");
                assertTrue(y.path("executor").asText().contains("executor driver"), "ran in a Spark task: " + y);
                assertTrue(Files.exists(Path.of(y.path("model").asText())), "the candidate's model is in its run folder");
            } else {
                assertTrue(y.path("error").asText().contains("TrainingDivergedException"), y.toString());
            }
        }
        List<String> csv = Files.readAllLines(viaSpark.resolve("results.csv"));
        assertEquals(5, csv.size(), "header + 4 candidates");
        assertTrue(Files.size(viaSpark.resolve("results.md")) > 0);
        assertEquals(Json.MAPPER.readTree(local.resolve("best.json").toFile()).path("params"),
                Json.MAPPER.readTree(viaSpark.resolve("best.json").toFile()).path("params"), "the same best candidate");
    }

    @Test
    void aRestartedSparkSweepSkipsFinishedCandidatesAndCompletesAnUnrecordedOne(@TempDir Path out) throws Exception {
        DistillationSweep.Outcome first = new DistillationSweep(config(out, 2, "[10, 100]", 1), teacher, out)
                .withBackend(spark).run();
        assertEquals(2, first.trained());
        DistillationSweep.Outcome second = new DistillationSweep(config(out, 3, "[10, 100]", 1), teacher, out)
                .withBackend(spark).run();
        assertEquals(2, second.skipped(), "finished candidates are not retrained");
        assertEquals(1, second.trained());
        // a driver killed after a candidate's last epoch but before its result was written
        Path third = results(out).values().stream().filter(r -> r.path("candidate").asInt() == 2)
                .map(r -> Path.of(r.path("model").asText()).getParent().getParent()).findFirst().orElseThrow();
        Files.delete(third.resolve("result.json"));
        Files.delete(third.resolve("run/metrics.json"));
        long modelTime = Files.getLastModifiedTime(third.resolve("run/model.zip")).toMillis();
        DistillationSweep.Outcome again = new DistillationSweep(config(out, 3, "[10, 100]", 1), teacher, out)
                .withBackend(spark).run();
        assertEquals(2, again.skipped());
        assertEquals(1, again.trained(), "the unrecorded candidate is completed from its run folder");
        assertEquals(modelTime, Files.getLastModifiedTime(third.resolve("run/model.zip")).toMillis(),
                "its finished epoch is not trained again");
        assertEquals(4, Files.readAllLines(out.resolve("results.csv")).size());
    }

    @Test
    void theSweepsTimeLimitCancelsTheRunningCandidatesWhichAreNotRecorded(@TempDir Path out) throws Exception {
        config(out, 2, "[10]", 500);
        Path f = out.resolve("sweep.yaml");
        Files.writeString(f, Files.readString(f).replace("metric: val_auc", "metric: val_auc\n  maxMinutes: 0.1"));
        long t0 = System.nanoTime();
        DistillationSweep.Outcome o = new DistillationSweep(ExperimentConfig.load(f), teacher, out).withBackend(spark).run();
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(0, o.trained() + o.failed(), "nothing finished or failed within 6 s of 500 epochs");
        assertTrue(seconds < 60, "the running candidates were cancelled, not waited for: " + seconds + " s");
        List<Path> dirs = candidateDirs(out);
        assertEquals(2, dirs.size(), "both candidates had started");
        for (Path d : dirs) {
            assertFalse(Files.exists(d.resolve("result.json")), "a cancelled candidate is not recorded: " + d);
            assertTrue(Files.exists(d.resolve("run/checkpoint.zip")), "its finished epochs stay for a resume: " + d);
        }
        awaitNoRunningTasks();
    }

    @Test
    void candidatesCancelledMidTrainingResumeFromTheirLastFinishedEpoch(@TempDir Path out) throws Exception {
        ExperimentConfig cfg = config(out, 2, "[10]", 40);
        CompletableFuture<DistillationSweep.Outcome> first = CompletableFuture.supplyAsync(() -> {
            try {
                return new DistillationSweep(cfg, teacher, out).withBackend(spark).run();
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
        long t0 = System.nanoTime();
        while (epochsDone(out) < 2 && System.nanoTime() - t0 < TimeUnit.MINUTES.toNanos(3)) Thread.sleep(50);
        spark.cancelAll();   // as the time limit or a stopped driver would
        assertEquals(0, first.get(2, TimeUnit.MINUTES).trained(), "both were cancelled before their 40 epochs");
        awaitNoRunningTasks();
        List<Path> dirs = candidateDirs(out);
        assertEquals(2, dirs.size());
        Map<Path, String> firstEpoch = new HashMap<>();
        for (Path d : dirs) {
            assertFalse(Files.exists(d.resolve("result.json")), "not recorded: " + d);
            List<String> lines = Files.readAllLines(d.resolve("run/epochs.jsonl"));
            assertTrue(lines.size() >= 1 && lines.size() < 40, "stopped in the middle: " + lines.size());
            firstEpoch.put(d, lines.get(0));
        }
        DistillationSweep.Outcome again = new DistillationSweep(cfg, teacher, out).withBackend(spark).run();
        assertEquals(2, again.trained());
        for (Path d : dirs) {
            List<String> lines = Files.readAllLines(d.resolve("run/epochs.jsonl"));
            assertEquals(40, lines.size(), "every epoch once: " + d);
            assertEquals(firstEpoch.get(d), lines.get(0), "the epochs before the cancel were not trained again");
            assertTrue(Files.exists(d.resolve("result.json")));
        }
    }

    /** The fewest epochs any started candidate of {@code out} has finished (0 before both started). */
    private static int epochsDone(Path out) throws Exception {
        List<Path> dirs = Files.isDirectory(out.resolve("candidates")) ? candidateDirs(out) : List.of();
        if (dirs.size() < 2) return 0;
        int min = Integer.MAX_VALUE;
        for (Path d : dirs) {
            Path e = d.resolve("run/epochs.jsonl");
            min = Math.min(min, Files.exists(e) ? Files.readAllLines(e).size() : 0);
        }
        return min;
    }

    private static List<Path> candidateDirs(Path out) throws Exception {
        try (Stream<Path> d = Files.list(out.resolve("candidates"))) {
            return d.sorted().toList();
        }
    }

    private static void awaitNoRunningTasks() throws InterruptedException {
        long t1 = System.nanoTime();
        while (runningTasks() > 0 && System.nanoTime() - t1 < TimeUnit.SECONDS.toNanos(60)) Thread.sleep(100);
        assertEquals(0, runningTasks(), "the cancelled tasks stopped training");
    }

    @Test
    void theTimeLimitStillAppliesWhenTheCandidateLimitIsReachedWhileCandidatesTrain(@TempDir Path out) throws Exception {
        // a random search for 1 candidate on 2 slots: Arbiter also queues a second one, whose
        // placeholder result counts towards the limit, and shuts down while the first trains
        config(out, 1, "[10]", 500);
        Path f = out.resolve("sweep.yaml");
        Files.writeString(f, Files.readString(f).replace("generator: grid", "generator: random")
                .replace("metric: val_auc", "metric: val_auc\n  maxMinutes: 0.1"));
        long t0 = System.nanoTime();
        DistillationSweep.Outcome o = new DistillationSweep(ExperimentConfig.load(f), teacher, out).withBackend(spark).run();
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(0, o.trained(), "the 500-epoch candidate did not finish");
        assertTrue(seconds < 60, "cancelled at the time limit, not waited for: " + seconds + " s");
        awaitNoRunningTasks();
    }

    @Test
    void aCancelledCandidateEndsInCancellationAndIsNotRecorded(@TempDir Path out) throws Exception {
        ExperimentConfig cfg = config(out, 1, "[10]", 20);
        CandidateTrainer trainer = spark.trainer(cfg, teacher, out);
        Path dir = out.resolve("candidates/c-test/run");
        CompletableFuture<Map<String, Object>> f = CompletableFuture.supplyAsync(() -> {
            try {
                return trainer.train(0, Map.of("T", 4.0, "beta", 10.0), dir);
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
        long t0 = System.nanoTime();
        while (!Files.exists(dir.resolve("epochs.jsonl")) && System.nanoTime() - t0 < TimeUnit.MINUTES.toNanos(3)) {
            Thread.sleep(200);
        }
        assertEquals(1, spark.runningCount(), "the candidate's job is running");
        spark.cancelAll();
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(2, TimeUnit.MINUTES));
        assertInstanceOf(CancellationException.class, e.getCause(), e.toString());
        assertEquals(0, spark.runningCount());
        // the task thread itself stops (training checks for the interrupt at every step)
        long t1 = System.nanoTime();
        while (runningTasks() > 0 && System.nanoTime() - t1 < TimeUnit.SECONDS.toNanos(60)) Thread.sleep(100);
        assertEquals(0, runningTasks(), "the cancelled task stopped training");
        long epochs = Files.readAllLines(dir.resolve("epochs.jsonl")).size();
        assertTrue(epochs < 20, "stopped before its 20 epochs: " + epochs);
        assertFalse(Files.exists(dir.resolve("metrics.json")), "the cancelled run did not finish");
    }

    private static int runningTasks() {
        int n = 0;
        for (org.apache.spark.SparkExecutorInfo e : sc.sc().statusTracker().getExecutorInfos()) n += e.numRunningTasks();
        return n;
    }

    @Test
    void theTaskFunctionSerialisesAndReturnsFailuresAsRecords() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream o = new ObjectOutputStream(bytes)) {
            o.writeObject(new CandidateTask());
        }
        Object back;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            back = in.readObject();
        }
        assertInstanceOf(CandidateTask.class, back);
        JsonNode r = Json.MAPPER.readTree(((CandidateTask) back).call("{\"index\": 3, \"values\": {\"T\": 2.0}}"));
        assertEquals("failed", r.path("status").asText(), "a bad task is a failed record, not a failed job");
        assertEquals(3, r.path("candidate").asInt());
        assertTrue(r.path("error").asText().contains("Exception"), r.toString());
    }

    @Test
    void nd4jLoadsInsideASparkTask() {
        List<String> r = sc.parallelize(List.of(1, 2), 2)
                .map(i -> Nd4j.create(new float[]{1, 2, 3}).mul(i).sumNumber().doubleValue() + " "
                        + Nd4j.getBackend().getClass().getSimpleName())
                .collect();
        assertEquals(List.of("6.0 CpuBackend", "12.0 CpuBackend"), r);
    }

    @Test
    void settingsGiveOneCandidatePerExecutorAndKeepAnEmbeddedDriverOnLoopback() {
        SparkConf local = SparkSettings.conf("local[2]", "t");
        assertEquals("127.0.0.1", local.get("spark.driver.bindAddress"));
        assertEquals("127.0.0.1", local.get("spark.driver.host"));
        assertEquals("false", local.get("spark.ui.enabled"));
        assertEquals("false", local.get("spark.speculation"));
        assertEquals("2", local.get("spark.task.maxFailures"));
        assertEquals("local[2]", sc.master());
        assertEquals(2, spark.slots(), "local[2]: two candidates at once");
        String before = System.getProperty("spark.executor.cores");
        System.setProperty("spark.executor.cores", "4");
        // a cluster's executors are counted from what was asked for (they register later)
        SparkConf asked = new SparkConf(false).set("spark.executor.instances", "8").set("spark.executor.cores", "2")
                .set("spark.task.cpus", "2");
        assertEquals(8, SparkSettings.slots(asked, "yarn", 2));
        assertEquals(16, SparkSettings.slots(asked.clone().set("spark.task.cpus", "1"), "yarn", 2), "two per executor");
        assertEquals(3, SparkSettings.slots(asked.clone().set(SparkSettings.SLOTS, "3"), "yarn", 2));
        assertEquals(2, SparkSettings.slots(new SparkConf(false), "local[2]", 2));
        System.setProperty("org.bytedeco.javacpp.maxbytes", "3g");
        try {
            SparkConf cluster = SparkSettings.conf("spark://10.0.0.1:7077", "t");
            assertEquals("4", cluster.get("spark.task.cpus"), "a candidate owns its executor");
            assertEquals("4", cluster.get("spark.executorEnv.OMP_NUM_THREADS"));
            assertTrue(cluster.get("spark.executor.extraJavaOptions").contains("-Dorg.bytedeco.javacpp.maxbytes=3g"));
            assertTrue(cluster.get("spark.executor.extraJavaOptions").contains("-Dorg.bytedeco.javacpp.cachedir=/tmp/"),
                    "executors unpack ND4J's natives somewhere writable");
            assertFalse(cluster.contains("spark.driver.bindAddress"), "a cluster's driver address is the user's");
        } finally {
            if (before == null) System.clearProperty("spark.executor.cores");
            else System.setProperty("spark.executor.cores", before);
            System.clearProperty("org.bytedeco.javacpp.maxbytes");
        }
        // executors start elsewhere: the data folder travels as the driver resolves it
        ExperimentConfig rel = ExperimentConfig.defaults();
        rel = new ExperimentConfig(rel.name(), rel.model(), rel.training(), new org.beatgan.core.config.DataConfig(
                "some/beats", "beatgan", 0, 0, 0, 0), rel.scoring(), null, null, null);
        assertEquals(Path.of("some/beats").toAbsolutePath().normalize().toString(),
                SparkSweepBackend.withAbsoluteDataPath(rel).data().path());
        assertEquals(DataLocations.mitdb().toAbsolutePath().normalize().toString(),
                SparkSweepBackend.withAbsoluteDataPath(ExperimentConfig.defaults()).data().path(),
                "no path: the shipped records where the driver finds them");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SparkSettings.conf("", "t"));
        assertTrue(e.getMessage().contains("spark-submit"), e.getMessage());
    }

    @Test
    void sparkRunsWithoutItsDiskStoresAndWithoutTheUiServer() {
        for (String absent : new String[]{"org.rocksdb.RocksDB", "org.fusesource.leveldbjni.JniDBFactory",
                "io.vertx.core.Vertx"}) {
            assertThrows(ClassNotFoundException.class, () -> Class.forName(absent), absent + " is excluded");
        }
        assertEquals("4.1.96.Final", io.netty.util.Version.identify().get("netty-common").artifactVersion(),
                "Spark's Netty alone");
    }

    @Test
    void theCommandLineSweepsOnSparkAndRefusesToServeTheUiThere(@TempDir Path out) throws Exception {
        Path cfg = out.resolve("sweep.yaml");
        config(out, 2, "[10]", 1);
        StringWriter err = new StringWriter();
        int rc = Cli.execute(new org.beatgan.experiments.SweepCommand(), new PrintWriter(err, true), "--config",
                cfg.toString(), "--teacher", teacher.toString(), "--out", out.resolve("sweep").toString(),
                "--spark", "local[2]", "--stats-file", out.resolve("sweep.stats").toString());
        assertEquals(0, rc, err.toString());
        assertEquals(2, results(out.resolve("sweep")).size());
        // the driver records the sweep's progress for the UI's sweep page, as a local sweep does
        org.deeplearning4j.ui.model.storage.FileStatsStorage stats =
                new org.deeplearning4j.ui.model.storage.FileStatsStorage(out.resolve("sweep.stats").toFile());
        try {
            List<String> progress = new java.util.ArrayList<>();
            for (String session : stats.listSessionIDs()) {
                for (org.deeplearning4j.core.storage.Persistable p : stats.getAllUpdatesAfter(session,
                        org.beatgan.experiments.ui.BeatGanEvent.TYPE_ID, "run", 0)) {
                    progress.add(((org.beatgan.experiments.ui.BeatGanEvent) p).json());
                }
            }
            assertEquals(2, progress.stream().filter(j -> j.contains("\"kind\":\"sweep\"")).count(), progress.toString());
            assertTrue(progress.get(progress.size() - 1).contains("\"done\":2"), progress.toString());
        } finally {
            stats.close();
        }
        StringWriter err2 = new StringWriter();
        int rc2 = Cli.execute(new org.beatgan.experiments.SweepCommand(), new PrintWriter(err2, true), "--config",
                cfg.toString(), "--teacher", teacher.toString(), "--out", out.resolve("sweep").toString(),
                "--spark", "local[2]", "--ui");
        assertNotEquals(0, rc2);
        assertTrue(err2.toString().contains("--stats-file"), err2.toString());
    }
}
