package org.beatgan.distill;

import org.beatgan.core.io.DataLocations;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * One reference case from ../shared/reference/distill (format in that folder's README). {@code extras}
 * is the file's optional "extras" object (a missing node when absent).
 */
record ReferenceVector(Path file, String method, JsonNode params, Map<String, List<INDArray>> inputs,
                       Map<String, INDArray> weights, double loss, Map<String, List<INDArray>> grads,
                       JsonNode extras) {

    static final String ENV = "BEATGAN_REFERENCE_DISTILL_DIR";

    static Path folder() {
        return DataLocations.shared("reference/distill", ENV);
    }

    static List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(folder())) {
            return s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
    }

    static ReferenceVector load(Path file) throws IOException {
        JsonNode root = new ObjectMapper().readTree(file.toFile());
        Map<String, List<INDArray>> inputs = new LinkedHashMap<>();
        root.get("inputs").fields().forEachRemaining(e -> inputs.put(e.getKey(), tensors(e.getValue())));
        Map<String, INDArray> weights = new LinkedHashMap<>();
        if (root.has("weights")) {
            root.get("weights").fields().forEachRemaining(e -> weights.put(e.getKey(), tensor(e.getValue())));
        }
        Map<String, List<INDArray>> grads = new LinkedHashMap<>();
        root.get("grad").fields().forEachRemaining(e -> grads.put(e.getKey(), tensors(e.getValue())));
        return new ReferenceVector(file, root.get("method").asText(), root.get("params"), inputs, weights,
                root.get("loss").asDouble(), grads, root.path("extras"));
    }

    private static List<INDArray> tensors(JsonNode n) {
        List<INDArray> out = new ArrayList<>();
        if (n.isArray()) n.forEach(t -> out.add(tensor(t)));
        else out.add(tensor(n));
        return out;
    }

    static boolean isList(JsonNode n) {
        return n.isArray();
    }

    static INDArray tensor(JsonNode t) {
        long[] shape = new long[t.get("shape").size()];
        for (int i = 0; i < shape.length; i++) shape[i] = t.get("shape").get(i).asLong();
        double[] data = new double[t.get("data").size()];
        for (int i = 0; i < data.length; i++) data[i] = t.get("data").get(i).asDouble();
        DataType dt = t.path("dtype").asText("float64").equals("int64") ? DataType.INT64 : DataType.DOUBLE;
        return Nd4j.create(data, shape, DataType.DOUBLE).castTo(dt);
    }
}
