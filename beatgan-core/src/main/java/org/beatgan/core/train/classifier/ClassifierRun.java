package org.beatgan.core.train.classifier;

import com.fasterxml.jackson.databind.JsonNode;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.beatgan.core.io.ArrayMapCodec;
import org.beatgan.core.io.AtomicFiles;
import org.beatgan.core.io.Json;
import org.beatgan.core.train.LossExtension;
import org.beatgan.core.train.Pretrainable;
import org.beatgan.core.train.RunProgress;
import org.beatgan.core.train.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;

/**
 * A classifier's whole training run into an output folder: epochs of {@link ClassifierTrainer}
 * steps over seeded shuffles, validation after every epoch, model selection on the validation
 * metric, the learning-rate schedule, atomic checkpoints, resume, and the final test evaluation.
 * The same files as a BeatGAN run: {@code model.zip} (best epoch, adapters included),
 * {@code checkpoint.zip} (last epoch, with optimizer, schedule and counters), {@code epochs.jsonl},
 * {@code metrics.json}. Each epoch's shuffle and dropout masks are functions of (seed, epoch), so a
 * resumed run continues bit for bit as the uninterrupted one would have.
 */
public final class ClassifierRun {

    private static final Logger LOG = LoggerFactory.getLogger(ClassifierRun.class);
    public static final String MODEL = "model.zip";
    public static final String CHECKPOINT = "checkpoint.zip";
    public static final String EPOCHS = "epochs.jsonl";
    public static final String METRICS = "metrics.json";
    private static final String STATE = "trainer.json";
    private static final String OPTIMIZER = "optimizer.bin";

    /** Features (N, ...) and labels (N, classes) of each split; test may be null. */
    public record Data(DataSet train, DataSet validation, DataSet test) {
    }

    public record Options(Path outDir, boolean resume, boolean progressBar) {
    }

    private final ClassifierTrainer trainer;
    private final Data data;
    private final Options options;
    /** Epoch records, best epoch, training time. */
    private final RunProgress progress = new RunProgress();
    private final LrSchedule.State scheduleState = new LrSchedule.State();

    public ClassifierRun(ClassifierTrainer trainer, Data data, Options options) {
        this.trainer = trainer;
        this.data = data;
        this.options = options;
    }

    /** Trains the remaining epochs and returns the content of metrics.json. */
    public Map<String, Object> run() throws IOException {
        Files.createDirectories(options.outDir());
        int start = options.resume() && Files.exists(options.outDir().resolve(CHECKPOINT)) ? resume() : fresh();
        ClassifierTrainingConfig cfg = trainer.config();
        long n = data.train().numExamples();
        for (int epoch = start; epoch < cfg.epochs(); epoch++) {
            int[] order = permutation((int) n, cfg.seed(), epoch);
            SplittableRandom masks = new SplittableRandom(cfg.seed() * 1_000_003L + epoch);
            Map<String, Double> sums = new LinkedHashMap<>();
            int steps = 0;
            long seen = 0;
            double seconds = 0;
            int batches = (int) ((n + cfg.batchSize() - 1) / cfg.batchSize());
            try (ProgressBar bar = progressBar(epoch, batches)) {
                int[] next = slice(order, 0, cfg.batchSize());
                DataSet nextBatch = gather(next);
                for (int b = 0; b < batches; b++) {
                    int[] idx = next;
                    DataSet batch = nextBatch;
                    if (b + 1 < batches) {
                        next = slice(order, (b + 1) * cfg.batchSize(), cfg.batchSize());
                        nextBatch = gather(next);
                        trainer.upcoming(nextBatch.getFeatures());
                    }
                    long t0 = System.nanoTime();
                    Map<String, Double> stats = trainer.step(batch.getFeatures(), batch.getLabels(), idx, epoch, masks);
                    seconds += (System.nanoTime() - t0) / 1e9;
                    stats.forEach((k, v) -> sums.merge(k, v, Double::sum));
                    steps++;
                    seen += idx.length;
                    if (bar != null) {
                        bar.step();
                        bar.setExtraMessage(String.format(" loss %.4f", stats.get("loss")));
                    }
                }
            }
            endEpoch(epoch, sums, steps, seen, seconds);
        }
        return finish();
    }

    private int fresh() throws IOException {
        for (String f : List.of(MODEL, CHECKPOINT, EPOCHS, METRICS)) {
            Files.deleteIfExists(options.outDir().resolve(f));
        }
        for (LossExtension e : trainer.extensions()) {
            if (e instanceof Pretrainable p) {
                p.pretrain(new org.nd4j.linalg.dataset.adapter.SingletonDataSetIterator(data.train()));
            }
        }
        return 0;
    }

    private void endEpoch(int epoch, Map<String, Double> sums, int steps, long seen, double seconds) throws IOException {
        ClassifierTrainingConfig cfg = trainer.config();
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("epoch", epoch + 1);
        for (Map.Entry<String, Double> e : sums.entrySet()) {
            if (!e.getKey().equals("correct")) record.put(e.getKey(), e.getValue() / steps);
        }
        record.put("train_accuracy", sums.getOrDefault("correct", 0.0) / seen);
        ClassifierEvaluation val = ClassifierEvaluation.of(trainer.model(), data.validation(), 128);
        record.putAll(val.toMap("val_"));
        record.put("lr", trainer.optimizer().learningRate());
        record.put("seconds", seconds);
        record.put("examples_per_s", seen / seconds);
        double value = val.metric(cfg.selection());
        boolean best = progress.add(record, value, seconds);
        double nextLr = cfg.schedule().next(trainer.optimizer().learningRate(), epoch + 1, value, scheduleState);
        trainer.optimizer().setLearningRate(nextLr);
        save(epoch, best);
        for (TrainingListener l : trainer.listeners()) l.onEpoch(record);
        LOG.info("epoch {}/{} {}", epoch + 1, cfg.epochs(), Json.COMPACT.writeValueAsString(record));
    }

