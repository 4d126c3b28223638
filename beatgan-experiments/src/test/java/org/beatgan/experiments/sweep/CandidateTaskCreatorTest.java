package org.beatgan.experiments.sweep;

import org.deeplearning4j.arbiter.optimize.api.Candidate;
import org.deeplearning4j.arbiter.optimize.api.OptimizationResult;
import org.deeplearning4j.arbiter.optimize.runner.CandidateStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class CandidateTaskCreatorTest {

    private static Candidate candidate(int index) {
        Map<String, Double> values = new LinkedHashMap<>();
        values.put("beta", 10.0 * (index + 1));
        return new Candidate(values, index, new double[]{index / 10.0});
    }

    @Test
    void theGeneratorsIndexNotTheStartOrderDecidesWhichCandidatesAreBeyondTheLimit(@TempDir Path out) throws Exception {
        List<Integer> trainedIndices = new ArrayList<>();
        CandidateTrainer trainer = (index, values, dir) -> {
            synchronized (trainedIndices) {
                trainedIndices.add(index);
            }
            return CandidateTraining.record(index, values, () -> Map.of("score", (double) index));
        };
        CandidateTaskCreator tasks = new CandidateTaskCreator(trainer, new CandidateStore(out), p -> { }, 3, false);
        // parallel tasks queued past the limit may start before the last admitted one
        OptimizationResult late = tasks.create(candidate(3), null, null, List.of(), null).call();
        assertEquals(CandidateStatus.Cancelled, late.getCandidateInfo().getCandidateStatus(), "index 3 of 3 is beyond");
        for (int i = 2; i >= 0; i--) {
            OptimizationResult r = tasks.create(candidate(i), null, null, List.of(), null).call();
            assertEquals(CandidateStatus.Complete, r.getCandidateInfo().getCandidateStatus(), "candidate " + i);
            assertEquals(i, r.getScore(), 0.0);
        }
        assertEquals(List.of(2, 1, 0), trainedIndices);
        assertEquals(3, tasks.trained.get());
        // a restart skips all three from their records and trains nothing
        CandidateTaskCreator again = new CandidateTaskCreator(trainer, new CandidateStore(out), p -> { }, 3, false);
        for (int i = 0; i < 4; i++) again.create(candidate(i), null, null, List.of(), null).call();
        assertEquals(3, again.skipped.get());
        assertEquals(0, again.trained.get());
        assertEquals(3, trainedIndices.size());
    }
}
