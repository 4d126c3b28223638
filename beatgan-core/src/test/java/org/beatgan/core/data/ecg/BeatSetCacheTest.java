package org.beatgan.core.data.ecg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Stream;

import org.beatgan.core.data.TestData;
import org.beatgan.core.data.npy.Npy;
import org.beatgan.core.data.npy.NpyArray;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

class BeatSetCacheTest {

    private static final List<String> RECORDS = List.of("100", "114");

    @TempDir
    Path tmp;
    private Path db;
    private BeatSetCache cache;

    @BeforeEach
    void copyTwoRecords() throws Exception {
        db = Files.createDirectories(tmp.resolve("mitdb"));
        for (String r : RECORDS) {
            for (String ext : new String[] {".hea", ".dat", ".atr"}) {
                Path dst = db.resolve(r + ext);
                Files.copy(TestData.mitdb().resolve(r + ext), dst);
                dst.toFile().setWritable(true);
            }
        }
        cache = new BeatSetCache(tmp.resolve(".cache"));
    }

    private BeatSetCache.Result load() throws Exception {
        return cache.loadOrBuild(db, 2, RECORDS);
    }

    @Test
    void secondLoadHitsTheCacheAndIsEqual() throws Exception {
        BeatSetCache.Result first = load();
        assertFalse(first.hit());
        assertEquals("no cache", first.reason());
        BeatSetCache.Result second = load();
        assertTrue(second.hit(), second.reason());
        assertTrue(second.beats().contentEquals(first.beats()));
        assertTrue(first.beats().contentEquals(MitBihBeatDataset.build(db, 2, RECORDS)));
        assertEquals(4_150, first.beats().size(), "beats of records 100 and 114");
    }

    @Test
    void writesNumpyArraysAndAManifestWithSourceHashes() throws Exception {
        BeatSet beats = load().beats();
        NpyArray data = Npy.read(cache.dataFile(2, RECORDS, BeatWindowing.BEATGAN));
        assertEquals("f4", data.dtype());
        assertEquals(List.of(beats.size(), 2, 320), List.of(data.shape()[0], data.shape()[1], data.shape()[2]));
        NpyArray meta = Npy.read(cache.metaFile(2, RECORDS, BeatWindowing.BEATGAN));
        assertEquals(100, meta.asInts()[1], "record of the first beat");
        JsonNode m = new ObjectMapper().readTree(cache.manifestFile(2, RECORDS, BeatWindowing.BEATGAN).toFile());
        assertEquals(BeatSetCache.PREPROCESSING_VERSION, m.get("version").asText());
        assertEquals(2, m.get("nc").asInt());
        assertEquals(6, m.get("sources").size(), "hea, dat and atr of two records");
        JsonNode dat = m.get("sources").get(1);
        assertEquals("100.dat", dat.get("file").asText());
        assertEquals(1_950_000, dat.get("size").asLong());
        assertEquals(BeatSetCache.sha256Hex(db.resolve("100.dat")), dat.get("sha256").asText());
        try (Stream<Path> files = Files.list(cache.cacheDir())) {
            assertEquals(3, files.count(), "no temporary files left behind");
        }
    }

    @Test
    void touchingASourceKeepsTheCacheButChangingItsContentRebuilds() throws Exception {
        BeatSet original = load().beats();
        Files.setLastModifiedTime(db.resolve("100.dat"), FileTime.fromMillis(System.currentTimeMillis() + 60_000));
        assertTrue(load().hit(), "same content, new mtime: still valid");

        // Swap frames 0 and 9 of 100.dat (995/1011 and 997/1008): still valid format-212 data
        // with unchanged checksums, but different content.
        byte[] before = Files.readAllBytes(db.resolve("100.dat"));
        byte[] b = before.clone();
        for (int i = 0; i < 3; i++) {
            byte t = b[i];
            b[i] = b[27 + i];
            b[27 + i] = t;
        }
        assertFalse(java.util.Arrays.equals(before, b));
        Files.write(db.resolve("100.dat"), b);
        BeatSetCache.Result r = load();
        assertFalse(r.hit());
        assertTrue(r.reason().contains("100.dat"), r.reason());
        assertTrue(load().hit(), "the rebuilt cache is valid again");

        Files.writeString(db.resolve("114.hea"), Files.readString(db.resolve("114.hea")) + "# edited\n");
        r = load();
        assertFalse(r.hit());
        assertTrue(r.reason().contains("114.hea"), r.reason());
        assertEquals(original.size(), r.beats().size());
    }

    @Test
    void truncatedOrCorruptCacheFilesAreDetectedAndRebuilt() throws Exception {
        BeatSet original = load().beats();
        Path data = cache.dataFile(2, RECORDS, BeatWindowing.BEATGAN);
        byte[] bytes = Files.readAllBytes(data);
        Files.write(data, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        BeatSetCache.Result r = load();
        assertFalse(r.hit());
        assertTrue(r.reason().contains("truncated"), r.reason());
        assertTrue(r.beats().contentEquals(original));

        bytes = Files.readAllBytes(data);
        bytes[bytes.length - 7] ^= 0x40; // same size, different content
        Files.write(data, bytes);
        r = load();
        assertFalse(r.hit());
        assertTrue(r.reason().contains("checksum"), r.reason());
        assertTrue(r.beats().contentEquals(original));
        assertTrue(load().hit());
    }

    @Test
    void aMissingOrUnreadableManifestMeansNoCache() throws Exception {
        load();
        Path manifest = cache.manifestFile(2, RECORDS, BeatWindowing.BEATGAN);
        Files.writeString(manifest, "{ not json");
        BeatSetCache.Result r = load();
        assertFalse(r.hit());
        assertTrue(r.reason().startsWith("unreadable manifest"), r.reason());
        Files.delete(manifest); // as after a crash between writing the arrays and the manifest
        assertFalse(load().hit());
        assertTrue(load().hit());
    }

    @Test
    void differentRequestsUseDifferentEntries() throws Exception {
        load();
        Path two = cache.manifestFile(2, RECORDS, BeatWindowing.BEATGAN);
        assertNotEquals(two, cache.manifestFile(1, RECORDS, BeatWindowing.BEATGAN));
        assertNotEquals(two, cache.manifestFile(2, List.of("100"), BeatWindowing.BEATGAN));
        assertNotEquals(two, cache.manifestFile(2, RECORDS, BeatWindowing.BEATGAN_PUBLISHED));
        BeatSetCache.Result one = cache.loadOrBuild(db, 1, RECORDS);
        assertFalse(one.hit());
        assertEquals(1, one.beats().nc());
        assertTrue(load().hit(), "the two-lead entry is untouched");
        // A manifest copied over from another request is not trusted.
        Files.copy(two, cache.manifestFile(2, List.of("100"), BeatWindowing.BEATGAN),
                StandardCopyOption.REPLACE_EXISTING);
        BeatSetCache.Result other = cache.loadOrBuild(db, 2, List.of("100"));
        assertFalse(other.hit());
        assertTrue(other.reason().contains("other records"), other.reason());
    }
}
