package org.beatgan.core.train.classifier;

import org.beatgan.core.io.ArrayMapCodec;
import org.beatgan.core.io.AtomicFiles;
import org.beatgan.core.io.Json;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * A classifier's saved state: every array of its graph that holds state (parameters, a
 * distillation's adapters and loss state, running statistics), with the model's settings and any
 * extra entries (a checkpoint's optimizer and trainer state). Written atomically; restored by name
 * into a graph built the same way, so a model is never half-loaded: a missing or misshapen array
 * fails before anything is assigned.
 */
public final class ClassifierBundle {

    public static final String FORMAT = "beatgan-classifier-bundle/1";
    static final String ARRAYS = "arrays.bin";
    static final String MODEL = "model.json";

    private ClassifierBundle() {
    }

    /** The state arrays of a graph: its VARIABLE and CONSTANT arrays by name. */
    public static Map<String, INDArray> stateArrays(SameDiff sd) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (SDVariable v : sd.variables()) {
            if (v.getVariableType() == VariableType.VARIABLE || v.getVariableType() == VariableType.CONSTANT) {
                INDArray a = sd.getArrForVarName(v.name());
                if (a != null) out.put(v.name(), a);
            }
        }
        return out;
    }

    public static void save(SameDiff sd, Map<String, Object> settings, Path file, Map<String, byte[]> extra)
            throws IOException {
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("format", FORMAT);
        model.putAll(settings);
        byte[] arrays = ArrayMapCodec.encode(stateArrays(sd));
        byte[] json = Json.MAPPER.writeValueAsBytes(model);
        if (file.toAbsolutePath().getParent() != null) Files.createDirectories(file.toAbsolutePath().getParent());
        AtomicFiles.write(file, out -> {
            try (ZipOutputStream zip = new ZipOutputStream(out)) {
                put(zip, MODEL, json);
                put(zip, ARRAYS, arrays);
                for (Map.Entry<String, byte[]> e : extra.entrySet()) put(zip, e.getKey(), e.getValue());
            }
        });
    }

    private static void put(ZipOutputStream zip, String name, byte[] data) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(data);
        zip.closeEntry();
    }

    /** All entries of a bundle (a clear error for a missing, truncated or foreign file). */
    public static Map<String, byte[]> entries(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new java.nio.file.NoSuchFileException(file.toString(), null, "classifier bundle not found");
        }
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            var it = zip.entries();
            while (it.hasMoreElements()) {
                ZipEntry e = it.nextElement();
                try (var in = zip.getInputStream(e)) {
                    out.put(e.getName(), in.readAllBytes());
                }
            }
        } catch (java.util.zip.ZipException e) {
            throw new IOException(file + ": not a classifier bundle (corrupt or truncated zip: " + e.getMessage() + ")", e);
        }
        byte[] model = out.get(MODEL);
        if (model == null || !FORMAT.equals(Json.MAPPER.readTree(model).path("format").asText())) {
            throw new IOException(file + ": not a classifier bundle (no " + MODEL + " of format " + FORMAT + ")");
        }
        if (!out.containsKey(ARRAYS)) {
            throw new IOException(file + ": classifier bundle lacks " + ARRAYS);
        }
        return out;
    }

    /**
     * Assigns the bundle's arrays to the graph's variables of the same names. With {@code all},
     * every state array of the graph must be in the bundle (a checkpoint restored into the graph
     * that wrote it); otherwise arrays the graph lacks (a distillation's adapters, loaded into the
     * bare model) are skipped. Returns the bundle's entries.
     */
    public static Map<String, byte[]> restore(SameDiff sd, Path file, boolean all) throws IOException {
        Map<String, byte[]> entries = entries(file);
        Map<String, INDArray> arrays = ArrayMapCodec.decode(entries.get(ARRAYS), file + " " + ARRAYS);
        Map<String, INDArray> live = stateArrays(sd);
        for (Map.Entry<String, INDArray> e : live.entrySet()) {
            INDArray a = arrays.get(e.getKey());
            if (a == null) {
                if (all) throw new IOException(file + ": lacks array " + e.getKey() + " of the graph it is restored into");
                throw new IOException(file + ": lacks model array " + e.getKey());
            }
            if (!Arrays.equals(a.shape(), e.getValue().shape())) {
                throw new IOException(file + ": array " + e.getKey() + " has shape " + Arrays.toString(a.shape())
                        + ", the model expects " + Arrays.toString(e.getValue().shape()));
            }
        }
        for (Map.Entry<String, INDArray> e : live.entrySet()) {
            e.getValue().assign(arrays.get(e.getKey()).castTo(e.getValue().dataType()));
        }
        return entries;
    }
}
