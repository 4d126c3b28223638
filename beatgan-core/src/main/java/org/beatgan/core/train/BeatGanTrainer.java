package org.beatgan.core.train;

import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.model.BeatGanGraph.Network;
import org.beatgan.core.model.BeatGanGraph.StatisticsPass;
import org.beatgan.core.model.direct.DirectTrainingStep;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.beatgan.core.model.ActivationNames.*;

/**
 * One BeatGAN optimisation step on a batch: update D with BCE(D(x),1) + BCE(D(G(x)),0), then G with
 * MSE(G(x),x) + w_adv * MSE(D_feat(G(x)), D_feat(x)) plus any extension terms; re-initialise D when
 * its loss collapses. Two Adam optimizers, each over its own network's variables. After the
 * updates, each extension receives the outputs it asked for from the generator pass (its
 * {@link LossExtension#afterStep}), as the batch-norm running statistics do.
 *
 * <p>The gradients come from a {@link BeatGanStepEngine} that this trainer alone chooses: the direct
 * engine ({@link DirectTrainingStep}) unless the config asks for the graph or an extension's terms
 * need it ({@link LossExtension#detachedTerms} empty, or reading activations the direct step does not
 * have), else the SameDiff graph. Both run the same step: D's pass, D's update (BeatGAN's order),
 * G's pass, the updates, each applied only after the losses it follows from were found finite.
 */
public final class BeatGanTrainer implements ObservableTraining {

    private final BeatGanGraph graph;
    private final TrainingConfig config;
    private final List<LossExtension> extensions;
    private final AdamOptimizer optD;
    private final AdamOptimizer optG;
    private final List<String> dOutputs = new ArrayList<>();
    private final List<String> gOutputs = new ArrayList<>();
    private final Map<String, String> logged = new LinkedHashMap<>();
    /** Logged losses of the G pass, checked for NaN before G is updated. */
    private final List<String> gLosses;
    private final List<TrainingListener> listeners = new ArrayList<>();
    /** What computes the gradients: the graph or the direct step. */
    private final BeatGanStepEngine engine;
    private int dReinits;
    private long iteration;

    public BeatGanTrainer(BeatGanGraph graph, TrainingConfig config) {
        this(graph, config, List.of());
    }

    public BeatGanTrainer(BeatGanGraph graph, TrainingConfig config, List<LossExtension> extensions) {
        this.graph = graph;
        this.config = config;
        this.extensions = List.copyOf(extensions);
        graph.setAdversarialWeight(config.wAdv());
        optD = new AdamOptimizer(graph.sameDiff(), graph.paramNames(Network.D), config.lr(), config.beta1(),
                config.beta2());
        List<String> gVars = new ArrayList<>(graph.paramNames(Network.G));
        for (LossExtension e : extensions) {
            gVars.addAll(e.trainableVariables());
        }
        optG = new AdamOptimizer(graph.sameDiff(), gVars, config.lr(), config.beta1(), config.beta2());

        logged.put("loss_d_real", LOSS_D_REAL);
        logged.put("loss_d_fake", LOSS_D_FAKE);
        logged.put("loss_d", LOSS_D);
        logged.put("loss_g_rec", LOSS_G_REC);
        logged.put("loss_g_adv", LOSS_G_ADV);
        logged.put("loss_g", LOSS_G);
        for (LossExtension e : extensions) {
            logged.putAll(e.loggedTerms());
        }
        dOutputs.addAll(List.of(LOSS_D_REAL, LOSS_D_FAKE, LOSS_D));
        dOutputs.addAll(graph.batchStatisticOutputs(StatisticsPass.D_REAL));
        dOutputs.addAll(graph.batchStatisticOutputs(StatisticsPass.D_FAKE));
        gOutputs.addAll(logged.values().stream().filter(v -> !dOutputs.contains(v)).toList());
        gLosses = logged.values().stream().filter(gOutputs::contains).toList();
        gOutputs.addAll(graph.batchStatisticOutputs(StatisticsPass.G));
        // G's pass runs D again (on G(x) and on the beats): in PyTorch those passes move D's statistics too
        gOutputs.addAll(graph.batchStatisticOutputs(StatisticsPass.D_ADVERSARIAL));
        gOutputs.addAll(graph.batchStatisticOutputs(StatisticsPass.D_REAL));
        for (LossExtension e : extensions) {
            e.stepOutputs().stream().filter(v -> !gOutputs.contains(v)).forEach(gOutputs::add);
        }
        Optional<DirectStepEngine> direct = config.stepEngine() == TrainingConfig.StepEngine.DIRECT
                ? DirectStepEngine.of(graph, this.extensions, optG.variables()) : Optional.empty();
        engine = direct.isPresent() ? direct.get()
                : new GraphStepEngine(graph, dOutputs, optD.variables(), gOutputs, optG.variables());
    }

    public boolean hasExtensions() {
        return !extensions.isEmpty();
    }

