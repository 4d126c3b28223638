package org.beatgan.spark;

import org.deeplearning4j.arbiter.optimize.api.Candidate;
import org.deeplearning4j.arbiter.optimize.api.OptimizationResult;
import org.deeplearning4j.arbiter.optimize.api.TaskCreator;
import org.deeplearning4j.arbiter.optimize.api.data.DataProvider;
import org.deeplearning4j.arbiter.optimize.api.data.DataSource;
import org.deeplearning4j.arbiter.optimize.api.score.ScoreFunction;
import org.deeplearning4j.arbiter.optimize.api.termination.MaxTimeCondition;
import org.deeplearning4j.arbiter.optimize.config.OptimizationConfiguration;
import org.deeplearning4j.arbiter.optimize.runner.BaseOptimizationRunner;
import org.nd4j.shade.guava.util.concurrent.ListenableFuture;
import org.nd4j.shade.guava.util.concurrent.ListeningExecutorService;
import org.nd4j.shade.guava.util.concurrent.MoreExecutors;

import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Arbiter's runner for candidates that train as Spark jobs: Arbiter keeps generating, terminating
 * and collecting results as with its local runner; each candidate's task (the sweep's own: skip a
 * finished one, write {@code result.json}, report progress) waits on one driver thread for its
 * Spark job, with as many at once as the cluster has task slots. Reaching the sweep's time limit
 * cancels the candidates still running.
 */
final class SparkOptimizationRunner extends BaseOptimizationRunner {

    private final TaskCreator tasks;
    private final SparkSweepBackend backend;
    private final int slots;
    private final ListeningExecutorService waiters;

    SparkOptimizationRunner(OptimizationConfiguration conf, TaskCreator tasks, SparkSweepBackend backend) {
        super(conf);
        this.tasks = tasks;
        this.backend = backend;
        this.slots = backend.slots();
        this.waiters = MoreExecutors.listeningDecorator(Executors.newFixedThreadPool(slots, r -> {
            Thread t = new Thread(r, "spark-candidate");
            t.setDaemon(true);
            return t;
        }));
        init();
    }

    @Override
    protected int maxConcurrentTasks() {
        return slots;
    }

    @Override
    protected ListenableFuture<OptimizationResult> execute(Candidate candidate, DataProvider dataProvider,
                                                           ScoreFunction scoreFunction) {
        return waiters.submit(tasks.create(candidate, dataProvider, scoreFunction, statusListeners, this));
    }

    @Override
    protected List<ListenableFuture<OptimizationResult>> execute(List<Candidate> candidates, DataProvider dataProvider,
                                                                 ScoreFunction scoreFunction) {
        List<ListenableFuture<OptimizationResult>> out = new ArrayList<>();
        for (Candidate c : candidates) out.add(execute(c, dataProvider, scoreFunction));
        return out;
    }

    @Override
    protected ListenableFuture<OptimizationResult> execute(Candidate candidate, Class<? extends DataSource> dataSource,
                                                           Properties dataSourceProperties, ScoreFunction scoreFunction) {
        return waiters.submit(tasks.create(candidate, dataSource, dataSourceProperties, scoreFunction, statusListeners, this));
    }

    @Override
    protected List<ListenableFuture<OptimizationResult>> execute(List<Candidate> candidates,
                                                                 Class<? extends DataSource> dataSource,
                                                                 Properties dataSourceProperties, ScoreFunction scoreFunction) {
        List<ListenableFuture<OptimizationResult>> out = new ArrayList<>();
        for (Candidate c : candidates) out.add(execute(c, dataSource, dataSourceProperties, scoreFunction));
        return out;
    }

    @Override
    public void shutdown(boolean awaitCompletion) {
        // Arbiter shuts down once a termination condition holds. At the candidate limit (which
        // Arbiter may reach while candidates still train: its placeholders for candidates beyond the
        // limit count as completed) the running ones are waited for, as the local runner does, but
        // the sweep's time limit still applies to them: past it they are cancelled (not recorded,
        // a restart resumes them from their checkpoints).
        waiters.shutdown();
        try {
            if (!awaitCompletion || outOfTime()) backend.cancelAll();
            while (!waiters.awaitTermination(1, TimeUnit.SECONDS)) {
                if (outOfTime()) backend.cancelAll();
            }
        } catch (InterruptedException e) {
            backend.cancelAll();
            waiters.shutdownNow();
            Thread.currentThread().interrupt();
        }
        futureListenerExecutor.shutdown(); // Arbiter's, one per runner; queued listeners still run
    }

    private boolean outOfTime() {
        return config.getTerminationConditions().stream()
                .anyMatch(c -> c instanceof MaxTimeCondition && c.terminate(this));
    }
}
