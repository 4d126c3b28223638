package org.beatgan.core.data.ecg;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

import org.beatgan.core.data.npy.Npy;
import org.beatgan.core.data.npy.NpyArray;
import org.beatgan.core.data.wfdb.WfdbHeader;
import org.beatgan.core.data.wfdb.WfdbRecordReader;
import org.beatgan.core.data.wfdb.WfdbSignalSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Disk cache for {@link MitBihBeatDataset} builds: the beats as {@code .npy} (readable by NumPy, so
 * the Python reference can load exactly what Java trained on) plus a JSON manifest that says what
 * they were built from.
 *
 * <p>A cache entry is trusted only if its manifest matches the request (preprocessing version,
 * leads, window, record list) and the current SHA-256 and size of every source file ({@code .hea},
 * the signal files the header names, {@code .atr}), and if the cached {@code .npy} files still have
 * the size and SHA-256 recorded when they were written. Content hashes rather than modification
 * times decide, so copying or touching the database does not force a rebuild while any change of
 * content does; hashing everything costs well under a second.
 *
 * <p>Writes are crash-safe: the old manifest is deleted first, each file is written to a temporary
 * file in the cache directory and atomically renamed into place, and the manifest comes last. A run
 * that dies half-way therefore leaves no manifest, and the next run rebuilds instead of trusting a
 * partial cache.
 */
public final class BeatSetCache {

    /**
     * Identifies the preprocessing code; bump it whenever the build would produce different beats,
     * so that old caches are rebuilt rather than silently reused.
     */
    public static final String PREPROCESSING_VERSION =
            "mitdb-beats/1 (format 212 + atr, BioSPPy FIR band-pass 3-45 Hz filtfilt, AAMI classes, "
                    + "strict in-record windows, per beat+lead min-max to [-1,1], float32)";

