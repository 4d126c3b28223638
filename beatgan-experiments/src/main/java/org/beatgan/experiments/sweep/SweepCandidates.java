package org.beatgan.experiments.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.beatgan.core.config.ExperimentConfig;
import org.beatgan.core.io.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.beatgan.distill.DistillationLosses;
import java.util.TreeMap;

/** Turns a candidate (parameter name -> value) into the experiment config it trains, and names it. */
final class SweepCandidates {

    private SweepCandidates() {
    }

    /** Fails early when a searched parameter has nothing to act on in the config. */
    static void check(ExperimentConfig cfg, List<SweepParameter> params) {
        JsonNode terms = cfg.distill() == null ? null : cfg.distill().path("terms");
        for (SweepParameter p : params) {
            switch (p.name()) {
                case "T" -> {
                    boolean any = terms != null && terms.findValuesAsText("loss").stream()
                            .anyMatch(DistillationLosses::takesTemperature);
                    if (!any) {
                        throw new IllegalArgumentException("sweep searches T but distill.terms has no term of "
                                + DistillationLosses.temperatureLosses());
                    }
                }
                case "alpha", "beta" -> {
                    boolean found = false;
                    if (terms != null) for (JsonNode t : terms) found |= p.term().equals(t.path("name").asText(t.path("loss").asText()));
                    if (!found) {
                        throw new IllegalArgumentException("sweep searches " + p.name() + " (the weight of term '" + p.term()
                                + "') but distill.terms has no term named '" + p.term() + "'");
                    }
                }
                default -> {
                }
            }
        }
    }

    static ExperimentConfig apply(ExperimentConfig cfg, List<SweepParameter> params, Map<String, Double> values)
            throws IOException {
        ObjectNode o = Json.MAPPER.createObjectNode();
        ArrayNode terms = cfg.distill() == null ? Json.MAPPER.createArrayNode()
                : ((ArrayNode) cfg.distill().path("terms")).deepCopy();
        for (Map.Entry<String, Double> e : values.entrySet()) {
            double v = e.getValue();
            switch (e.getKey()) {
                case "T" -> {
                    for (JsonNode t : terms) {
                        if (DistillationLosses.takesTemperature(t.path("loss").asText())) {
                            ((ObjectNode) t).with("params").put("T", v);
                        }
                    }
                }
                case "alpha", "beta" -> {
                    String term = params.stream().filter(p -> p.name().equals(e.getKey())).findFirst()
                            .orElseThrow().term();
                    for (JsonNode t : terms) {
                        if (term.equals(t.path("name").asText(t.path("loss").asText()))) ((ObjectNode) t).put("weight", v);
                    }
                }
                case "lr" -> o.with("training").put("lr", v);
                case "width" -> o.with("model").put("ngf", (int) v).put("ndf", (int) v);
                default -> throw new IllegalArgumentException("unknown sweep parameter " + e.getKey());
            }
        }
        o.with("distill").set("terms", terms);
        return cfg.with(o);
    }

    /** Canonical, order-independent text of a candidate: its identity across restarts. */
    static String key(Map<String, Double> values) {
        StringBuilder sb = new StringBuilder();
        new TreeMap<>(values).forEach((k, v) -> sb.append(sb.length() > 0 ? "," : "").append(k).append('=')
                .append(String.format("%.6g", v)));
        return sb.toString();
    }

    static String dirName(Map<String, Double> values) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(key(values).getBytes(StandardCharsets.UTF_8));
            return "c-" + HexFormat.of().formatHex(h, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
