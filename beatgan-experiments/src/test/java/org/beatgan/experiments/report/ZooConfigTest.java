package org.beatgan.experiments.report;

import com.fasterxml.jackson.databind.JsonNode;
import org.beatgan.core.config.ExperimentConfig;
import org.beatgan.core.io.Json;
import org.beatgan.core.model.BeatGanConfig;
import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.model.BeatGanGraphBuilder;
import org.beatgan.distill.Distiller;
import org.beatgan.distill.DistillConfig;
import org.beatgan.distill.DistillationLosses;
import org.beatgan.distill.MutualTerm;
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
        for (ComparisonExperiment.Variant v : ComparisonExperiment.Variant.parse(cfg.experiment(), List.of(0L))) {
            DistillConfig d = v.distill();
            d.terms().forEach(t -> methods.add(t.loss()));
            try {
                build(teacher, cfg, d);
                if (d.mutual() != null) methods.add("dml");
            } catch (RuntimeException e) {
                failures.add(v.name() + ": " + e.getMessage());
            }
        }
        assertEquals(List.of(), failures);
        // every method of the zoo runs on BeatGAN, directly or through its BeatGAN form
        java.util.Map<String, String> forms = java.util.Map.of("sobolev", "sobolev_fd", "lwm", "lwm_fd", "bss", "bss_score");
        List<String> missing = DistillationLosses.ZOO.stream().filter(m -> !methods.contains(forms.getOrDefault(m, m)))
                .sorted().toList();
        assertEquals(List.of(), missing, "zoo methods without a variant in distill-zoo.yaml");
    }

    @Test
    void everyShippedDistillConfigJoinsATeacherAndAStudent() throws Exception {
        List<String> checked = new ArrayList<>();
        try (var files = java.nio.file.Files.list(Path.of("..", "notebooks-config"))) {
            for (Path f : files.filter(p -> p.getFileName().toString().startsWith("distill-")).sorted().toList()) {
                ExperimentConfig cfg = ExperimentConfig.load(f);
                DistillConfig d = DistillConfig.from(cfg.distill());
                if (d.terms().isEmpty() && d.mutual() == null) continue;
                build(BeatGanGraphBuilder.build(BeatGanConfig.of(1, 50, 32, 32), 1), cfg, d);
                checked.add(f.getFileName().toString());
            }
        }
        assertTrue(checked.containsAll(List.of("distill-crd.yaml", "distill-dml.yaml")), "checked " + checked);
        // experiment configs (variants) join too
        for (String f : List.of("distill-bss-score.yaml", "student-size-study.yaml")) {
            ExperimentConfig cfg = ExperimentConfig.load(Path.of("..", "notebooks-config", f));
            for (ComparisonExperiment.Variant v : ComparisonExperiment.Variant.parse(cfg.experiment(), List.of(0L))) {
                // each variant with its own student (width) settings
                build(BeatGanGraphBuilder.build(BeatGanConfig.of(1, 50, 32, 32), 1), cfg.with(v.settings()), v.distill());
                checked.add(f + " " + v.name());
            }
        }
        assertTrue(checked.contains("student-size-study.yaml w2/KD+AT"), "checked " + checked);
    }

    /** Joins the config's terms to a student (or, for mutual learning, two peers to each other). */
    private static void build(BeatGanGraph teacher, ExperimentConfig cfg, DistillConfig d) {
        if (d.mutual() != null) {
            BeatGanGraph a = BeatGanGraphBuilder.build(cfg.model(), 2), b = BeatGanGraphBuilder.build(cfg.model(), 3);
            new MutualTerm(a, java.util.Map.of("peer-2", b), d.mutual());
            new MutualTerm(b, java.util.Map.of("peer-1", a), d.mutual());
        } else if (!d.terms().isEmpty()) {
            new Distiller(teacher, BeatGanGraphBuilder.build(cfg.model(), 2), d.terms(),
                    cfg.data().trainLimit(), 0);
        }
    }
}
