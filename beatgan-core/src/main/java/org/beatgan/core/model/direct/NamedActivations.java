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

    /**
     * Terms' gradients, each checked against the activation it was asked for (a clear failure
     * names the gradient and the activation's shape), in the pass's data type.
     */
    static Map<String, INDArray> checkedGradients(Map<String, INDArray> gradients, Map<String, INDArray> activations,
                                                  org.nd4j.linalg.api.buffer.DataType type) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        gradients.forEach((name, g) -> {
            INDArray act = activations.get(name);
            if (act == null || !java.util.Arrays.equals(act.shape(), g.shape())) {
                throw new IllegalStateException("Term gradient for '" + name + "' " + java.util.Arrays.toString(g.shape())
                        + " does not match a requested activation "
                        + (act == null ? "(not requested)" : java.util.Arrays.toString(act.shape())));
            }
            out.put(name, g.castTo(type));
        });
        return out;
    }
}
