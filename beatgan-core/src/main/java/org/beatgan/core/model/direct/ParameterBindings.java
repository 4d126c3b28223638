package org.beatgan.core.model.direct;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The model arrays one pass's ops are bound to and the gradient arrays its backward writes, by
 * parameter name. A pass binds arrays once, when its tape is built; if the model later replaces
 * an array (a restore, a reload), the tape would read the old one, so its step rebuilds the pass
 * when {@link #current} turns false.
 */
final class ParameterBindings {

    private final Function<String, INDArray> lookup;
    private final String owner;
    private final Map<String, INDArray> parameters = new LinkedHashMap<>();
    private final Map<String, INDArray> gradients = new LinkedHashMap<>();

    /**
     * @param lookup the model's current array of a parameter (null, or an exception, for none)
     * @param owner  the model, for messages
     */
    ParameterBindings(Function<String, INDArray> lookup, String owner) {
        this.lookup = lookup;
        this.owner = owner;
    }

    /** Binds a parameter's current array (once per pass). */
    INDArray parameter(String name) {
        INDArray p = lookup.apply(name);
        if (p == null) throw new IllegalStateException(owner + " has no parameter " + name);
        if (parameters.put(name, p) != null) {
            throw new IllegalStateException("Parameter " + name + " used twice in one pass");
        }
        return p;
    }

    /** A new gradient array for a bound parameter, written by the pass's backward. */
    INDArray gradient(String name, INDArray parameter) {
        INDArray g = Nd4j.create(parameter.dataType(), parameter.shape());
        gradients.put(name, g);
        return g;
    }

    /** d loss / d parameter, written by the backward pass. */
    Map<String, INDArray> gradients() {
        return gradients;
    }

    /** True while the model still holds every array this pass's ops were bound to. */
    boolean current() {
        for (Map.Entry<String, INDArray> e : parameters.entrySet()) {
            if (lookup.apply(e.getKey()) != e.getValue()) return false;
        }
        return true;
    }
}
