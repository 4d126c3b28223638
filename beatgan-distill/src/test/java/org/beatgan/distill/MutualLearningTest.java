package org.beatgan.distill;

import org.beatgan.core.testutil.NumericGradients;

import com.fasterxml.jackson.databind.JsonNode;
import org.beatgan.core.config.ExperimentConfig;
import org.beatgan.core.io.DataLocations;
import org.beatgan.core.io.Json;
import org.beatgan.core.io.ModelBundle;
import org.beatgan.core.model.ActivationNames;
import org.beatgan.core.model.BeatGanConfig;
import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.model.BeatGanGraphBuilder;
import org.beatgan.core.train.BeatGanTrainer;
import org.beatgan.core.train.ExperimentRunner;
import org.beatgan.core.train.TrainingConfig;
import org.beatgan.core.train.TrainingRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** Deep mutual learning on BeatGAN: two peers learn on real beats, and the dml term's gradient stays home. */
class MutualLearningTest {

    private static final MutualConfig SCORE = MutualConfig.of(2, 1.0, "score");

    @Test
    void bothPeersLearnOnRealBeats(@TempDir Path out) throws Exception {
        ExperimentConfig cfg = ExperimentConfig.defaults().with(Json.YAML.readTree("name: dml\n"
                + "model: {nc: 1, nz: 50, ngf: 8, ndf: 8}\ntraining: {epochs: 6, batchSize: 8, lr: 1.0e-3, seed: 2}\n"
                + "data: {path: '" + DataLocations.beatganDemo() + "', trainLimit: 0, evalLimit: 0}\n"
                + "distill: {mutual: {peers: 2, weight: 1.0, logits: score}}\n"));
        Map<String, Map<String, Object>> metrics = MutualLearning.run(cfg, new ExperimentRunner.Options(out, false, false));
        assertEquals(List.of("peer-1", "peer-2"), List.copyOf(metrics.keySet()));
        List<BeatGanGraph> models = new ArrayList<>();
        for (String peer : metrics.keySet()) {
            Path dir = out.resolve(peer);
            List<String> lines = Files.readAllLines(dir.resolve(TrainingRun.EPOCHS));
            assertEquals(6, lines.size());
            JsonNode first = Json.MAPPER.readTree(lines.get(0)), last = Json.MAPPER.readTree(lines.get(5));
            String other = peer.equals("peer-1") ? "peer-2" : "peer-1";
            assertTrue(Double.isFinite(last.path("dml_" + other).asDouble(Double.NaN)), peer + " logs its dml term: " + last);
            double rec0 = first.path("loss_g_rec").asDouble(), rec1 = last.path("loss_g_rec").asDouble();
            double auc = ((Number) ((Map<?, ?>) metrics.get(peer).get("test")).get("auc")).doubleValue();
            System.out.println(peer + ": rec loss " + rec0 + " -> " + rec1 + ", dml " + first.path("dml_" + other).asDouble()
                    + " -> " + last.path("dml_" + other).asDouble() + ", val AUC " + first.path("val_auc").asDouble()
                    + " -> " + last.path("val_auc").asDouble() + ", test AUC " + auc);
            assertTrue(rec1 < 0.7 * rec0, peer + " reconstruction loss " + rec0 + " -> " + rec1);
            assertTrue(auc > 0 && auc <= 1, peer + " test AUC " + auc);
            models.add(ModelBundle.load(dir.resolve(TrainingRun.MODEL)).graph());
        }
        String w = models.get(0).paramNames(BeatGanGraph.Network.G).get(0);
        assertNotEquals(models.get(0).array(w), models.get(1).array(w), "peers start from different initialisations");
    }

