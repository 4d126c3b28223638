package org.beatgan.core.train.classifier;

import org.beatgan.core.model.ClassifierModel;
import org.beatgan.core.train.AdamOptimizer;
import org.beatgan.core.train.Batch;
import org.beatgan.core.train.LossExtension;
import org.beatgan.core.train.ObservableTraining;
import org.beatgan.core.train.TrainingConfig;
import org.beatgan.core.train.TrainingListener;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Trains any {@link ClassifierModel}: its own task loss (softmax cross-entropy, or BCE for one
 * output) weighted by {@code taskWeight}, plus every extension's weighted terms (a
 * {@code Distiller}'s distillation terms), with Adam over the model's parameters and the
 * extensions' adapters. It feeds the extensions' placeholders, logs their terms and hands them the
 * step outputs they asked for, the same contract as BeatGAN's trainer; it never asks what they are.
 */
public final class ClassifierTrainer implements ObservableTraining {

    static final String TASK_WEIGHTED = "loss/task_weighted";

    private final ClassifierModel model;
    private final ClassifierTrainingConfig config;
    private final List<LossExtension> extensions;
    private final AdamOptimizer optimizer;
    private final List<String> trainable;
    private final Map<String, String> logged = new LinkedHashMap<>();
    private final List<String> outputs;
    private final List<TrainingListener> listeners = new ArrayList<>();
    /** The model's own step outside the graph, or null: the graph's gradients. */
    private final DirectClassifierStep direct;
    private long iteration;

    public ClassifierTrainer(ClassifierModel model, ClassifierTrainingConfig config, List<LossExtension> extensions) {
        this(model, config, extensions, TrainingConfig.StepEngine.DIRECT);
    }

    /**
     * A trainer on the given step engine: {@code DIRECT} runs the model's own step outside the
     * graph ({@link ClassifierModel#directTrainingStep}) where the model has one and every
     * extension's terms detach from the graph ({@link LossExtension#detachedTerms}), else the
     * graph; {@code GRAPH} always differentiates the graph (the plain path the direct step is
     * checked against).
     */
    public ClassifierTrainer(ClassifierModel model, ClassifierTrainingConfig config, List<LossExtension> extensions,
                             TrainingConfig.StepEngine engine) {
        this.model = model;
        this.config = config;
        this.extensions = List.copyOf(extensions);
        SameDiff sd = model.sameDiff();
        SDVariable task = sd.getVariable(model.taskLoss());
        SDVariable weighted = sd.hasVariable(TASK_WEIGHTED) ? sd.getVariable(TASK_WEIGHTED)
                : task.mul(TASK_WEIGHTED, config.taskWeight());
        // the loss is the weighted task loss plus the extensions' terms (added as loss variables)
        List<String> losses = new ArrayList<>(sd.getLossVariables());
        losses.remove(model.taskLoss());
        if (!losses.contains(weighted.name())) losses.add(0, weighted.name());
        sd.setLossVariables(losses.toArray(new String[0]));
        Set<String> vars = new LinkedHashSet<>(model.trainableVariables());
        Set<String> out = new LinkedHashSet<>(List.of(model.taskLoss(), model.logitsName()));
        out.addAll(model.stepOutputs());
        logged.put("loss_task", model.taskLoss());
        for (LossExtension e : extensions) {
            vars.addAll(e.trainableVariables());
            logged.putAll(e.loggedTerms());
            out.addAll(e.loggedTerms().values());
            out.addAll(e.stepOutputs());
        }
        this.trainable = List.copyOf(vars);
        this.outputs = List.copyOf(out);
        this.optimizer = new AdamOptimizer(sd, trainable, config.lr(), config.beta1(), config.beta2());
        this.direct = engine == TrainingConfig.StepEngine.DIRECT ? DirectClassifierStep.of(model, this.extensions)
                .orElse(null) : null;
        if (direct == null) {
            // SameDiff prints every op it differentiates; once, here, and quietly
            org.beatgan.core.util.QuietStdout.run(sd::createGradFunction);
        }
    }

    /** Which engine the steps run on, for logs and metrics. */
    public String stepEngine() {
        return direct != null ? direct.describe() : "graph (SameDiff)";
    }

    public ClassifierModel model() {
        return model;
    }

    public ClassifierTrainingConfig config() {
        return config;
    }

    public AdamOptimizer optimizer() {
        return optimizer;
    }

