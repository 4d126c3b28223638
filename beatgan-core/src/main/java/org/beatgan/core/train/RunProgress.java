package org.beatgan.core.train;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import org.beatgan.core.io.AtomicFiles;
import org.beatgan.core.io.Json;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * What a training run ({@link TrainingRun} for BeatGAN, {@code ClassifierRun} for classifiers) keeps
 * about its epochs: the epoch records, the best epoch by the selection value, the training time;
 * how they go into a checkpoint's trainer state and come back on resume, and {@code epochs.jsonl}.
 * The runs add what only they have (optimizers, counters, schedules).
 */
public final class RunProgress {

    private static final Logger LOG = LoggerFactory.getLogger(RunProgress.class);

    private final List<Map<String, Object>> records = new ArrayList<>();
    private int bestEpoch;
    private double bestValue = Double.NaN;
    private double trainSeconds;

    /**
     * Adds an epoch's record with its selection value (higher is better) and its training seconds;
     * marks it {@code "best": true} when it improves on every earlier epoch.
     *
     * @return whether it is the new best epoch
     */
    public boolean add(Map<String, Object> record, double value, double seconds) {
        trainSeconds += seconds;
        boolean best = Double.isNaN(bestValue) || value > bestValue;
        if (best) {
            bestValue = value;
            bestEpoch = records.size() + 1;
            record.put("best", true);
        }
        records.add(record);
        return best;
    }

    public List<Map<String, Object>> records() {
        return Collections.unmodifiableList(records);
    }

    public int epochs() {
        return records.size();
    }

    /** 1-based best epoch, 0 before any. */
    public int bestEpoch() {
        return bestEpoch;
    }

    public double trainSeconds() {
        return trainSeconds;
    }

    public Map<String, Object> bestRecord() {
        return records.get(bestEpoch - 1);
    }

    /** Whether {@code patience} (> 0) epochs in a row have passed without a better one. */
    public boolean stalled(int patience) {
        return patience > 0 && records.size() - bestEpoch >= patience;
    }

    /** Into a checkpoint's trainer state: epochs completed, best epoch and value, seconds, the records. */
    public void putState(Map<String, Object> state) {
        state.put("epochs_completed", records.size());
        state.put("best_epoch", bestEpoch);
        state.put("best_value", bestValue);
        state.put("train_seconds", trainSeconds);
        state.put("records", records);
    }

    /** Back from a checkpoint's trainer state (see {@link #putState}); returns the epochs completed. */
    public int restore(JsonNode state, Path checkpoint) {
        bestEpoch = state.get("best_epoch").asInt();
        bestValue = state.get("best_value").asDouble();
        trainSeconds = state.get("train_seconds").asDouble();
        records.clear();
        records.addAll(Json.MAPPER.convertValue(state.get("records"), new TypeReference<List<Map<String, Object>>>() {
        }));
        int done = state.get("epochs_completed").asInt();
        LOG.info("Resuming from {} after epoch {} (best epoch {})", checkpoint, done, bestEpoch);
        return done;
    }

    /** {@code epochs.jsonl}: one JSON line per epoch record, written atomically. */
    public void writeEpochs(Path file) throws IOException {
        StringBuilder lines = new StringBuilder();
        for (Map<String, Object> r : records) {
            lines.append(Json.COMPACT.writeValueAsString(r)).append('\n');
        }
        AtomicFiles.writeString(file, lines.toString());
    }

    /** A checkpoint resumes only a run of the same seed and batch size; else an error naming both. */
    public static void requireSameRun(Path checkpoint, long savedSeed, int savedBatch, long seed, int batch)
            throws IOException {
        if (savedSeed != seed || savedBatch != batch) {
            throw new IOException(checkpoint + ": checkpoint was written with seed " + savedSeed + " and batch "
                    + savedBatch + ", this run uses seed " + seed + " and batch " + batch
                    + "; use a new output folder or the same settings");
        }
    }
}