    /** Best model first, then the checkpoint that refers to it, then the log derived from both. */
    private void save(int epoch, boolean best) throws IOException {
        Path out = options.outDir();
        Map<String, Object> settings = trainer.describe();
        if (best) {
            ClassifierBundle.save(trainer.model().sameDiff(), settings, out.resolve(MODEL), Map.of());
        }
        Map<String, Object> state = new LinkedHashMap<>();
        progress.putState(state);
        state.put("iteration", trainer.iteration());
        state.put("optimizer_iteration", trainer.optimizer().iteration());
        state.put("lr", trainer.optimizer().learningRate());
        state.put("schedule_best", scheduleState.best());
        state.put("schedule_bad_epochs", scheduleState.badEpochs());
        state.put("training_config", trainer.config());
        Map<String, byte[]> extra = new LinkedHashMap<>();
        extra.put(STATE, Json.MAPPER.writeValueAsBytes(state));
        extra.put(OPTIMIZER, ArrayMapCodec.encode(trainer.optimizer().stateArrays()));
        ClassifierBundle.save(trainer.model().sameDiff(), settings, out.resolve(CHECKPOINT), extra);
        progress.writeEpochs(out.resolve(EPOCHS));
    }

    private int resume() throws IOException {
        Path ckpt = options.outDir().resolve(CHECKPOINT);
        Map<String, byte[]> entries = ClassifierBundle.restore(trainer.model().sameDiff(), ckpt, true);
        byte[] stateBytes = entries.get(STATE);
        if (stateBytes == null || !entries.containsKey(OPTIMIZER)) {
            throw new IOException(ckpt + ": not a checkpoint (lacks " + STATE + " or " + OPTIMIZER + ")");
        }
        JsonNode state = Json.MAPPER.readTree(stateBytes);
        ClassifierTrainingConfig saved = Json.MAPPER.treeToValue(state.get("training_config"), ClassifierTrainingConfig.class);
        ClassifierTrainingConfig now = trainer.config();
        RunProgress.requireSameRun(ckpt, saved.seed(), saved.batchSize(), now.seed(), now.batchSize());
        trainer.optimizer().restore(ArrayMapCodec.decode(entries.get(OPTIMIZER), ckpt + " optimizer"),
                state.get("optimizer_iteration").asInt());
        trainer.optimizer().setLearningRate(state.get("lr").asDouble());
        trainer.restoreIteration(state.get("iteration").asLong());
        scheduleState.restore(state.get("schedule_best").asDouble(), state.get("schedule_bad_epochs").asInt());
        return progress.restore(state, ckpt);
    }

    /** Evaluates the best model on the test set and writes metrics.json; returns its content. */
    private Map<String, Object> finish() throws IOException {
        Path out = options.outDir();
        // the best epoch's arrays, then the test set; the last epoch's arrays stay in the checkpoint
        ClassifierBundle.restore(trainer.model().sameDiff(), out.resolve(MODEL), true);
        Map<String, Object> metrics = new LinkedHashMap<>();
        if (data.test() != null) {
            ClassifierEvaluation test = ClassifierEvaluation.of(trainer.model(), data.test(), 128);
            Map<String, Object> t = new LinkedHashMap<>(test.toMap(""));
            t.put("examples", test.examples());
            t.put("class_recall", test.classRecall());
            metrics.put("test", t);
        }
        long adapters = 0;
        for (String v : trainer.optimizer().variables()) {
            if (!trainer.model().trainableVariables().contains(v)) adapters += trainer.array(v).length();
        }
        metrics.put("params", Map.of("model", trainer.model().parameterCount(), "adapters", adapters));
        metrics.put("best_epoch", progress.bestEpoch());
        metrics.put("selection", trainer.config().selection());
        metrics.put("best_epoch_record", progress.bestRecord());
        metrics.put("epochs", progress.epochs());
        metrics.put("train_seconds", progress.trainSeconds());
        metrics.put("seconds_per_epoch", progress.trainSeconds() / progress.epochs());
        metrics.put("model", trainer.model().describeSettings());
        metrics.put("training", trainer.config());
        AtomicFiles.write(out.resolve(METRICS), o -> Json.MAPPER.writeValue(o, metrics));
        return metrics;
    }

    private ProgressBar progressBar(int epoch, int batches) {
        if (!options.progressBar()) return null;
        return new ProgressBarBuilder().setTaskName("epoch " + (epoch + 1) + "/" + trainer.config().epochs())
                .setInitialMax(batches).setStyle(ProgressBarStyle.ASCII).setUnit(" batches", 1).build();
    }

    /** The epoch's shuffle: a function of (seed, epoch) only, so resume reproduces it. */
    static int[] permutation(int n, long seed, int epoch) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        Random r = new Random(seed * 31L + epoch * 1_000_000_007L);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    private static int[] slice(int[] order, int from, int size) {
        return java.util.Arrays.copyOfRange(order, from, Math.min(order.length, from + size));
    }

    private DataSet gather(int[] idx) {
        INDArray x = Nd4j.pullRows(flat(data.train().getFeatures()), 1, idx).reshape(shapeWithBatch(data.train().getFeatures(), idx.length));
        INDArray y = Nd4j.pullRows(data.train().getLabels(), 1, idx);
        return new DataSet(x, y);
    }

    private static INDArray flat(INDArray a) {
        return a.rank() == 2 ? a : a.reshape(a.size(0), a.length() / a.size(0));
    }

    private static long[] shapeWithBatch(INDArray a, int b) {
        long[] s = a.shape().clone();
        s[0] = b;
        return s;
    }
}
