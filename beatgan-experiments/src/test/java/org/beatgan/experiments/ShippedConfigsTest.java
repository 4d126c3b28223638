package org.beatgan.experiments;

import org.beatgan.core.config.ExperimentConfig;
import org.beatgan.experiments.classifier.ClassifierExperimentConfig;
import org.beatgan.experiments.classifier.PrivilegedConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Every config in notebooks-config/ parses as the experiment the `experiment` command would run it as. */
class ShippedConfigsTest {

    @Test
    void everyShippedConfigParsesAsItsExperiment() throws Exception {
        List<String> families = new ArrayList<>();
        try (var files = Files.list(Path.of("..", "notebooks-config"))) {
            for (Path p : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                if (PrivilegedConfig.isPrivilegedExperiment(p)) {
                    assertNotNull(PrivilegedConfig.load(p).name(), p.toString());
                    families.add("privileged");
                } else if (ClassifierExperimentConfig.isClassifierExperiment(p)) {
                    assertNotNull(ClassifierExperimentConfig.load(p).name(), p.toString());
                    families.add("classifier");
                } else {
                    assertNotNull(ExperimentConfig.load(p).name(), p.toString());
                    families.add("beatgan");
                }
            }
        }
        assertTrue(families.contains("privileged") && families.contains("classifier") && families.contains("beatgan"),
                families.toString());
    }
}
