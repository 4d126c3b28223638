package org.beatgan.experiments.sweep;

import org.beatgan.core.config.ExperimentConfig;
import org.beatgan.core.data.ExperimentData;
import org.beatgan.core.io.Json;
import org.beatgan.core.io.ModelBundle;
import org.beatgan.core.train.ExperimentRunner;
import org.beatgan.core.train.ObservableTraining;
import org.beatgan.core.train.TrainingListener;
import org.beatgan.core.train.TrainingRun;
import org.beatgan.distill.DistillationExperiment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Trains one sweep candidate into its run folder and gives its record (what {@code result.json}
 * holds): the same function whether the candidate runs in the sweep's own process or in a Spark
 * task. A candidate that throws (NaN loss, invalid value) gives a {@code failed} record; an
 * interrupted one (a cancelled job) throws {@link java.util.concurrent.CancellationException} and
 * gives none; a half-trained candidate (its checkpoint in the folder) resumes.
 */
public final class CandidateTraining {

    private static final Logger LOG = LoggerFactory.getLogger(CandidateTraining.class);

    private CandidateTraining() {
    }

    /** A record of a candidate that ended without a result: status {@code failed} and why. */
    public static Map<String, Object> failed(int index, Map<String, Double> values, String error) {
        Map<String, Object> record = named(index, values);
        record.put("status", "failed");
        record.put("error", error);
        return record;
    }

    /** What training one candidate gives when it ends: its result, at least a numeric "score". */
    @FunctionalInterface
    public interface Run {
        Map<String, Object> result() throws Exception;
    }

    /**
     * The record of one candidate trained by {@code run}: its name and parameters, its result with
     * status {@code done}, or status {@code failed} and why when it throws or gives no score, and
     * the seconds it took. An interrupted run (a cancelled job) throws
     * {@link java.util.concurrent.CancellationException} instead: it has no record.
     */
    public static Map<String, Object> record(int index, Map<String, Double> values, Run run) {
        Map<String, Object> record = named(index, values);
        long t0 = System.nanoTime();
        try {
            Map<String, Object> r = run.result();
            if (!(r.get("score") instanceof Number n) || Double.isNaN(n.doubleValue())) {
                throw new IllegalStateException("the trial gave no score: " + r.get("score"));
            }
            record.putAll(r);
            record.put("status", "done");
        } catch (Exception e) {
            // interrupted (a cancelled Spark job: training stops at its next step): no result
            if (Thread.currentThread().isInterrupted() || e instanceof InterruptedException) {
                throw new java.util.concurrent.CancellationException("candidate " + index + ": " + e.getMessage());
            }
            LOG.warn("candidate {} ({}) failed: {}", index, record.get("key"), e.toString());
            record.put("status", "failed");
            record.put("error", e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        record.put("seconds", (System.nanoTime() - t0) / 1e9);
        return record;
    }

    /**
     * One distillation candidate's record ({@link #record}).
     *
     * @param base   the sweep's config (its {@code sweep} section names the searched parameters and metric)
     * @param data   the prepared beats (fresh iterators are taken)
     * @param dir    the candidate's run folder
     */
    public static Map<String, Object> train(ExperimentConfig base, Path teacher, ExperimentData.Prepared data, int index,
                                            Map<String, Double> values, Path dir,
                                            List<Function<ObservableTraining, TrainingListener>> listeners) {
        return record(index, values, () -> {
            SweepSpec spec = SweepSpec.parse(base.sweep());
            ExperimentConfig cfg = SweepCandidates.apply(base, spec.parameters(), values);
            boolean resume = Files.exists(dir.resolve(TrainingRun.CHECKPOINT));
            LOG.info("candidate {} ({}): training{}", index, SweepCandidates.key(values), resume ? " (resuming)" : "");
            Map<String, Object> metrics = DistillationExperiment.run(cfg, ModelBundle.load(teacher).graph(),
                    data.withFreshIterators(), new ExperimentRunner.Options(dir, resume, false).withListeners(listeners));
            double s = new SweepScore(spec.metric()).of(metrics);
            if (Double.isNaN(s)) {
                throw new IllegalStateException("the run has no value for the sweep metric (validation without "
                        + "anomalies? use metric: selection or val_score_mean)");
            }
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("score", s);
            result.put("metrics", Json.MAPPER.convertValue(metrics, Map.class));
            result.put("model", dir.resolve(TrainingRun.MODEL).toString());
            return result;
        });
    }

    private static Map<String, Object> named(int index, Map<String, Double> values) {
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("candidate", index);
        record.put("params", values);
        record.put("key", SweepCandidates.key(values));
        return record;
    }
}
