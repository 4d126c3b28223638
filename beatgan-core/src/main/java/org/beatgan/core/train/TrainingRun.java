package org.beatgan.core.train;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.beatgan.core.data.ecg.BeatDataSetIterator;
import org.beatgan.core.io.ArrayMapCodec;
import org.beatgan.core.io.AtomicFiles;
import org.beatgan.core.io.Json;
import org.beatgan.core.io.ModelBundle;
import org.beatgan.core.score.ScoreCalibration;
import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.model.BeatGanGraph.Network;
import org.beatgan.core.score.AnomalyScorer;
import org.beatgan.core.score.BinaryMetrics;
import org.beatgan.core.score.ScoringConfig;
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
 * validation score, so model selection never needs labelled anomalies. An epoch record's
 * {@code seconds} is the time spent inside training steps.
 *
 * <p>{@link #run} trains one run; {@link #runTogether} trains several over the same batches
 * (mutual learning updates its students alternately on every batch).
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

    /** @param scoring how validation and test beats are scored (eval mode unless asked otherwise) */
    public record Options(Path outDir, boolean resume, boolean progressBar, ScoringConfig scoring) {
        public Options(Path outDir, boolean resume, boolean progressBar) {
            this(outDir, resume, progressBar, ScoringConfig.eval());
        }
    }

    private final BeatGanTrainer trainer;
    private final Data data;
    private final Options options;
    /** Epoch records, best epoch, training time. */
    private final RunProgress progress = new RunProgress();
    /** Eval-mode validation scores of the latest epoch (the calibration of the model saved at a best epoch). */
    private AnomalyScorer.Scored lastEvalValidation;
    private String criterion;
    /** The current epoch's steps so far: summed loss terms, steps, beats, seconds inside steps. */
    private final Map<String, Double> epochSums = new LinkedHashMap<>();
    private int epochSteps;
    private long epochBeats;
    private long epochWallStart;
    private double epochSeconds;

    public TrainingRun(BeatGanTrainer trainer, Data data, Options options) {
        this.trainer = trainer;
        this.data = data;
        this.options = options;
    }

    /** Trains the remaining epochs and returns the content of metrics.json. */
    public Map<String, Object> run() throws IOException {
        return runTogether(List.of(this)).get(0);
    }

    /**
     * Trains several runs over the same batches: every run takes one step on each batch, in list
     * order, then each ends its epoch (mutual learning updates its peers alternately this way).
     * The batches come from the first run's training iterator; the first run's progress bar shows.
     * All runs resume or none do: their checkpoints must be at the same epoch. Returns each run's
     * metrics.json content, in list order.
     */
    public static List<Map<String, Object>> runTogether(List<TrainingRun> runs) throws IOException {
        TrainingRun first = runs.get(0);
        int startEpoch = first.start();
        for (TrainingRun r : runs.subList(1, runs.size())) {
            int s = r.start();
            if (s != startEpoch) {
                throw new IOException("Runs trained together resume from different epochs (" + first.options.outDir()
                        + " after epoch " + startEpoch + ", " + r.options.outDir() + " after epoch " + s
                        + "); they must advance together: start over with a new --out folder or without --resume");
            }
        }
        DataSetIterator train = first.data.train();
        skipEpochs(train, startEpoch);
        for (int epoch = startEpoch; epoch < first.trainer.config().epochs(); epoch++) {
            if (runs.stream().allMatch(TrainingRun::patienceExhausted)) {
                LOG.info("{}: no better validation value for {} epochs; stopping after epoch {} (best epoch {})",
                        first.options.outDir(), first.trainer.config().patience(), epoch, first.progress.bestEpoch());
                break;
            }
            long wallStart = System.nanoTime();
            for (TrainingRun r : runs) r.epochWallStart = wallStart;
            train.reset();
            try (ProgressBar bar = first.progressBar(epoch)) {
                DataSet next = train.hasNext() ? train.next() : null;
                while (next != null) {
                    if (Thread.currentThread().isInterrupted()) {
                        // a cancelled job (a Spark sweep's time limit): stop at a step boundary; the
                        // checkpoint of the last finished epoch stays for a resume
                        throw new java.io.InterruptedIOException(first.options.outDir() + ": training interrupted in epoch "
                                + (epoch + 1) + "; a resume continues after the last finished epoch");
                    }
                    DataSet batch = next;
                    // the next batch is announced first, so teacher work for it overlaps this step
                    next = train.hasNext() ? train.next() : null;
                    if (next != null && next.numExamples() >= 2) {
                        for (TrainingRun r : runs) {
                            r.trainer.upcoming(next.getFeatures());
                        }
                    }
                    Map<String, Double> stats = null;
                    for (TrainingRun r : runs) {
                        stats = r.step(batch, epoch);
                    }
                    if (bar != null && stats != null) {
                        bar.step();
                        bar.setExtraMessage(String.format(" G %.4f D %.4f", stats.get("loss_g"), stats.get("loss_d")));
                    }
                }
            }
            for (TrainingRun r : runs) {
                r.endEpoch(epoch);
            }
        }
        List<Map<String, Object>> metrics = new ArrayList<>();
        for (TrainingRun r : runs) {
            metrics.add(r.finish());
        }
        return metrics;
    }

    /** Early stopping: the last {@code patience} epochs did not improve the selection value. */
    private boolean patienceExhausted() {
        return progress.stalled(trainer.config().patience());
    }

    /**
     * Restores the checkpoint when resuming, else clears the output folder's earlier run; returns
     * the first epoch to train.
     */
    private int start() throws IOException {
        Files.createDirectories(options.outDir());
        LOG.info("{}: training step {}", options.outDir(), trainer.usesDirectStep() ? trainer.stepEngine()
                : "through the SameDiff graph" + (trainer.config().stepEngine() == TrainingConfig.StepEngine.GRAPH
                ? " (stepEngine GRAPH)" : " (the extension terms need it)"));
        if (options.resume()) {
            return resume();
        }
        // a fresh run must not mix with an earlier run's files
        for (String f : List.of(MODEL, CHECKPOINT, EPOCHS, METRICS, CURVES)) {
            Files.deleteIfExists(options.outDir().resolve(f));
        }
        return 0;
    }

    /**
     * Advances a fresh training iterator past {@code epochs} finished epochs, so a resumed run
     * gets the shuffle the uninterrupted run would have used (every epoch starts with a reset).
     */
    private static void skipEpochs(DataSetIterator train, int epochs) {
        for (int e = 0; e < epochs; e++) {
            train.reset();
        }
    }

    /** One training step on a batch; null (no step) for a batch of fewer than 2 beats. */
    private Map<String, Double> step(DataSet ds, int epoch) {
        if (ds.numExamples() < 2) {
            return null;   // batch norm needs two beats
        }
        long t0 = System.nanoTime();
        Map<String, Double> stats = trainer.step(ds.getFeatures(), BeatDataSetIterator.datasetIndices(ds), epoch);
        epochSeconds += (System.nanoTime() - t0) / 1e9;
        stats.forEach((k, v) -> epochSums.merge(k, v, Double::sum));
        epochSteps++;
        epochBeats += ds.numExamples();
        return stats;
    }

    /** After an epoch's steps: validation, model selection, model and checkpoint, log line; returns the record. */
    private Map<String, Object> endEpoch(int epoch) throws IOException {
        Map<String, Object> record = epochRecord(epoch);
        saveEpoch(epoch, Boolean.TRUE.equals(record.get("best")));
        for (TrainingListener l : trainer.listeners()) l.onEpoch(record);
        LOG.info("epoch {}/{} {}", epoch + 1, trainer.config().epochs(), Json.COMPACT.writeValueAsString(record));
        return record;
    }

    private Map<String, Object> epochRecord(int epoch) {
        BeatGanGraph graph = trainer.graph();
        if (epochSteps == 0) {
            throw new IllegalStateException("The training set yields no batch of at least 2 beats");
        }
        double seconds = epochSeconds;
        Map<String, Double> sums = new LinkedHashMap<>(epochSums);
        int steps = epochSteps;
        long beats = epochBeats;
        epochSums.clear();
        epochSteps = 0;
        epochBeats = 0;
        epochSeconds = 0;

        Map<String, Object> record = new LinkedHashMap<>();
        record.put("epoch", epoch + 1);
        for (Map.Entry<String, Double> e : sums.entrySet()) {
            record.put(e.getKey(), e.getValue() / steps);
        }
        ScoringConfig scoring = options.scoring();
        long v0 = System.nanoTime();
        AnomalyScorer.Scored val = AnomalyScorer.score(graph, data.validation(), scoring);
        double value = putValidation(record, val, "");
        criterion = val.hasBothClasses() ? "val_auc" : "val_score_mean";
        AnomalyScorer.Scored evalVal = val;
        if (scoring.mode() != ScoringConfig.Mode.EVAL) {
            // model selection follows the chosen scoring; eval mode is reported beside it
            evalVal = AnomalyScorer.score(graph, data.validation());
            putValidation(record, evalVal, "_eval");
        }
        lastEvalValidation = evalVal;
        long v1 = System.nanoTime();
        record.put("seconds", seconds);
        record.put("beats_per_s", beats / seconds);
        // where an epoch's time goes besides the steps (seconds): validation scoring, and the whole
        // epoch until its record (the steps, reading batches, validation; runs trained together
        // share it); saving the model and checkpoint comes after
        record.put("validation_seconds", (v1 - v0) / 1e9);
        record.put("wall_seconds", (v1 - epochWallStart) / 1e9);
        record.put("d_reinits", trainer.discriminatorReinits());
        progress.add(record, value, seconds);
        return record;
    }

    /** Validation metrics under {@code "val_*" + suffix}; returns the selection value (higher is better). */
    private static double putValidation(Map<String, Object> record, AnomalyScorer.Scored val, String suffix) {
        record.put("val_score_mean" + suffix, val.meanScore());
        if (!val.hasBothClasses()) {
            return -val.meanScore();
        }
        BinaryMetrics m = val.metrics();
        record.put("val_auc" + suffix, m.auc());
        record.put("val_ap" + suffix, m.ap());
        record.put("val_f1" + suffix, m.bestF1());
        record.put("val_score_mean_normal" + suffix, val.meanScore(0));
        record.put("val_score_mean_anomaly" + suffix, val.meanScore(1));
        return m.auc();
    }

    /** Test metrics of one scoring as metrics.json states them. */
    public static Map<String, Object> testMetrics(AnomalyScorer.Scored test) {
        BinaryMetrics m = test.metrics();
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("auc", m.auc());
        t.put("ap", m.ap());
        t.put("best_f1", m.bestF1());
        t.put("threshold", m.threshold());
        t.put("beats", test.scores().length);
        t.put("anomalies", m.positives());
        // how far apart the classes' reconstruction errors are (a model can fit anomalies too well)
        t.put("score_mean_normal", test.meanScore(0));
        t.put("score_mean_anomaly", test.meanScore(1));
        return t;
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

    /**
     * The best model's normal-beat score calibration (eval-mode scores of the validation normal beats),
     * stored in model.zip so that scoring new ECG can pick a threshold at a false-alarm rate without test
     * data; none when the validation set holds fewer than 2 normal beats.
     */
    private Map<String, byte[]> calibrationEntry() throws IOException {
        int normal = 0;
        for (int l : lastEvalValidation.labels()) if (l == 0) normal++;
        if (normal < 2) {
            LOG.warn("{}: only {} normal validation beats; model.zip gets no score calibration", options.outDir(),
                    normal);
            return Map.of();
        }
        return ModelBundle.calibrationEntry(ScoreCalibration.ofNormal(lastEvalValidation,
                ScoringConfig.Mode.EVAL.id()));
    }

    /** Best model first, then the checkpoint that refers to it, then the log derived from both. */
    private void saveEpoch(int epoch, boolean best) throws IOException {
        Path out = options.outDir();
        if (best) {
            ModelBundle.save(trainer.graph(), out.resolve(MODEL), calibrationEntry());
        }
        Map<String, Object> state = new LinkedHashMap<>();
        progress.putState(state);
        state.put("iteration", trainer.iteration());
        state.put("iteration_d", trainer.optimizer(Network.D).iteration());
        state.put("iteration_g", trainer.optimizer(Network.G).iteration());
        state.put("d_reinits", trainer.discriminatorReinits());
        state.put("criterion", criterion);
        state.put("training_config", trainer.config());
        Map<String, byte[]> extra = new LinkedHashMap<>();
        extra.put(TRAINER_STATE, Json.MAPPER.writeValueAsBytes(state));
        extra.put("optimizer/D.bin", ArrayMapCodec.encode(trainer.optimizer(Network.D).stateArrays()));
        extra.put("optimizer/G.bin", ArrayMapCodec.encode(trainer.optimizer(Network.G).stateArrays()));
        ModelBundle.save(trainer.graph(), out.resolve(CHECKPOINT), extra);
        progress.writeEpochs(out.resolve(EPOCHS));
    }

    /** Whether a run into {@code out} continues from a checkpoint (asked to resume, and one is there). */
    public static boolean resumes(Path out, boolean resume) {
        return resume && Files.exists(out.resolve(CHECKPOINT));
    }

    /** Restores graph, optimizers and counters from checkpoint.zip; returns the next epoch index. */
    private int resume() throws IOException {
        Path ckpt = options.outDir().resolve(CHECKPOINT);
        if (!resumes(options.outDir(), true)) {
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
        RunProgress.requireSameRun(ckpt, saved.seed(), saved.batchSize(), trainer.config().seed(),
                trainer.config().batchSize());
        trainer.optimizer(Network.D).restore(ArrayMapCodec.decode(entries.get("optimizer/D.bin"), ckpt + " D optimizer"),
                state.get("iteration_d").asInt());
        trainer.optimizer(Network.G).restore(ArrayMapCodec.decode(entries.get("optimizer/G.bin"), ckpt + " G optimizer"),
                state.get("iteration_g").asInt());
        trainer.restoreCounters(state.get("iteration").asLong(), state.get("d_reinits").asInt());
        criterion = state.get("criterion").asText();
        return progress.restore(state, ckpt);
    }

    /** Evaluates the best model on the test set and writes metrics.json; returns its content. */
    private Map<String, Object> finish() throws IOException {
        Path out = options.outDir();
        ModelBundle.Loaded best = ModelBundle.load(out.resolve(MODEL));
        Map<String, Object> metrics = new LinkedHashMap<>();
        ScoringConfig scoring = options.scoring();
        metrics.put("scoring", scoring);
        if (data.test() != null) {
            AnomalyScorer.Scored test = AnomalyScorer.score(best.graph(), data.test(), scoring);
            BinaryMetrics m = test.metrics();
            metrics.put("test", testMetrics(test));
            if (scoring.mode() != ScoringConfig.Mode.EVAL) {
                metrics.put("test_eval", testMetrics(AnomalyScorer.score(best.graph(), data.test())));
            }
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
        metrics.put("best_epoch", progress.bestEpoch());
        metrics.put("selection", criterion);
        metrics.put("best_epoch_record", progress.bestRecord());
        metrics.put("epochs", progress.epochs());
        metrics.put("stopped_early", progress.epochs() < trainer.config().epochs());
        metrics.put("d_reinits", trainer.discriminatorReinits());
        metrics.put("train_seconds", progress.trainSeconds());
        metrics.put("config", best.graph().config());
        metrics.put("training", trainer.config());
        metrics.put("model", MODEL);
        AtomicFiles.write(out.resolve(METRICS), o -> Json.MAPPER.writeValue(o, metrics));
        return metrics;
    }
}
