package org.beatgan.core.testutil;

import org.beatgan.core.io.DataLocations;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.List;

/** BeatGAN's real demo beats (64 normal, 64 abnormal, lead 1), split for small training tests. */
public final class DemoBeats {

    public final INDArray normal;
    public final INDArray abnormal;

    private DemoBeats() {
        normal = load("normal_samples.npy");
        abnormal = load("abnormal_samples.npy");
    }

    private static final DemoBeats INSTANCE = new DemoBeats();

    public static DemoBeats get() {
        return INSTANCE;
    }

    private static INDArray load(String name) {
        INDArray a = Nd4j.createFromNpyFile(DataLocations.beatganDemo().resolve(name).toFile());
        return a.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 1), NDArrayIndex.all()).castTo(DataType.FLOAT).dup();
    }

    /** Normal beats [from, to) as an unlabelled (label 0) iterator. */
    public ListDataSetIterator<DataSet> normals(int from, int to, int batch) {
        return iterator(rows(normal, from, to), null, batch);
    }

    /** Normal [nFrom, nTo) (label 0) followed by abnormal [aFrom, aTo) (label 1). */
    public ListDataSetIterator<DataSet> mixed(int nFrom, int nTo, int aFrom, int aTo, int batch) {
        return iterator(rows(normal, nFrom, nTo), rows(abnormal, aFrom, aTo), batch);
    }

    private static INDArray rows(INDArray a, int from, int to) {
        return a.get(NDArrayIndex.interval(from, to), NDArrayIndex.all(), NDArrayIndex.all()).dup();
    }

    private static ListDataSetIterator<DataSet> iterator(INDArray normals, INDArray anomalies, int batch) {
        INDArray x = anomalies == null ? normals : Nd4j.concat(0, normals, anomalies);
        INDArray y = Nd4j.zeros(DataType.FLOAT, x.size(0), 1);
        if (anomalies != null) {
            y.get(NDArrayIndex.interval(normals.size(0), x.size(0)), NDArrayIndex.all()).assign(1);
        }
        List<DataSet> list = new DataSet(x, y).asList();
        return new ListDataSetIterator<>(list, batch);
    }
}
