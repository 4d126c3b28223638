package org.beatgan.core.io;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Models shipped inside this module ({@code /org/beatgan/pretrained/}), usable by name wherever a
 * model file is accepted: {@code pretrained:<name>} for {@code --teacher}, {@code --model},
 * {@code distill.teacher}, ... ({@link ModelBundle#load} resolves it). Each model has a folder
 * with {@code model.zip}, the {@code metrics.json} and {@code epochs.jsonl} of the run that made
 * it, and {@code command.txt}; {@code index.json} lists them with the model file's SHA-256, which
 * is checked on every load, so a damaged jar is named, not trusted.
 */
public final class PretrainedModels {

    public static final String SCHEME = "pretrained:";
    private static final String ROOT = "/org/beatgan/pretrained/";

    /** One shipped model as {@code index.json} lists it. */
    public record Entry(String name, String description, String sha256, JsonNode metrics) {
    }

    private PretrainedModels() {
    }

    /** True for {@code pretrained:<name>} (as a path or a string). */
    public static boolean isReference(Object fileOrName) {
        return fileOrName != null && fileOrName.toString().startsWith(SCHEME);
    }

    /** Every shipped model, in index order, with its metrics.json. */
    public static List<Entry> list() throws IOException {
        JsonNode index;
        try (InputStream in = resource("index.json")) {
            index = Json.MAPPER.readTree(in);
        }
        List<Entry> out = new ArrayList<>();
        for (JsonNode m : index.path("models")) {
            String name = m.path("name").asText();
            JsonNode metrics;
            try (InputStream in = resource(name + "/metrics.json")) {
                metrics = Json.MAPPER.readTree(in);
            }
            out.add(new Entry(name, m.path("description").asText(), m.path("sha256").asText(), metrics));
        }
        return out;
    }

    public static Entry find(String reference) throws IOException {
        String name = reference.startsWith(SCHEME) ? reference.substring(SCHEME.length()) : reference;
        List<String> names = new ArrayList<>();
        for (Entry e : list()) {
            if (e.name().equals(name)) {
                return e;
            }
            names.add(e.name());
        }
        throw new NoSuchFileException(SCHEME + name, null, "no such pretrained model; shipped: " + names
                + " (./beatgan models lists them)");
    }

    /** The bytes of a file of a shipped model's folder ({@code model.zip}, {@code metrics.json}, ...). */
    public static byte[] file(String reference, String file) throws IOException {
        Entry e = find(reference);
        try (InputStream in = resource(e.name() + "/" + file)) {
            return in.readAllBytes();
        }
    }

    /** The shipped model's {@code model.zip}, its checksum verified. */
    public static byte[] modelBytes(Path reference) throws IOException {
        Entry e = find(reference.toString());
        byte[] bytes = file(e.name(), ModelFiles.MODEL);
        String actual = sha256(bytes);
        if (!actual.equalsIgnoreCase(e.sha256())) {
            throw new IOException(reference + ": the shipped model.zip has SHA-256 " + actual + ", its index says "
                    + e.sha256() + "; the installation is damaged (rebuild the project)");
        }
        return bytes;
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static InputStream resource(String path) throws IOException {
        InputStream in = PretrainedModels.class.getResourceAsStream(ROOT + path);
        if (in == null) {
            throw new NoSuchFileException(ROOT + path, null, "missing from the class path (a damaged build?)");
        }
        return in;
    }

    /** Names of the files every shipped model folder holds. */
    public static final class ModelFiles {
        public static final String MODEL = "model.zip";
        public static final List<String> ALL = List.of(MODEL, "metrics.json", "epochs.jsonl", "command.txt",
                "evaluation.json", "check.json");

        private ModelFiles() {
        }
    }

    /** A summary line's fields for {@code ./beatgan models}. */
    public static Map<String, Object> summary(Entry e) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("name", SCHEME + e.name());
        s.put("description", e.description());
        s.put("params", e.metrics().path("params"));
        s.put("test", e.metrics().path("test"));
        return s;
    }
}
