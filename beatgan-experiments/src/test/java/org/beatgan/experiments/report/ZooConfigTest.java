package org.beatgan.experiments.report;

import com.fasterxml.jackson.databind.JsonNode;
import org.beatgan.core.config.ExperimentConfig;
import org.beatgan.core.io.Json;
import org.beatgan.core.model.BeatGanConfig;
import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.model.BeatGanGraphBuilder;
import org.beatgan.distill.BeatGanDistillation;
import org.beatgan.distill.DistillConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** Every variant of the shipped zoo benchmark builds on a BeatGAN teacher/student pair. */
class ZooConfigTest {

    @Test
    void everyZooVariantJoinsATeacherAndAStudent() throws Exception {
        ExperimentConfig cfg = ExperimentConfig.load(Path.of("..", "notebooks-config", "distill-zoo.yaml"));
        JsonNode tm = cfg.experiment().path("teacher").path("model");
        BeatGanGraph teacher = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 50, tm.path("ngf").asInt(), tm.path("ndf").asInt()), 1);
        List<String> failures = new ArrayList<>();
        Set<String> methods = new HashSet<>();
        for (JsonNode v : cfg.experiment().path("variants")) {
            DistillConfig d = DistillConfig.from(Json.MAPPER.createObjectNode().set("terms", v.path("terms")));
            d.terms().forEach(t -> methods.add(t.loss()));
            BeatGanGraph student = BeatGanGraphBuilder.build(cfg.model(), 2);
            try {
                if (!d.terms().isEmpty()) {
                    new BeatGanDistillation(teacher, student, d.terms(), cfg.data().trainLimit(), 0);
                }
            } catch (RuntimeException e) {
                failures.add(v.path("name").asText() + ": " + e.getMessage());
            }
        }
        assertEquals(List.of(), failures);
        assertTrue(methods.size() >= 20, "the zoo benchmark covers " + methods);
    }

    @Test
    void everyShippedDistillConfigJoinsATeacherAndAStudent() throws Exception {
        List<String> checked = new ArrayList<>();
        try (var files = java.nio.file.Files.list(Path.of("..", "notebooks-config"))) {
            for (Path f : files.filter(p -> p.getFileName().toString().startsWith("distill-")).sorted().toList()) {
                ExperimentConfig cfg = ExperimentConfig.load(f);
                DistillConfig d = DistillConfig.from(cfg.distill());
                if (d.terms().isEmpty()) continue;
                BeatGanGraph teacher = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 50, 32, 32), 1);
                new BeatGanDistillation(teacher, BeatGanGraphBuilder.build(cfg.model(), 2), d.terms(),
                        cfg.data().trainLimit(), 0);
                checked.add(f.getFileName().toString());
            }
        }
        assertTrue(checked.contains("distill-crd.yaml"), "checked " + checked);
    }
}
