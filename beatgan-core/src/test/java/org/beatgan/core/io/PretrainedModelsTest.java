package org.beatgan.core.io;

import com.fasterxml.jackson.databind.JsonNode;
import org.beatgan.core.config.DataConfig;
import org.beatgan.core.data.ExperimentData;
import org.beatgan.core.model.BeatGanConfig;
import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.model.BeatGanGraph.Network;
import org.beatgan.core.score.AnomalyScorer;
import org.beatgan.core.score.BinaryMetrics;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The teacher shipped with the toolkit: it loads by name and its weights give its published numbers. */
class PretrainedModelsTest {

    private static final String TEACHER = "pretrained:beatgan-mitdb-fold0";

    @Test
    void theShippedTeacherIsListedAndLoadsByName() throws IOException {
        List<PretrainedModels.Entry> all = PretrainedModels.list();
        assertTrue(all.stream().anyMatch(e -> e.name().equals("beatgan-mitdb-fold0")), all.toString());
        for (PretrainedModels.Entry e : all) {
            for (String f : PretrainedModels.ModelFiles.ALL) {
                assertTrue(PretrainedModels.file(e.name(), f).length > 0, e.name() + "/" + f);
            }
        }
        BeatGanGraph g = ModelBundle.load(Path.of(TEACHER)).graph();
        assertEquals(BeatGanConfig.of(1, 50, 32, 32), g.config());
        assertEquals(1_908_800, g.parameterCount(Network.G), "the paper's generator");
        assertEquals(703_488, g.parameterCount(Network.D));
        JsonNode metrics = PretrainedModels.find(TEACHER).metrics();
        assertEquals(1_908_800, metrics.path("params").path("G").asLong());
        assertTrue(ModelBundle.exists(Path.of(TEACHER)));
        assertTrue(ModelBundle.size(Path.of(TEACHER)) > 5_000_000);
    }

    /**
     * The shipped check of every shipped model: test AUC and AP of a stratified 1,024-beat subset,
     * recomputed from the weights; the full-split numbers are the training run's; and a normal-beat
     * calibration is there for ./beatgan score.
     */
    @Test
    void theShippedWeightsGiveTheShippedTestNumbers() throws IOException {
        List<PretrainedModels.Entry> all = PretrainedModels.list();
        assertTrue(all.stream().anyMatch(e -> e.name().equals("beatgan-mitdb-fold0-student-w6")),
                "the size study's student is shipped: " + all);
        for (PretrainedModels.Entry e : all) {
            String ref = PretrainedModels.SCHEME + e.name();
            JsonNode check = Json.MAPPER.readTree(PretrainedModels.file(ref, "check.json"));
            DataConfig data = Json.MAPPER.treeToValue(check.path("data"), DataConfig.class);
            assertTrue(data.evalLimit() > 0 && data.evalLimit() <= 2048, "a subset, so the test stays fast");
            ModelBundle.Loaded loaded = ModelBundle.load(Path.of(ref));
            BeatGanGraph g = loaded.graph();
            ExperimentData.Prepared split = ExperimentData.prepare(data, g.config().nc(), 2);
            AnomalyScorer.Scored test = AnomalyScorer.score(g, split.data().test());
            BinaryMetrics m = test.metrics();
            assertEquals(check.path("test").path("beats").asInt(), test.scores().length, ref);
            assertEquals(check.path("test").path("auc").asDouble(), m.auc(), 1e-6, ref);
            assertEquals(check.path("test").path("ap").asDouble(), m.ap(), 1e-6, ref);
            JsonNode evaluation = Json.MAPPER.readTree(PretrainedModels.file(ref, "evaluation.json"));
            assertEquals(PretrainedModels.find(ref).metrics().path("test").path("auc").asDouble(),
                    evaluation.path("test_eval").path("auc").asDouble(), 1e-6, ref);
            var cal = loaded.calibration().orElseThrow(() -> new AssertionError(ref + " has no score calibration"));
            assertTrue(cal.beats() > 5000, ref + ": calibrated on the full validation split's normal beats");
        }
    }

    @Test
    void anUnknownNameListsTheShippedOnes() {
        NoSuchFileException e = assertThrows(NoSuchFileException.class,
                () -> ModelBundle.load(Path.of("pretrained:no-such-model")));
        assertTrue(e.getReason().contains("beatgan-mitdb-fold0"), e.getReason());
        assertFalse(ModelBundle.exists(Path.of("pretrained:no-such-model")));
    }
}
