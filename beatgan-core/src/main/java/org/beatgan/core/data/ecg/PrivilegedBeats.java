package org.beatgan.core.data.ecg;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Two views of the same beats, for learning with privileged information: the teacher's (both leads,
 * 2 x 320, then the beat's previous, next and local-mean RR intervals in seconds: 643 values) and
 * the student's (the MLII lead only: 320 values), with the label normal (AAMI N, 0) or abnormal
 * (S, V, F, Q: 1) and the AAMI class. Row i of every array is beat i of {@code beats}, so a beat's
 * index reaches both views (and CRD's memory bank) alike.
 */
public final class PrivilegedBeats {

    private final BeatSet beats;
    private final float[] teacher;
    private final float[] student;
    private final int teacherWidth;
    private final int studentWidth;

    private PrivilegedBeats(BeatSet beats, float[] teacher, float[] student, int teacherWidth, int studentWidth) {
        this.beats = beats;
        this.teacher = teacher;
        this.student = student;
        this.teacherWidth = teacherWidth;
        this.studentWidth = studentWidth;
    }

    /** Both views of two-lead beats (lead 0 is MLII), RR features from each record's annotations. */
    public static PrivilegedBeats of(BeatSet beats, Path mitdbDir) throws IOException {
        if (beats.nc() != 2) {
            throw new IllegalArgumentException("privileged beats need both leads (nc = 2), got nc = " + beats.nc());
        }
        Map<Integer, RrFeatures> rr = new HashMap<>();
        for (int i = 0; i < beats.size(); i++) {
            int rec = beats.record(i);
            if (rec < 0) throw new IllegalArgumentException("beat " + i + " has no record: RR features need the record");
            if (!rr.containsKey(rec)) rr.put(rec, RrFeatures.of(mitdbDir, String.valueOf(rec)));
        }
        return of(beats, rec -> rr.get(rec));
    }

    /** Both views, with each record's RR features from {@code rr}. */
    public static PrivilegedBeats of(BeatSet beats, java.util.function.IntFunction<RrFeatures> rr) {
        int len = beats.length();
        int tw = 2 * len + RrFeatures.FEATURES;
        int n = beats.size();
        float[] t = new float[n * tw];
        float[] s = new float[n * len];
        float[] beat = new float[2 * len];
        for (int i = 0; i < n; i++) {
            beats.copyBeat(i, beat, 0);
            System.arraycopy(beat, 0, t, i * tw, 2 * len);
            double[] f = rr.apply(beats.record(i)).at(beats.rSample(i));
            for (int k = 0; k < RrFeatures.FEATURES; k++) t[i * tw + 2 * len + k] = (float) f[k];
            System.arraycopy(beat, 0, s, i * len, len);
        }
        return new PrivilegedBeats(beats, t, s, tw, len);
    }

    public int size() {
        return beats.size();
    }

    public BeatSet beats() {
        return beats;
    }

    public int teacherWidth() {
        return teacherWidth;
    }

    public int studentWidth() {
        return studentWidth;
    }

    /** The teacher's view of beat i (a copy). */
    public float[] teacherRow(int i) {
        return Arrays.copyOfRange(teacher, i * teacherWidth, (i + 1) * teacherWidth);
    }

    /** The student's view of beat i (a copy). */
    public float[] studentRow(int i) {
        return Arrays.copyOfRange(student, i * studentWidth, (i + 1) * studentWidth);
    }

    /** The views of the beats at {@code indices}, in that order. */
    public PrivilegedBeats subset(int[] indices) {
        BeatSet b = beats.subset(indices);
        float[] t = new float[indices.length * teacherWidth];
        float[] s = new float[indices.length * studentWidth];
        for (int i = 0; i < indices.length; i++) {
            System.arraycopy(teacher, indices[i] * teacherWidth, t, i * teacherWidth, teacherWidth);
            System.arraycopy(student, indices[i] * studentWidth, s, i * studentWidth, studentWidth);
        }
        return new PrivilegedBeats(b, t, s, teacherWidth, studentWidth);
    }

    /** Labels (N, 1): 1 for an abnormal beat. */
    public INDArray labels() {
        float[] y = new float[size()];
        for (int i = 0; i < y.length; i++) y[i] = beats.isAnomaly(i) ? 1f : 0f;
        return Nd4j.create(y, new long[]{y.length, 1}, 'c');
    }

    public INDArray teacherFeatures() {
        return Nd4j.create(teacher, new long[]{size(), teacherWidth}, 'c').castTo(DataType.FLOAT);
    }

    public INDArray studentFeatures() {
        return Nd4j.create(student, new long[]{size(), studentWidth}, 'c').castTo(DataType.FLOAT);
    }

    /** The student's view with labels (what its trainer iterates). */
    public DataSet studentSet() {
        return new DataSet(studentFeatures(), labels());
    }

    /** The teacher's view with labels. */
    public DataSet teacherSet() {
        return new DataSet(teacherFeatures(), labels());
    }
}