    private static final Logger LOG = LoggerFactory.getLogger(BeatSetCache.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final Path cacheDir;

    /** A cache in {@code cacheDir} (created on first write), e.g. a project's {@code .cache} folder. */
    public BeatSetCache(Path cacheDir) {
        this.cacheDir = Objects.requireNonNull(cacheDir, "cacheDir");
    }

    /**
     * The outcome of a lookup.
     *
     * @param beats  the beat set (from the cache or freshly built)
     * @param hit    whether it came from the cache
     * @param reason why the cache was used or rebuilt, for logs and tests
     */
    public record Result(BeatSet beats, boolean hit, String reason) {
    }

    public Path cacheDir() {
        return cacheDir;
    }

    /** BeatGAN's 44 records with the default window. */
    public Result loadOrBuild(Path mitdbDir, int nc) throws IOException {
        return loadOrBuild(mitdbDir, nc, MitBihBeatDataset.BEATGAN_RECORDS, BeatWindowing.BEATGAN);
    }

    /** The given records with the default window. */
    public Result loadOrBuild(Path mitdbDir, int nc, List<String> records) throws IOException {
        return loadOrBuild(mitdbDir, nc, records, BeatWindowing.BEATGAN);
    }

    /** Returns the cached beats when the cache is valid for this request, else builds and caches them. */
    public Result loadOrBuild(Path mitdbDir, int nc, List<String> records, BeatWindowing window)
            throws IOException {
        String key = key(nc, records, window);
        ArrayNode sources = fingerprintSources(mitdbDir, records);
        String reason = validate(key, nc, records, window, sources);
        if (reason == null) {
            try {
                BeatSet beats = readBeats(key, nc, window.length());
                LOG.info("Loaded {} beats from cache {}", beats.size(), manifestFile(key));
                return new Result(beats, true, "hit");
            } catch (IOException | RuntimeException e) {
                reason = "cached arrays unreadable: " + e.getMessage();
            }
        }
        LOG.info("Building MIT-BIH beats ({}); cache {}", reason, manifestFile(key));
        BeatSet beats = MitBihBeatDataset.build(mitdbDir, nc, records, window);
        write(key, nc, records, window, sources, beats);
        return new Result(beats, false, reason);
    }

    /** Manifest path for a request; the {@code .npy} files sit next to it. */
    public Path manifestFile(int nc, List<String> records, BeatWindowing window) {
        return manifestFile(key(nc, records, window));
    }

    /** Beat data file ({@code float32 [n, nc, L]}) for a request. */
    public Path dataFile(int nc, List<String> records, BeatWindowing window) {
        return dataFile(key(nc, records, window));
    }

    /** Per-beat metadata file ({@code int32 [n, 3]}: class ordinal, record, R sample) for a request. */
    public Path metaFile(int nc, List<String> records, BeatWindowing window) {
        return metaFile(key(nc, records, window));
    }

    private Path manifestFile(String key) {
        return cacheDir.resolve(key + ".manifest.json");
    }

    private Path dataFile(String key) {
        return cacheDir.resolve(key + ".data.npy");
    }

    private Path metaFile(String key) {
        return cacheDir.resolve(key + ".meta.npy");
    }

    /** File-name key: readable prefix plus a hash of everything that selects the beats. */
    static String key(int nc, List<String> records, BeatWindowing window) {
        String id = PREPROCESSING_VERSION + "|" + nc + "|" + window.left() + "|" + window.right() + "|"
                + String.join(",", records);
        String h = HexFormat.of().formatHex(sha256(id.getBytes(StandardCharsets.UTF_8))).substring(0, 16);
        return "mitdb-nc" + nc + "-" + records.size() + "rec-" + h;
    }

    private String validate(String key, int nc, List<String> records, BeatWindowing window, ArrayNode sources) {
        Path manifest = manifestFile(key);
        if (!Files.exists(manifest)) {
            return "no cache";
        }
        JsonNode m;
        try {
            m = MAPPER.readTree(manifest.toFile());
        } catch (IOException e) {
            return "unreadable manifest: " + e.getMessage();
        }
        if (m == null || !PREPROCESSING_VERSION.equals(m.path("version").asText())) {
            return "preprocessing version changed";
        }
        if (m.path("nc").asInt(-1) != nc || m.path("window").path("left").asInt(-1) != window.left()
                || m.path("window").path("right").asInt(-1) != window.right()) {
            return "manifest is for other parameters";
        }
        List<String> cachedRecords = new ArrayList<>();
        m.path("records").forEach(r -> cachedRecords.add(r.asText()));
        if (!cachedRecords.equals(records)) {
            return "manifest is for other records";
        }
        if (!m.path("sources").equals(sources)) {
            return "source files changed: " + firstDifference(m.path("sources"), sources);
        }
        for (String part : List.of("data", "meta")) {
            JsonNode f = m.path(part);
            Path file = cacheDir.resolve(f.path("file").asText());
            try {
                if (!Files.isRegularFile(file)) {
                    return "cache file missing: " + file.getFileName();
                }
                if (Files.size(file) != f.path("size").asLong(-1)) {
                    return "cache file truncated or overwritten: " + file.getFileName();
                }
                if (!sha256Hex(file).equals(f.path("sha256").asText())) {
                    return "cache file corrupt (checksum mismatch): " + file.getFileName();
                }
            } catch (IOException e) {
                return "cache file unreadable: " + e.getMessage();
            }
        }
        return null;
    }

    private static String firstDifference(JsonNode cached, ArrayNode current) {
        for (int i = 0; i < Math.max(cached.size(), current.size()); i++) {
            JsonNode a = cached.path(i);
            JsonNode b = current.path(i);
            if (!a.equals(b)) {
                return b.path("file").asText(a.path("file").asText("?"));
            }
        }
        return "?";
    }

    private BeatSet readBeats(String key, int nc, int length) throws IOException {
        NpyArray data = Npy.read(dataFile(key));
        NpyArray meta = Npy.read(metaFile(key));
        int[] ds = data.shape();
        int[] ms = meta.shape();
        if (ds.length != 3 || ds[1] != nc || ds[2] != length || ms.length != 2 || ms[0] != ds[0] || ms[1] != 3
                || !data.dtype().equals("f4") || !meta.dtype().equals("i4")) {
            throw new IOException("unexpected cached shapes " + data + ", " + meta);
        }
        int n = ds[0];
        int[] m = meta.asInts();
        AamiClass[] classes = AamiClass.values();
        AamiClass[] labels = new AamiClass[n];
        int[] records = new int[n];
        int[] rSamples = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = classes[m[3 * i]];
            records[i] = m[3 * i + 1];
            rSamples[i] = m[3 * i + 2];
        }
        return new BeatSet(data.asFloats(), nc, length, labels, records, rSamples);
    }

