package org.beatgan.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.function.Function;
import org.beatgan.core.config.ExperimentConfig;
import org.beatgan.core.data.ExperimentData;
import org.beatgan.core.io.Json;
import org.beatgan.experiments.sweep.CandidateTraining;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a Spark task runs: one sweep candidate, from strings only (the task's JSON: the sweep's
 * config, the teacher, the candidate's run folder, its index and values; paths on storage every
 * executor sees), to the candidate's record as JSON. Every failure is caught and returned as a
 * {@code failed} record, so one bad candidate never fails its Spark job. An executor prepares the
 * beats of a data setting once and keeps them for its later candidates.
 */
public final class CandidateTask implements Function<String, String> {

    private static final long serialVersionUID = 1L;

    private static final Map<String, ExperimentData.Prepared> DATA = new ConcurrentHashMap<>();

    /** The task's JSON for one candidate. */
    static String describe(ExperimentConfig cfg, String teacher, Path dir, int index, Map<String, Double> values) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.set("config", Json.MAPPER.valueToTree(cfg));
        n.put("teacher", teacher);
        n.put("dir", dir.toAbsolutePath().toString());
        n.put("index", index);
        n.set("values", Json.MAPPER.valueToTree(values));
        return n.toString();
    }

    @Override
    public String call(String task) throws Exception {
        return run(task);
    }

    static String run(String task) throws Exception {
        Map<String, Object> record;
        JsonNode n = null;
        Map<String, Double> values = Map.of();
        try {
            n = Json.MAPPER.readTree(task);
            values = Json.MAPPER.convertValue(n.get("values"), new com.fasterxml.jackson.core.type.TypeReference<>() {
            });
            ExperimentConfig cfg = Json.MAPPER.treeToValue(n.get("config"), ExperimentConfig.class);
            ExperimentData.Prepared data = data(cfg);
            record = CandidateTraining.train(cfg, Path.of(n.get("teacher").asText()), data, n.get("index").asInt(),
                    values, Path.of(n.get("dir").asText()), List.of());
        } catch (java.util.concurrent.CancellationException e) {
            throw e; // the job was cancelled: there is no result to return
        } catch (Exception | LinkageError e) {
            record = CandidateTraining.failed(n == null ? -1 : n.path("index").asInt(-1), values,
                    e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        record.put("executor", where());
        return Json.COMPACT.writeValueAsString(record);
    }

    private static ExperimentData.Prepared data(ExperimentConfig cfg) throws Exception {
        String key = Json.COMPACT.writeValueAsString(cfg.data()) + "|" + cfg.model().nc() + "|" + cfg.training().batchSize();
        ExperimentData.Prepared d = DATA.get(key);
        if (d == null) {
            synchronized (DATA) {
                d = DATA.get(key);
                if (d == null) {
                    d = ExperimentData.prepare(cfg.data(), cfg.model().nc(), cfg.training().batchSize());
                    DATA.put(key, d);
                }
            }
        }
        return d;
    }

    private static String where() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "?";
        }
        SparkEnv env = SparkEnv.get();
        return host + (env == null ? "" : " executor " + env.executorId());
    }
}
