package org.beatgan.experiments.sweep;

import org.deeplearning4j.arbiter.optimize.api.CandidateGenerator;
import org.deeplearning4j.arbiter.optimize.api.data.DataProvider;
import org.deeplearning4j.arbiter.optimize.api.score.ScoreFunction;
import org.deeplearning4j.arbiter.optimize.api.termination.MaxCandidatesCondition;
import org.deeplearning4j.arbiter.optimize.config.OptimizationConfiguration;
import org.deeplearning4j.arbiter.optimize.generator.GridSearchCandidateGenerator;
import org.deeplearning4j.arbiter.optimize.generator.RandomSearchGenerator;
import org.deeplearning4j.arbiter.optimize.runner.LocalOptimizationRunner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An Arbiter search over named numeric parameters whose candidates a callback trains and scores
 * (maximised), for experiments other than BeatGAN distillation (the CRD experiment's student
 * search). The same machinery as {@code ./beatgan sweep}: Arbiter's grid or random generator and
 * LocalOptimizationRunner, every candidate recorded in {@code candidates/<id>/result.json} the
 * moment it ends, finished candidates skipped on restart, a failing candidate recorded and the
 * search going on.
 */
public final class ArbiterSearch {

    private static final Logger LOG = LoggerFactory.getLogger(ArbiterSearch.class);

    /** Trains one candidate into {@code dir}; returns its record, which must hold a numeric "score". */
    @FunctionalInterface
    public interface Trial {
        Map<String, Object> run(Map<String, Double> values, Path dir) throws Exception;
    }

    private ArbiterSearch() {
    }

    /**
     * @param params    the searched parameters (values, or ranges with log)
     * @param generator {@code grid} or {@code random}
     * @return every candidate's record, best first (failed ones last)
     */
    public static List<Map<String, Object>> run(Path out, List<SweepParameter> params, String generator, int gridPoints,
                                                int candidates, long seed, Trial trial) throws IOException {
        CandidateStore store = new CandidateStore(out);
        DistillSearchSpace space = new DistillSearchSpace(params);
        CandidateGenerator gen = generator.equals("grid")
                ? new GridSearchCandidateGenerator(space, gridPoints, GridSearchCandidateGenerator.Mode.Sequential, null)
                : new RandomSearchGenerator(space, null);
        gen.setRngSeed(seed);
        ScoreFunction score = new SweepScore("selection");
        OptimizationConfiguration conf = new OptimizationConfiguration.Builder()
                .candidateGenerator(gen)
                .dataProvider(new NoData())
                .modelSaver(store)
                .scoreFunction(score)
                .terminationConditions(new MaxCandidatesCondition(candidates))
                .rngSeed(seed)
                .build();
        CandidateTrainer trainer = (index, values, dir) -> CandidateTraining.record(index, values, () -> {
            LOG.info("candidate {} ({}): training", index, SweepCandidates.key(values));
            return trial.run(values, dir);
        });
        LocalOptimizationRunner runner = new LocalOptimizationRunner(1, conf,
                new CandidateTaskCreator(trainer, store, progress -> { }, candidates, false));
        runner.execute();
        List<Map<String, Object>> all = new java.util.ArrayList<>(store.all());
        all.sort(Comparator.comparingDouble((Map<String, Object> r) -> r.get("score") instanceof Number n
                ? -n.doubleValue() : Double.POSITIVE_INFINITY));
        return all;
    }

    /** The search's summary in its folder: the best candidate and every candidate's record. */
    public static final String SUMMARY = "search.json";

    /**
     * Writes {@link #SUMMARY} for the records {@link #run} returned and gives the best finished
     * candidate; fails, naming the folder, when every candidate failed.
     */
    public static Map<String, Object> summarise(Path out, List<Map<String, Object>> all) throws IOException {
        Map<String, Object> best = all.stream().filter(r -> "done".equals(r.get("status"))).findFirst()
                .orElseThrow(() -> new IllegalStateException("every search candidate failed; see " + out));
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("best", best);
        summary.put("candidates", all);
        org.beatgan.core.io.AtomicFiles.write(out.resolve(SUMMARY), o -> org.beatgan.core.io.Json.MAPPER.writeValue(o, summary));
        return best;
    }

    /** The best candidate of a search summarised in {@code out}, or null when there is none (yet). */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> finishedBest(Path out) throws IOException {
        Path f = out.resolve(SUMMARY);
        if (!java.nio.file.Files.exists(f)) return null;
        return (Map<String, Object>) org.beatgan.core.io.Json.MAPPER.readValue(f.toFile(), Map.class).get("best");
    }

    private static final class NoData implements DataProvider {
        @Override
        public Object trainData(Map<String, Object> dataParameters) {
            return null;
        }

        @Override
        public Object testData(Map<String, Object> dataParameters) {
            return null;
        }

        @Override
        public Class<?> getDataType() {
            return Object.class;
        }
    }
}
