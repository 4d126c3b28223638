package org.beatgan.core.data.ecg;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Mini-batches of beats from a {@link BeatSet} for DL4J / SameDiff training and scoring.
 *
 * <p>Features are float32 {@code [batch, nc, length]} (NCW, what 1-D convolutions expect) and labels
 * float32 {@code [batch, 1]} with 1 for an anomaly and 0 for a normal beat.
 *
 * <p>Shuffling is reproducible: the order of epoch {@code e} is a permutation drawn from (seed, e)
 * alone, and {@link #reset()} advances to the next epoch. Re-running training with the same seed
 * therefore sees the same batches in the same order, whatever else consumed random numbers. BeatGAN
 * trains with PyTorch's {@code drop_last=True} (an incomplete last batch would give batch
 * normalisation a tiny, noisy batch), which {@code dropLast} reproduces; evaluation should keep
 * every beat.
 *
 * <p>Every batch carries, as DataSet example metadata, each beat's position in this iterator's
 * list of beats (0 .. {@link #numExamples()} - 1): its index in this part of the data set, which
 * is what methods keeping per-beat state (CRD's memory bank) index by; see {@link #datasetIndices}.
 */
public class BeatDataSetIterator implements DataSetIterator {

    private static final long serialVersionUID = 1L;

    private final transient BeatSet beats;
    private final int[] indices;
    private final int batchSize;
    private final boolean shuffle;
    private final long seed;
    private final boolean dropLast;
    /** Positions into {@code indices} in the order of the current epoch. */
    private int[] order;
    private int cursor;
    private int epoch;
    private DataSetPreProcessor preProcessor;

    /**
     * @param beats     the beat set
     * @param indices   beats to iterate over (e.g. one part of a {@link BeatSplit})
     * @param batchSize beats per batch
     * @param shuffle   reshuffle every epoch
     * @param seed      seed of the per-epoch permutations
     * @param dropLast  skip a final batch smaller than {@code batchSize}
     */
    public BeatDataSetIterator(BeatSet beats, int[] indices, int batchSize, boolean shuffle, long seed,
            boolean dropLast) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be positive: " + batchSize);
        }
        for (int i : indices) {
            if (i < 0 || i >= beats.size()) {
                throw new IllegalArgumentException("index " + i + " outside the beat set of " + beats.size());
            }
        }
        this.beats = beats;
        this.indices = indices.clone();
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.seed = seed;
        this.dropLast = dropLast;
        startEpoch(0);
    }

    /** Shuffled, incomplete last batch dropped: BeatGAN's training loader. */
    public static BeatDataSetIterator forTraining(BeatSet beats, int[] indices, int batchSize, long seed) {
        return new BeatDataSetIterator(beats, indices, batchSize, true, seed, true);
    }

    /** In the given order, every beat kept: for validation and test scoring. */
    public static BeatDataSetIterator forEvaluation(BeatSet beats, int[] indices, int batchSize) {
        return new BeatDataSetIterator(beats, indices, batchSize, false, 0L, false);
    }

    private void startEpoch(int e) {
        epoch = e;
        cursor = 0;
        order = new int[indices.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        if (shuffle) {
            Rng.shuffle(order, Rng.random(seed, e));
        }
    }

    /** Current epoch, 0 before the first {@link #reset()}. */
    public int epoch() {
        return epoch;
    }

    /** Beat indices in the order of the current epoch. */
    public int[] epochOrder() {
        int[] beatsInOrder = new int[order.length];
        for (int j = 0; j < order.length; j++) beatsInOrder[j] = indices[order[j]];
        return beatsInOrder;
    }

    /**
     * Each beat's index in its iterator's list of beats (0 .. numExamples - 1), from the batch's
     * example metadata; null when the batch does not come from a BeatDataSetIterator.
     */
    public static int[] datasetIndices(DataSet batch) {
        List<Serializable> meta = batch.getExampleMetaData();
        if (meta == null || meta.size() != batch.numExamples()) {
            return null;
        }
        int[] out = new int[meta.size()];
        for (int j = 0; j < out.length; j++) {
            if (!(meta.get(j) instanceof Integer i)) {
                return null;
            }
            out[j] = i;
        }
        return out;
    }

    /** Beats per epoch before dropping an incomplete batch. */
    public int numExamples() {
        return indices.length;
    }

    /** Batches per epoch. */
    public int batchesPerEpoch() {
        return dropLast ? indices.length / batchSize : (indices.length + batchSize - 1) / batchSize;
    }

    @Override
    public boolean hasNext() {
        int remaining = order.length - cursor;
        return dropLast ? remaining >= batchSize : remaining > 0;
    }

    @Override
    public DataSet next() {
        return next(batchSize);
    }

    /**
     * The next {@code num} beats (fewer at the end of the epoch unless {@code dropLast}, in which
     * case a short batch is never returned).
     */
    @Override
    public DataSet next(int num) {
        if (num < 1) {
            throw new IllegalArgumentException("num must be positive: " + num);
        }
        int remaining = order.length - cursor;
        int k = Math.min(num, remaining);
        if (k == 0 || (dropLast && k < num)) {
            throw new NoSuchElementException("epoch " + epoch + " has no further " + (dropLast ? "full " : "")
                    + "batch of " + num);
        }
        int nc = beats.nc();
        int len = beats.length();
        int bs = beats.beatSize();
        float[] x = new float[k * bs];
        float[] y = new float[k];
        List<Integer> positions = new ArrayList<>(k);
        for (int j = 0; j < k; j++) {
            int pos = order[cursor + j];
            int i = indices[pos];
            beats.copyBeat(i, x, j * bs);
            y[j] = beats.isAnomaly(i) ? 1f : 0f;
            positions.add(pos);
        }
        cursor += k;
        INDArray features = Nd4j.create(x, new long[] {k, nc, len}, 'c');
        INDArray labels = Nd4j.create(y, new long[] {k, 1}, 'c');
        DataSet ds = new DataSet(features, labels);
        ds.setExampleMetaData(positions);
        if (preProcessor != null) {
            preProcessor.preProcess(ds);
        }
        return ds;
    }

    @Override
    public int inputColumns() {
        return beats.beatSize();
    }

    @Override
    public int totalOutcomes() {
        return 1;
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    /** False: batches are cheap to build, and prefetching threads would only cost determinism checks. */
    @Override
    public boolean asyncSupported() {
        return false;
    }

    /** Starts the next epoch (with a new permutation when shuffling). */
    @Override
    public void reset() {
        startEpoch(epoch + 1);
    }

    @Override
    public int batch() {
        return batchSize;
    }

    @Override
    public void setPreProcessor(DataSetPreProcessor preProcessor) {
        this.preProcessor = preProcessor;
    }

    @Override
    public DataSetPreProcessor getPreProcessor() {
        return preProcessor;
    }

    /** Label names by label value: 0 normal, 1 anomaly. */
    @Override
    public List<String> getLabels() {
        return List.of("normal", "anomaly");
    }
}
