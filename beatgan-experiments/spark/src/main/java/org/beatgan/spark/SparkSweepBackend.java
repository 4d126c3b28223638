package org.beatgan.spark;

import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaSparkContext;
import org.beatgan.core.config.ExperimentConfig;
import org.beatgan.core.io.Json;
import org.beatgan.core.io.PretrainedModels;
import org.beatgan.experiments.sweep.CandidateTrainer;
import org.beatgan.experiments.sweep.CandidateTraining;
import org.beatgan.experiments.sweep.SweepBackend;
import org.deeplearning4j.arbiter.optimize.api.TaskCreator;
import org.deeplearning4j.arbiter.optimize.config.OptimizationConfiguration;
import org.deeplearning4j.arbiter.optimize.runner.IOptimizationRunner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;

/**
 * Sweep candidates as Spark jobs: each candidate is a one-element job
 * ({@code parallelize(task).map(CandidateTask).collectAsync()}) in its own job group, so that the
 * sweep's time limit can cancel it. A cancelled candidate, or one whose job died with the driver's
 * Spark context, is not recorded (a restart trains it again, from its checkpoint); a job that
 * failed otherwise (its task failed spark.task.maxFailures times) is recorded as failed with
 * Spark's reason, and the sweep goes on.
 */
public final class SparkSweepBackend implements SweepBackend {

    private static final Logger LOG = LoggerFactory.getLogger(SparkSweepBackend.class);

    /** {@code --spark}'s backend, found with ServiceLoader. */
    public static final class Factory implements SweepBackend.Factory {
        @Override
        public String name() {
            return "spark";
        }

        @Override
        public SweepBackend open(String master, String appName) {
            // a Spark context already running in this JVM (a notebook's, a test's) is used and left
            // running; the marker tells whether getOrCreate made ours
            String marker = UUID.randomUUID().toString();
            org.apache.spark.SparkConf conf = SparkSettings.conf(master, appName).set("spark.beatgan.sweep.id", marker);
            org.apache.spark.SparkContext sc = org.apache.spark.SparkContext.getOrCreate(conf);
            boolean ours = marker.equals(sc.getConf().get("spark.beatgan.sweep.id", ""));
            if (!ours) {
                // its settings are its owner's: refuse what breaks a sweep, say what differs
                if (sc.getConf().getBoolean("spark.speculation", false)) {
                    throw new IllegalStateException("the running Spark context has spark.speculation on: two copies of "
                            + "one candidate would train into the same run folder; stop it or turn speculation off");
                }
                LOG.warn("using the running Spark context ({}) with its own settings, not the sweep's (task.cpus {}, "
                        + "task.maxFailures {})", sc.master(), sc.getConf().get("spark.task.cpus", "1"),
                        sc.getConf().get("spark.task.maxFailures", "default"));
            }
            return new SparkSweepBackend(JavaSparkContext.fromSparkContext(sc), ours);
        }
    }

    private final JavaSparkContext sc;
    private final boolean owned;
    /** Job groups of candidates being submitted or running. */
    private final Set<String> running = ConcurrentHashMap.newKeySet();
    private final Set<String> cancelled = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /** @param owned whether {@link #close()} stops the context */
    public SparkSweepBackend(JavaSparkContext sc, boolean owned) {
        this.sc = sc;
        this.owned = owned;
    }

    @Override
    public String name() {
        return "Spark " + sc.master();
    }

    @Override
    public int slots() {
        return SparkSettings.slots(sc);
    }

    @Override
    public CandidateTrainer trainer(ExperimentConfig cfg, Path teacher, Path out) {
        String teacherRef = PretrainedModels.isReference(teacher) ? teacher.toString() : teacher.toAbsolutePath().toString();
        ExperimentConfig shipped = withAbsoluteDataPath(cfg);
        return (index, values, dir) -> {
            String task = CandidateTask.describe(shipped, teacherRef, dir, index, values);
            String group = "candidate-" + index + "-" + UUID.randomUUID();
            long t0 = System.nanoTime();
            running.add(group); // before submitting, so that a cancelAll meanwhile sees it
            try {
                if (closed) throw new CancellationException("the sweep's Spark backend is closed");
                sc.setJobGroup(group, cfg.name() + " candidate " + index + " " + values, true);
                JavaFutureAction<List<String>> job;
                try {
                    job = sc.parallelize(List.of(task), 1).map(new CandidateTask()).collectAsync();
                } finally {
                    sc.clearJobGroup();
                }
                // a cancelAll between registering and submitting found no job to cancel
                if (cancelled.contains(group) || closed) sc.cancelJobGroup(group);
                String json = job.get().get(0);
                @SuppressWarnings("unchecked")
                Map<String, Object> record = Json.MAPPER.readValue(json, Map.class);
                // the driver's wall time for the job: less the task's own seconds, Spark's overhead
                record.put("job_seconds", (System.nanoTime() - t0) / 1e9);
                return record;
            } catch (ExecutionException | CancellationException e) {
                if (e instanceof CancellationException || cancelled.contains(group) || closed || sc.sc().isStopped()) {
                    // cancelled by the time limit, or the driver is going down (Ctrl-C stops the
                    // context): the candidate did not end, so nothing is recorded and a restart resumes it
                    throw new CancellationException("candidate " + index + " did not end (cancelled, or the Spark "
                            + "context stopped); not recorded, a restart trains it again from its checkpoint");
                }
                Throwable cause = e.getCause() instanceof SparkException sx ? sx : e;
                LOG.warn("candidate {}: its Spark job failed: {}", index, cause.toString());
                return CandidateTraining.failed(index, values, "Spark job failed: " + firstLine(cause.getMessage()));
            } finally {
                running.remove(group);
                cancelled.remove(group);
            }
        };
    }

    /**
     * The config with its data folder as an absolute path, as the driver resolves it (executors
     * start in other working directories): a relative {@code data.path} against the driver's, none
     * (the shipped MIT-BIH records) as the driver finds them, when it does.
     */
    static ExperimentConfig withAbsoluteDataPath(ExperimentConfig cfg) {
        String path = cfg.data().path();
        Path abs;
        if (path != null) {
            abs = Path.of(path).toAbsolutePath().normalize();
        } else {
            try {
                abs = org.beatgan.core.io.DataLocations.mitdb().toAbsolutePath().normalize();
            } catch (IllegalStateException e) {
                return cfg; // the executors find it ($BEATGAN_DATA_DIR or their shared/ folder)
            }
        }
        org.beatgan.core.config.DataConfig d = cfg.data();
        return new ExperimentConfig(cfg.name(), cfg.model(), cfg.training(),
                new org.beatgan.core.config.DataConfig(abs.toString(), d.protocol(), d.fold(), d.trainLimit(), d.evalLimit(),
                        d.seed()),
                cfg.scoring(), cfg.distill(), cfg.sweep(), cfg.experiment());
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** Cancels every running candidate (their futures end in CancellationException). */
    public void cancelAll() {
        for (String group : running) {
            cancelled.add(group);
            LOG.info("cancelling Spark job group {}", group);
            sc.cancelJobGroup(group);
        }
    }

    /** Candidates whose jobs are running now. */
    public int runningCount() {
        return running.size();
    }

    @Override
    public IOptimizationRunner runner(OptimizationConfiguration conf, TaskCreator tasks) {
        return new SparkOptimizationRunner(conf, tasks, this);
    }

    @Override
    public void close() {
        closed = true;
        cancelAll();
        if (owned) sc.stop();
    }
}
