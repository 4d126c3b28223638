package org.beatgan.distill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import java.util.Iterator;
import java.util.Set;

/** Hyperparameters of one loss from a config or reference file, validated with clear messages. */
public final class LossParams {

    private final String lossId;
    private final JsonNode node;

    public LossParams(String lossId, JsonNode node) {
        this.lossId = lossId;
        this.node = node == null || node.isNull() ? JsonNodeFactory.instance.objectNode() : node;
    }

    /** The registry id of the loss these parameters are for. */
    public String lossId() {
        return lossId;
    }

    public static LossParams empty(String lossId) {
        return new LossParams(lossId, null);
    }

    /** A temperature-like value that must be finite and > 0. */
    public double positive(String name, double dflt) {
        double v = number(name, dflt);
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(lossId + ": " + name + " = " + v + ", expected a finite value > 0");
        }
        return v;
    }

    /** A weight that must be finite and >= 0. */
    public double nonNegative(String name, double dflt) {
        double v = number(name, dflt);
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(lossId + ": " + name + " = " + v + ", expected a finite weight >= 0");
        }
        return v;
    }

    public int positiveInt(String name, int dflt) {
        double v = number(name, dflt);
        if (v != Math.rint(v) || v < 1) {
            throw new IllegalArgumentException(lossId + ": " + name + " = " + v + ", expected an integer >= 1");
        }
        return (int) v;
    }

    /** A count that may be 0 (e.g. pre-training epochs, 0 = none). */
    public int count(String name, int dflt) {
        double v = number(name, dflt);
        if (v != Math.rint(v) || v < 0 || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(lossId + ": " + name + " = " + v + ", expected an integer >= 0");
        }
        return (int) v;
    }

    /** Any finite number (e.g. a clamp bound, which may be negative). */
    public double finite(String name, double dflt) {
        double v = number(name, dflt);
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException(lossId + ": " + name + " = " + v + ", expected a finite number");
        }
        return v;
    }

    /** A string that must be one of {@code allowed}; absent or null gives {@code dflt}. */
    public String choice(String name, String dflt, Set<String> allowed) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isTextual() || !allowed.contains(v.asText())) {
            throw new IllegalArgumentException(lossId + ": " + name + " = " + v + ", expected one of " + allowed);
        }
        return v.asText();
    }

    /** A flag (JSON true/false); absent or null gives {@code dflt}. */
    public boolean bool(String name, boolean dflt) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isBoolean()) {
            throw new IllegalArgumentException(lossId + ": " + name + " = " + v + ", expected true or false");
        }
        return v.asBoolean();
    }

    /**
     * An optional finite value > 0 where null (or absence) has a meaning of its own (e.g. CRD's
     * normalisation constants: null = "set from the first batch"); returns null then.
     */
    public Double positiveOrNull(String name) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) {
            return null;
        }
        return positive(name, Double.NaN);
    }

    private double number(String name, double dflt) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isNumber()) {
            throw new IllegalArgumentException(lossId + ": " + name + " = " + v + ", expected a number");
        }
        return v.asDouble();
    }

    /** Rejects parameters the loss does not know (typos must not silently use defaults). */
    public LossParams allowOnly(Set<String> known) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!known.contains(f)) {
                throw new IllegalArgumentException(lossId + ": unknown parameter '" + f + "', known: " + known);
            }
        }
        return this;
    }
}
