package org.beatgan.distill;

import org.beatgan.core.model.BeatGanConfig;
import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.model.BeatGanGraphBuilder;
import org.beatgan.core.train.BeatGanTrainer;
import org.beatgan.core.train.TrainingConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Terms that tap D's logit on the beats ({@code st}, {@code irg}, as in distill-zoo.yaml) on the
 * direct step against the same training through the student graph, in both step orders: the same
 * losses step by step and the same weights after, D's included (the graph's D gradient takes
 * every loss term's, so a term on D's logit trains the student's D).
 */
class DirectDiscriminatorTermsTest {

    static Stream<Arguments> terms() {
        String st = "{name: st, loss: st, weight: 1, params: {T: 4}, inputs: {logits: discriminator}}";
        String irg = "{name: irg, loss: irg, weight: 1, inputs: {feats: [G/enc/act4, G/enc/act5], emb: G/latent, logits: discriminator}}";
        return Stream.of(Arguments.of(st, "distill_st", TrainingConfig.StepOrder.BEATGAN),
                Arguments.of(irg, "distill_irg", TrainingConfig.StepOrder.BEATGAN),
                Arguments.of(st, "distill_st", TrainingConfig.StepOrder.SIMULTANEOUS));
    }

    @ParameterizedTest(name = "{1} {2}")
    @MethodSource("terms")
    void aTermOnDsLogitTrainsOnTheDirectStepLikeTheGraph(String spec, String logged, TrainingConfig.StepOrder order)
            throws Exception {
        List<DistillTermSpec> terms = List.of(DistillerTest.term(spec));
        BeatGanGraph teacher = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 5, 8, 8), 1);
        BeatGanGraph viaDirect = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 5, 4, 4), 2);
        BeatGanGraph viaGraph = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 5, 4, 4), 2);
        Distiller direct = new Distiller(teacher, viaDirect, terms);
        Distiller graph = new Distiller(teacher, viaGraph, terms);
        TrainingConfig cfg = TrainingConfig.defaults().withLr(1e-3).withStepOrder(order);
        BeatGanTrainer a = new BeatGanTrainer(viaDirect, cfg, List.of(direct));
        BeatGanTrainer b = new BeatGanTrainer(viaGraph, cfg.withStepEngine(TrainingConfig.StepEngine.GRAPH), List.of(graph));
        EngineComparison.trainAlike(a, viaDirect, b, viaGraph, logged, cfg.lr(), 23);
    }
}