    /** True when steps run {@link DirectTrainingStep}, false when they run the SameDiff graph. */
    public boolean usesDirectStep() {
        return engine instanceof DirectStepEngine;
    }

    /** The step engine in words, for the log. */
    public String stepEngine() {
        return engine.describe();
    }

    public BeatGanGraph graph() {
        return graph;
    }

    public TrainingConfig config() {
        return config;
    }

    public void addListener(TrainingListener l) {
        listeners.add(l);
    }

    public List<TrainingListener> listeners() {
        return listeners;
    }

    /** The generator and the discriminator, in that order; their scores are loss_g and loss_d. */
    @Override
    public List<Worker> workers() {
        return List.of(new Worker("generator", "G", optimizer(Network.G), "loss_g"),
                new Worker("discriminator", "D", optimizer(Network.D), "loss_d"));
    }

    @Override
    public INDArray array(String variable) {
        return graph().array(variable);
    }

    @Override
    public org.nd4j.linalg.api.buffer.DataType dataType() {
        return graph().dataType();
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("config", graph().config());
        m.put("training", config());
        m.put("params", Map.of("G", graph().parameterCount(Network.G), "D", graph().parameterCount(Network.D)));
        return m;
    }

    public AdamOptimizer optimizer(Network net) {
        return net == Network.G ? optG : optD;
    }

    public int discriminatorReinits() {
        return dReinits;
    }

    public long iteration() {
        return iteration;
    }

    void restoreCounters(long iteration, int dReinits) {
        this.iteration = iteration;
        this.dReinits = dReinits;
    }

    /**
     * Announces the beats of the next step (the one after the step about to run) to the
     * extensions ({@link LossExtension#upcoming(Batch)}, with that step's iteration).
     */
    public void upcoming(INDArray beats) {
        Batch next = new Batch(beats, null, iteration + 1);
        for (LossExtension e : extensions) {
            e.upcoming(next);
        }
    }

    /** Runs one step on beats without dataset indices; see {@link #step(INDArray, int[], int)}. */
    public Map<String, Double> step(INDArray x, int epoch) {
        return step(x, null, epoch);
    }

    /**
     * Runs one step and returns every logged loss term by name.
     *
     * @param indices each beat's index in the training set (extensions with per-beat state need
     *                them), or null
     */
    public Map<String, Double> step(INDArray x, int[] indices, int epoch) {
        long t0 = System.nanoTime();
        graph.checkInput(x);
        graph.setTrainingMode(true);
        Batch batch = new Batch(x, indices, iteration);
        Map<String, INDArray> feed = new HashMap<>();
        feed.put(INPUT, x.castTo(graph.dataType()));
        for (LossExtension e : extensions) {
            feed.putAll(e.feed(batch));
        }
        // one path for both engines; in BeatGAN's order G's pass sees the updated D, in the
        // simultaneous order both gradients come from the same parameters
        boolean beatganOrder = config.stepOrder() == TrainingConfig.StepOrder.BEATGAN;
        OutAndGrad d = engine.discriminator(feed);
        checkFinite(d.getOutputs(), List.of(LOSS_D_REAL, LOSS_D_FAKE), epoch);
        if (beatganOrder) {
            optD.step(d.getGradients(), epoch);
        }
        OutAndGrad g = engine.generator(feed);
        checkFinite(g.getOutputs(), gLosses, epoch);
        if (!beatganOrder) {
            optD.step(d.getGradients(), epoch);
        }
        optG.step(g.getGradients(), epoch);
        Map<String, INDArray> outD = d.getOutputs();
        Map<String, INDArray> outG = g.getOutputs();
        long beats = x.size(0);
        graph.updateRunningStatisticsAfterStep(outD, outG, beats);
        for (LossExtension e : extensions) {
            e.afterStep(batch, outG);
        }

        Map<String, Double> stats = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : logged.entrySet()) {
            INDArray v = outD.containsKey(e.getValue()) ? outD.get(e.getValue()) : outG.get(e.getValue());
            stats.put(e.getKey(), v.getDouble(0));
        }
        iteration++;
        if (stats.get("loss_d") < config.dReinitThreshold()) {
            dReinits++;
            graph.reinitializeDiscriminator(config.seed() * 1_000_003L + dReinits);
            for (TrainingListener l : listeners) l.onDiscriminatorReinit(epoch, iteration, dReinits);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        for (TrainingListener l : listeners) l.onIteration(epoch, iteration, stats, (int) beats, seconds);
        return stats;
    }

    private void checkFinite(Map<String, INDArray> outputs, List<String> names, int epoch) {
        for (String n : names) {
            double v = outputs.get(n).getDouble(0);
            if (!Double.isFinite(v)) {
                throw new TrainingDivergedException(n + " = " + v + " at epoch " + epoch + ", iteration "
                        + iteration + "; the update was not applied. Lower the learning rate (now "
                        + config.lr() + ") or the distillation weights.");
            }
        }
    }
}
