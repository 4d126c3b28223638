package org.beatgan.core.model.direct;

import org.beatgan.core.model.BeatGanArchitecture;

import org.beatgan.core.model.BeatGanConfig;
import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.model.BeatGanGraph.Network;
import org.beatgan.core.model.BeatGanGraph.StatisticsPass;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarMultiplication;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.SubOp;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.beatgan.core.model.ActivationNames.*;

/**
 * BeatGAN's training step written out by hand on libnd4j's kernels instead of executed by
 * SameDiff: the same losses, gradients and batch statistics as the graph's two
 * {@code calculateGradientsAndOutputs} calls (tested against them in double precision), at a
 * fraction of the cost. SameDiff spends most of a small model's step in its executor's Java
 * bookkeeping and per-op allocation; here every op and array is built once per batch size.
 *
 * <p>The generator's forward pass runs once per step: the discriminator's update does not change
 * G, so G(x) and its activations from {@link #discriminator} serve {@link #generator}. The
 * generator's adversarial term runs D again (on x and on G(x)) with D's weights as they are when
 * {@link #generator} is called: after D's update in BeatGAN's order, before it in the simultaneous
 * order.
 *
 * <p>BeatGAN's own losses, plus any terms on generator activations handed to
 * {@link #generator(ActivationTerms)} (distillation terms evaluated elsewhere: their gradients
 * join the backward pass at their activations). Not thread-safe, like the graph.
 */
public final class DirectTrainingStep {

    /** The generator activations that {@link ActivationTerms} can read (the graph's names). */
    public static final Set<String> ACTIVATIONS = BeatGanArchitecture.generatorActivations();

    /**
     * D's activations that {@link ActivationTerms} can read too: D's logit on the beats
     * ({@code D/logit}, (B)). A term on it trains D in D's step (its gradient flows into D's
     * weights, as the graph's D gradient of every loss term does) and reads D's current logit in G's step.
     */
    public static final Set<String> DISCRIMINATOR_ACTIVATIONS = Set.of(D_LOGIT);

    /** Further terms of G's loss that are functions of named generator activations (distillation terms). */
    public interface ActivationTerms {

        /** The activations the terms read, from {@link #ACTIVATIONS}. */
        Set<String> activations();

        /**
         * d terms / d activation for this step's activations (live arrays, valid during the call
         * only), for any of them; the terms' own values and parameters are the caller's business.
         */
        Map<String, INDArray> gradients(Map<String, INDArray> activations);

        /**
         * Further passes of G (in training mode, on their own batch statistics, publishing none)
         * on beats of the terms' own (attacked or perturbed beats), by scope: their per-beat scores
         * are the activations {@link #passScore scope/G/score}, and the gradient a term gives for
         * one flows back through its pass into G's parameters. None by default.
         */
        default Map<String, INDArray> extraPasses() {
            return Map.of();
        }

        /**
         * Further passes of G's remainder after one of its encoder activations, on inputs made
         * from that activation's values (lwm_fd's perturbed copies), by scope: their per-row scores
         * are the activations {@link #passScore scope/G/score}; a term's gradient there flows back
         * through the pass into the remainder's weights and, through the pass's input, into the
         * activation. None by default.
         */
        default Map<String, ActivationPass> activationPasses() {
            return Map.of();
        }
    }

    /** A further pass of G from one of its encoder activations ({@link ActivationTerms#activationPasses}). */
    public interface ActivationPass {

        /** The encoder activation the pass starts after ({@code G/enc/act1} .. {@code G/enc/act5}). */
        String activation();

        /** The pass's input rows from this step's values of {@link #activation()} (a live array). */
        INDArray input(INDArray activation);

        /** The beats each input row's reconstruction is scored against, from this step's beats. */
        INDArray targets(INDArray beats);

        /** d loss / d activation from d loss / d the pass's input (the adjoint of {@link #input}). */
        INDArray activationGradient(INDArray inputGradient, INDArray activation);
    }

    /** The activation name of the per-beat score of the further pass {@code scope} (as the graph names it). */
    public static String passScore(String scope) {
        return scope + "/" + G_SCORE;
    }

