package org.beatgan.core.model.direct;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The activations one pass names (the graph's activation names), and the further terms' gradients
 * that its next backward pass adds at them: once the activation's consumers' backward steps have
 * written its gradient, before it flows further back.
 */
final class NamedActivations {

    private final Tape tape;
    private final boolean trainable;
    private final Map<String, Node> named = new LinkedHashMap<>();
    private Map<String, INDArray> extra = Map.of();

    NamedActivations(Tape tape, boolean trainable) {
        this.tape = tape;
        this.trainable = trainable;
    }

    /**
     * Names {@code node}; in a trainable pass records the backward step adding a term's gradient
     * there (steps run in reverse order of recording, so record right after the activation's layer).
     */
    Node name(Node node, String activation) {
        named.put(activation, node);
        if (trainable) {
            tape.backward("term gradient", () -> {
                INDArray g = extra.get(activation);
                if (g != null) node.grad().addi(g);
            });
        }
        return node;
    }

    /** Named activations, by name. */
    Map<String, Node> all() {
        return named;
    }

    /** Gradients to add at named activations in the next backward pass; replaced by the next call. */
    void extraGradients(Map<String, INDArray> gradients) {
        extra = gradients;
    }
}