    @Test
    void theDmlTermTrainsOnlyItsOwnPeer() {
        BeatGanGraph a = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 3, 2, 2), DataType.DOUBLE, 1);
        BeatGanGraph b = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 3, 2, 2), DataType.DOUBLE, 2);
        MutualTerm term = new MutualTerm(a, Map.of("peer-2", b), MutualConfig.of(2, 3.0, "score"));
        String placeholder = MutualTerm.PEER_PREFIX + "peer-2/" + ActivationNames.G_SCORE;
        assertTrue(a.sameDiff().getVariable(placeholder).isPlaceHolder(), "the peer's logits enter as data");
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 4, 1, 320).muli(2).subi(1);
        a.setTrainingMode(true);
        Map<String, INDArray> feed = new HashMap<>(term.feed(org.beatgan.core.train.Batch.of(x)));
        feed.put(ActivationNames.INPUT, x);

        // the term's value is KL(softmax(peer scores) || softmax(own scores)) over the batch
        INDArray own = a.forward(x, true, ActivationNames.G_SCORE).get(ActivationNames.G_SCORE);
        INDArray peer = b.forward(x, true, ActivationNames.G_SCORE).get(ActivationNames.G_SCORE);
        assertEquals(peer, feed.get(placeholder), "the peer runs in training mode");
        String raw = term.loggedTerms().get("dml_peer-2");
        double value = a.sameDiff().output(feed, raw).get(raw).getDouble(0);
        assertEquals(kl(peer.toDoubleVector(), own.toDoubleVector()), value, 1e-12);

        // d(total G loss)/d(own G weights) includes the term: finite differences agree
        List<String> vars = a.paramNames(BeatGanGraph.Network.G);
        Map<String, INDArray> grads = a.sameDiff().calculateGradients(feed, vars);
        List<String> outputs = List.of("loss/G", term.loggedTerms().get("dml_peer-2_weighted"));
        Random r = new Random(5);
        double eps = 1e-6;
        for (int n = 0; n < 8; n++) {
            String v = vars.get(r.nextInt(vars.size()));
            INDArray p = a.array(v);
            long i = r.nextInt((int) p.length());
            double numeric = NumericGradients.centralDifference(p, i, eps,
                    () -> sum(a, feed, outputs)), analytic = grads.get(v).getDouble(i);
            assertEquals(numeric, analytic, 1e-4 * (Math.abs(numeric) + Math.abs(analytic)) + 1e-8, v + "[" + i + "]");
        }

        // ... and it changes them (same graph without the term: other gradients), while the peer,
        // whose logits are only data here, is untouched by a training step of this peer
        BeatGanGraph alone = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 3, 2, 2), DataType.DOUBLE, 1);
        alone.setTrainingMode(true);
        Map<String, INDArray> gAlone = alone.sameDiff().calculateGradients(Map.of(ActivationNames.INPUT, x), vars);
        assertTrue(vars.stream().anyMatch(v -> !gAlone.get(v).equalsWithEps(grads.get(v), 1e-12)),
                "the dml term must contribute to the own generator's gradient");
        Map<String, INDArray> peerBefore = new HashMap<>();
        for (String v : b.stateVariableNames()) peerBefore.put(v, b.array(v).dup());
        new BeatGanTrainer(a, TrainingConfig.defaults().withLr(1e-2), List.of(term)).step(x, 0);
        for (String v : b.stateVariableNames()) assertEquals(peerBefore.get(v), b.array(v), "peer variable " + v);
    }

    private static double kl(double[] p, double[] q) {
        double[] lp = logSoftmax(p), lq = logSoftmax(q);
        double s = 0;
        for (int i = 0; i < p.length; i++) s += Math.exp(lp[i]) * (lp[i] - lq[i]);
        return s;   // one "sample": the batch's scores are the classes
    }

    private static double[] logSoftmax(double[] z) {
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (double v : z) max = Math.max(max, v);
        for (double v : z) sum += Math.exp(v - max);
        double[] out = new double[z.length];
        for (int i = 0; i < z.length; i++) out[i] = z[i] - max - Math.log(sum);
        return out;
    }

    private static double sum(BeatGanGraph g, Map<String, INDArray> feed, List<String> outputs) {
        Map<String, INDArray> o = g.sameDiff().output(feed, outputs.toArray(new String[0]));
        return o.values().stream().mapToDouble(v -> v.getDouble(0)).sum();
    }

    @Test
    void badMutualSettingsAreRejectedClearly() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MutualConfig.of(1, 1.0, null));
        assertTrue(e.getMessage().contains("peers = 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> MutualConfig.of(2, -1.0, null));
        assertTrue(e.getMessage().contains("weight = -1"), e.getMessage());
        BeatGanGraph a = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 8, 4, 4), 1);
        BeatGanGraph b = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 16, 4, 4), 2);
        e = assertThrows(IllegalArgumentException.class,
                () -> new MutualTerm(a, Map.of("peer-2", b), MutualConfig.of(2, 1.0, "G/latent")));
        assertTrue(e.getMessage().contains("same shape"), e.getMessage());
        Map<String, Object> both = new LinkedHashMap<>();
        both.put("terms", List.of(Map.of("loss", "kd", "inputs", Map.of("logits", "score"))));
        both.put("mutual", Map.of("peers", 2));
        e = assertThrows(IllegalArgumentException.class, () -> DistillConfig.from(Json.MAPPER.valueToTree(both)));
        assertTrue(e.getMessage().contains("not both"), e.getMessage());
        assertEquals(SCORE, DistillConfig.from(Json.MAPPER.valueToTree(Map.of("mutual", Map.of()))).mutual());
    }
}
