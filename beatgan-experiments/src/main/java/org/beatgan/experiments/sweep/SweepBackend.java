package org.beatgan.experiments.sweep;

import org.beatgan.core.config.ExperimentConfig;
import org.deeplearning4j.arbiter.optimize.api.TaskCreator;
import org.deeplearning4j.arbiter.optimize.config.OptimizationConfiguration;
import org.deeplearning4j.arbiter.optimize.runner.IOptimizationRunner;

import java.nio.file.Path;
import java.util.ServiceLoader;

/**
 * Another place for a sweep's candidates to run than this process: the generator, termination
 * conditions, results folder, resume and report stay the local sweep's, and the backend gives the
 * Arbiter runner and where each candidate trains. Found with {@link ServiceLoader}, so the module
 * that brings a backend's libraries (beatgan-experiments/spark: Apache Spark) stays off the
 * default class path.
 */
public interface SweepBackend extends AutoCloseable {

    /** The name {@code --spark} and the logs use. */
    String name();

    /** Where each candidate of this sweep trains. */
    CandidateTrainer trainer(ExperimentConfig cfg, Path teacher, Path out);

    /** The Arbiter runner for these tasks (candidates it cannot end are not recorded). */
    IOptimizationRunner runner(OptimizationConfiguration conf, TaskCreator tasks);

    /** Candidates this backend trains at once. */
    int slots();

    @Override
    void close();

    /** The backend for {@code master} (e.g. {@code local[2]}, {@code yarn}, or "" for spark-submit's). */
    interface Factory {
        String name();

        SweepBackend open(String master, String appName);
    }

    static Factory find(String name) {
        for (Factory f : ServiceLoader.load(Factory.class)) {
            if (f.name().equals(name)) return f;
        }
        throw new IllegalStateException("no '" + name + "' sweep backend on the class path: Spark sweeps run "
                + "through ./beatgan sweep --spark (which adds beatgan-experiments/spark's libraries) or "
                + "spark-submit of its shaded jar (README, \"Sweeps on Spark\")");
    }
}