    private void write(String key, int nc, List<String> records, BeatWindowing window, ArrayNode sources,
            BeatSet beats) throws IOException {
        Files.createDirectories(cacheDir);
        Path manifest = manifestFile(key);
        // Invalidate first: from here until the new manifest lands, no run may trust this entry.
        Files.deleteIfExists(manifest);

        int n = beats.size();
        // Unique names so that concurrent builders never write the same temporary file; created by
        // the writers (not createTempFile) so the cache gets ordinary, umask-based permissions.
        String unique = "." + UUID.randomUUID() + ".tmp";
        Path dataTmp = cacheDir.resolve(key + ".data" + unique);
        Path metaTmp = cacheDir.resolve(key + ".meta" + unique);
        Path manifestTmp = cacheDir.resolve(key + ".manifest" + unique);
        try {
            Npy.writeFloat32(dataTmp, beats.rawData(), n, nc, beats.length());
            int[] meta = new int[3 * n];
            for (int i = 0; i < n; i++) {
                meta[3 * i] = beats.label(i).ordinal();
                meta[3 * i + 1] = beats.record(i);
                meta[3 * i + 2] = beats.rSample(i);
            }
            Npy.writeInt32(metaTmp, meta, n, 3);
            ObjectNode m = MAPPER.createObjectNode();
            m.put("version", PREPROCESSING_VERSION);
            m.put("nc", nc);
            ObjectNode w = m.putObject("window");
            w.put("left", window.left());
            w.put("right", window.right());
            ArrayNode recs = m.putArray("records");
            records.forEach(recs::add);
            m.put("beats", n);
            m.put("length", beats.length());
            m.put("classOrder", String.join(",", enumNames()));
            m.set("sources", sources);
            m.set("data", fileEntry(dataFile(key), dataTmp));
            m.set("meta", fileEntry(metaFile(key), metaTmp));
            force(dataTmp);
            force(metaTmp);
            Files.move(dataTmp, dataFile(key), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Files.move(metaTmp, metaFile(key), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            MAPPER.writerWithDefaultPrettyPrinter().writeValue(manifestTmp.toFile(), m);
            force(manifestTmp);
            Files.move(manifestTmp, manifest, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(dataTmp);
            Files.deleteIfExists(metaTmp);
            Files.deleteIfExists(manifestTmp);
        }
    }

    private static List<String> enumNames() {
        List<String> names = new ArrayList<>();
        for (AamiClass c : AamiClass.values()) {
            names.add(c.name());
        }
        return names;
    }

    private static ObjectNode fileEntry(Path finalName, Path written) throws IOException {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("file", finalName.getFileName().toString());
        o.put("size", Files.size(written));
        o.put("sha256", sha256Hex(written));
        return o;
    }

    /** Size and SHA-256 of every file a build reads, in a fixed order. */
    static ArrayNode fingerprintSources(Path mitdbDir, List<String> records) throws IOException {
        ArrayNode out = MAPPER.createArrayNode();
        for (String r : records) {
            Set<String> files = new LinkedHashSet<>();
            files.add(r + ".hea");
            WfdbHeader h = WfdbRecordReader.readHeader(mitdbDir, r);
            for (WfdbSignalSpec s : h.signals()) {
                files.add(s.fileName());
            }
            files.add(r + "." + WfdbRecordReader.REFERENCE_ANNOTATOR);
            for (String f : files) {
                Path p = mitdbDir.resolve(f);
                ObjectNode o = out.addObject();
                o.put("file", f);
                if (Files.isRegularFile(p)) {
                    o.put("size", Files.size(p));
                    o.put("sha256", sha256Hex(p));
                } else {
                    o.put("size", -1); // the build will report the missing file
                }
            }
        }
        // Round-trip through JSON text so that numbers compare equal to a parsed manifest's
        // (Jackson's IntNode(5) does not equal LongNode(5)).
        return (ArrayNode) MAPPER.readTree(MAPPER.writeValueAsString(out));
    }

    private static void force(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }

    static String sha256Hex(Path file) throws IOException {
        MessageDigest md = digest();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
            while (ch.read(buf) >= 0) {
                buf.flip();
                md.update(buf);
                buf.clear();
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static byte[] sha256(byte[] bytes) {
        return digest().digest(bytes);
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }
}