    private final BeatGanGraph graph;
    private final Map<Long, Plan> plans = new LinkedHashMap<>(4, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Plan> eldest) {
            return size() > 2;
        }
    };
    /** The plan whose G forward {@link #generator} continues; null outside a step. */
    private Plan pending;

    public DirectTrainingStep(BeatGanGraph graph) {
        this.graph = graph;
    }

    /**
     * Times every op of every direct step, in all instances and threads, into {@code profile}
     * until called with null (the loss arithmetic between passes is not timed).
     */
    public static void profile(OpProfile profile) {
        Tape.profile(profile);
    }

    /**
     * D's gradients (keyed by D's parameter names) and outputs: {@code loss/D_real},
     * {@code loss/D_fake}, {@code loss/D} and the batch statistics of D on the real beats and on
     * G(x) ({@link StatisticsPass#D_REAL}, {@link StatisticsPass#D_FAKE}). Also runs G on the
     * beats for {@link #generator}.
     */
    public OutAndGrad discriminator(INDArray x) {
        return discriminator(x, null);
    }

    /**
     * {@link #discriminator(INDArray)} with further terms (or null) that read D's logit on the beats
     * ({@link #DISCRIMINATOR_ACTIVATIONS}) and generator activations: their gradient at the logit
     * joins D's backward pass; their other gradients are G's step's business.
     */
    public OutAndGrad discriminator(INDArray x, ActivationTerms terms) {
        graph.checkInput(x);
        Plan p = plan(x.size(0));
        p.g.forward(x);
        p.real.tape().runForward();
        p.fake.tape().runForward();

        double[] zReal = p.realLogit.value().data().asDouble();
        double[] zFake = p.fakeLogit.value().data().asDouble();
        int b = zReal.length;
        double lossReal = 0;
        double lossFake = 0;
        double[] gReal = new double[b];
        double[] gFake = new double[b];
        // BCE(D(x), 1) = softplus(-z), BCE(D(G(x)), 0) = softplus(z); d softplus(a) / da = sigmoid(a)
        for (int i = 0; i < b; i++) {
            lossReal += softplus(-zReal[i]);
            lossFake += softplus(zFake[i]);
            gReal[i] = -sigmoid(-zReal[i]) / b;
            gFake[i] = sigmoid(zFake[i]) / b;
        }
        lossReal /= b;
        lossFake /= b;
        p.realLogit.grad().assign(column(gReal, p.realLogit.grad()));
        if (terms != null) {
            INDArray logitGrad = termGradients(p, terms, Map.of(), p.realLogit.value()).get(D_LOGIT);
            if (logitGrad != null) p.realLogit.grad().addi(logitGrad.reshape(p.realLogit.grad().shape()));
        }
        p.fakeLogit.grad().assign(column(gFake, p.fakeLogit.grad()));
        p.real.tape().runBackward();
        p.fake.tape().runBackward();

        Map<String, INDArray> gradients = new LinkedHashMap<>(p.real.gradients());
        p.fake.gradients().forEach((name, g) -> gradients.get(name).addi(g));
        Map<String, INDArray> outputs = new LinkedHashMap<>();
        outputs.put(LOSS_D_REAL, scalar(lossReal));
        outputs.put(LOSS_D_FAKE, scalar(lossFake));
        outputs.put(LOSS_D, scalar(lossReal + lossFake));
        outputs.putAll(p.real.statistics());
        outputs.putAll(p.fake.statistics());
        pending = p;
        return new OutAndGrad(outputs, gradients);
    }

    /**
     * Per-beat anomaly scores with G in training mode: every batch norm on this batch's own
     * statistics, as BeatGAN's {@code validate()} scores (G never switched to eval mode). Running
     * statistics are not touched (only a trainer moves them). Ends any step begun by
     * {@link #discriminator}.
     */
    public INDArray trainModeScores(INDArray x) {
        graph.checkInput(x);
        pending = null;
        Plan p = plan(x.size(0));
        p.g.forward(x);
        return p.g.score();
    }

    /** {@link #generator(ActivationTerms)} without further terms: BeatGAN's own loss. */
    public OutAndGrad generator() {
        return generator(null);
    }

    /**
     * G's gradients (keyed by G's parameter names) and outputs: {@code loss/G_rec},
     * {@code loss/G_adv}, {@code loss/G}, G's batch statistics and those of the adversarial
     * term's two D passes ({@link StatisticsPass#D_ADVERSARIAL} on G(x), {@link StatisticsPass#D_REAL}
     * on the beats, with D's weights as they are now), for the beats of the last
     * {@link #discriminator} call, whose G forward pass it reuses (G must be unchanged since).
     * {@code terms} (or null) adds terms of G's loss that are functions of generator
     * activations: their gradients join G's backward pass at those activations.
     */
    public OutAndGrad generator(ActivationTerms terms) {
        Plan p = pending;
        if (p == null) {
            throw new IllegalStateException("generator() continues a step begun by discriminator(x); none is pending");
        }
        pending = null;
        double wAdv = graph.array(BeatGanGraph.W_ADV).getDouble(0);
        p.realFeatures.tape().runForward();
        p.adversarial.tape().runForward();
        Map<String, GeneratorOnBeats> passes = new LinkedHashMap<>();
        Map<String, ActivationPass> fromActivations = terms == null ? Map.of() : terms.activationPasses();
        Map<String, GeneratorOnBeats> remainders = new LinkedHashMap<>();
        if (terms != null) {
            terms.extraPasses().forEach((scope, beats) -> passes.put(scope, extraPass(scope, beats)));
            fromActivations.forEach((scope, ap) -> remainders.put(scope, remainderPass(scope, ap, p)));
        }
        Map<String, GeneratorOnBeats> scored = new LinkedHashMap<>(passes);
        scored.putAll(remainders);
        INDArray dLogit = null;
        if (terms != null && terms.activations().contains(D_LOGIT)) {
            // D's logit on the beats with D's weights as they are now, from the features just computed
            p.realHead.tape().runForward();
            dLogit = p.realHeadLogit.value();
        }
        Map<String, INDArray> extra = new LinkedHashMap<>();
        if (terms != null) extra.putAll(termGradients(p, terms, scored, dLogit));
        // a gradient at D's logit is D's (its step took it); none of it reaches G
        extra.remove(D_LOGIT);
        // a pass from an activation first: its input gradient joins that activation's in G's backward
        Map<String, Map<String, INDArray>> remainderGradients = new LinkedHashMap<>();
        remainders.forEach((scope, pass) -> {
            INDArray g = extra.get(passScore(scope));
            if (g == null) return;
            ActivationPass ap = fromActivations.get(scope);
            remainderGradients.put(scope, new LinkedHashMap<>(pass.backward(g)));
            INDArray a = p.g.pass.named().get(ap.activation()).value();
            INDArray da = ap.activationGradient(pass.inputGrad, a).castTo(a.dataType());
            extra.merge(ap.activation(), da, INDArray::add);
        });

        double rec = squaredSum(p.g.error) / p.g.error.length();
        p.reconstructionGrad.run();
        p.featureDiff.run();
        INDArray featureDiff = p.featureError;
        double adv = squaredSum(featureDiff) / featureDiff.length();
        Nd4j.exec(new ScalarMultiplication(featureDiff, null, p.adversarialFeatures.grad(),
                2 * wAdv / featureDiff.length()));
        p.adversarial.tape().runBackward();
        p.addAdversarialGrad.run();
        INDArray scoreGrad = extra.get(G_SCORE);
        if (scoreGrad != null) {
            p.g.out.grad().addi(scoreGradient(p.g.error, scoreGrad));
        }
        p.g.pass.extraGradients(extra);
        try {
            p.g.pass.tape().runBackward();
        } finally {
            p.g.pass.extraGradients(Map.of());
        }

        Map<String, INDArray> gradients = new LinkedHashMap<>(p.g.pass.gradients());
        passes.forEach((scope, pass) -> {
            INDArray g = extra.get(passScore(scope));
            if (g != null) pass.backward(g).forEach((name, d) -> gradients.put(name, gradients.get(name).add(d)));
        });
        remainderGradients.values().forEach(m -> m.forEach((name, d) -> gradients.put(name, gradients.get(name).add(d))));

        Map<String, INDArray> outputs = new LinkedHashMap<>();
        outputs.put(LOSS_G_REC, scalar(rec));
        outputs.put(LOSS_G_ADV, scalar(adv));
        outputs.put(LOSS_G, scalar(rec + wAdv * adv));
        outputs.putAll(p.g.pass.statistics());
        outputs.putAll(p.adversarial.statistics());
        outputs.putAll(p.realFeatures.statistics());
        return new OutAndGrad(outputs, gradients);
    }

    /** Further G passes by scope and batch size, built once like the plans (and rebuilt with them). */
    private final Map<String, GeneratorOnBeats> extraPasses = new LinkedHashMap<>();

    /** The pass cached under {@code key}, built anew when missing or bound to replaced parameters. */
    private GeneratorOnBeats cached(Map<String, GeneratorOnBeats> cache, String key,
                                    java.util.function.Supplier<GeneratorOnBeats> build) {
        GeneratorOnBeats e = cache.get(key);
        if (e == null || !e.bindsCurrentParameters()) {
            if (cache.size() > 8) cache.clear();
            e = build.get();
            cache.put(key, e);
        }
        return e;
    }

    private GeneratorOnBeats extraPass(String scope, INDArray beats) {
        graph.checkInput(beats);
        GeneratorOnBeats e = cached(extraPasses, scope + "#" + beats.size(0), () -> new GeneratorOnBeats(graph, beats.size(0)));
        e.forward(beats);
        return e;
    }

    /** G's remainder passes from an activation, by scope and rows, built once like the plans. */
    private final Map<String, GeneratorOnBeats> remainderPasses = new LinkedHashMap<>();

    private GeneratorOnBeats remainderPass(String scope, ActivationPass ap, Plan p) {
        INDArray in = ap.input(p.g.pass.named().get(ap.activation()).value());
        INDArray targets = ap.targets(p.g.input);
        GeneratorOnBeats e = cached(remainderPasses, scope + "#" + in.size(0),
                () -> new GeneratorOnBeats(graph, in.size(0), ap.activation()));
        e.input.assign(in);
        e.target.assign(targets);
        e.pass.tape().runForward();
        e.diff.run();
        return e;
    }

    /**
     * G (trainable, training-mode batch norm) bound once: on beats (the step's own pass and each
     * further pass on a term's beats), or its remainder after an encoder activation on rows of
     * that activation's shape, scored against beats of their own (then with an input gradient).
     * {@link #error} is G(input) - target once {@link #diff} has run.
     */
    private static final class GeneratorOnBeats {
        final INDArray input;
        final INDArray target;
        /** d loss / d input of a remainder pass after {@link #backward}; null on beats. */
        final INDArray inputGrad;
        final PassBuilder pass;
        final Node out;
        final INDArray error;
        final Runnable diff;

        GeneratorOnBeats(BeatGanGraph graph, long batch) {
            BeatGanConfig c = graph.config();
            input = Nd4j.create(graph.dataType(), batch, c.nc(), c.isize());
            target = input;
            inputGrad = null;
            pass = new PassBuilder(graph, true, StatisticsPass.G);
            out = generatorLayers(pass, pass.input(input, null), c);
            error = out.value().like();
            diff = Tape.exec(new SubOp(out.value(), input, error));
        }

        /** G's layers after the encoder activation {@code after}, on {@code rows} inputs of its shape. */
        GeneratorOnBeats(BeatGanGraph graph, long rows, String after) {
            BeatGanConfig c = graph.config();
            List<BeatGanArchitecture.Layer> all = BeatGanArchitecture.generator();
            int start = -1;
            for (int i = 0; i < all.size(); i++) {
                if (after.equals(all.get(i).activationName())) start = i + 1;
            }
            if (start < 1 || !after.startsWith("G/enc/")) {
                throw new IllegalArgumentException("A generator pass can start after an encoder activation, not '" + after + "'");
            }
            BeatGanArchitecture.Layer at = all.get(start - 1);
            input = Nd4j.create(graph.dataType(), rows, at.out().applyAsLong(c), c.isize() >> start);
            target = Nd4j.create(graph.dataType(), rows, c.nc(), c.isize());
            inputGrad = input.like();
            pass = new PassBuilder(graph, true, StatisticsPass.G);
            out = layers(pass, pass.input(input, inputGrad), all.subList(start, all.size()));
            error = out.value().like();
            diff = Tape.exec(new SubOp(out.value(), target, error));
        }

        boolean bindsCurrentParameters() {
            return bindsCurrent(List.of(pass));
        }

        void forward(INDArray beats) {
            input.assign(beats);
            pass.tape().runForward();
            diff.run();
        }

        /** Per-beat mean squared error of the last forward. */
        INDArray score() {
            return error.mul(error).mean(1, 2);
        }

        /** G's parameter gradients for d terms / d score = {@code scoreGrad} (B'), score the only term (further passes). */
        Map<String, INDArray> backward(INDArray scoreGrad) {
            out.grad().assign(scoreGradient(error, scoreGrad));
            pass.tape().runBackward();
            return pass.gradients();
        }
    }

    /**
     * The terms' gradients by activation, checked against the activations' shapes and cast to the
     * model's type; {@code passes} are this step's further passes (on beats and from activations)
     * by scope, {@code dLogit} D's logit on the beats where the terms read it (else null).
     */
    private Map<String, INDArray> termGradients(Plan p, ActivationTerms terms, Map<String, GeneratorOnBeats> passes,
                                                INDArray dLogit) {
        Map<String, INDArray> acts = new LinkedHashMap<>();
        Map<String, GeneratorOnBeats> byScore = new LinkedHashMap<>();
        passes.forEach((scope, pass) -> byScore.put(passScore(scope), pass));
        for (String name : terms.activations()) {
            if (byScore.containsKey(name)) {
                acts.put(name, byScore.get(name).score());
                continue;
            }
            if (name.equals(D_LOGIT) && dLogit != null) {
                acts.put(name, dLogit.reshape(dLogit.size(0)));
                continue;
            }
            if (!ACTIVATIONS.contains(name)) {
                throw new IllegalArgumentException("'" + name + "' is not a generator activation of the direct step; "
                        + "it provides " + ACTIVATIONS + (passes.isEmpty() ? "" : " and the scores " + byScore.keySet()));
            }
            acts.put(name, name.equals(G_SCORE) ? p.g.score() : p.g.pass.named().get(name).value());
        }
        return NamedActivations.checkedGradients(terms.gradients(acts), acts, graph.dataType());
    }

    private Plan plan(long batch) {
        Plan p = plans.get(batch);
        if (p != null && !p.bindsCurrentParameters()) {
            p = null;
        }
        if (p == null) {
            p = new Plan(graph, batch);
            plans.put(batch, p);
        }
        return p;
    }

    /** True while the graph still holds the parameter arrays these passes' ops were bound to. */
    private static boolean bindsCurrent(List<PassBuilder> passes) {
        return passes.stream().allMatch(PassBuilder::bindsCurrentParameters);
    }

    /**
     * d terms / d G(x) from d terms / d score ({@code scoreGrad}, (B)): score_b = mean over the beat
     * of (G(x) - x)^2, so d score_b / d G(x) = 2 (G(x) - x) / (nc L); {@code error} is G(x) - x.
     */
    private static INDArray scoreGradient(INDArray error, INDArray scoreGrad) {
        long batch = error.size(0);
        long perBeat = error.length() / batch;
        return error.reshape(batch, perBeat).mulColumnVector(scoreGrad.reshape(batch, 1).castTo(error.dataType()))
                .muli(2.0 / perBeat).reshape(error.shape());
    }

    private static double squaredSum(INDArray a) {
        double n = a.norm2Number().doubleValue();
        return n * n;
    }

    private static double softplus(double a) {
        return Math.max(a, 0) + Math.log1p(Math.exp(-Math.abs(a)));
    }

    private static double sigmoid(double a) {
        return a >= 0 ? 1 / (1 + Math.exp(-a)) : Math.exp(a) / (1 + Math.exp(a));
    }

    private INDArray scalar(double v) {
        return Nd4j.scalar(graph.dataType(), v);
    }

    private static INDArray column(double[] values, INDArray like) {
        return Nd4j.createFromArray(values).castTo(like.dataType()).reshape(like.shape());
    }

    /** Every pass, array and loss op of one batch size. */
    private static final class Plan {
        /** G on the beats: its input, G(x) and d loss / d G(x), G(x) - x. */
        final GeneratorOnBeats g;
        /** D on the beats and on G(x) for D's loss, trainable. */
        final PassBuilder real;
        final PassBuilder fake;
        /** D's features of the beats (forward only) and of G(x) (back to G(x)) for G's adversarial term. */
        final PassBuilder realFeatures;
        final PassBuilder adversarial;
        final Node realLogit;
        final Node fakeLogit;
        /** D's head on {@link #realFeatures}' output (forward only): D's logit in G's step, for terms that read it. */
        final PassBuilder realHead;
        final Node realHeadLogit;
        final Node adversarialFeatures;
        /** D_feat(G(x)) - D_feat(x), and the ops writing it and the gradients. */
        final INDArray featureError;
        final Runnable reconstructionGrad;
        final Runnable featureDiff;
        final Runnable addAdversarialGrad;

        Plan(BeatGanGraph graph, long batch) {
            g = new GeneratorOnBeats(graph, batch);
            INDArray input = g.input;
            Node out = g.out;

            real = new PassBuilder(graph, true, StatisticsPass.D_REAL);
            realLogit = discriminatorLayers(real, real.input(input, null));
            fake = new PassBuilder(graph, true, StatisticsPass.D_FAKE);
            fakeLogit = discriminatorLayers(fake, fake.input(out.value(), null));

            realFeatures = new PassBuilder(graph, false, StatisticsPass.D_REAL);
            Node realFeat = encoderLayers(realFeatures, realFeatures.input(input, null), "D");
            realHead = new PassBuilder(graph, false, StatisticsPass.D_REAL);
            realHeadLogit = layers(realHead, realHead.input(realFeat.value(), null),
                    List.of(BeatGanArchitecture.discriminatorHead()));
            adversarial = new PassBuilder(graph, true, false, StatisticsPass.D_ADVERSARIAL);
            INDArray adversarialInputGrad = out.value().like();
            adversarialFeatures = encoderLayers(adversarial, adversarial.input(out.value(), adversarialInputGrad), "D");

            reconstructionGrad = Tape.exec(new ScalarMultiplication(g.error, null, out.grad(),
                    2.0 / g.error.length()));
            featureError = realFeat.value().like();
            featureDiff = Tape.exec(new SubOp(adversarialFeatures.value(), realFeat.value(), featureError));
            addAdversarialGrad = Tape.exec(new AddOp(out.grad(), adversarialInputGrad, out.grad()));
            checkCoverage(graph);
        }

        /** Fails if the passes and the graph disagree on the parameters (a layer added to one only). */
        private void checkCoverage(BeatGanGraph graph) {
            check(g.pass.gradients().keySet(), graph.paramNames(Network.G), "G");
            check(real.gradients().keySet(), graph.paramNames(Network.D), "D");
        }

        private static void check(Set<String> direct, List<String> graphNames, String net) {
            if (!direct.equals(new HashSet<>(graphNames))) {
                throw new IllegalStateException("The direct training step's " + net + " parameters " + direct
                        + " differ from the graph's " + graphNames);
            }
        }

        /** True while the graph still holds the parameter arrays this plan's ops were bound to. */
        boolean bindsCurrentParameters() {
            return bindsCurrent(List.of(g.pass, real, fake, realFeatures, realHead, adversarial));
        }
    }

    /** The encoder of {@code prefix} ("G/enc" or "D") from {@link BeatGanArchitecture#encoder}. */
    static Node encoderLayers(PassBuilder pass, Node x, String prefix) {
        return layers(pass, x, BeatGanArchitecture.encoder(prefix));
    }

    /** D's encoder and head: the (B, 1, 1) logit. */
    static Node discriminatorLayers(PassBuilder pass, Node x) {
        return layers(pass, x, BeatGanArchitecture.discriminator());
    }

    /** The generator, beat to reconstruction ({@link BeatGanArchitecture#generator}). */
    static Node generatorLayers(PassBuilder pass, Node x, BeatGanConfig c) {
        return layers(pass, x, BeatGanArchitecture.generator());
    }

    /** Table layers in order: convolution, batch norm, activation, the output published under its name. */
    private static Node layers(PassBuilder pass, Node x, List<BeatGanArchitecture.Layer> layers) {
        Node h = x;
        for (BeatGanArchitecture.Layer l : layers) {
            h = l.kind() == BeatGanArchitecture.Kind.CONV ? pass.conv(h, l.weight(), l.kernel(), l.stride(), l.pad())
                    : pass.deconv(h, l.weight(), l.kernel(), l.stride(), l.pad());
            if (l.batchNorm() != null) h = pass.batchNorm(h, l.batchNorm());
            h = switch (l.activation()) {
                case LEAKY_RELU -> pass.leakyRelu(h);
                case RELU -> pass.relu(h);
                case TANH -> pass.tanh(h);
                case NONE -> h;
            };
            if (l.activationName() != null) h = pass.name(h, l.activationName());
        }
        return h;
    }
}
