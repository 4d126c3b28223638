package org.beatgan.experiments.classifier;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import org.beatgan.core.io.Json;
import org.beatgan.core.train.classifier.ClassifierTrainingConfig;
import org.beatgan.distill.DistillConfig;
import org.beatgan.distill.DistillTermSpec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A classifier distillation experiment (notebooks-config/kd-tutorial-*.yaml): the image data, the
 * teacher and student architectures, the training settings, the seeds and the runs, each a model
 * (teacher or student), a task-loss weight and distillation terms (taps, losses, weights as in
 * every other config). Unknown keys are errors.
 */
public record ClassifierExperimentConfig(String name, ImageData data, Models models, ClassifierTrainingConfig training,
                                         List<Long> seeds, List<Run> runs, Search search) {

    /** The top-level key that marks a classifier experiment (BeatGAN configs have {@code model}). */
    public static final String MARKER = "models";

    /**
     * @param dataset       {@code fashion-mnist} or {@code cifar10}
     * @param dir           the dataset's folder (Fashion-MNIST: the shared data by default; CIFAR-10: required)
     * @param trainLimit    training images, stratified by class (0: all)
     * @param validation    images held out of the training set for model selection, stratified
     * @param testLimit     test images (0: all)
     * @param normalization {@code tutorial} (the tutorial's CIFAR-10 constants) or {@code dataset}
     *                      (per-channel mean and std of the training images); by default the tutorial's
     *                      for 3 channels, the dataset's otherwise
     */
    public record ImageData(String dataset, String dir, int trainLimit, int validation, int testLimit,
                            String normalization, long seed) {
        @JsonCreator
        public ImageData(@JsonProperty("dataset") String dataset, @JsonProperty("dir") String dir,
                         @JsonProperty("trainLimit") Integer trainLimit, @JsonProperty("validation") Integer validation,
                         @JsonProperty("testLimit") Integer testLimit, @JsonProperty("normalization") String normalization,
                         @JsonProperty("seed") Long seed) {
            this(dataset == null ? "fashion-mnist" : dataset, dir, trainLimit == null ? 0 : trainLimit,
                    validation == null ? 2000 : validation, testLimit == null ? 0 : testLimit, normalization,
                    seed == null ? 0 : seed);
        }

        public ImageData {
            if (!List.of("fashion-mnist", "cifar10").contains(dataset)) {
                throw new IllegalArgumentException("data.dataset = '" + dataset + "', expected fashion-mnist or cifar10");
            }
            if (trainLimit < 0 || validation < 1 || testLimit < 0) {
                throw new IllegalArgumentException("data: trainLimit and testLimit must be >= 0 (0: all) and validation"
                        + " >= 1; got " + trainLimit + ", " + testLimit + ", " + validation);
            }
            if (normalization != null && !List.of("tutorial", "dataset").contains(normalization)) {
                throw new IllegalArgumentException("data.normalization = '" + normalization
                        + "', expected tutorial or dataset");
            }
        }
    }

    /** The architectures: {@code deepNN} or {@code lightNN} (the tutorial's), for teacher and student. */
    public record Models(String teacher, String student) {
        @JsonCreator
        public Models(@JsonProperty("teacher") String teacher, @JsonProperty("student") String student) {
            this.teacher = teacher == null ? "deepNN" : teacher;
            this.student = student == null ? "lightNN" : student;
        }
    }

    /** One run: its name, which model trains, its task-loss weight, its distillation terms. */
    public record Run(String name, String model, double taskWeight, List<DistillTermSpec> terms) {
        @JsonCreator
        public Run(@JsonProperty("name") String name, @JsonProperty("model") String model,
                   @JsonProperty("taskWeight") Double taskWeight, @JsonProperty("terms") JsonNode terms) {
            this(name, model, taskWeight == null ? 1.0 : taskWeight, parseTerms(name, terms));
        }

        public Run {
            if (name == null || name.isBlank()) throw new IllegalArgumentException("runs: every run needs a name");
            if (!List.of("teacher", "student").contains(model)) {
                throw new IllegalArgumentException("run '" + name + "': model = '" + model + "', expected teacher or student");
            }
            if (model.equals("teacher") && !terms.isEmpty()) {
                throw new IllegalArgumentException("run '" + name + "': the teacher trains alone (no terms)");
            }
        }

        private static List<DistillTermSpec> parseTerms(String name, JsonNode terms) {
            if (terms == null || terms.isNull()) return List.of();
            com.fasterxml.jackson.databind.node.ObjectNode d = Json.MAPPER.createObjectNode();
            d.set("terms", terms);
            List<DistillTermSpec> specs = DistillConfig.from(d).terms();
            // every term's loss and parameters are checked now, before anything trains (e.g. T <= 0)
            for (DistillTermSpec t : specs) {
                try {
                    org.beatgan.distill.DistillationLosses.create(t.loss(), t.params());
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("run '" + name + "', term '" + t.name() + "': " + e.getMessage(), e);
                }
            }
            return specs;
        }

        public boolean distilled() {
            return !terms.isEmpty();
        }
    }

    /**
     * An Arbiter search over a run's distillation hyperparameters: {@code T} (every term of the run
     * that takes a temperature), {@code alpha} (the weight of term {@code term}, by default the run's
     * first) and {@code lr}, with the sweep's ranges and checks; each candidate trains the run's student for
     * {@code epochs} on the search's seed and is scored by validation accuracy. The best candidate
     * then trains as run {@code <run>+search} for every seed.
     */
    public record Search(String run, String term, String generator, int candidates, int gridPoints, long seed, int epochs,
                         Map<String, JsonNode> parameters) {
        @JsonCreator
        public Search(@JsonProperty("run") String run, @JsonProperty("term") String term,
                      @JsonProperty("generator") String generator, @JsonProperty("candidates") Integer candidates,
                      @JsonProperty("gridPoints") Integer gridPoints, @JsonProperty("seed") Long seed,
                      @JsonProperty("epochs") Integer epochs, @JsonProperty("parameters") Map<String, JsonNode> parameters) {
            this(run, term, generator == null ? "random" : generator, candidates == null ? 6 : candidates,
                    gridPoints == null ? 3 : gridPoints, seed == null ? 0 : seed, epochs == null ? 2 : epochs,
                    parameters == null ? Map.of() : parameters);
        }

        public Search {
            if (!List.of("random", "grid").contains(generator)) {
                throw new IllegalArgumentException("search.generator = '" + generator + "', expected random or grid");
            }
            if (candidates < 1 || gridPoints < 1 || epochs < 1) {
                throw new IllegalArgumentException("search: candidates, gridPoints and epochs must be >= 1");
            }
            if (parameters.isEmpty()) throw new IllegalArgumentException("search.parameters: nothing to search");
            for (String k : parameters.keySet()) {
                if (!List.of("T", "alpha", "lr").contains(k)) {
                    throw new IllegalArgumentException("search.parameters: unknown parameter '" + k
                            + "' (known: T, alpha, lr)");
                }
            }
        }
    }

    public ClassifierExperimentConfig {
        if (name == null) name = "classifier-distillation";
        if (data == null) data = new ImageData(null, null, null, null, null, null, null);
        if (models == null) models = new Models(null, null);
        if (training == null) training = ClassifierTrainingConfig.defaults();
        if (seeds == null || seeds.isEmpty()) seeds = List.of(0L);
        if (runs == null || runs.isEmpty()) throw new IllegalArgumentException("runs: at least one run is needed");
        List<String> names = new ArrayList<>();
        for (Run r : runs) {
            if (names.contains(r.name())) throw new IllegalArgumentException("runs: name '" + r.name() + "' used twice");
            names.add(r.name());
        }
        if (runs.stream().anyMatch(Run::distilled) && runs.stream().noneMatch(r -> r.model().equals("teacher"))) {
            throw new IllegalArgumentException("runs: distilled runs need a run of the teacher (model: teacher)");
        }
        if (search != null) {
            Run base = runs.stream().filter(r -> r.name().equals(search.run())).findFirst().orElseThrow(() ->
                    new IllegalArgumentException("search.run = '" + search.run() + "' names no run (runs: " + names + ")"));
            if (!base.distilled()) {
                throw new IllegalArgumentException("search.run = '" + search.run() + "': the searched run needs terms");
            }
            if (search.term() != null && base.terms().stream().noneMatch(t -> t.name().equals(search.term()))) {
                throw new IllegalArgumentException("search.term = '" + search.term() + "' is no term of run " + base.name());
            }
        }
    }

    @JsonCreator
    static ClassifierExperimentConfig create(@JsonProperty("name") String name, @JsonProperty("data") ImageData data,
                                             @JsonProperty("models") Models models,
                                             @JsonProperty("training") ClassifierTrainingConfig training,
                                             @JsonProperty("seeds") List<Long> seeds, @JsonProperty("runs") List<Run> runs,
                                             @JsonProperty("search") Search search) {
        return new ClassifierExperimentConfig(name, data, models, training, seeds, runs, search);
    }

    /** Whether a YAML config is a classifier experiment (it states {@code models: {teacher, student}}). */
    public static boolean isClassifierExperiment(Path file) throws IOException {
        return ConfigFiles.hasTopLevelKey(file, MARKER);
    }

    public static ClassifierExperimentConfig load(Path file) throws IOException {
        return ConfigFiles.load(file, ClassifierExperimentConfig.class);
    }
}
