package org.beatgan.core.data.ecg;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The ways of dividing a beat set into train / validation / test used by the toolkit.
 *
 * <p>All three train on normal beats only (BeatGAN is an anomaly detector). They differ in what the
 * validation set may contain and in whether test patients are also seen in training:
 * <ul>
 *   <li>{@link #BEATGAN}: BeatGAN's own protocol ({@code data.py}). Normal beats are shuffled and
 *       cut into 5 contiguous folds; fold k is the normal test set and the rest is training, of
 *       which 10% becomes validation. Every anomaly class gives 10% to validation and 90% to test.
 *       Validation therefore contains labelled anomalies, which model selection can exploit.</li>
 *   <li>{@link #CLEAN}: same folds, but validation holds only normal beats (10% of the training
 *       normals) and every anomaly goes to test, so no anomaly label influences model selection.</li>
 *   <li>{@link #INTER_PATIENT}: de Chazal et al. (2004)'s DS1/DS2 record split; train on the normal
 *       beats of DS1 minus a normal-only 10% validation part, test on every beat of DS2. Anomalies
 *       of DS1 are not used at all (a detector trained on normals has no use for them, and putting
 *       them into test would mix patients again). There is a single fold, 0.</li>
 * </ul>
 *
 * <p>"10%" is {@code ceil(0.1 * n)} per class, computed in double precision exactly as
 * scikit-learn's {@code train_test_split(test_size=0.1)} does (for every n that matters here this
 * equals the integer {@code ceil(n / 10)}). Unlike scikit-learn, tiny classes do not raise: a class
 * of one beat puts it in validation.
 *
 * <p>Splits are deterministic functions of the beat set, the fold and the seed. Each random step
 * draws from its own {@link java.util.Random} seeded from (seed, step), so changing e.g. the anomaly split
 * never changes which normal beats form a fold. The random streams are not NumPy's, so the exact
 * beats differ from a BeatGAN run; the counts per part do not.
 */
public enum SplitProtocol {

    BEATGAN {
        @Override
        public BeatSplit split(BeatSet beats, int fold, long seed) {
            return foldSplit(beats, fold, seed, true);
        }
    },

    CLEAN {
        @Override
        public BeatSplit split(BeatSet beats, int fold, long seed) {
            return foldSplit(beats, fold, seed, false);
        }
    },

    INTER_PATIENT {
        @Override
        public int folds() {
            return 1;
        }

        @Override
        public BeatSplit split(BeatSet beats, int fold, long seed) {
            checkFold(fold);
            List<Integer> normals = new ArrayList<>();
            List<Integer> test = new ArrayList<>();
            for (int i = 0; i < beats.size(); i++) {
                int rec = beats.record(i);
                if (DS1.contains(rec) && beats.label(i) == AamiClass.N) {
                    normals.add(i);
                } else if (DS2.contains(rec)) {
                    test.add(i);
                }
            }
            if (normals.isEmpty()) {
                throw new IllegalArgumentException("no normal beats from DS1 records: INTER_PATIENT needs beats"
                        + " with MIT-BIH record numbers");
            }
            int[] n = toArray(normals);
            Rng.shuffle(n, Rng.random(seed, STEP_INTER_PATIENT_VAL));
            int nv = validationCount(n.length);
            return new BeatSplit(slice(n, nv, n.length), slice(n, 0, nv), toArray(test), beats.size());
        }
    };

    /** Seed used when the caller does not choose one. */
    public static final long DEFAULT_SEED = 0L;
    /** Number of folds of the normal beats in {@link #BEATGAN} and {@link #CLEAN}. */
    public static final int FOLDS = 5;
    /** Fraction of a class that goes to validation (rounded up). */
    public static final double VALIDATION_FRACTION = 0.1;

    /** de Chazal et al. (2004) training records (DS1). */
    public static final Set<Integer> DS1 = Set.of(101, 106, 108, 109, 112, 114, 115, 116, 118, 119, 122, 124,
            201, 203, 205, 207, 208, 209, 215, 220, 223, 230);
    /** de Chazal et al. (2004) test records (DS2). */
    public static final Set<Integer> DS2 = Set.of(100, 103, 105, 111, 113, 117, 121, 123, 200, 202, 210, 212,
            213, 214, 219, 221, 222, 228, 231, 232, 233, 234);

    private static final int STEP_NORMAL_FOLDS = 1;
    private static final int STEP_NORMAL_VAL = 2;
    private static final int STEP_INTER_PATIENT_VAL = 3;
    private static final int STEP_ANOMALY_VAL = 10; // + class ordinal

    /** Splits {@code beats} for fold {@code fold} (0-based) with random seed {@code seed}. */
    public abstract BeatSplit split(BeatSet beats, int fold, long seed);

    /** Splits fold {@code fold} with {@link #DEFAULT_SEED}. */
    public BeatSplit split(BeatSet beats, int fold) {
        return split(beats, fold, DEFAULT_SEED);
    }

    /** Number of folds this protocol defines. */
    public int folds() {
        return FOLDS;
    }

    /** {@code ceil(0.1 * n)}, in double arithmetic as scikit-learn computes it. */
    public static int validationCount(int n) {
        return (int) Math.ceil(VALIDATION_FRACTION * n);
    }

    void checkFold(int fold) {
        if (fold < 0 || fold >= folds()) {
            throw new IllegalArgumentException(name() + " has folds 0.." + (folds() - 1) + ", got " + fold);
        }
    }

    BeatSplit foldSplit(BeatSet beats, int fold, long seed, boolean anomaliesInValidation) {
        checkFold(fold);
        int[] normals = beats.indicesOf(AamiClass.N);
        // One shuffle for all folds, so that the five test folds partition the normal beats.
        Rng.shuffle(normals, Rng.random(seed, STEP_NORMAL_FOLDS));
        int foldSize = normals.length / FOLDS; // BeatGAN's int(n / 5); the remainder always trains
        int from = fold * foldSize;
        int to = from + foldSize;
        int[] testN = slice(normals, from, to);
        int[] trainAll = new int[normals.length - foldSize];
        System.arraycopy(normals, 0, trainAll, 0, from);
        System.arraycopy(normals, to, trainAll, from, normals.length - to);
        Rng.shuffle(trainAll, Rng.random(seed, STEP_NORMAL_VAL));
        int nv = validationCount(trainAll.length);
        int[] valN = slice(trainAll, 0, nv);
        int[] train = slice(trainAll, nv, trainAll.length);

        List<int[]> val = new ArrayList<>(List.of(valN));
        List<int[]> test = new ArrayList<>(List.of(testN));
        for (AamiClass c : AamiClass.values()) {
            if (!c.isAnomaly()) {
                continue;
            }
            int[] idx = beats.indicesOf(c);
            if (anomaliesInValidation) {
                Rng.shuffle(idx, Rng.random(seed, STEP_ANOMALY_VAL + c.ordinal()));
                int k = validationCount(idx.length);
                val.add(slice(idx, 0, k));
                test.add(slice(idx, k, idx.length));
            } else {
                test.add(idx);
            }
        }
        return new BeatSplit(train, concat(val), concat(test), beats.size());
    }

    static int[] slice(int[] a, int from, int to) {
        return java.util.Arrays.copyOfRange(a, from, to);
    }

    static int[] concat(List<int[]> parts) {
        int n = 0;
        for (int[] p : parts) {
            n += p.length;
        }
        int[] out = new int[n];
        int at = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    static int[] toArray(List<Integer> list) {
        int[] out = new int[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = list.get(i);
        }
        return out;
    }
}
