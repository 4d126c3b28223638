package org.beatgan.experiments.sweep;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where a sweep's candidates train: in the sweep's own process (the default) or elsewhere (a Spark
 * task). Gives the candidate's record ({@link CandidateTraining#train}); throws only when the
 * candidate did not end (cancelled, its executor lost for good), so that nothing is recorded and a
 * restarted sweep trains it again from its checkpoint.
 */
@FunctionalInterface
public interface CandidateTrainer {

    Map<String, Object> train(int index, Map<String, Double> values, Path dir) throws Exception;
}
