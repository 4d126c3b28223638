package org.beatgan.core.train;

import com.fasterxml.jackson.core.type.TypeReference;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.beatgan.core.data.ecg.BeatDataSetIterator;
import org.beatgan.core.io.ArrayMapCodec;
import org.beatgan.core.io.AtomicFiles;
import org.beatgan.core.io.Json;
import org.beatgan.core.io.ModelBundle;
import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.model.BeatGanGraph.Network;
import org.beatgan.core.score.AnomalyScorer;
import org.beatgan.core.score.BinaryMetrics;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A whole training run into an output folder: epochs of {@link BeatGanTrainer} steps, validation
 * after every epoch, model selection, atomic checkpoints, resume, and the final test evaluation.
 *
 * <p>Output folder: {@code model.zip} (best epoch), {@code checkpoint.zip} (last epoch, with
 * optimizer and trainer state), {@code epochs.jsonl} (one line per epoch), {@code metrics.json}
 * and {@code test_curves.json}. Model selection uses validation AUC when the validation set holds
 * both classes; with a normal-only validation set (clean protocol) it uses the lowest mean
 * validation score, so model selection never needs labelled anomalies.
 */
public final class TrainingRun {

    private static final Logger LOG = LoggerFactory.getLogger(TrainingRun.class);
    public static final String MODEL = "model.zip";
    public static final String CHECKPOINT = "checkpoint.zip";
    public static final String EPOCHS = "epochs.jsonl";
    public static final String METRICS = "metrics.json";
    public static final String CURVES = "test_curves.json";
    private static final String TRAINER_STATE = "trainer.json";

    public record Data(DataSetIterator train, DataSetIterator validation, DataSetIterator test) {
    }

    public record Options(Path outDir, boolean resume, boolean progressBar) {
    }

    private final BeatGanTrainer trainer;
    private final Data data;
    private final Options options;
    private final List<Map<String, Object>> records = new ArrayList<>();
    private int bestEpoch;
    private double bestValue = Double.NaN;
    private String criterion;
    private double trainSeconds;

    public TrainingRun(BeatGanTrainer trainer, Data data, Options options) {
        this.trainer = trainer;
        this.data = data;
        this.options = options;
    }

    /** Trains the remaining epochs and returns the content of metrics.json. */
    public Map<String, Object> run() throws IOException {
        Path out = options.outDir();
        Files.createDirectories(out);
        int startEpoch = options.resume() ? resume() : 0;
        if (!options.resume()) {
            // a fresh run must not mix with an earlier run's files
            for (String f : List.of(MODEL, CHECKPOINT, EPOCHS, METRICS, CURVES)) {
                Files.deleteIfExists(out.resolve(f));
            }
        }
        int epochs = trainer.config().epochs();
        for (int epoch = startEpoch; epoch < epochs; epoch++) {
            Map<String, Object> record = trainEpoch(epoch);
            records.add(record);
            saveEpoch(epoch);
            for (TrainingListener l : trainer.listeners()) l.onEpoch(record);
            LOG.info("epoch {}/{} {}", epoch + 1, epochs, Json.COMPACT.writeValueAsString(record));
        }
        return finish();
    }

