package org.beatgan.core.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.beatgan.core.io.Json;
import org.beatgan.core.model.BeatGanConfig;
import org.beatgan.core.score.ScoringConfig;
import org.beatgan.core.train.TrainingConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;

/**
 * A declarative experiment (one YAML file in notebooks-config/): model, training, data and
 * scoring settings. A file states only what differs from the defaults; unknown keys are errors so a typo
 * never silently falls back to a default. The {@code distill}, {@code sweep} and {@code experiment}
 * sections are kept as raw trees for the modules that own them.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ExperimentConfig(String name, BeatGanConfig model, TrainingConfig training, DataConfig data,
                               ScoringConfig scoring, JsonNode distill, JsonNode sweep, JsonNode experiment) {

    @JsonCreator
    public ExperimentConfig(@JsonProperty("name") String name, @JsonProperty("model") BeatGanConfig model,
                            @JsonProperty("training") TrainingConfig training, @JsonProperty("data") DataConfig data,
                            @JsonProperty("scoring") ScoringConfig scoring, @JsonProperty("distill") JsonNode distill, @JsonProperty("sweep") JsonNode sweep,
                            @JsonProperty("experiment") JsonNode experiment) {
        this.name = name;
        this.model = model;
        this.training = training;
        this.data = data;
        this.scoring = scoring == null ? ScoringConfig.eval() : scoring;
        this.distill = distill;
        this.sweep = sweep;
        this.experiment = experiment;
    }

    /**
     * The built-in default: a BeatGAN teacher at the paper's width on a seeded subset of the
     * MIT-BIH beats, small enough to finish in minutes on 2 cores.
     */
    public static ExperimentConfig defaults() {
        return new ExperimentConfig("beatgan-teacher", BeatGanConfig.defaults(),
                TrainingConfig.defaults().withEpochs(3),
                new DataConfig(null, "beatgan", 0, 2048, 2048, 0), ScoringConfig.eval(), null, null, null);
    }

    public static ExperimentConfig load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "experiment config not found");
        }
        JsonNode user;
        try {
            user = Json.YAML.readTree(file.toFile());
        } catch (IOException e) {
            throw new IOException(file + ": not valid YAML: " + e.getMessage(), e);
        }
        if (user == null || !user.isObject()) {
            throw new IOException(file + ": expected a YAML mapping with model/training/data sections");
        }
        return merge(user, file.toString());
    }

    /** The same experiment with other training settings. */
    public ExperimentConfig withTraining(TrainingConfig t) {
        return new ExperimentConfig(name, model, t, data, scoring, distill, sweep, experiment);
    }

    /** Applies {@code overrides} (same shape as the YAML) on top of this config. */
    public ExperimentConfig with(JsonNode overrides) throws IOException {
        ObjectNode base = Json.MAPPER.valueToTree(this);
        deepMerge(base, overrides);
        return parse(base, "overrides");
    }

    private static ExperimentConfig merge(JsonNode user, String source) throws IOException {
        ObjectNode base = Json.MAPPER.valueToTree(defaults());
        deepMerge(base, user);
        return parse(base, source);
    }

    private static ExperimentConfig parse(JsonNode tree, String source) throws IOException {
        try {
            return Json.MAPPER.treeToValue(tree, ExperimentConfig.class);
        } catch (com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException e) {
            throw new IOException(source + ": unknown setting '" + e.getPropertyName() + "' (known: "
                    + e.getKnownPropertyIds() + ")", e);
        } catch (com.fasterxml.jackson.databind.exc.ValueInstantiationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IOException(source + ": " + cause.getMessage(), e);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException(source + ": " + e.getOriginalMessage(), e);
        }
    }

    private static void deepMerge(ObjectNode base, JsonNode update) {
        Iterator<Map.Entry<String, JsonNode>> it = update.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode existing = base.get(e.getKey());
            if (existing instanceof ObjectNode obj && e.getValue().isObject()) {
                deepMerge(obj, e.getValue());
            } else {
                base.set(e.getKey(), e.getValue());
            }
        }
    }
}
