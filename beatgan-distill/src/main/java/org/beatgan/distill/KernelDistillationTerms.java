package org.beatgan.distill;

import org.beatgan.core.model.DistillableModel;
import org.beatgan.core.model.direct.DirectTrainingStep;
import org.beatgan.core.train.DetachedTerms;
import org.beatgan.distill.loss.ActivationProbe;
import org.beatgan.distill.loss.AttentionTransferLoss;
import org.beatgan.distill.loss.CrdLoss;
import org.beatgan.distill.loss.IrgLoss;
import org.beatgan.distill.loss.ScoreProbe;
import org.beatgan.distill.loss.KdLoss;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The detached terms of a distillation made only of KD (on BeatGAN's per-beat scores or on class
 * logits, a row per example), irg ({@link IrgLoss#kernel}), lwm_fd ({@link ActivationProbe#kernel}, on a
 * further pass of G's remainder from its encoder activation, {@link #activationPassScopes}), attention
 * transfer on maps of equal length, CRD (its embeddings' adapters, memory banks and step outputs)
 * and the losses that probe the student through a generator pass of their own ({@link ScoreProbe}:
 * {@code bss_score}, {@code sobolev_fd}), in float, evaluated by the losses' own kernels
 * ({@link KdLoss#rowKernel}, {@link AttentionTransferLoss#pairKernel}, {@link CrdLoss#kernel},
 * {@link ScoreProbe#scoreKernel}) on Java arrays instead of a SameDiff graph: the same values and
 * gradients (DetachedTermsKernelTest checks KD and AT against {@link DetachedDistillationTerms};
 * DirectProbeTermsTest and DirectCrdTest train the others against the student graph) without
 * SameDiff's executor, which cost ~56 ms of an 89 ms KD + AT step (docs/performance.md). A probe
 * reads the student's scores of its beats from a further generator pass of the direct step
 * ({@link #passes}). Any other term, another adapter, pooling, another p or dtype keeps the graph.
 */
final class KernelDistillationTerms implements DetachedTerms {

    /**
     * KD on one row (BeatGAN's per-beat scores as a distribution over the batch, {@code classes}
     * the batch) or on one row per example ((B, classes) logits, the batch mean of the rows' terms).
     */
    private record Kd(KdLoss loss, double weight, String student, String teacher, String raw, String weighted,
                      boolean perExample) {
    }

    private record At(double weight, List<String[]> pairs, String raw, String weighted) {
    }

    /** bss_score, sobolev_fd: a loss on the student's scores of its own beats, from a further generator pass. */
    private record Probe(ScoreProbe loss, double weight, String score, String raw, String weighted) {
    }

    private final List<Probe> probes = new ArrayList<>();

    /** crd: its embeddings' adapters, memory banks and contrast on {@link CrdLoss#kernel}. */
    private record Crd(CrdLoss loss, double weight, String student, String teacher, String raw, String weighted) {
    }

    private final List<Crd> crd = new ArrayList<>();

    /** irg: maps, embedding and logits (in each side's logits form) on {@link IrgLoss#kernel}. */
    private record Irg(IrgLoss loss, double weight, String[] student, String[] teacher,
                       DistillableModel.Logits.Form studentForm, DistillableModel.Logits.Form teacherForm,
                       String raw, String weighted) {
    }

    private final List<Irg> irg = new ArrayList<>();

    /** lwm_fd: a loss on a further pass of G's remainder from an encoder activation, and the activation. */
    private record FromActivation(ActivationProbe loss, double weight, String score, String raw, String weighted) {
    }

    private final List<FromActivation> fromActivations = new ArrayList<>();
    private final Set<String> stepOutputs = new LinkedHashSet<>();
    private final Set<String> passes = new LinkedHashSet<>();
    private final List<Kd> kd = new ArrayList<>();
    private final List<At> at = new ArrayList<>();
    private final Set<String> activations = new LinkedHashSet<>();

    private KernelDistillationTerms() {
    }

    /** These terms on kernels, or empty where one of them needs the graph. */
    static Optional<DetachedTerms> of(DistillableModel student, List<DistillTermSpec> terms,
                                      Map<String, DistillationLoss> losses, List<Map<String, List<Tap>>> resolved,
                                      Map<String, long[]> studentShapes, Map<String, long[]> teacherShapes,
                                      List<String> adapters) {
        if (student.dataType() != DataType.FLOAT || terms.isEmpty()) return Optional.empty();
        Set<String> kernelAdapters = new LinkedHashSet<>();
        KernelDistillationTerms k = new KernelDistillationTerms();
        for (int i = 0; i < terms.size(); i++) {
            DistillTermSpec term = terms.get(i);
            DistillationLoss loss = losses.get(term.name());
            String prefix = TermBuilder.prefix(term.name());
            String raw = TermBuilder.rawName(prefix);
            String weighted = TermBuilder.weightedName(prefix);
            Map<String, List<Tap>> roles = resolved.get(i);
            if (loss instanceof KdLoss kdLoss && term.loss().equals("kd") && roles.keySet().equals(Set.of(Tap.LOGITS))
                    && roles.get(Tap.LOGITS).size() == 1) {
                Tap t = roles.get(Tap.LOGITS).get(0);
                boolean scores = t.studentForm() == DistillableModel.Logits.Form.BATCH_AS_CLASSES
                        && t.teacherForm() == DistillableModel.Logits.Form.BATCH_AS_CLASSES;
                // class logits: (B, K) on both sides (probed shapes hold the batch axis), already flat
                boolean classes = t.studentForm() == DistillableModel.Logits.Form.FLATTEN
                        && t.teacherForm() == DistillableModel.Logits.Form.FLATTEN
                        && studentShapes.get(t.student()).length == 2 && teacherShapes.get(t.teacher()).length == 2
                        && studentShapes.get(t.student())[1] == teacherShapes.get(t.teacher())[1];
                if (!scores && !classes) {
                    return Optional.empty();
                }
                k.kd.add(new Kd(kdLoss, inFloat(term.weight()), t.student(), t.teacher(), raw, weighted, classes));
                k.activations.add(t.student());
            } else if (loss instanceof AttentionTransferLoss atLoss && term.loss().equals("at") && atLoss.p() == 2
                    && roles.keySet().equals(Set.of("feats"))) {
                List<String[]> pairs = new ArrayList<>();
                for (Tap t : roles.get("feats")) {
                    long[] s = studentShapes.get(t.student());
                    long[] tt = teacherShapes.get(t.teacher());
                    if (s.length != 3 || tt.length != 3 || s[2] != tt[2]) return Optional.empty(); // would pool
                    pairs.add(new String[]{t.student(), t.teacher()});
                    k.activations.add(t.student());
                }
                k.at.add(new At(inFloat(term.weight()), pairs, raw, weighted));
            } else if (loss instanceof CrdLoss crdLoss && term.loss().equals("crd") && roles.keySet().equals(Set.of("feat"))
                    && roles.get("feat").size() == 1) {
                Tap t = roles.get("feat").get(0);
                k.crd.add(new Crd(crdLoss, inFloat(term.weight()), t.student(), t.teacher(), raw, weighted));
                k.activations.add(t.student());
                kernelAdapters.addAll(crdLoss.adapterNames());
                k.stepOutputs.addAll(crdLoss.stepOutputNames());
            } else if (loss instanceof IrgLoss irgLoss && term.loss().equals("irg")
                    && roles.keySet().equals(Set.of("feats", "emb", Tap.LOGITS)) && roles.get("feats").size() == 2
                    && roles.get("emb").size() == 1 && roles.get(Tap.LOGITS).size() == 1) {
                List<Tap> feats = roles.get("feats");
                if (!IrgLoss.kernelServes(studentShapes.get(feats.get(0).student()), studentShapes.get(feats.get(1).student()))
                        || !IrgLoss.kernelServes(teacherShapes.get(feats.get(0).teacher()),
                        teacherShapes.get(feats.get(1).teacher()))) {
                    return Optional.empty();
                }
                Tap emb = roles.get("emb").get(0);
                Tap logits = roles.get(Tap.LOGITS).get(0);
                String[] st = {feats.get(0).student(), feats.get(1).student(), emb.student(), logits.student()};
                String[] te = {feats.get(0).teacher(), feats.get(1).teacher(), emb.teacher(), logits.teacher()};
                k.irg.add(new Irg(irgLoss, inFloat(term.weight()), st, te, logits.studentForm(), logits.teacherForm(),
                        raw, weighted));
                k.activations.addAll(List.of(st));
            } else if (loss instanceof ActivationProbe probe && roles.isEmpty()) {
                String score = DirectTrainingStep.passScore(probe.passScope());
                k.fromActivations.add(new FromActivation(probe, inFloat(term.weight()), score, raw, weighted));
                k.activations.add(probe.layer());
                k.activations.add(score);
            } else if (loss instanceof ScoreProbe probe && roles.isEmpty()) {
                String score = DirectTrainingStep.passScore(probe.passScope());
                k.probes.add(new Probe(probe, inFloat(term.weight()), score, raw, weighted));
                k.passes.add(probe.passScope());
                k.activations.add(score);
            } else {
                return Optional.empty();
            }
        }
        // every adapter must be one a kernel trains (CRD's embeddings); others belong to graph-only terms
        if (!kernelAdapters.equals(new LinkedHashSet<>(adapters))) return Optional.empty();
        return Optional.of(k);
    }

    /**
     * A term's weight as the float graph holds it: a weight beyond float's range is infinite there,
     * which makes the weighted term infinite and the trainer refuse the step (a diverged run), so
     * it must be here too.
     */
    private static double inFloat(double weight) {
        return (float) weight;
    }

    @Override
    public Set<String> activations() {
        return activations;
    }

    @Override
    public Set<String> outputs() {
        return stepOutputs;
    }

    @Override
    public Set<String> passes() {
        return passes;
    }

    @Override
    public Set<String> activationPassScopes() {
        Set<String> scopes = new LinkedHashSet<>();
        fromActivations.forEach(t -> scopes.add(t.loss().passScope()));
        return scopes;
    }

    @Override
    public DirectTrainingStep.ActivationPass activationPass(String scope, Map<String, INDArray> feed) {
        for (FromActivation term : fromActivations) {
            if (term.loss().passScope().equals(scope)) return term.loss().pass(feed);
        }
        return DetachedTerms.super.activationPass(scope, feed);
    }

    @Override
    public INDArray passBeats(String scope, Map<String, INDArray> feed) {
        for (Probe term : probes) {
            if (term.loss().passScope().equals(scope)) return term.loss().passBeats(feed);
        }
        return DetachedTerms.super.passBeats(scope, feed);
    }

    @Override
    public OutAndGrad evaluate(Map<String, INDArray> feed, Map<String, INDArray> activationValues) {
        Map<String, INDArray> outputs = new LinkedHashMap<>();
        Map<String, float[]> grads = new LinkedHashMap<>();
        Map<String, float[]> values = new LinkedHashMap<>();
        for (String a : activations) {
            float[] v = activationValues.get(a).dup().data().asFloat();
            values.put(a, v);
            grads.put(a, new float[v.length]);
        }
        for (Kd term : kd) {
            double[] s = toDouble(values.get(term.student()));
            double[] t = toDouble(teacher(feed, term.teacher()).dup().data().asFloat());
            int rows = term.perExample() ? (int) activationValues.get(term.student()).size(0) : 1;
            int width = s.length / rows;
            double value = 0;
            float[] into = grads.get(term.student());
            double[] g = new double[width];
            for (int r = 0; r < rows; r++) {
                int o = r * width;
                value += term.loss().rowKernel(java.util.Arrays.copyOfRange(s, o, o + width),
                        java.util.Arrays.copyOfRange(t, o, o + width), g) / rows;
                for (int i = 0; i < width; i++) into[o + i] += (float) (term.weight() * g[i] / rows);
            }
            put(outputs, term.raw(), term.weighted(), value, term.weight());
        }
        Map<String, INDArray> variableGradients = new LinkedHashMap<>();
        for (Crd term : crd) {
            CrdLoss.Step step = term.loss().kernel(activationValues.get(term.student()), teacher(feed, term.teacher()), feed);
            float[] into = grads.get(term.student());
            double[] g = step.studentFeatureGradient();
            for (int i = 0; i < g.length; i++) into[i] += (float) (term.weight() * g[i]);
            step.adapterGradients().forEach((name, a) -> variableGradients.put(name, a.muli(term.weight())));
            outputs.putAll(step.outputs());
            put(outputs, term.raw(), term.weighted(), step.value(), term.weight());
        }
        for (Probe term : probes) {
            double[] s = toDouble(values.get(term.score()));
            double[] g = new double[s.length];
            double value = term.loss().scoreKernel(s, feed, g);
            float[] into = grads.get(term.score());
            for (int i = 0; i < g.length; i++) into[i] += (float) (term.weight() * g[i]);
            put(outputs, term.raw(), term.weighted(), value, term.weight());
        }
        for (FromActivation term : fromActivations) {
            INDArray[] g = new INDArray[2];
            double value = term.loss().kernel(activationValues.get(term.score()),
                    activationValues.get(term.loss().layer()), feed, g);
            addWeighted(grads.get(term.score()), g[0], term.weight());
            addWeighted(grads.get(term.loss().layer()), g[1], term.weight());
            put(outputs, term.raw(), term.weighted(), value, term.weight());
        }
        for (Irg term : irg) {
            String[] st = term.student();
            String[] te = term.teacher();
            INDArray sz = activationValues.get(st[3]);
            IrgLoss.Step step = term.loss().kernel(activationValues.get(st[0]), activationValues.get(st[1]),
                    activationValues.get(st[2]), asLogits(sz, term.studentForm()),
                    teacher(feed, te[0]), teacher(feed, te[1]), teacher(feed, te[2]),
                    asLogits(teacher(feed, te[3]), term.teacherForm()));
            INDArray[] g = {step.earlier(), step.later(), step.emb(), fromLogits(step.logits(), term.studentForm(), sz)};
            for (int i = 0; i < 4; i++) addWeighted(grads.get(st[i]), g[i], term.weight());
            put(outputs, term.raw(), term.weighted(), step.value(), term.weight());
        }
        for (At term : at) {
            double value = 0;
            for (String[] pair : term.pairs()) {
                long[] s = activationValues.get(pair[0]).shape();
                INDArray t = teacher(feed, pair[1]);
                value += AttentionTransferLoss.pairKernel(values.get(pair[0]), (int) s[1], t.dup().data().asFloat(),
                        (int) t.size(1), (int) s[0], (int) s[2], term.weight(), grads.get(pair[0]));
            }
            put(outputs, term.raw(), term.weighted(), value, term.weight());
        }
        Map<String, INDArray> gradients = new LinkedHashMap<>();
        grads.forEach((a, g) -> gradients.put(a, Nd4j.createFromArray(g).reshape(activationValues.get(a).shape())));
        gradients.putAll(variableGradients);
        return new OutAndGrad(outputs, gradients);
    }

    /** into += weight * g, element by element in g's C order (the activation's layout). */
    private static void addWeighted(float[] into, INDArray g, double weight) {
        double[] v = g.reshape(g.length()).toDoubleVector();
        for (int j = 0; j < v.length; j++) into[j] += (float) (weight * v[j]);
    }

    /** A tapped activation as the logits a loss reads ({@code LogitSources}): (B, N), [z, 0] per example, or (1, B). */
    private static INDArray asLogits(INDArray v, DistillableModel.Logits.Form form) {
        long b = v.size(0);
        return switch (form) {
            case FLATTEN -> v.reshape(b, v.length() / b);
            case BINARY -> Nd4j.concat(1, v.reshape(b, 1), Nd4j.zeros(v.dataType(), b, 1));
            case BATCH_AS_CLASSES -> v.reshape(1, v.length());
        };
    }

    /** d loss / d activation from d loss / d the logits of {@link #asLogits}. */
    private static INDArray fromLogits(INDArray g, DistillableModel.Logits.Form form, INDArray activation) {
        INDArray own = form == DistillableModel.Logits.Form.BINARY
                ? g.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(0)) : g;
        return own.dup().reshape(activation.shape());
    }

    private static INDArray teacher(Map<String, INDArray> feed, String activation) {
        INDArray v = feed.get(Distiller.TEACHER_PREFIX + activation);
        if (v == null) {
            throw new IllegalStateException("No teacher activations fed for " + Distiller.TEACHER_PREFIX + activation);
        }
        return v;
    }

    private static void put(Map<String, INDArray> outputs, String raw, String weighted, double value, double weight) {
        outputs.put(raw, Nd4j.scalar(DataType.FLOAT, (float) value));
        outputs.put(weighted, Nd4j.scalar(DataType.FLOAT, (float) (value * weight)));
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }
}
