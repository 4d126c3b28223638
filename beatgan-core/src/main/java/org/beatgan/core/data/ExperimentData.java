package org.beatgan.core.data;

import org.beatgan.core.config.DataConfig;
import org.beatgan.core.data.ecg.AamiClass;
import org.beatgan.core.data.ecg.BeatDataSetIterator;
import org.beatgan.core.data.ecg.BeatGanNpyLoader;
import org.beatgan.core.data.ecg.BeatSet;
import org.beatgan.core.data.ecg.BeatSetCache;
import org.beatgan.core.data.ecg.BeatSplit;
import org.beatgan.core.data.ecg.CsvSeriesLoader;
import org.beatgan.core.data.ecg.SplitProtocol;
import org.beatgan.core.io.DataLocations;
import org.beatgan.core.train.TrainingRun;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Turns an experiment's data settings into the beats a training run sees: load (MIT-BIH through
 * the preprocessing cache, or BeatGAN .npy arrays), split by protocol, optionally subsample, and
 * wrap in iterators. Every training command goes through here, so all of them agree on the data.
 */
public final class ExperimentData {

    private static final int EVAL_BATCH = 256;
    /** Smallest training batch: batch norm's variance needs two beats. */
    public static final int MIN_BATCH = 2;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ExperimentData.class);

    private ExperimentData() {
    }

    /** The iterators of one run plus the beat counts per class of each part. */
    public record Prepared(TrainingRun.Data data, Map<String, Map<String, Integer>> summary, BeatSet beats,
                           int[] train, int[] val, int[] test, int batchSize, long seed) {

        /** The same beats with new iterators, for runs that must not share iterator state (parallel runs). */
        public Prepared withFreshIterators() {
            return new Prepared(iterators(beats, train, val, test, batchSize, seed), summary, beats, train, val, test,
                    batchSize, seed);
        }
    }

    private static TrainingRun.Data iterators(BeatSet all, int[] train, int[] val, int[] test, int batchSize,
                                              long seed) {
        return new TrainingRun.Data(
                BeatDataSetIterator.forTraining(all, train, batchSize, seed),
                BeatDataSetIterator.forEvaluation(all, val, EVAL_BATCH),
                BeatDataSetIterator.forEvaluation(all, test, EVAL_BATCH));
    }

    public static Prepared prepare(DataConfig cfg, int nc, int batchSize) throws IOException {
        BeatSet all = load(cfg.path() == null ? DataLocations.mitdb() : Path.of(cfg.path()), nc);
        BeatSplit split = split(all, cfg.protocol(), cfg.fold(), cfg.seed());
        int[] train = subsample(all, split.train(), cfg.trainLimit(), cfg.seed());
        int[] val = subsample(all, split.val(), cfg.evalLimit(), cfg.seed() + 1);
        int[] test = subsample(all, split.test(), cfg.evalLimit(), cfg.seed() + 2);
        if (train.length < batchSize) {
            // BeatGAN's own demo trains on fewer beats than a batch: the batch becomes the whole
            // training set (batch norm over all of it), which Prepared.batchSize reports to the trainer
            if (train.length < MIN_BATCH) {
                throw new IllegalArgumentException("Only " + train.length + " training beats (protocol "
                        + cfg.protocol() + ", data " + describe(cfg) + "); batch norm needs at least " + MIN_BATCH);
            }
            LOG.warn("Only {} training beats for batch size {} (protocol {}, data {}): training with batches of {}",
                    train.length, batchSize, cfg.protocol(), describe(cfg), train.length);
            batchSize = train.length;
        }
        if (val.length == 0 || test.length == 0) {
            throw new IllegalArgumentException("Protocol " + cfg.protocol() + " left no "
                    + (val.length == 0 ? "validation" : "test") + " beats for data " + describe(cfg));
        }
        Map<String, Map<String, Integer>> summary = new LinkedHashMap<>();
        summary.put("all", counts(all, null));
        summary.put("train", counts(all, train));
        summary.put("val", counts(all, val));
        summary.put("test", counts(all, test));
        return new Prepared(iterators(all, train, val, test, batchSize, cfg.seed()), summary, all, train, val, test,
                batchSize, cfg.seed());
    }

    /** Splits a beat set by protocol name; a fold the protocol does not have is an error naming both. */
    public static BeatSplit split(BeatSet beats, String protocolName, int fold, long seed) {
        SplitProtocol protocol = protocol(protocolName);
        if (fold < 0 || fold >= protocol.folds()) {
            throw new IllegalArgumentException("fold " + fold + " does not exist for protocol " + protocolName
                    + " (folds 0.." + (protocol.folds() - 1) + ")");
        }
        return protocol.split(beats, fold, seed);
    }

    /**
     * Loads a MIT-BIH folder (cached preprocessing), a folder of BeatGAN-layout .npy arrays, or a
     * CSV file of fixed-length series (label, then nc * 320 values per row; see CsvSeriesLoader).
     */
    public static BeatSet load(Path dir, int nc) throws IOException {
        if (Files.isRegularFile(dir) && dir.getFileName().toString().toLowerCase().endsWith(".csv")) {
            BeatSet csv = new CsvSeriesLoader(nc, 0).load(dir);
            if (csv.length() != org.beatgan.core.model.BeatGanConfig.BEAT_LENGTH) {
                throw new IOException(dir + ": series of length " + csv.length() + "; BeatGAN's architecture needs "
                        + org.beatgan.core.model.BeatGanConfig.BEAT_LENGTH + " samples per lead");
            }
            return csv;
        }
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(dir.toString(), null, "data folder does not exist");
        }
        boolean wfdb;
        boolean npy;
        try (Stream<Path> files = Files.list(dir)) {
            List<String> names = files.map(p -> p.getFileName().toString()).toList();
            wfdb = names.stream().anyMatch(n -> n.endsWith(".hea"));
            npy = names.stream().anyMatch(n -> n.endsWith("_samples.npy"));
        }
        if (wfdb) {
            return new BeatSetCache(cacheDir()).loadOrBuild(dir, nc).beats();
        }
        if (npy) {
            return BeatGanNpyLoader.load(dir, nc);
        }
        throw new IOException(dir + ": holds neither WFDB records (*.hea/.dat/.atr) nor BeatGAN arrays "
                + "(normal_samples.npy + abnormal_samples.npy, or {N,S,V,F,Q}_samples.npy)");
    }

    /** Preprocessing cache: $BEATGAN_CACHE_DIR, else .cache/ in the project folder, else ~/.cache/beatgan. */
    public static Path cacheDir() {
        String env = System.getenv("BEATGAN_CACHE_DIR");
        if (env != null && !env.isBlank()) return Path.of(env);
        String home = System.getProperty("beatgan.home");
        if (home != null) return Path.of(home, ".cache");
        return Path.of(System.getProperty("user.home"), ".cache", "beatgan");
    }

    public static SplitProtocol protocol(String name) {
        String n = name == null ? "beatgan" : name.trim().toLowerCase().replace('_', '-');
        return switch (n) {
            case "beatgan" -> SplitProtocol.BEATGAN;
            case "clean" -> SplitProtocol.CLEAN;
            case "inter-patient" -> SplitProtocol.INTER_PATIENT;
            default -> throw new IllegalArgumentException("Unknown data protocol '" + name
                    + "', expected beatgan, clean or inter-patient");
        };
    }

    /**
     * At most {@code limit} beats, drawn per class in proportion to its size (rounded up, so a rare
     * class keeps at least one beat); {@code limit} 0 keeps everything. Order is then shuffled.
     */
    static int[] subsample(BeatSet beats, int[] indices, int limit, long seed) {
        if (limit == 0 || indices.length <= limit) {
            return indices;
        }
        Map<AamiClass, List<Integer>> byClass = new LinkedHashMap<>();
        for (int i : indices) byClass.computeIfAbsent(beats.label(i), c -> new ArrayList<>()).add(i);
        Random r = new Random(seed * 7919 + indices.length);
        List<Integer> keep = new ArrayList<>();
        for (List<Integer> members : byClass.values()) {
            java.util.Collections.shuffle(members, r);
            int k = (int) Math.ceil((double) members.size() * limit / indices.length);
            keep.addAll(members.subList(0, Math.min(k, members.size())));
        }
        java.util.Collections.shuffle(keep, r);
        int[] out = keep.stream().mapToInt(Integer::intValue).toArray();
        Arrays.sort(out);
        return out;
    }

    private static Map<String, Integer> counts(BeatSet beats, int[] indices) {
        Map<String, Integer> out = new LinkedHashMap<>();
        Map<AamiClass, Integer> c = indices == null ? beats.countsPerClass() : beats.countsPerClass(indices);
        c.forEach((k, v) -> {
            if (v > 0 || k != AamiClass.ABNORMAL) out.put(k.name(), v);
        });
        return out;
    }

    private static String describe(DataConfig cfg) {
        return cfg.path() == null ? "shipped MIT-BIH" : cfg.path();
    }
}
