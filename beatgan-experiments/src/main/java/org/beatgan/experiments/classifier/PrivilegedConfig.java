package org.beatgan.experiments.classifier;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import org.beatgan.core.train.classifier.ClassifierTrainingConfig;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The CRD experiment with privileged features (notebooks-config/crd-privileged*.yaml): the
 * inter-patient MIT-BIH split, the teacher's and student's MLP hidden sizes, the training
 * settings, the seeds, the runs (as in the tutorial's configs: a model, a task weight, terms) and
 * the student search. Unknown keys are errors; invalid values fail before anything trains.
 */
public record PrivilegedConfig(String name, Privileged privileged, Mlp teacher, Mlp student,
                               ClassifierTrainingConfig training, List<Long> seeds,
                               List<ClassifierExperimentConfig.Run> runs, Search search) {

    /** The top-level key that marks this experiment. */
    public static final String MARKER = "privileged";

    /**
     * @param validation fraction of the DS1 beats held out for validation, stratified by label
     * @param trainLimit training beats kept (stratified; 0: all)
     * @param testLimit  DS2 test beats kept (stratified; 0: all)
     */
    public record Privileged(String mitdb, double validation, int trainLimit, int testLimit, long seed) {
        @JsonCreator
        public Privileged(@JsonProperty("mitdb") String mitdb, @JsonProperty("validation") Double validation,
                          @JsonProperty("trainLimit") Integer trainLimit, @JsonProperty("testLimit") Integer testLimit,
                          @JsonProperty("seed") Long seed) {
            this(mitdb, validation == null ? 0.1 : validation, trainLimit == null ? 0 : trainLimit,
                    testLimit == null ? 0 : testLimit, seed == null ? 0 : seed);
        }

        public Privileged {
            if (!(validation > 0 && validation < 1)) {
                throw new IllegalArgumentException("privileged.validation = " + validation + ", expected a fraction in (0, 1)");
            }
            if (trainLimit < 0 || testLimit < 0) {
                throw new IllegalArgumentException("privileged: trainLimit and testLimit must be >= 0 (0: all)");
            }
        }
    }

    public record Mlp(List<Integer> hidden) {
        @JsonCreator
        public Mlp(@JsonProperty("hidden") List<Integer> hidden) {
            if (hidden == null || hidden.isEmpty() || hidden.stream().anyMatch(h -> h == null || h < 1)) {
                throw new IllegalArgumentException("hidden sizes " + hidden + ": expected a non-empty list of sizes >= 1");
            }
            this.hidden = List.copyOf(hidden);
        }
    }

    /**
     * The student search: an Arbiter search over {@code lr}, {@code minLr}, {@code reg} (Adam's
     * weight decay) and {@code hidden} (the student's hidden sizes, a list of choices), training the
     * student of run {@code run} for {@code epochs} and scoring it by validation F1.
     */
    public record Search(String run, String generator, int candidates, int gridPoints, long seed, int epochs,
                         Map<String, JsonNode> parameters) {
        @JsonCreator
        public Search(@JsonProperty("run") String run, @JsonProperty("generator") String generator,
                      @JsonProperty("candidates") Integer candidates, @JsonProperty("gridPoints") Integer gridPoints,
                      @JsonProperty("seed") Long seed, @JsonProperty("epochs") Integer epochs,
                      @JsonProperty("parameters") Map<String, JsonNode> parameters) {
            this(run, generator == null ? "random" : generator, candidates == null ? 8 : candidates,
                    gridPoints == null ? 3 : gridPoints, seed == null ? 0 : seed, epochs == null ? 5 : epochs,
                    parameters == null ? Map.of() : parameters);
        }

        public Search {
            if (!List.of("random", "grid").contains(generator)) {
                throw new IllegalArgumentException("search.generator = '" + generator + "', expected random or grid");
            }
            if (candidates < 1 || gridPoints < 1 || epochs < 1) {
                throw new IllegalArgumentException("search: candidates, gridPoints and epochs must be >= 1");
            }
            for (String k : parameters.keySet()) {
                if (!List.of("lr", "minLr", "reg", "hidden").contains(k)) {
                    throw new IllegalArgumentException("search.parameters: unknown parameter '" + k
                            + "' (known: lr, minLr, reg, hidden)");
                }
            }
        }
    }

    public PrivilegedConfig {
        if (name == null) name = "crd-privileged";
        if (privileged == null) privileged = new Privileged(null, null, null, null, null);
        if (teacher == null) teacher = new Mlp(List.of(256, 1024, 256));
        if (student == null) throw new IllegalArgumentException("student.hidden: the student's hidden sizes are needed");
        if (training == null) training = ClassifierTrainingConfig.defaults();
        if (seeds == null || seeds.isEmpty()) seeds = List.of(0L);
        if (runs == null || runs.isEmpty()) throw new IllegalArgumentException("runs: at least one run is needed");
        List<String> names = new ArrayList<>();
        for (ClassifierExperimentConfig.Run r : runs) {
            if (names.contains(r.name())) throw new IllegalArgumentException("runs: name '" + r.name() + "' used twice");
            names.add(r.name());
        }
        if (search != null && runs.stream().noneMatch(r -> r.name().equals(search.run()))) {
            throw new IllegalArgumentException("search.run = '" + search.run() + "' names no run (runs: " + names + ")");
        }
        if (training.schedule().minLr() > training.lr()) {
            throw new IllegalArgumentException("training.schedule.minLr = " + training.schedule().minLr()
                    + " > lr = " + training.lr());
        }
    }

    public static boolean isPrivilegedExperiment(Path file) throws IOException {
        return ConfigFiles.hasTopLevelKey(file, MARKER);
    }

    public static PrivilegedConfig load(Path file) throws IOException {
        return ConfigFiles.load(file, PrivilegedConfig.class);
    }

    /** The quick variant (minutes): 6,000 training and 6,000 test beats, 3 epochs, one seed, 2 search candidates. */
    public PrivilegedConfig quick() {
        Privileged p = new Privileged(privileged.mitdb(), privileged.validation(), 6000, 6000, privileged.seed());
        Search s = search == null ? null : new Search(search.run(), search.generator(), 2, search.gridPoints(),
                search.seed(), 1, search.parameters());
        return new PrivilegedConfig(name + "-quick", p, teacher, student, training.withEpochs(Math.min(3, training.epochs())),
                List.of(seeds.get(0)), runs, s);
    }
}
