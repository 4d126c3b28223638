package org.beatgan.core.data.ecg;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.beatgan.core.data.npy.Npy;
import org.beatgan.core.data.npy.NpyArray;
import org.beatgan.core.data.npy.NpyFormatException;

/**
 * Loads beats that were preprocessed by BeatGAN's Python code, so that users who already have its
 * arrays can use them unchanged and results can be compared on identical inputs.
 *
 * <p>Two folder layouts are understood:
 * <ul>
 *   <li>BeatGAN's preprocessed layout: any of {@code N_samples.npy}, {@code S_samples.npy},
 *       {@code V_samples.npy}, {@code F_samples.npy}, {@code Q_samples.npy}, labelled with their
 *       AAMI class;</li>
 *   <li>the demo layout: {@code normal_samples.npy} (class N) and/or {@code abnormal_samples.npy}
 *       (class {@link AamiClass#ABNORMAL}, since the demo does not say which AAMI class an anomaly
 *       has).</li>
 * </ul>
 * Arrays are float32 or float64 of shape {@code (n, leads, length)}; the first {@code nc} leads are
 * kept. BeatGAN's files hold filtered but unscaled beats and its training code min-max scales each
 * beat and lead after loading, so this loader does the same by default (scaling is idempotent, so
 * already scaled arrays are unaffected). Beats get record and R sample -1, as the arrays do not
 * record them.
 */
public final class BeatGanNpyLoader {

    /** Demo file of normal beats. */
    public static final String DEMO_NORMAL = "normal_samples.npy";
    /** Demo file of anomalous beats of unknown class. */
    public static final String DEMO_ABNORMAL = "abnormal_samples.npy";

    private BeatGanNpyLoader() {
    }

    /** File name BeatGAN's preprocessing uses for class {@code c}, e.g. {@code V_samples.npy}. */
    public static String fileName(AamiClass c) {
        if (c == AamiClass.ABNORMAL) {
            return DEMO_ABNORMAL;
        }
        return c.name() + "_samples.npy";
    }

    /** Loads {@code folder} with the first {@code nc} leads, min-max scaling every beat and lead. */
    public static BeatSet load(Path folder, int nc) throws IOException {
        return load(folder, nc, true);
    }

    /**
     * Loads {@code folder} with the first {@code nc} leads.
     *
     * @param minMaxScale scale each beat and lead to [-1, 1] as BeatGAN's {@code load_data} does
     */
    public static BeatSet load(Path folder, int nc, boolean minMaxScale) throws IOException {
        if (nc < 1) {
            throw new IllegalArgumentException("nc must be >= 1: " + nc);
        }
        if (!Files.isDirectory(folder)) {
            throw new IOException(folder + ": not a directory");
        }
        List<AamiClass> aami = new ArrayList<>();
        for (AamiClass c : AamiClass.AAMI) {
            if (Files.isRegularFile(folder.resolve(fileName(c)))) {
                aami.add(c);
            }
        }
        List<AamiClass> demo = new ArrayList<>();
        if (Files.isRegularFile(folder.resolve(DEMO_NORMAL))) {
            demo.add(AamiClass.N);
        }
        if (Files.isRegularFile(folder.resolve(DEMO_ABNORMAL))) {
            demo.add(AamiClass.ABNORMAL);
        }
        if (!aami.isEmpty() && !demo.isEmpty()) {
            throw new IOException(folder + ": holds both BeatGAN's {N,S,V,F,Q}_samples.npy and the demo's"
                    + " normal/abnormal_samples.npy; keep one layout per folder");
        }
        if (aami.isEmpty() && demo.isEmpty()) {
            throw new IOException(folder + ": no beat arrays found (expected any of N_samples.npy, S_samples.npy,"
                    + " V_samples.npy, F_samples.npy, Q_samples.npy, or " + DEMO_NORMAL + " / " + DEMO_ABNORMAL + ")");
        }
        List<AamiClass> classes = aami.isEmpty() ? demo : aami;
        List<BeatSet> parts = new ArrayList<>();
        int length = -1;
        for (AamiClass c : classes) {
            Path file = folder.resolve(c == AamiClass.N && !demo.isEmpty() ? DEMO_NORMAL : fileName(c));
            BeatSet part = loadFile(file, c, nc, minMaxScale);
            if (length >= 0 && part.length() != length) {
                throw new NpyFormatException(file, "beat length " + part.length() + " differs from " + length
                        + " in the other files of the folder");
            }
            length = part.length();
            parts.add(part);
        }
        return BeatSet.concat(parts);
    }

    /** Loads one array file, labelling every beat {@code label}. */
    public static BeatSet loadFile(Path file, AamiClass label, int nc, boolean minMaxScale) throws IOException {
        NpyArray a = Npy.read(file);
        if (!a.isFloatingPoint()) {
            throw new NpyFormatException(file, "dtype " + a.dtype() + ", expected float32 or float64");
        }
        int[] shape = a.shape();
        if (shape.length != 3) {
            throw new NpyFormatException(file, "rank " + shape.length + " (shape " + Arrays.toString(shape)
                    + "), expected (beats, leads, length)");
        }
        int n = shape[0];
        int leads = shape[1];
        int length = shape[2];
        if (leads < nc) {
            throw new NpyFormatException(file, "has " + leads + " leads (shape " + Arrays.toString(shape)
                    + "), cannot take nc=" + nc);
        }
        if (length < 1) {
            throw new NpyFormatException(file, "beats of length 0 (shape " + Arrays.toString(shape) + ")");
        }
        float[] out = new float[Math.multiplyExact(n, nc * length)];
        double[] src = a.asDoubles();
        for (int i = 0; i < n; i++) {
            for (int l = 0; l < nc; l++) {
                int from = (i * leads + l) * length;
                int to = (i * nc + l) * length;
                if (minMaxScale) {
                    BeatWindowing.scaleMinMax(src, from, length, out, to);
                } else {
                    for (int t = 0; t < length; t++) {
                        out[to + t] = (float) src[from + t];
                    }
                }
            }
        }
        AamiClass[] labels = new AamiClass[n];
        Arrays.fill(labels, label);
        int[] unknown = new int[n];
        Arrays.fill(unknown, -1);
        return new BeatSet(out, nc, length, labels, unknown, unknown.clone());
    }
}
