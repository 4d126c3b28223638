package org.beatgan.experiments.sweep;

import org.deeplearning4j.arbiter.optimize.api.Candidate;
import org.deeplearning4j.arbiter.optimize.api.OptimizationResult;
import org.deeplearning4j.arbiter.optimize.api.TaskCreator;
import org.deeplearning4j.arbiter.optimize.api.data.DataProvider;
import org.deeplearning4j.arbiter.optimize.api.data.DataSource;
import org.deeplearning4j.arbiter.optimize.api.score.ScoreFunction;
import org.deeplearning4j.arbiter.optimize.runner.IOptimizationRunner;
import org.deeplearning4j.arbiter.optimize.runner.listener.StatusListener;

import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;

/**
 * Arbiter's {@link TaskCreator} for searches whose candidates train from the project's own data: both
 * of Arbiter's ways of passing data (a provider, a data-source class) are ignored, and every candidate
 * runs through {@link #run(Candidate)}. The BeatGAN sweep and the generic {@link ArbiterSearch} share it.
 */
abstract class CandidateTasks implements TaskCreator {

    /** Trains and scores one candidate. */
    protected abstract OptimizationResult run(Candidate candidate) throws Exception;

    @Override
    public final Callable<OptimizationResult> create(Candidate candidate, DataProvider dataProvider,
                                                     ScoreFunction scoreFunction, List<StatusListener> statusListeners,
                                                     IOptimizationRunner runner) {
        return () -> run(candidate);
    }

    @Override
    public final Callable<OptimizationResult> create(Candidate candidate, Class<? extends DataSource> dataSource,
                                                     Properties dataSourceProperties, ScoreFunction scoreFunction,
                                                     List<StatusListener> statusListeners, IOptimizationRunner runner) {
        return () -> run(candidate);
    }
}
