package org.beatgan.distill;

import org.beatgan.core.io.Json;
import org.beatgan.core.model.BeatGanConfig;
import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.model.image.ClassifierSpec;
import org.beatgan.core.model.image.ImageClassifierGraph;
import org.beatgan.core.model.BeatGanGraphBuilder;
import org.beatgan.core.train.DetachedTerms;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * KD on BeatGAN's scores and attention transfer on the losses' kernels ({@link KernelDistillationTerms})
 * against the same terms detached in a SameDiff graph ({@link DetachedDistillationTerms}), the plain
 * path: the same logged values and the same gradients for every activation, in float.
 */
class DetachedTermsKernelTest {

    private static DistillTermSpec term(String yaml) throws Exception {
        return Json.YAML.treeToValue(Json.YAML.readTree(yaml), DistillTermSpec.class);
    }

    @Test
    void kdAndAtOnKernelsMatchTheirGraph() throws Exception {
        BeatGanGraph teacher = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 50, 16, 16), 1);
        BeatGanGraph student = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 50, 4, 4), 2);
        List<DistillTermSpec> terms = List.of(
                term("{name: kd, loss: kd, weight: 0.3, params: {T: 4}, inputs: {logits: score}}"),
                term("{name: at, loss: at, weight: 1000, inputs: {feats: [G/enc/act1, G/enc/act2, G/enc/act3, G/enc/act4, G/enc/act5]}}"),
                term("{name: dec, loss: at, weight: 500, inputs: {feats: [G/dec/act1, G/dec/act3]}}"));
        Distiller d = new Distiller(teacher, student, terms);
        DetachedTerms kernels = d.detachedTerms().orElseThrow();
        DetachedTerms graph = d.graphDetachedTerms().orElseThrow();
        assertInstanceOf(KernelDistillationTerms.class, kernels, "KD + AT run on kernels");
        assertInstanceOf(DetachedDistillationTerms.class, graph);
        assertEquals(graph.activations(), kernels.activations());

        Nd4j.getRandom().setSeed(7);
        for (int round = 0; round < 2; round++) {
            INDArray x = Nd4j.rand(DataType.FLOAT, 16, 1, 320).muli(2).subi(1);
            String[] names = kernels.activations().toArray(String[]::new);
            Map<String, INDArray> acts = student.activations(x, names);
            Map<String, INDArray> teacherActs = teacher.activations(x, names);
            // untrained generators give nearly equal scores, whose KL is float round-off: spread them
            acts = new HashMap<>(acts);
            acts.put("G/score", Nd4j.rand(DataType.FLOAT, acts.get("G/score").shape()).muli(3));
            teacherActs = new HashMap<>(teacherActs);
            teacherActs.put("G/score", Nd4j.rand(DataType.FLOAT, teacherActs.get("G/score").shape()).muli(3));
            Map<String, INDArray> feed = new HashMap<>();
            teacherActs.forEach((k, v) -> feed.put(Distiller.TEACHER_PREFIX + k, v));
            OutAndGrad a = kernels.evaluate(feed, acts);
            OutAndGrad b = graph.evaluate(feed, acts);
            for (String out : d.loggedTerms().values()) {
                double va = a.getOutputs().get(out).getDouble(0);
                double vb = b.getOutputs().get(out).getDouble(0);
                assertTrue(vb != 0, out + " is not trivially zero");
                assertEquals(vb, va, 1e-4 * Math.abs(vb), out);
            }
            for (String act : kernels.activations()) {
                INDArray ga = a.getGradients().get(act);
                INDArray gb = b.getGradients().get(act);
                double scale = gb.amaxNumber().doubleValue();
                assertTrue(scale > 0, act + ": a gradient to compare");
                double diff = ga.sub(gb).amaxNumber().doubleValue();
                assertTrue(diff <= 1e-4 * scale, act + ": max |kernel - graph| " + diff + " against " + scale);
            }
        }
    }

    @Test
    void irgOnItsKernelMatchesItsGraph() throws Exception {
        BeatGanGraph teacher = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 50, 16, 16), 1);
        for (String spec : List.of(
                "{name: irg, loss: irg, weight: 2, inputs: {feats: [G/enc/act4, G/enc/act5], emb: G/latent, logits: discriminator}}",
                // equal channels and lengths (no pooling, no channel pairs), logits flattened
                "{name: irg, loss: irg, weight: 1, params: {w_vert: 1}, inputs: {feats: [G/enc/act5, G/enc/act5], emb: G/latent, logits: score}}")) {
            BeatGanGraph student = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 50, 4, 4), 2);
            Distiller d = new Distiller(teacher, student, List.of(term(spec)));
            DetachedTerms kernels = d.detachedTerms().orElseThrow();
            DetachedTerms graph = d.graphDetachedTerms().orElseThrow();
            assertInstanceOf(KernelDistillationTerms.class, kernels, spec);
            assertEquals(graph.activations(), kernels.activations());
            Nd4j.getRandom().setSeed(11);
            INDArray x = Nd4j.rand(DataType.FLOAT, 12, 1, 320).muli(2).subi(1);
            String[] names = kernels.activations().toArray(String[]::new);
            Map<String, INDArray> acts = new HashMap<>(student.activations(x, names));
            Map<String, INDArray> feed = new HashMap<>();
            teacher.activations(x, names).forEach((k, v) -> feed.put(Distiller.TEACHER_PREFIX + k, v));
            // logits far apart, so the vertex term is not round-off
            acts.put(names[names.length - 1], Nd4j.randn(DataType.FLOAT, acts.get(names[names.length - 1]).shape()));
            OutAndGrad a = kernels.evaluate(feed, acts);
            OutAndGrad b = graph.evaluate(feed, acts);
            for (String out : d.loggedTerms().values()) {
                double vb = b.getOutputs().get(out).getDouble(0);
                assertTrue(vb > 0, out);
                assertEquals(vb, a.getOutputs().get(out).getDouble(0), 1e-4 * vb, spec + " " + out);
            }
            for (String act : kernels.activations()) {
                INDArray gb = b.getGradients().get(act);
                double scale = gb.amaxNumber().doubleValue();
                assertTrue(scale > 0, act + ": a gradient to compare");
                double diff = a.getGradients().get(act).sub(gb).amaxNumber().doubleValue();
                assertTrue(diff <= 1e-3 * scale, spec + " " + act + ": max |kernel - graph| " + diff + " against " + scale);
            }
        }
    }

    @Test
    void kdOnClassLogitsOnKernelsMatchesItsGraph() throws Exception {
        ImageClassifierGraph teacher = ImageClassifierGraph.build(ClassifierSpec.lightNN(5), 1, 12, 12, DataType.FLOAT, 1);
        ImageClassifierGraph student = ImageClassifierGraph.build(ClassifierSpec.lightNN(5), 1, 12, 12, DataType.FLOAT, 2);
        Distiller d = new Distiller(teacher, student,
                List.of(term("{name: kd, loss: kd, weight: 0.25, params: {T: 2}, inputs: {logits: logits}}")));
        DetachedTerms kernels = d.detachedTerms().orElseThrow();
        DetachedTerms graph = d.graphDetachedTerms().orElseThrow();
        assertInstanceOf(KernelDistillationTerms.class, kernels, "KD on class logits runs on its kernel");
        Nd4j.getRandom().setSeed(3);
        Map<String, INDArray> acts = Map.of("logits", Nd4j.randn(DataType.FLOAT, 6, 5).muli(2));
        Map<String, INDArray> feed = Map.of(Distiller.TEACHER_PREFIX + "logits", Nd4j.randn(DataType.FLOAT, 6, 5).muli(2));
        OutAndGrad a = kernels.evaluate(feed, acts);
        OutAndGrad b = graph.evaluate(feed, acts);
        for (String out : d.loggedTerms().values()) {
            double vb = b.getOutputs().get(out).getDouble(0);
            assertTrue(vb > 0, out);
            assertEquals(vb, a.getOutputs().get(out).getDouble(0), 1e-5 * vb, out);
        }
        INDArray gb = b.getGradients().get("logits");
        double diff = a.getGradients().get("logits").sub(gb).amaxNumber().doubleValue();
        assertTrue(diff <= 1e-5 * gb.amaxNumber().doubleValue(), "max |kernel - graph| " + diff);
    }

    @Test
    void aWeightBeyondFloatIsInfiniteAsInTheFloatGraph() throws Exception {
        // the graph holds weights in float, where 1e39 is infinite: the trainer then refuses the step
        BeatGanGraph teacher = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 50, 16, 16), 1);
        BeatGanGraph student = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 50, 4, 4), 2);
        Distiller d = new Distiller(teacher, student,
                List.of(term("{name: at, loss: at, weight: 1.0e39, inputs: {feats: [G/enc/act3]}}")));
        DetachedTerms kernels = d.detachedTerms().orElseThrow();
        assertInstanceOf(KernelDistillationTerms.class, kernels);
        INDArray x = Nd4j.rand(DataType.FLOAT, 8, 1, 320);
        Map<String, INDArray> feed = new HashMap<>();
        teacher.activations(x, "G/enc/act3").forEach((k, v) -> feed.put(Distiller.TEACHER_PREFIX + k, v));
        OutAndGrad r = kernels.evaluate(feed, student.activations(x, "G/enc/act3"));
        assertTrue(Double.isInfinite(r.getOutputs().get("distill/at/weighted").getDouble(0)));
    }

    @Test
    void otherTermsKeepTheGraph() throws Exception {
        BeatGanGraph teacher = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 50, 16, 16), 1);
        for (String other : new String[]{
                "{name: kd, loss: kd, weight: 1, params: {T: 4}, inputs: {logits: reconstruction}}",   // not the scores
                "{name: at, loss: at, weight: 1, params: {p: 3}, inputs: {feats: [G/enc/act2]}}",      // p != 2
                "{name: at, loss: at, weight: 1, inputs: {feats: [G/enc/act1 => G/enc/act2]}}",         // pooling
                "{name: fn, loss: fitnet, weight: 1, inputs: {feat: G/enc/act3}}"}) {                    // another loss, an adapter
            BeatGanGraph student = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 50, 4, 4), 2);
            Distiller d = new Distiller(teacher, student, List.of(term(other)));
            DetachedTerms t = d.detachedTerms().orElseThrow();
            assertInstanceOf(DetachedDistillationTerms.class, t, other);
        }
    }
}