    public List<LossExtension> extensions() {
        return extensions;
    }

    public long iteration() {
        return iteration;
    }

    void restoreIteration(long it) {
        iteration = it;
    }

    public void addListener(TrainingListener l) {
        listeners.add(l);
    }

    public List<TrainingListener> listeners() {
        return listeners;
    }

    /** Announces the inputs of a coming step to the extensions (a teacher's forward pass can start). */
    public void upcoming(INDArray x) {
        for (LossExtension e : extensions) e.upcoming(x);
    }

    /**
     * One step on a batch; dropout masks come from {@code rng}. Returns the step's stats: the task
     * loss, every logged term, the total loss, and the batch's correct predictions.
     */
    public Map<String, Double> step(INDArray x, INDArray labels, int[] indices, int epoch, SplittableRandom rng) {
        int b = (int) x.size(0);
        Batch batch = new Batch(x, indices, iteration);
        Map<String, INDArray> feed = new LinkedHashMap<>();
        feed.put(model.inputName(), x.castTo(model.dataType()));
        feed.put(model.labelsName(), labels.castTo(model.dataType()));
        feed.putAll(model.extraFeed(b, true, rng));
        for (LossExtension e : extensions) feed.putAll(e.feed(batch));
        // the direct step's arrays are its own, reused by its next call; the graph's are this step's
        OutAndGrad r = direct != null ? direct.step(feed, x, labels, config.taskWeight(), trainable)
                : model.sameDiff().calculateGradientsAndOutputs(feed, outputs, trainable);
        Map<String, INDArray> grads = new LinkedHashMap<>(r.getGradients());
        if (config.weightDecay() > 0) {
            // PyTorch's Adam weight_decay: g + wd * w, on every trained variable
            for (String v : trainable) {
                INDArray g = grads.get(v);
                if (g != null) g.addi(model.sameDiff().getArrForVarName(v).mul(config.weightDecay()));
            }
        }
        for (String v : trainable) {
            if (grads.get(v) == null) {
                grads.put(v, model.sameDiff().getArrForVarName(v).like().assign(0));
            }
        }
        Map<String, INDArray> outs = r.getOutputs();
        Map<String, Double> stats = new LinkedHashMap<>();
        double total = config.taskWeight() * outs.get(model.taskLoss()).getDouble(0);
        for (Map.Entry<String, String> e : logged.entrySet()) {
            double v = outs.get(e.getValue()).getDouble(0);
            stats.put(e.getKey(), v);
            if (e.getKey().endsWith("_weighted")) total += v;
        }
        stats.put("loss", total);
        if (!Double.isFinite(total)) {
            throw new org.beatgan.core.train.TrainingDivergedException("Training diverged at epoch " + (epoch + 1)
                    + ", iteration " + iteration + ": loss " + total + " " + stats
                    + "; lower the learning rate or a term's weight");
        }
        stats.put("correct", (double) ClassifierEvaluation.correct(outs.get(model.logitsName()), labels));
        long t0 = System.nanoTime();
        optimizer.step(grads, epoch);
        model.afterStep(outs, b);
        for (LossExtension e : extensions) e.afterStep(batch, outs);
        iteration++;
        double seconds = (System.nanoTime() - t0) / 1e9;
        for (TrainingListener l : listeners) l.onIteration(epoch, iteration, stats, b, seconds);
        // release this step's native buffers now: left to the garbage collector, whose heap barely
        // notices them, a DeepNN run grew past 20 GB of native memory within 4 epochs (OOM-killed)
        if (direct == null) {
            release(r.getGradients().values());
            release(outs.values());
        }
        feed.values().removeIf(a -> a == x || a == labels);   // the caller's arrays stay theirs
        release(feed.values());
        return stats;
    }

    /** Closes arrays owned by nobody else (not views, not the graph's variables). */
    static void release(java.util.Collection<INDArray> arrays) {
        for (INDArray a : arrays) {
            if (a != null && !a.isView() && a.closeable()) a.close();
        }
    }

    @Override
    public List<Worker> workers() {
        return List.of(new Worker("model", "model", optimizer, "loss"));
    }

    @Override
    public INDArray array(String variable) {
        return model.sameDiff().getArrForVarName(variable);
    }

    @Override
    public DataType dataType() {
        return model.dataType();
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>(model.describeSettings());
        m.put("training", config);
        return m;
    }
}
