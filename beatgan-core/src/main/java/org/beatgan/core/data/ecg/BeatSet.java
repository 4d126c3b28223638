package org.beatgan.core.data.ecg;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * An in-memory set of fixed-length multi-lead beats with their labels and provenance.
 *
 * <p>Beats live in one flat {@code float[]} laid out {@code [beat][lead][sample]} (row-major)
 * instead of one array per beat: 100,000 MIT-BIH beats then cost one 256 MB allocation rather
 * than 200,000 small objects, batches are filled with {@code System.arraycopy}, and the layout is
 * exactly the {@code (n, nc, L)} C-order array that NumPy and ND4J use, so caching and tensor
 * creation need no reshuffling.
 *
 * <p>Per beat it keeps the {@link AamiClass}, the record number and the annotation sample, so that
 * splits by patient (inter-patient protocol) and tracing a beat back to the raw record are
 * possible; beats that do not come from a record (e.g. loaded from {@code .npy}) use -1 for both.
 *
 * <p>Instances are immutable in practice: accessors copy, and the package-private {@link #rawData()}
 * is only read by the package's own cache and iterator.
 */
public final class BeatSet {

    private final float[] data;
    private final int nc;
    private final int length;
    private final AamiClass[] labels;
    private final int[] records;
    private final int[] rSamples;

    /**
     * @param data     beats, {@code [n][nc][length]} flat; taken over, not copied
     * @param nc       leads per beat
     * @param length   samples per lead
     * @param labels   class per beat
     * @param records  record number per beat (-1 if unknown)
     * @param rSamples annotation (R) sample per beat (-1 if unknown)
     */
    public BeatSet(float[] data, int nc, int length, AamiClass[] labels, int[] records, int[] rSamples) {
        Objects.requireNonNull(data, "data");
        if (nc < 1 || length < 1) {
            throw new IllegalArgumentException("nc and length must be positive: nc=" + nc + ", length=" + length);
        }
        int n = labels.length;
        if (records.length != n || rSamples.length != n) {
            throw new IllegalArgumentException("labels, records and rSamples must have the same length");
        }
        if ((long) n * nc * length != data.length) {
            throw new IllegalArgumentException("data has " + data.length + " values, expected " + n + " x " + nc
                    + " x " + length);
        }
        for (AamiClass c : labels) {
            Objects.requireNonNull(c, "label");
        }
        this.data = data;
        this.nc = nc;
        this.length = length;
        this.labels = labels;
        this.records = records;
        this.rSamples = rSamples;
    }

    /** Number of beats. */
    public int size() {
        return labels.length;
    }

    /** Leads per beat. */
    public int nc() {
        return nc;
    }

    /** Samples per lead. */
    public int length() {
        return length;
    }

    /** Values per beat, {@code nc * length}. */
    public int beatSize() {
        return nc * length;
    }

    public AamiClass label(int i) {
        return labels[i];
    }

    public boolean isAnomaly(int i) {
        return labels[i].isAnomaly();
    }

    /** Record number of beat {@code i}, or -1. */
    public int record(int i) {
        return records[i];
    }

    /** Annotation sample of beat {@code i} in its record, or -1. */
    public int rSample(int i) {
        return rSamples[i];
    }

    /** Sample {@code t} of lead {@code lead} of beat {@code i}. */
    public float value(int i, int lead, int t) {
        return data[(i * nc + lead) * length + t];
    }

    /** A copy of beat {@code i}, {@code [lead][sample]} flat. */
    public float[] beat(int i) {
        float[] out = new float[beatSize()];
        copyBeat(i, out, 0);
        return out;
    }

    /** Copies beat {@code i} ({@code nc * length} values) into {@code dest[destOff...]}. */
    public void copyBeat(int i, float[] dest, int destOff) {
        System.arraycopy(data, i * beatSize(), dest, destOff, beatSize());
    }

    /** The backing array, shared. Package-private: only for code that promises not to modify it. */
    float[] rawData() {
        return data;
    }

    AamiClass[] rawLabels() {
        return labels;
    }

    int[] rawRecords() {
        return records;
    }

    int[] rawRSamples() {
        return rSamples;
    }

    /** A new set holding the beats at {@code indices}, in that order (repeats allowed). */
    public BeatSet subset(int[] indices) {
        int bs = beatSize();
        float[] d = new float[Math.multiplyExact(indices.length, bs)];
        AamiClass[] l = new AamiClass[indices.length];
        int[] r = new int[indices.length];
        int[] s = new int[indices.length];
        for (int j = 0; j < indices.length; j++) {
            int i = indices[j];
            System.arraycopy(data, i * bs, d, j * bs, bs);
            l[j] = labels[i];
            r[j] = records[i];
            s[j] = rSamples[i];
        }
        return new BeatSet(d, nc, length, l, r, s);
    }

    /**
     * The same beats with only the first {@code leads} leads, e.g. MLII only ({@code nc = 1}) from a
     * two-lead set; the scaling is per lead, so dropping leads changes no values.
     */
    public BeatSet firstLeads(int leads) {
        if (leads < 1 || leads > nc) {
            throw new IllegalArgumentException("cannot select " + leads + " of " + nc + " leads");
        }
        if (leads == nc) {
            return this;
        }
        int n = size();
        float[] d = new float[Math.multiplyExact(n, leads * length)];
        for (int i = 0; i < n; i++) {
            System.arraycopy(data, i * nc * length, d, i * leads * length, leads * length);
        }
        return new BeatSet(d, leads, length, labels.clone(), records.clone(), rSamples.clone());
    }

    /** Indices of all beats of class {@code c}, ascending. */
    public int[] indicesOf(AamiClass c) {
        int count = 0;
        for (AamiClass l : labels) {
            if (l == c) {
                count++;
            }
        }
        int[] out = new int[count];
        int k = 0;
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] == c) {
                out[k++] = i;
            }
        }
        return out;
    }

    /** Beats per class over the whole set; every class is present, possibly with 0. */
    public Map<AamiClass, Integer> countsPerClass() {
        Map<AamiClass, Integer> m = new EnumMap<>(AamiClass.class);
        for (AamiClass c : AamiClass.values()) {
            m.put(c, 0);
        }
        for (AamiClass l : labels) {
            m.merge(l, 1, Integer::sum);
        }
        return m;
    }

    /** Beats per class among {@code indices}; every class is present, possibly with 0. */
    public Map<AamiClass, Integer> countsPerClass(int[] indices) {
        Map<AamiClass, Integer> m = new EnumMap<>(AamiClass.class);
        for (AamiClass c : AamiClass.values()) {
            m.put(c, 0);
        }
        for (int i : indices) {
            m.merge(labels[i], 1, Integer::sum);
        }
        return m;
    }

    /** Whether both sets hold the same beats, labels and provenance, value for value. */
    public boolean contentEquals(BeatSet o) {
        return o != null && nc == o.nc && length == o.length && Arrays.equals(labels, o.labels)
                && Arrays.equals(records, o.records) && Arrays.equals(rSamples, o.rSamples)
                && Arrays.equals(data, o.data);
    }

    /** Concatenates sets of equal {@code nc} and {@code length}, in order. */
    public static BeatSet concat(java.util.List<BeatSet> parts) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("nothing to concatenate");
        }
        int nc = parts.get(0).nc;
        int length = parts.get(0).length;
        int n = 0;
        for (BeatSet p : parts) {
            if (p.nc != nc || p.length != length) {
                throw new IllegalArgumentException("cannot concatenate beats of shape (" + p.nc + ", " + p.length
                        + ") with (" + nc + ", " + length + ")");
            }
            n += p.size();
        }
        float[] d = new float[Math.multiplyExact(n, nc * length)];
        AamiClass[] l = new AamiClass[n];
        int[] r = new int[n];
        int[] s = new int[n];
        int at = 0;
        for (BeatSet p : parts) {
            System.arraycopy(p.data, 0, d, at * nc * length, p.data.length);
            System.arraycopy(p.labels, 0, l, at, p.size());
            System.arraycopy(p.records, 0, r, at, p.size());
            System.arraycopy(p.rSamples, 0, s, at, p.size());
            at += p.size();
        }
        return new BeatSet(d, nc, length, l, r, s);
    }

    @Override
    public String toString() {
        return "BeatSet[n=" + size() + ", nc=" + nc + ", length=" + length + ", " + countsPerClass() + "]";
    }
}
