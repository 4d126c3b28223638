package org.beatgan.core.data.ecg;

/** Small synthetic beat sets for fast tests. */
final class Beats {

    private Beats() {
    }

    /**
     * A set with one beat per label; beat i has value {@code 1000*i + 100*lead + t}, record
     * {@code records[i % records.length]} and R sample {@code 10 * i}.
     */
    static BeatSet synthetic(int nc, int length, int[] records, AamiClass... labels) {
        int n = labels.length;
        float[] data = new float[n * nc * length];
        int[] recs = new int[n];
        int[] rs = new int[n];
        for (int i = 0; i < n; i++) {
            for (int l = 0; l < nc; l++) {
                for (int t = 0; t < length; t++) {
                    data[(i * nc + l) * length + t] = 1000 * i + 100 * l + t;
                }
            }
            recs[i] = records[i % records.length];
            rs[i] = 10 * i;
        }
        return new BeatSet(data, nc, length, labels.clone(), recs, rs);
    }

    /** {@code counts[c]} beats of each class c (in AamiClass order), records cycling over {@code records}. */
    static BeatSet withCounts(int[] records, int... counts) {
        int n = 0;
        for (int c : counts) {
            n += c;
        }
        AamiClass[] labels = new AamiClass[n];
        int k = 0;
        for (int c = 0; c < counts.length; c++) {
            for (int j = 0; j < counts[c]; j++) {
                labels[k++] = AamiClass.values()[c];
            }
        }
        return synthetic(1, 2, records, labels);
    }
}
