package org.beatgan.spark;

import org.apache.spark.SparkConf;

import java.util.ArrayList;
import java.util.List;

/**
 * The Spark settings a sweep runs under. A candidate is one task that owns a whole executor
 * ({@code spark.task.cpus} = {@code spark.executor.cores}, with {@code OMP_NUM_THREADS} to match),
 * a lost executor's task is retried once ({@code spark.task.maxFailures} 2), speculation is off (a
 * second copy of a training would race the first in the same run folder), and ND4J's system
 * properties travel in the executors' Java options. Spark's web UI is off and an embedded
 * ({@code local[N]}) driver binds to 127.0.0.1. What the user set (spark-submit's --conf) wins.
 */
final class SparkSettings {

    /** ND4J / JavaCPP system properties copied from the driver to the executors when set there. */
    static final List<String> ND4J_PROPERTIES = List.of("org.bytedeco.javacpp.platform.extension",
            "org.bytedeco.javacpp.maxbytes", "org.bytedeco.javacpp.maxphysicalbytes", "org.bytedeco.javacpp.cachedir");

    private SparkSettings() {
    }

    static boolean isLocal(String master) {
        return master.equals("local") || master.startsWith("local[");
    }

    /**
     * @param master {@code local[N]}, a cluster URL, or "" for the master spark-submit set
     */
    static SparkConf conf(String master, String appName) {
        SparkConf conf = new SparkConf(true);
        if (!master.isEmpty()) {
            conf.setMaster(master);
        } else if (!conf.contains("spark.master")) {
            throw new IllegalArgumentException("--spark without a master: give one (--spark local[2]) or run under "
                    + "spark-submit, whose --master sets it");
        }
        String m = conf.get("spark.master");
        conf.setIfMissing("spark.app.name", appName);
        conf.setIfMissing("spark.ui.enabled", "false");
        conf.setIfMissing("spark.speculation", "false");
        conf.setIfMissing("spark.task.maxFailures", "2");
        if (isLocal(m)) {
            conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
            conf.setIfMissing("spark.driver.host", "127.0.0.1");
            conf.setIfMissing("spark.task.cpus", "1");
        } else {
            String cores = conf.get("spark.executor.cores", "2");
            conf.set("spark.executor.cores", cores);
            conf.setIfMissing("spark.task.cpus", cores);
            conf.setIfMissing("spark.executorEnv.OMP_NUM_THREADS", conf.get("spark.task.cpus"));
        }
        String data = System.getenv("BEATGAN_DATA_DIR");
        if (data != null && !data.isBlank()) conf.setIfMissing("spark.executorEnv.BEATGAN_DATA_DIR", data);
        conf.setIfMissing("spark.executor.extraJavaOptions", String.join(" ", nd4jOptions(!isLocal(m))));
        return conf;
    }

    /** Where executors unpack ND4J's natives when the driver names no place: home is often not writable there. */
    static final String EXECUTOR_CACHE_DIR = "/tmp/beatgan-javacpp-cache";

    static List<String> nd4jOptions(boolean cluster) {
        List<String> out = new ArrayList<>();
        for (String p : ND4J_PROPERTIES) {
            String v = System.getProperty(p);
            if (v != null && !v.isBlank()) out.add("-D" + p + "=" + v);
        }
        if (cluster && System.getProperty("org.bytedeco.javacpp.cachedir") == null) {
            out.add("-Dorg.bytedeco.javacpp.cachedir=" + EXECUTOR_CACHE_DIR);
        }
        String home = System.getProperty("beatgan.home");
        if (home != null) out.add("-Dbeatgan.home=" + home);
        return out;
    }

    /** The setting that fixes how many candidates train at once (otherwise derived, see {@link #slots}). */
    static final String SLOTS = "spark.beatgan.slots";

    /**
     * Candidates trained at once: {@code spark.beatgan.slots} if set; on a cluster, the executors
     * asked for ({@code spark.executor.instances}, or dynamic allocation's {@code maxExecutors})
     * times the candidates an executor holds, because at start-up the executors have not all
     * registered yet (a standalone cluster's default parallelism is then 2); otherwise, and for
     * {@code local[N]}, the task slots Spark reports.
     */
    static int slots(org.apache.spark.api.java.JavaSparkContext sc) {
        return slots(sc.getConf(), sc.master(), sc.defaultParallelism());
    }

    static int slots(SparkConf c, String master, int defaultParallelism) {
        if (c.contains(SLOTS)) {
            int n = c.getInt(SLOTS, 1);
            if (n < 1) throw new IllegalArgumentException(SLOTS + " = " + n + ", expected >= 1");
            return n;
        }
        int taskCpus = Math.max(1, c.getInt("spark.task.cpus", 1));
        if (!isLocal(master)) {
            int perExecutor = Math.max(1, c.getInt("spark.executor.cores", taskCpus) / taskCpus);
            boolean dynamic = c.getBoolean("spark.dynamicAllocation.enabled", false);
            int executors = dynamic ? c.getInt("spark.dynamicAllocation.maxExecutors", 0)
                    : c.getInt("spark.executor.instances", 0);
            if (executors > 0 && executors < 10_000) return executors * perExecutor;
        }
        return Math.max(1, defaultParallelism / taskCpus);
    }
}