    private Map<String, Object> trainEpoch(int epoch) {
        BeatGanGraph graph = trainer.graph();
        DataSetIterator train = data.train();
        train.reset();
        Map<String, Double> sums = new LinkedHashMap<>();
        int steps = 0;
        long beats = 0;
        long t0 = System.nanoTime();
        try (ProgressBar bar = progressBar(epoch)) {
            while (train.hasNext()) {
                DataSet ds = train.next();
                if (ds.numExamples() < 2) {
                    continue;   // batch norm needs two beats
                }
                Map<String, Double> stats = trainer.step(ds.getFeatures(), BeatDataSetIterator.datasetIndices(ds),
                        epoch);
                stats.forEach((k, v) -> sums.merge(k, v, Double::sum));
                steps++;
                beats += ds.numExamples();
                if (bar != null) {
                    bar.step();
                    bar.setExtraMessage(String.format(" G %.4f D %.4f", stats.get("loss_g"), stats.get("loss_d")));
                }
            }
        }
        if (steps == 0) {
            throw new IllegalStateException("The training set yields no batch of at least 2 beats");
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        trainSeconds += seconds;

        Map<String, Object> record = new LinkedHashMap<>();
        record.put("epoch", epoch + 1);
        for (Map.Entry<String, Double> e : sums.entrySet()) {
            record.put(e.getKey(), e.getValue() / steps);
        }
        AnomalyScorer.Scored val = AnomalyScorer.score(graph, data.validation());
        record.put("val_score_mean", val.meanScore());
        double value;
        if (val.hasBothClasses()) {
            BinaryMetrics m = val.metrics();
            record.put("val_auc", m.auc());
            record.put("val_ap", m.ap());
            record.put("val_f1", m.bestF1());
            criterion = "val_auc";
            value = m.auc();
        } else {
            criterion = "val_score_mean";
            value = -val.meanScore();
        }
        record.put("seconds", seconds);
        record.put("beats_per_s", beats / seconds);
        record.put("d_reinits", trainer.discriminatorReinits());
        if (Double.isNaN(bestValue) || value > bestValue) {
            bestValue = value;
            bestEpoch = epoch + 1;
            record.put("best", true);
        }
        return record;
    }

    private ProgressBar progressBar(int epoch) {
        if (!options.progressBar()) {
            return null;
        }
        return new ProgressBarBuilder()
                .setTaskName("epoch " + (epoch + 1) + "/" + trainer.config().epochs())
                .setInitialMax(-1)
                .setStyle(ProgressBarStyle.ASCII)
                .setUnit(" batches", 1)
                .build();
    }

    /** Best model first, then the checkpoint that refers to it, then the log derived from both. */
    private void saveEpoch(int epoch) throws IOException {
        Path out = options.outDir();
        if (Boolean.TRUE.equals(records.get(records.size() - 1).get("best"))) {
            ModelBundle.save(trainer.graph(), out.resolve(MODEL));
        }
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("epochs_completed", epoch + 1);
        state.put("iteration", trainer.iteration());
        state.put("iteration_d", trainer.optimizer(Network.D).iteration());
        state.put("iteration_g", trainer.optimizer(Network.G).iteration());
        state.put("d_reinits", trainer.discriminatorReinits());
        state.put("best_epoch", bestEpoch);
        state.put("best_value", bestValue);
        state.put("criterion", criterion);
        state.put("train_seconds", trainSeconds);
        state.put("training_config", trainer.config());
        state.put("records", records);
        Map<String, byte[]> extra = new LinkedHashMap<>();
        extra.put(TRAINER_STATE, Json.MAPPER.writeValueAsBytes(state));
        extra.put("optimizer/D.bin", ArrayMapCodec.encode(trainer.optimizer(Network.D).stateArrays()));
        extra.put("optimizer/G.bin", ArrayMapCodec.encode(trainer.optimizer(Network.G).stateArrays()));
        ModelBundle.save(trainer.graph(), out.resolve(CHECKPOINT), extra);
        StringBuilder lines = new StringBuilder();
        for (Map<String, Object> r : records) {
            lines.append(Json.COMPACT.writeValueAsString(r)).append('\n');
        }
        AtomicFiles.writeString(out.resolve(EPOCHS), lines.toString());
    }

    /** Restores graph, optimizers and counters from checkpoint.zip; returns the next epoch index. */
    private int resume() throws IOException {
        Path ckpt = options.outDir().resolve(CHECKPOINT);
        if (!Files.exists(ckpt)) {
            LOG.info("No checkpoint in {}; starting from epoch 1", options.outDir());
            return 0;
        }
        Map<String, byte[]> entries = ModelBundle.restoreState(trainer.graph().sameDiff(), ckpt);
        byte[] stateBytes = entries.get(TRAINER_STATE);
        if (stateBytes == null) {
            throw new IOException(ckpt + ": checkpoint lacks " + TRAINER_STATE);
        }
        var state = Json.MAPPER.readTree(stateBytes);
        TrainingConfig saved = Json.MAPPER.treeToValue(state.get("training_config"), TrainingConfig.class);
        if (saved.seed() != trainer.config().seed() || saved.batchSize() != trainer.config().batchSize()) {
            throw new IOException(ckpt + ": checkpoint was written with seed " + saved.seed() + " and batch "
                    + saved.batchSize() + ", this run uses seed " + trainer.config().seed() + " and batch "
                    + trainer.config().batchSize() + "; use a new --out folder or the same settings");
        }
        trainer.optimizer(Network.D).restore(ArrayMapCodec.decode(entries.get("optimizer/D.bin"), ckpt + " D optimizer"),
                state.get("iteration_d").asInt());
        trainer.optimizer(Network.G).restore(ArrayMapCodec.decode(entries.get("optimizer/G.bin"), ckpt + " G optimizer"),
                state.get("iteration_g").asInt());
        trainer.restoreCounters(state.get("iteration").asLong(), state.get("d_reinits").asInt());
        bestEpoch = state.get("best_epoch").asInt();
        bestValue = state.get("best_value").asDouble();
        criterion = state.get("criterion").asText();
        trainSeconds = state.get("train_seconds").asDouble();
        records.addAll(Json.MAPPER.convertValue(state.get("records"), new TypeReference<List<Map<String, Object>>>() {
        }));
        int done = state.get("epochs_completed").asInt();
        // a fresh iterator is at epoch 0; advance it past the finished epochs so the next epoch
        // gets the shuffle the uninterrupted run would have used (every epoch starts with a reset)
        for (int e = 0; e < done; e++) {
            data.train().reset();
        }
        LOG.info("Resuming from {} after epoch {} (best epoch {})", ckpt, done, bestEpoch);
        return done;
    }

    private Map<String, Object> finish() throws IOException {
        Path out = options.outDir();
        ModelBundle.Loaded best = ModelBundle.load(out.resolve(MODEL));
        Map<String, Object> metrics = new LinkedHashMap<>();
        if (data.test() != null) {
            AnomalyScorer.Scored test = AnomalyScorer.score(best.graph(), data.test());
            BinaryMetrics m = test.metrics();
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("auc", m.auc());
            t.put("ap", m.ap());
            t.put("best_f1", m.bestF1());
            t.put("threshold", m.threshold());
            t.put("beats", test.scores().length);
            t.put("anomalies", m.positives());
            metrics.put("test", t);
            Map<String, Object> curves = new LinkedHashMap<>();
            curves.put("roc", Map.of("fpr", m.rocFpr(), "tpr", m.rocTpr()));
            curves.put("pr", Map.of("recall", m.prRecall(), "precision", m.prPrecision()));
            AtomicFiles.write(out.resolve(CURVES), o -> Json.COMPACT.writeValue(o, curves));
        }
        long adapters = 0;
        for (String v : trainer.optimizer(Network.G).variables()) {
            if (!best.graph().sameDiff().hasVariable(v)) adapters += trainer.graph().array(v).length();
        }
        metrics.put("params", Map.of("G", best.graph().parameterCount(Network.G),
                "D", best.graph().parameterCount(Network.D), "adapters", adapters));
        metrics.put("best_epoch", bestEpoch);
        metrics.put("selection", criterion);
        metrics.put("best_epoch_record", records.get(bestEpoch - 1));
        metrics.put("epochs", records.size());
        metrics.put("d_reinits", trainer.discriminatorReinits());
        metrics.put("train_seconds", trainSeconds);
        metrics.put("config", best.graph().config());
        metrics.put("training", trainer.config());
        metrics.put("model", MODEL);
        AtomicFiles.write(out.resolve(METRICS), o -> Json.MAPPER.writeValue(o, metrics));
        return metrics;
    }
}
