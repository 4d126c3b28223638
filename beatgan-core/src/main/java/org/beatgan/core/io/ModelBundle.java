package org.beatgan.core.io;

import org.beatgan.core.model.NativeBatchNorm;
import org.beatgan.core.model.BeatGanConfig;
import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.model.BeatGanGraphBuilder;
import org.beatgan.core.score.ScoreCalibration;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * A saved BeatGAN: one zip file holding the graph in SameDiff's own format ({@code graph.sd},
 * weights and batch-norm running statistics included, loadable with {@code SameDiff.load}), the
 * architecture ({@code config.json}), and optional extra entries (checkpoints add optimizer and
 * trainer state). Written atomically: a crash never leaves a half-written bundle.
 *
 * <p>Loading rebuilds the graph from the config and copies every state array from the saved
 * graph by name, checking shapes, so a file from another architecture fails with a clear message.
 * Saved variables the base architecture does not know (a student's adapters) are returned as
 * {@link Loaded#extraArrays()}.
 */
public final class ModelBundle {

    static {
        // loaded graphs must get batch-norm ops whose gradient can be built (NativeBatchNorm)
        NativeBatchNorm.register();
    }

    public static final String GRAPH = "graph.sd";
    public static final String CONFIG = "config.json";
    public static final String FORMAT = "beatgan-model-bundle/1";

    private ModelBundle() {
    }

    public record Loaded(BeatGanGraph graph, Map<String, INDArray> extraArrays, Map<String, byte[]> entries) {

        /**
         * The normal-beat score calibration stored at training ({@link ScoreCalibration#ENTRY}), empty for
         * models written before calibrations existed; a corrupt entry is an error naming it.
         */
        public java.util.Optional<ScoreCalibration> calibration() throws IOException {
            byte[] bytes = entries.get(ScoreCalibration.ENTRY);
            if (bytes == null) return java.util.Optional.empty();
            try {
                return java.util.Optional.of(Json.MAPPER.readValue(bytes, ScoreCalibration.class));
            } catch (IOException | IllegalArgumentException e) {
                throw new IOException("corrupt " + ScoreCalibration.ENTRY + " in the model bundle: " + e.getMessage(), e);
            }
        }
    }

    /**
     * Writes {@code out} (atomically; it may be {@code in} itself) as a copy of the bundle {@code in}
     * with {@code entries} added or replaced; the graph and config entries are copied byte for byte.
     */
    public static void withEntries(Path in, Path out, Map<String, byte[]> entries) throws IOException {
        if (entries.containsKey(GRAPH) || entries.containsKey(CONFIG)) {
            throw new IllegalArgumentException("the graph and config entries of a bundle cannot be replaced");
        }
        Map<String, byte[]> all = new LinkedHashMap<>(readEntries(in));
        if (!all.containsKey(GRAPH) || !all.containsKey(CONFIG)) {
            throw new IOException(in + ": not a BeatGAN model bundle (entries: " + all.keySet() + ")");
        }
        all.putAll(entries);
        AtomicFiles.write(out, o -> {
            ZipOutputStream zip = new ZipOutputStream(o);
            for (Map.Entry<String, byte[]> e : all.entrySet()) {
                put(zip, e.getKey(), e.getValue());
            }
            zip.finish();
        });
    }

    /** The zip entry of a calibration, for {@link #save(BeatGanGraph, Path, Map)}. */
    public static Map<String, byte[]> calibrationEntry(ScoreCalibration calibration) throws IOException {
        return Map.of(ScoreCalibration.ENTRY, Json.MAPPER.writeValueAsBytes(calibration));
    }

    public static void save(BeatGanGraph graph, Path file) throws IOException {
        save(graph, file, Map.of());
    }

    public static void save(BeatGanGraph graph, Path file, Map<String, byte[]> extraEntries) throws IOException {
        ByteArrayOutputStream sdBytes = new ByteArrayOutputStream();
        graph.sameDiff().save(sdBytes, true);
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("config", graph.config());
        meta.put("dtype", graph.dataType().name());
        meta.put("params", Map.of("G", graph.parameterCount(BeatGanGraph.Network.G),
                "D", graph.parameterCount(BeatGanGraph.Network.D)));
        byte[] config = Json.MAPPER.writeValueAsBytes(meta);
        AtomicFiles.write(file, out -> {
            ZipOutputStream zip = new ZipOutputStream(out);
            put(zip, CONFIG, config);
            put(zip, GRAPH, sdBytes.toByteArray());
            for (Map.Entry<String, byte[]> e : extraEntries.entrySet()) {
                put(zip, e.getKey(), e.getValue());
            }
            zip.finish();
        });
    }

    private static void put(ZipOutputStream zip, String name, byte[] data) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(data);
        zip.closeEntry();
    }

    public static Loaded load(Path file) throws IOException {
        Map<String, byte[]> entries = readEntries(file);
        byte[] configBytes = entries.get(CONFIG);
        byte[] graphBytes = entries.get(GRAPH);
        if (configBytes == null || graphBytes == null) {
            throw new IOException(file + ": not a BeatGAN model bundle (missing "
                    + (configBytes == null ? CONFIG : GRAPH) + "; entries: " + entries.keySet() + ")");
        }
        BeatGanConfig config;
        DataType dtype;
        try {
            var meta = Json.MAPPER.readTree(configBytes);
            if (!FORMAT.equals(meta.path("format").asText())) {
                throw new IOException(file + ": unsupported bundle format '" + meta.path("format").asText()
                        + "', expected " + FORMAT);
            }
            config = Json.MAPPER.treeToValue(meta.get("config"), BeatGanConfig.class);
            dtype = DataType.valueOf(meta.path("dtype").asText("FLOAT"));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException(file + ": corrupt " + CONFIG + ": " + e.getOriginalMessage(), e);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IOException(file + ": invalid model config: " + e.getMessage(), e);
        }
        SameDiff saved = savedGraph(file, graphBytes);
        BeatGanGraph graph = BeatGanGraphBuilder.build(config, dtype, 0);
        Set<String> known = new HashSet<>();
        for (String name : graph.stateVariableNames()) {
            known.add(name);
            INDArray src = saved.getArrForVarName(name);
            if (src == null) {
                throw new IOException(file + ": saved graph lacks variable '" + name + "' of the "
                        + config + " architecture");
            }
            INDArray dst = graph.array(name);
            if (!Arrays.equals(src.shape(), dst.shape())) {
                throw new IOException(file + ": variable '" + name + "' has shape " + Arrays.toString(src.shape())
                        + ", the architecture expects " + Arrays.toString(dst.shape()));
            }
            dst.assign(src);
        }
        Map<String, INDArray> extra = new LinkedHashMap<>();
        for (SDVariable v : saved.variables()) {
            if (!known.contains(v.name()) && (v.getVariableType() == VariableType.VARIABLE
                    || v.getVariableType() == VariableType.CONSTANT)) {
                extra.put(v.name(), v.getArr());
            }
        }
        return new Loaded(graph, extra, entries);
    }

    /**
     * Copies every state array (parameters, running statistics, adapter weights) of a live graph
     * from a saved bundle, by name; used to resume training into an already built graph.
     *
     * @return the bundle's entries (checkpoints keep optimizer and trainer state there)
     */
    public static Map<String, byte[]> restoreState(SameDiff live, Path file) throws IOException {
        Map<String, byte[]> entries = readEntries(file);
        byte[] graphBytes = entries.get(GRAPH);
        if (graphBytes == null) {
            throw new IOException(file + ": not a BeatGAN model bundle (missing " + GRAPH + ")");
        }
        SameDiff saved = savedGraph(file, graphBytes);
        for (SDVariable v : live.variables()) {
            if (v.getVariableType() != VariableType.VARIABLE && v.getVariableType() != VariableType.CONSTANT) {
                continue;
            }
            INDArray src = saved.getArrForVarName(v.name());
            if (src == null || !Arrays.equals(src.shape(), v.getArr().shape())) {
                throw new IOException(file + ": cannot restore '" + v.name() + "' (" + (src == null ? "missing"
                        : "shape " + Arrays.toString(src.shape()) + " vs " + Arrays.toString(v.getArr().shape()))
                        + "); the checkpoint belongs to a different model or experiment");
            }
            v.getArr().assign(src);
        }
        return entries;
    }

    /** The bundle's graph in SameDiff's format; a file that does not parse is named as corrupt. */
    private static SameDiff savedGraph(Path file, byte[] graphBytes) throws IOException {
        try (InputStream in = new ByteArrayInputStream(graphBytes)) {
            return SameDiff.load(in, true);
        } catch (RuntimeException e) {
            throw new IOException(file + ": corrupt " + GRAPH + " (" + e + ")", e);
        }
    }

    /** True when {@code file} is a model file or names a shipped model ({@code pretrained:<name>}). */
    public static boolean exists(Path file) {
        if (PretrainedModels.isReference(file)) {
            try {
                PretrainedModels.find(file.toString());
                return true;
            } catch (IOException e) {
                return false;
            }
        }
        return Files.isRegularFile(file);
    }

    /** Size in bytes of the model file (for a shipped model, of its model.zip). */
    public static long size(Path file) throws IOException {
        return PretrainedModels.isReference(file) ? PretrainedModels.modelBytes(file).length : Files.size(file);
    }

    /**
     * The {@code metrics.json} of the run that wrote a model (the file beside it in a run folder,
     * or a shipped model's), or null when there is none.
     */
    public static com.fasterxml.jackson.databind.JsonNode metricsBeside(Path model) throws IOException {
        if (PretrainedModels.isReference(model)) {
            return Json.MAPPER.readTree(PretrainedModels.file(model.toString(), "metrics.json"));
        }
        Path metrics = model.toAbsolutePath().resolveSibling("metrics.json");
        return Files.isRegularFile(metrics) ? Json.MAPPER.readTree(metrics.toFile()) : null;
    }

    /** The bundle's zip entries; {@code pretrained:<name>} reads a model shipped with the toolkit. */
    static Map<String, byte[]> readEntries(Path file) throws IOException {
        boolean shipped = PretrainedModels.isReference(file);
        if (!shipped && !Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "model file does not exist");
        }
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (ZipInputStream zip = new ZipInputStream(shipped
                ? new ByteArrayInputStream(PretrainedModels.modelBytes(file)) : Files.newInputStream(file))) {
            ZipEntry e;
            while ((e = zip.getNextEntry()) != null) {
                entries.put(e.getName(), zip.readAllBytes());
            }
        } catch (ZipException | java.io.EOFException e) {
            throw new IOException(file + ": not a readable model bundle (truncated or corrupt zip: "
                    + e.getMessage() + ")", e);
        }
        if (entries.isEmpty()) {
            throw new IOException(file + ": not a model bundle (empty or not a zip file)");
        }
        return entries;
    }
}
