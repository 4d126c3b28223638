package org.beatgan.core.train;

import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.util.QuietStdout;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Map;

/** Gradients from the SameDiff graph: any extension's terms, at the graph's speed. */
final class GraphStepEngine implements BeatGanStepEngine {

    private final BeatGanGraph graph;
    private final List<String> dOutputs;
    private final List<String> dVariables;
    private final List<String> gOutputs;
    private final List<String> gVariables;

    GraphStepEngine(BeatGanGraph graph, List<String> dOutputs, List<String> dVariables, List<String> gOutputs,
                    List<String> gVariables) {
        this.graph = graph;
        this.dOutputs = List.copyOf(dOutputs);
        this.dVariables = List.copyOf(dVariables);
        this.gOutputs = List.copyOf(gOutputs);
        this.gVariables = List.copyOf(gVariables);
        if (!graph.sameDiff().hasGradientFunction()) {
            QuietStdout.run(() -> graph.sameDiff().createGradFunction());
        }
    }

    @Override
    public OutAndGrad discriminator(Map<String, INDArray> feed) {
        return graph.sameDiff().calculateGradientsAndOutputs(feed, dOutputs, dVariables);
    }

    @Override
    public OutAndGrad generator(Map<String, INDArray> feed) {
        return graph.sameDiff().calculateGradientsAndOutputs(feed, gOutputs, gVariables);
    }

    @Override
    public String describe() {
        return "graph";
    }
}
