package org.beatgan.experiments.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import org.beatgan.core.io.Json;
import org.deeplearning4j.arbiter.optimize.api.Candidate;
import org.deeplearning4j.arbiter.optimize.generator.GridSearchCandidateGenerator;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class SweepSpecTest {

    private static JsonNode yaml(String s) throws Exception {
        return Json.YAML.readTree(s);
    }

    private static String error(String sweepYaml) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SweepSpec.parse(yaml(sweepYaml)));
        return e.getMessage();
    }

    @Test
    void invalidSearchSpacesAreRejectedClearly() {
        assertTrue(error("parameters: {T: {values: [0, 2]}}").contains("temperature must be > 0"));
        assertTrue(error("parameters: {T: {min: -1, max: 3}}").contains("T"));
        assertTrue(error("parameters: {beta: {min: 100, max: 10}}").contains("empty range"));
        assertTrue(error("parameters: {beta: {min: 0, max: 10, log: true}}").contains("log scale needs min > 0"));
        assertTrue(error("parameters: {alpha: {values: []}}").contains("empty list"));
        assertTrue(error("parameters: {alpha: {values: [-1]}}").contains(">= 0"));
        assertTrue(error("parameters: {gamma: {values: [1]}}").contains("unknown parameter 'gamma'"));
        assertTrue(error("parameters: {width: {values: [4.5]}}").contains("integers"));
        assertTrue(error("parameters: {}").contains("nothing to search"));
        assertTrue(error("{metric: auc, parameters: {T: {values: [1]}}}").contains("sweep.metric"));
        assertTrue(error("{generator: bayes, parameters: {T: {values: [1]}}}").contains("grid or random"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void gridEnumeratesExactlyTheCartesianProduct() throws Exception {
        SweepSpec spec = SweepSpec.parse(yaml("parameters: {T: {values: [1, 2, 4]}, beta: {min: 100, max: 10000, log: true}}"));
        GridSearchCandidateGenerator g = new GridSearchCandidateGenerator(new DistillSearchSpace(spec.parameters()), 3,
                GridSearchCandidateGenerator.Mode.Sequential, null);
        assertEquals(9, g.getTotalNumCandidates());
        Set<List<Double>> seen = new HashSet<>();
        while (g.hasMoreCandidates()) {
            Candidate c = g.getCandidate();
            Map<String, Double> v = (Map<String, Double>) c.getValue();
            seen.add(List.of(v.get("T"), Math.rint(v.get("beta"))));
        }
        Set<List<Double>> expected = new HashSet<>();
        for (double t : new double[]{1, 2, 4}) for (double b : new double[]{100, 1000, 10000}) expected.add(List.of(t, b));
        assertEquals(expected, seen, "log range: 3 log-spaced points x 3 listed values");
    }

    @Test
    void candidateIdentityIgnoresOrderAndNamesAStableFolder() {
        Map<String, Double> a = new java.util.LinkedHashMap<>();
        a.put("T", 4.0);
        a.put("beta", 1000.0);
        Map<String, Double> b = new java.util.LinkedHashMap<>();
        b.put("beta", 1000.0);
        b.put("T", 4.0);
        assertEquals(SweepCandidates.key(a), SweepCandidates.key(b));
        assertEquals(SweepCandidates.dirName(a), SweepCandidates.dirName(b));
        b.put("T", 2.0);
        assertNotEquals(SweepCandidates.dirName(a), SweepCandidates.dirName(b));
    }
}
