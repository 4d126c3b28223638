package org.beatgan.core.train;

import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.model.BeatGanGraph.Network;
import org.beatgan.core.model.BeatGanGraph.StatisticsPass;
import org.beatgan.core.model.direct.DirectTrainingStep;
import org.beatgan.core.util.QuietStdout;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.beatgan.core.model.ActivationNames.*;

/**
 * One BeatGAN optimisation step on a batch: update D with BCE(D(x),1) + BCE(D(G(x)),0), then G with
 * MSE(G(x),x) + w_adv * MSE(D_feat(G(x)), D_feat(x)) plus any extension terms; re-initialise D when
 * its loss collapses. Two Adam optimizers, each over its own network's variables. After the
 * updates, each extension receives the outputs it asked for from the generator pass (its
 * {@link LossExtension#afterStep}), as the batch-norm running statistics do.
 *
 * <p>The gradients come from {@link DirectTrainingStep} unless the config asks for the graph or an
 * extension's terms need the graph ({@link LossExtension#detachedTerms} empty, or reading
 * activations the direct step does not have); detached terms are evaluated on the direct step's
 * activations and their gradients join its backward pass.
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
    /** Logged losses checked for NaN before an update: those of the G pass, and all of them. */
    private final List<String> gLosses;
    private final List<String> allLosses;
    private final List<TrainingListener> listeners = new ArrayList<>();
    /** The hand-written step, or null when the graph computes the gradients. */
    private final DirectTrainingStep direct;
    /** The extensions' terms detached from the graph, for the direct step. */
    private final List<DetachedTerms> detached;
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
        allLosses = List.copyOf(logged.values());
        gOutputs.addAll(graph.batchStatisticOutputs(StatisticsPass.G));
        // G's pass runs D again (on G(x) and on the beats): in PyTorch those passes move D's statistics too
        gOutputs.addAll(graph.batchStatisticOutputs(StatisticsPass.D_ADVERSARIAL));
        gOutputs.addAll(graph.batchStatisticOutputs(StatisticsPass.D_REAL));
        for (LossExtension e : extensions) {
            e.stepOutputs().stream().filter(v -> !gOutputs.contains(v)).forEach(gOutputs::add);
        }
        detached = detachedTerms(this.extensions);
        direct = config.stepEngine() == TrainingConfig.StepEngine.DIRECT && detached != null
                ? new DirectTrainingStep(graph) : null;
        if (direct == null && !graph.sameDiff().hasGradientFunction()) {
            QuietStdout.run(() -> graph.sameDiff().createGradFunction());
        }
    }

    /** Every extension's detached terms, or null if one has none or reads what the direct step lacks. */
    private static List<DetachedTerms> detachedTerms(List<LossExtension> extensions) {
        List<DetachedTerms> terms = new ArrayList<>();
        for (LossExtension e : extensions) {
            Optional<DetachedTerms> t = e.detachedTerms();
            if (t.isEmpty() || !e.stepOutputs().isEmpty()
                    || !DirectTrainingStep.ACTIVATIONS.containsAll(t.get().activations())) {
                return null;
            }
            terms.add(t.get());
        }
        return terms;
    }

    public boolean hasExtensions() {
        return !extensions.isEmpty();
    }

    /** True when steps run {@link DirectTrainingStep}, false when they run the SameDiff graph. */
    public boolean usesDirectStep() {
        return direct != null;
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

    /** Announces the beats of a coming step to the extensions ({@link LossExtension#upcoming}). */
    public void upcoming(INDArray beats) {
        for (LossExtension e : extensions) {
            e.upcoming(beats);
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
        boolean beatganOrder = config.stepOrder() == TrainingConfig.StepOrder.BEATGAN;
        Outputs out = direct != null ? directStep(feed, beatganOrder, epoch)
                : beatganOrder ? graphStep(feed, epoch) : simultaneousGraphStep(feed, epoch);
        Map<String, INDArray> outD = out.d();
        Map<String, INDArray> outG = out.g();
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

    /** Outputs of the D and the G pass (the same map when one pass computed both). */
    private record Outputs(Map<String, INDArray> d, Map<String, INDArray> g) {
    }

    /** Each update is applied only after the losses it follows from were found finite. */
    private Outputs directStep(Map<String, INDArray> feed, boolean beatganOrder, int epoch) {
        OutAndGrad d = direct.discriminator(feed.get(INPUT));
        checkFinite(d.getOutputs(), List.of(LOSS_D_REAL, LOSS_D_FAKE), epoch);
        if (beatganOrder) {
            optD.step(d.getGradients(), epoch);
        }
        TermsOnActivations terms = new TermsOnActivations(feed);
        OutAndGrad g = direct.generator(detached.isEmpty() ? null : terms);
        Map<String, INDArray> outG = new LinkedHashMap<>(g.getOutputs());
        outG.putAll(terms.outputs);
        Map<String, INDArray> gradG = new LinkedHashMap<>(g.getGradients());
        gradG.putAll(terms.variableGradients);
        for (String v : optG.variables()) {
            gradG.computeIfAbsent(v, name -> Nd4j.zeros(graph.dataType(), graph.array(name).shape()));
        }
        checkFinite(outG, gLosses, epoch);
        if (!beatganOrder) {
            optD.step(d.getGradients(), epoch);
        }
        optG.step(gradG, epoch);
        return new Outputs(d.getOutputs(), outG);
    }

    /** The detached terms of every extension as one set of terms for the direct step; keeps their outputs. */
    private final class TermsOnActivations implements DirectTrainingStep.ActivationTerms {
        private final Map<String, INDArray> feed;
        final Map<String, INDArray> outputs = new LinkedHashMap<>();
        final Map<String, INDArray> variableGradients = new LinkedHashMap<>();

        TermsOnActivations(Map<String, INDArray> feed) {
            this.feed = feed;
        }

        @Override
        public Set<String> activations() {
            Set<String> names = new LinkedHashSet<>();
            detached.forEach(t -> names.addAll(t.activations()));
            return names;
        }

        @Override
        public Map<String, INDArray> gradients(Map<String, INDArray> activations) {
            Map<String, INDArray> byActivation = new LinkedHashMap<>();
            for (DetachedTerms t : detached) {
                Map<String, INDArray> own = new LinkedHashMap<>();
                t.activations().forEach(a -> own.put(a, activations.get(a)));
                OutAndGrad r = t.evaluate(feed, own);
                outputs.putAll(r.getOutputs());
                r.getGradients().forEach((name, grad) -> {
                    if (own.containsKey(name)) {
                        byActivation.merge(name, grad, INDArray::add);
                    } else {
                        variableGradients.put(name, grad);
                    }
                });
            }
            return byActivation;
        }
    }

    private Outputs graphStep(Map<String, INDArray> feed, int epoch) {
        OutAndGrad d = graph.sameDiff().calculateGradientsAndOutputs(feed, dOutputs, optD.variables());
        checkFinite(d.getOutputs(), List.of(LOSS_D_REAL, LOSS_D_FAKE), epoch);
        optD.step(d.getGradients(), epoch);
        OutAndGrad g = graph.sameDiff().calculateGradientsAndOutputs(feed, gOutputs, optG.variables());
        checkFinite(g.getOutputs(), gLosses, epoch);
        optG.step(g.getGradients(), epoch);
        return new Outputs(d.getOutputs(), g.getOutputs());
    }

    private Outputs simultaneousGraphStep(Map<String, INDArray> feed, int epoch) {
        Set<String> outputs = new LinkedHashSet<>(dOutputs);
        outputs.addAll(gOutputs);
        List<String> vars = new ArrayList<>(optD.variables());
        vars.addAll(optG.variables());
        OutAndGrad both = graph.sameDiff().calculateGradientsAndOutputs(feed, new ArrayList<>(outputs), vars);
        checkFinite(both.getOutputs(), allLosses, epoch);
        optD.step(both.getGradients(), epoch);
        optG.step(both.getGradients(), epoch);
        return new Outputs(both.getOutputs(), both.getOutputs());
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
