package org.beatgan.experiments.sweep;

import org.deeplearning4j.arbiter.optimize.api.Candidate;
import org.deeplearning4j.arbiter.optimize.api.OptimizationResult;
import org.deeplearning4j.arbiter.optimize.api.TaskCreator;
import org.deeplearning4j.arbiter.optimize.api.data.DataProvider;
import org.deeplearning4j.arbiter.optimize.api.data.DataSource;
import org.deeplearning4j.arbiter.optimize.api.score.ScoreFunction;
import org.deeplearning4j.arbiter.optimize.runner.IOptimizationRunner;
import org.deeplearning4j.arbiter.optimize.runner.listener.StatusListener;
import org.deeplearning4j.arbiter.optimize.runner.CandidateInfo;
import org.deeplearning4j.arbiter.optimize.runner.CandidateStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Arbiter's {@link TaskCreator} for every search of the project (the BeatGAN distillation sweep,
 * {@link ArbiterSearch}): trains one candidate where its {@link CandidateTrainer} puts it and
 * returns its score. Both of Arbiter's ways of passing data (a provider, a data-source class) are
 * ignored: candidates train from the project's own data. A candidate
 * already finished in the results folder (done or failed) is returned from its record without
 * training, which makes a killed sweep resumable; a half-trained candidate resumes from its
 * checkpoint. A candidate that throws (NaN loss, invalid value) is recorded as failed and the sweep
 * goes on; one its trainer could not end (cancelled) is not recorded at all.
 */
final class CandidateTaskCreator implements TaskCreator {

    private static final Logger LOG = LoggerFactory.getLogger(CandidateTaskCreator.class);

    private final CandidateTrainer trainer;
    private final CandidateStore store;
    final AtomicInteger skipped = new AtomicInteger();
    final AtomicInteger trained = new AtomicInteger();
    final AtomicInteger failed = new AtomicInteger();
    private final Consumer<Map<String, Object>> progress;
    private final int total;
    private final boolean minimize;
    private Double best;

    CandidateTaskCreator(CandidateTrainer trainer, CandidateStore store, Consumer<Map<String, Object>> progress,
                            int total, boolean minimize) {
        this.trainer = trainer;
        this.store = store;
        this.progress = progress;
        this.total = total;
        this.minimize = minimize;
    }

    /** Progress after each candidate: counts so far, the best score so far, this candidate. */
    private synchronized void report(int index, Map<String, Object> record) {
        Object s = record.get("score");
        if (s instanceof Number n && (best == null || (minimize ? n.doubleValue() < best : n.doubleValue() > best))) {
            best = n.doubleValue();
        }
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("candidate", index);
        p.put("params", record.get("params"));
        p.put("status", record.get("status"));
        if (s != null) p.put("score", s);
        p.put("done", trained.get() + skipped.get() - failedSkipped.get());
        p.put("failed", failed.get() + failedSkipped.get());
        p.put("skipped", skipped.get());
        p.put("total", total);
        p.put("best", best);
        progress.accept(p);
    }

    private final AtomicInteger failedSkipped = new AtomicInteger();

    @Override
    public Callable<OptimizationResult> create(Candidate candidate, DataProvider dataProvider,
                                               ScoreFunction scoreFunction, List<StatusListener> statusListeners,
                                               IOptimizationRunner runner) {
        return () -> run(candidate);
    }

    @Override
    public Callable<OptimizationResult> create(Candidate candidate, Class<? extends DataSource> dataSource,
                                               Properties dataSourceProperties, ScoreFunction scoreFunction,
                                               List<StatusListener> statusListeners, IOptimizationRunner runner) {
        return () -> run(candidate);
    }

    @SuppressWarnings("unchecked")
    private OptimizationResult run(Candidate candidate) throws Exception {
        Map<String, Double> values = (Map<String, Double>) candidate.getValue();
        long start = System.currentTimeMillis();
        if (candidate.getIndex() >= total) {
            // with parallel tasks Arbiter queues candidates before its max-candidates check fires; the
            // generator's index (not the order tasks happen to start in) decides which are beyond the
            // limit, so a restarted sweep trains the same candidates as the first
            CandidateInfo info = new CandidateInfo(candidate.getIndex(), CandidateStatus.Cancelled, null, start, start,
                    start, candidate.getFlatParameters(), "beyond the search's candidate limit");
            return new OptimizationResult(candidate, null, candidate.getIndex(), null, info, null);
        }
        Map<String, Object> record = store.finished(values);
        if (record != null) {
            skipped.incrementAndGet();
            if (!"done".equals(record.get("status"))) failedSkipped.incrementAndGet();
            LOG.info("candidate {} ({}): already {}, skipped", candidate.getIndex(), SweepCandidates.key(values),
                    record.get("status"));
        } else {
            record = train(candidate.getIndex(), values);
            store.write(values, record);
        }
        report(candidate.getIndex(), record);
        boolean ok = "done".equals(record.get("status"));
        Double s = ok ? ((Number) record.get("score")).doubleValue() : null;
        CandidateInfo info = new CandidateInfo(candidate.getIndex(), ok ? CandidateStatus.Complete : CandidateStatus.Failed,
                s, start, start, System.currentTimeMillis(), candidate.getFlatParameters(),
                ok ? null : String.valueOf(record.get("error")));
        OptimizationResult result = new OptimizationResult(candidate, s, candidate.getIndex(), record, info, null);
        result.setResultReference(store.saveModel(result, record));
        return result;
    }

    private Map<String, Object> train(int index, Map<String, Double> values) throws Exception {
        Map<String, Object> record = trainer.train(index, values, store.dir(values).resolve("run"));
        (("done".equals(record.get("status"))) ? trained : failed).incrementAndGet();
        return record;
    }
}
