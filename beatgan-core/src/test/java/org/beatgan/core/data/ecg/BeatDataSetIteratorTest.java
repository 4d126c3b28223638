package org.beatgan.core.data.ecg;

import static org.beatgan.core.data.ecg.AamiClass.N;
import static org.beatgan.core.data.ecg.AamiClass.Q;
import static org.beatgan.core.data.ecg.AamiClass.S;
import static org.beatgan.core.data.ecg.AamiClass.V;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;

class BeatDataSetIteratorTest {

    private final BeatSet set = Beats.synthetic(2, 4, new int[] {100}, N, V, N, S, N, N, Q, N, N, N);
    private final int[] all = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};

    @Test
    void batchesHaveNcwFeaturesAndBinaryLabels() {
        BeatDataSetIterator it = BeatDataSetIterator.forEvaluation(set, new int[] {1, 0, 6}, 2);
        DataSet d = it.next();
        assertArrayEquals(new long[] {2, 2, 4}, d.getFeatures().shape());
        assertEquals(DataType.FLOAT, d.getFeatures().dataType());
        assertArrayEquals(new long[] {2, 1}, d.getLabels().shape());
        assertEquals(DataType.FLOAT, d.getLabels().dataType());
        assertEquals(1102f, d.getFeatures().getFloat(0, 1, 2), "beat 1, lead 1, t 2");
        assertEquals(3f, d.getFeatures().getFloat(1, 0, 3), "beat 0, lead 0, t 3");
        assertArrayEquals(new float[] {1f, 0f}, d.getLabels().toFloatVector());
        DataSet last = it.next();
        assertEquals(1, last.numExamples(), "evaluation keeps the incomplete last batch");
        assertEquals(1f, last.getLabels().getFloat(0, 0), "Q is an anomaly");
        assertFalse(it.hasNext());
        assertThrows(NoSuchElementException.class, it::next);
    }

    @Test
    void dropLastSkipsTheIncompleteBatch() {
        BeatDataSetIterator it = BeatDataSetIterator.forTraining(set, all, 3, 5);
        int batches = 0;
        while (it.hasNext()) {
            assertEquals(3, it.next().numExamples());
            batches++;
        }
        assertEquals(3, batches);
        assertEquals(3, it.batchesPerEpoch());
        assertEquals(4, new BeatDataSetIterator(set, all, 3, true, 5, false).batchesPerEpoch());
    }

    @Test
    void everyEpochIsADeterministicReshuffle() {
        BeatDataSetIterator a = new BeatDataSetIterator(set, all, 4, true, 11, false);
        BeatDataSetIterator b = new BeatDataSetIterator(set, all, 4, true, 11, false);
        List<int[]> orders = new ArrayList<>();
        for (int epoch = 0; epoch < 4; epoch++) {
            assertEquals(epoch, a.epoch());
            int[] order = a.epochOrder();
            assertArrayEquals(order, b.epochOrder(), "same seed, same epoch, same order");
            int[] sorted = order.clone();
            Arrays.sort(sorted);
            assertArrayEquals(all, sorted, "a permutation of the indices");
            orders.add(order);
            assertArrayEquals(featuresOf(order), collectFirstLead(a), "batches follow the order");
            a.reset();
            b.reset();
        }
        assertFalse(Arrays.equals(orders.get(0), orders.get(1)), "reset reshuffles");
        assertFalse(Arrays.equals(orders.get(0), new BeatDataSetIterator(set, all, 4, true, 12, false).epochOrder()),
                "another seed, another order");
        assertArrayEquals(all, new BeatDataSetIterator(set, all, 4, false, 11, false).epochOrder(),
                "no shuffling keeps the given order");
    }

    @Test
    void batchesCarryEachBeatsIndexInTheIteratorsList() {
        int[] subset = {7, 2, 9, 4, 0};
        BeatDataSetIterator it = new BeatDataSetIterator(set, subset, 2, true, 3, false);
        int[] order = it.epochOrder();
        int seen = 0;
        while (it.hasNext()) {
            DataSet d = it.next();
            int[] idx = BeatDataSetIterator.datasetIndices(d);
            assertEquals(d.numExamples(), idx.length);
            for (int j = 0; j < idx.length; j++) {
                assertEquals(order[seen + j], subset[idx[j]], "position " + idx[j] + " names the beat of the batch");
                assertEquals(set.value(subset[idx[j]], 0, 0), d.getFeatures().getFloat(j, 0, 0));
            }
            seen += idx.length;
        }
        assertEquals(subset.length, seen);
        it.reset();
        assertEquals(null, BeatDataSetIterator.datasetIndices(new DataSet(it.next(1).getFeatures(), null)),
                "a batch without the metadata has no indices");
    }

    @Test
    void appliesThePreProcessorAndReportsDl4jMetadata() {
        BeatDataSetIterator it = BeatDataSetIterator.forEvaluation(set, all, 5);
        it.setPreProcessor(ds -> ds.getFeatures().muli(0));
        assertEquals(0.0, it.next().getFeatures().sumNumber().doubleValue());
        assertEquals(8, it.inputColumns());
        assertEquals(1, it.totalOutcomes());
        assertEquals(5, it.batch());
        assertTrue(it.resetSupported());
        assertFalse(it.asyncSupported());
        assertEquals(List.of("normal", "anomaly"), it.getLabels());
        assertEquals(10, it.numExamples());
        assertEquals(2, it.next(2).numExamples(), "next(num) takes a custom batch size");
        assertThrows(IllegalArgumentException.class, () -> BeatDataSetIterator.forEvaluation(set, new int[] {10}, 2));
        assertThrows(IllegalArgumentException.class, () -> BeatDataSetIterator.forEvaluation(set, all, 0));
    }

    private float[] featuresOf(int[] order) {
        float[] out = new float[order.length];
        for (int i = 0; i < order.length; i++) {
            out[i] = set.value(order[i], 0, 0);
        }
        return out;
    }

    private static float[] collectFirstLead(BeatDataSetIterator it) {
        List<Float> values = new ArrayList<>();
        while (it.hasNext()) {
            DataSet d = it.next();
            for (int i = 0; i < d.numExamples(); i++) {
                values.add(d.getFeatures().getFloat(i, 0, 0));
            }
        }
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i);
        }
        return out;
    }
}
