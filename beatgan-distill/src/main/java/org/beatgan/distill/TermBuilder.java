package org.beatgan.distill;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

import java.util.List;
import java.util.Map;

/**
 * Builds one distillation term in a graph, the one way every graph does it (the student's training
 * graph, and the detached graph of BeatGAN's direct step): the loss from the registry, its roles
 * checked against the term's inputs, its tensors and weights, and {@code weight * value} added to
 * the graph's loss as {@code distill/<term>/loss} and {@code distill/<term>/weighted}.
 */
final class TermBuilder {

    static final String TERM_PREFIX = "distill/";

    private TermBuilder() {
    }

    /** The variable-name prefix of a term's variables (adapters, state, logged values). */
    static String prefix(String term) {
        return TERM_PREFIX + term + "/";
    }

    /**
     * @param roles per role, its resolved taps
     * @param state the term's training state (its tensors serve roles without taps), or null
     * @param logged receives log key -> graph variable of the raw and weighted value
     * @return the loss instance the term was built with
     */
    static DistillationLoss build(SameDiff sd, DistillTermSpec term, Map<String, List<Tap>> roles,
                                  Map<String, long[]> studentShapes, Map<String, long[]> teacherShapes,
                                  java.util.function.Function<DistillationLoss, LossState> state,
                                  TermInputs.Weights weights, Map<String, String> logged) {
        DistillationLoss loss = DistillationLosses.create(term.loss(), term.params());
        for (String role : loss.roles()) {
            if (!term.inputs().containsKey(role)) {
                throw new IllegalArgumentException("Distillation term '" + term.name() + "' (" + term.loss()
                        + ") needs inputs for role '" + role + "'; it declares " + loss.roles());
            }
        }
        for (String role : term.inputs().keySet()) {
            if (!loss.roles().contains(role)) {
                throw new IllegalArgumentException("Distillation term '" + term.name() + "' (" + term.loss()
                        + ") has no input role '" + role + "'; its roles: " + loss.roles()
                        + (loss.roles().isEmpty() ? " (it probes the models itself; see its params)" : ""));
            }
        }
        LossState s = state.apply(loss);
        LossInputs in = new TermInputs(sd, roles, studentShapes, teacherShapes, s, weights);
        addWeighted(sd, prefix(term.name()), loss.build(in), term.weight(), "distill_" + term.name(), logged);
        return loss;
    }

    /** The variable of a term's unweighted value, for the term's {@link #prefix}. */
    static String rawName(String prefix) {
        return prefix + "loss";
    }

    /** The variable of a term's weighted value. */
    static String weightedName(String prefix) {
        return prefix + "weighted";
    }

    /**
     * Adds {@code weight * value} to the graph's loss as variables {@code <prefix>loss} and
     * {@code <prefix>weighted}, logged as {@code <logKey>} and {@code <logKey>_weighted}.
     */
    static void addWeighted(SameDiff sd, String prefix, SDVariable value, double weight, String logKey,
                            Map<String, String> logged) {
        SDVariable raw = sd.identity(rawName(prefix), value);
        SDVariable weighted = raw.mul(weightedName(prefix), weight);
        sd.addLossVariable(weighted);
        logged.put(logKey, raw.name());
        logged.put(logKey + "_weighted", weighted.name());
    }
}
