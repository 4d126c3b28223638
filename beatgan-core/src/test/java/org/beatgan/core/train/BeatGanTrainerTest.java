package org.beatgan.core.train;

import org.beatgan.core.model.BeatGanConfig;
import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.model.BeatGanGraph.Network;
import org.beatgan.core.model.BeatGanGraphBuilder;
import org.beatgan.core.model.ParamSpec;
import org.beatgan.core.score.AnomalyScorer;
import org.beatgan.core.testutil.DemoBeats;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class BeatGanTrainerTest {

    private static Map<String, INDArray> snapshot(BeatGanGraph g, Network net) {
        Map<String, INDArray> m = new HashMap<>();
        for (String v : g.paramNames(net)) m.put(v, g.array(v).dup());
        return m;
    }

    private static int changed(BeatGanGraph g, Map<String, INDArray> before) {
        int n = 0;
        for (var e : before.entrySet()) if (!e.getValue().equals(g.array(e.getKey()))) n++;
        return n;
    }

    @Test
    void eachOptimizerUpdatesOnlyItsOwnNetwork() {
        BeatGanGraph g = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 8, 4, 4), 3);
        // the graph engine: this test feeds the optimizers the graph's gradients itself
        BeatGanTrainer t = new BeatGanTrainer(g, TrainingConfig.defaults().withLr(1e-3)
                .withStepEngine(TrainingConfig.StepEngine.GRAPH));
        INDArray x = DemoBeats.get().normal.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 8));
        Map<String, INDArray> feed = Map.of("x", x);
        g.setTrainingMode(true);

        Map<String, INDArray> gBefore = snapshot(g, Network.G), dBefore = snapshot(g, Network.D);
        t.optimizer(Network.D).step(g.sameDiff().calculateGradients(feed, t.optimizer(Network.D).variables()), 0);
        assertEquals(0, changed(g, gBefore), "a D step must not touch G");
        assertEquals(dBefore.size(), changed(g, dBefore), "a D step updates every D parameter");

        dBefore = snapshot(g, Network.D);
        t.optimizer(Network.G).step(g.sameDiff().calculateGradients(feed, t.optimizer(Network.G).variables()), 0);
        assertEquals(0, changed(g, dBefore), "a G step must not touch D");
        assertEquals(gBefore.size(), changed(g, gBefore), "a G step updates every G parameter");
    }

    @Test
    void trainingOnRealBeatsLowersReconstructionLossAndSeparatesAnomalies() {
        DemoBeats demo = DemoBeats.get();
        BeatGanGraph g = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 50, 8, 8), 1);
        TrainingConfig cfg = TrainingConfig.defaults().withLr(1e-3).withBatchSize(16).withSeed(1);
        BeatGanTrainer t = new BeatGanTrainer(g, cfg);
        var val = demo.mixed(40, 52, 0, 32, 64);
        double aucBefore = AnomalyScorer.score(g, val).metrics().auc();
        var train = demo.normals(0, 40, 16);
        List<Double> recPerEpoch = new ArrayList<>();
        for (int epoch = 0; epoch < 25; epoch++) {
            train.reset();
            double sum = 0;
            int n = 0;
            while (train.hasNext()) {
                var ds = train.next();
                if (ds.numExamples() < 2) continue;
                sum += t.step(ds.getFeatures(), epoch).get("loss_g_rec");
                n++;
            }
            recPerEpoch.add(sum / n);
        }
        double aucAfter = AnomalyScorer.score(g, val).metrics().auc();
        System.out.println("rec loss per epoch " + recPerEpoch + "; val AUC " + aucBefore + " -> " + aucAfter);
        assertTrue(recPerEpoch.get(recPerEpoch.size() - 1) < 0.5 * recPerEpoch.get(0),
                "reconstruction loss should at least halve: " + recPerEpoch);
        // measured: ~0.56 untrained, 0.81 after 25 epochs, 0.85 after 30 (40 training beats)
        assertTrue(aucAfter > 0.7, "validation AUC " + aucAfter + " (before training " + aucBefore + ")");
    }

    @Test
    void sameSeedGivesIdenticalTraining() {
        DemoBeats demo = DemoBeats.get();
        double[] a = runSteps(demo, 5), b = runSteps(demo, 5);
        assertArrayEquals(a, b, 0.0);
        double[] c = runSteps(demo, 6);
        assertFalse(java.util.Arrays.equals(a, c), "another seed must give another run");
    }

    private static double[] runSteps(DemoBeats demo, long seed) {
        BeatGanGraph g = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 8, 4, 4), seed);
        BeatGanTrainer t = new BeatGanTrainer(g, TrainingConfig.defaults().withSeed(seed).withLr(1e-3));
        double[] out = new double[6];
        var it = demo.normals(0, 48, 16);
        int i = 0;
        while (it.hasNext()) {
            var s = t.step(it.next().getFeatures(), 0);
            out[i++] = s.get("loss_g");
            out[i++] = s.get("loss_d");
        }
        return out;
    }

    /** Records what the trainer hands an extension; adds no loss term. */
    private static final class RecordingExtension implements LossExtension {
        final List<Batch> fed = new ArrayList<>();
        final List<Batch> after = new ArrayList<>();
        final List<INDArray> latents = new ArrayList<>();
        final List<INDArray> weightAtAfterStep = new ArrayList<>();
        final BeatGanGraph g;
        final String weight;

        RecordingExtension(BeatGanGraph g) {
            this.g = g;
            this.weight = g.paramNames(Network.G).get(0);
        }

        public Map<String, INDArray> feed(Batch batch) {
            fed.add(batch);
            return Map.of();
        }

        public List<String> trainableVariables() {
            return List.of();
        }

        public Map<String, String> loggedTerms() {
            return Map.of();
        }

        public List<String> stepOutputs() {
            return List.of(org.beatgan.core.model.ActivationNames.G_LATENT);
        }

        public void afterStep(Batch batch, Map<String, INDArray> outputs) {
            after.add(batch);
            latents.add(outputs.get(org.beatgan.core.model.ActivationNames.G_LATENT));
            weightAtAfterStep.add(g.array(weight).dup());
        }
    }

    @Test
    void extensionsGetDatasetIndicesAndTheirStepOutputsAfterTheUpdates() {
        assertFalse(new BeatGanTrainer(BeatGanGraphBuilder.build(BeatGanConfig.of(1, 8, 4, 4), 3), TrainingConfig.defaults(),
                List.of(new RecordingExtension(BeatGanGraphBuilder.build(BeatGanConfig.of(1, 8, 4, 4), 3)))).usesDirectStep(),
                "extension terms live in the graph");
        BeatGanGraph g = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 8, 4, 4), 3);
        RecordingExtension ext = new RecordingExtension(g);
        BeatGanTrainer t = new BeatGanTrainer(g, TrainingConfig.defaults().withLr(1e-3), List.of(ext));
        INDArray x = DemoBeats.get().normal.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 4));
        int[] idx = {3, 1, 0, 2};
        INDArray before = g.array(ext.weight).dup();
        t.step(x, idx, 0);
        t.step(x, 0);
        assertArrayEquals(idx, ext.fed.get(0).indices());
        assertEquals(0, ext.fed.get(0).iteration());
        assertNull(ext.fed.get(1).indices(), "no indices given, none passed on");
        assertEquals(1, ext.fed.get(1).iteration());
        assertSame(ext.fed.get(0), ext.after.get(0), "afterStep sees the batch that was fed");
        assertArrayEquals(new long[]{4, 8, 1}, ext.latents.get(0).shape(), "the requested output of the G pass");
        assertNotEquals(before, ext.weightAtAfterStep.get(0), "afterStep runs after G's update");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.step(x, new int[]{0}, 0));
        assertTrue(e.getMessage().contains("1 dataset indices for a batch of 4"), e.getMessage());
    }

    @Test
    void collapsedDiscriminatorIsReinitialised() {
        BeatGanGraph g = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 8, 4, 4), 3);
        // threshold above any possible loss: every step triggers BeatGAN's re-init rule
        TrainingConfig cfg = new TrainingConfig(1, 8, 1e-4, 0.5, 0.999, 1, 0, 1e9, null, null);
        BeatGanTrainer t = new BeatGanTrainer(g, cfg);
        List<Integer> seen = new ArrayList<>();
        t.addListener(new TrainingListener() {
            @Override
            public void onDiscriminatorReinit(int epoch, long iteration, int total) {
                seen.add(total);
            }
        });
        INDArray x = Nd4j.rand(DataType.FLOAT, 8, 1, 320);
        t.step(x, 0);
        Map<String, INDArray> dBefore = snapshot(g, Network.D);
        t.step(x, 0);
        assertEquals(2, t.discriminatorReinits());
        assertEquals(List.of(1, 2), seen);
        // re-init draws fresh conv weights and BN gammas (betas return to 0, as they started)
        long redrawn = g.params(Network.D).stream().filter(p -> p.kind() != ParamSpec.Kind.BN_BETA).count();
        assertEquals(redrawn, changed(g, dBefore));
    }

    @Test
    void nanLossStopsTrainingWithoutCorruptingWeights() {
        for (TrainingConfig.StepEngine engine : TrainingConfig.StepEngine.values()) {
            BeatGanGraph g = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 8, 4, 4), 3);
            BeatGanTrainer t = new BeatGanTrainer(g, TrainingConfig.defaults().withStepEngine(engine));
            INDArray x = Nd4j.rand(DataType.FLOAT, 4, 1, 320);
            x.putScalar(0, 0, 5, Double.NaN);
            Map<String, INDArray> dBefore = snapshot(g, Network.D);
            Map<String, INDArray> gBefore = snapshot(g, Network.G);
            TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> t.step(x, 2));
            assertTrue(e.getMessage().contains("NaN") && e.getMessage().contains("epoch 2"), engine + ": " + e.getMessage());
            assertEquals(0, changed(g, dBefore), engine.toString());
            assertEquals(0, changed(g, gBefore), engine.toString());
        }
    }

    /**
     * The hand-written step and the graph train the same model: same losses and weights after
     * several steps in both step orders (double precision; they differ by rounding only).
     */
    @Test
    void directStepAndGraphTrainAlike() {
        INDArray beats = DemoBeats.get().normal.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 24))
                .castTo(DataType.DOUBLE);
        for (TrainingConfig.StepOrder order : TrainingConfig.StepOrder.values()) {
            BeatGanGraph direct = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 6, 3, 3), DataType.DOUBLE, 8);
            BeatGanGraph graph = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 6, 3, 3), DataType.DOUBLE, 8);
            TrainingConfig cfg = TrainingConfig.defaults().withLr(1e-3).withStepOrder(order);
            BeatGanTrainer td = new BeatGanTrainer(direct, cfg);
            BeatGanTrainer tg = new BeatGanTrainer(graph, cfg.withStepEngine(TrainingConfig.StepEngine.GRAPH));
            assertTrue(td.usesDirectStep());
            assertFalse(tg.usesDirectStep());
            for (int step = 0; step < 6; step++) {
                INDArray x = beats.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(step * 4, step * 4 + 4));
                Map<String, Double> a = td.step(x, 0);
                Map<String, Double> b = tg.step(x, 0);
                for (String k : b.keySet()) {
                    assertEquals(b.get(k), a.get(k), 1e-7 * Math.abs(b.get(k)), order + " step " + step + " " + k);
                }
            }
            for (String v : graph.stateVariableNames()) {
                INDArray e = graph.array(v);
                double scale = Math.max(e.amaxNumber().doubleValue(), 1e-12);
                double d = e.sub(direct.array(v)).amaxNumber().doubleValue();
                // 1e-6: Adam divides by sqrt(v), which turns the graph's float-rounded leaky-ReLU
                // slope (see DirectTrainingStepTest) into weight differences of ~3e-8 on 0.2;
                // a wrong gradient moves weights by ~lr = 1e-3 per step
                assertTrue(d / scale < 1e-6, order + " " + v + ": " + d + " at scale " + scale);
            }
        }
    }

    @Test
    void invalidTrainingSettingsAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainingConfig.defaults().withLr(-1));
        assertTrue(e.getMessage().contains("lr = -1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TrainingConfig.defaults().withBatchSize(1));
        assertThrows(IllegalArgumentException.class, () -> TrainingConfig.defaults().withEpochs(0));
    }
}
