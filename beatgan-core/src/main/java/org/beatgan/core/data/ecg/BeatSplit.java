package org.beatgan.core.data.ecg;

/**
 * Train / validation / test indices into one {@link BeatSet}.
 *
 * <p>Indices rather than three copied sets, so that a split of 100,000 beats costs a few hundred KB
 * and every part can be traced back to the same beats (e.g. for per-record reports). The
 * constructor checks that no beat is used twice, because a beat leaking from train into test is
 * the one split bug that silently inflates every metric.
 */
public final class BeatSplit {

    private final int[] train;
    private final int[] val;
    private final int[] test;

    /**
     * @param setSize size of the beat set the indices point into (all must be in [0, setSize))
     * @throws IllegalArgumentException if an index is out of range or used more than once
     */
    public BeatSplit(int[] train, int[] val, int[] test, int setSize) {
        this.train = train.clone();
        this.val = val.clone();
        this.test = test.clone();
        boolean[] used = new boolean[setSize];
        check(this.train, used, "train");
        check(this.val, used, "val");
        check(this.test, used, "test");
    }

    private static void check(int[] idx, boolean[] used, String part) {
        for (int i : idx) {
            if (i < 0 || i >= used.length) {
                throw new IllegalArgumentException(part + " index " + i + " outside [0, " + used.length + ")");
            }
            if (used[i]) {
                throw new IllegalArgumentException("beat " + i + " is used twice (again in " + part + ")");
            }
            used[i] = true;
        }
    }

    public int[] train() {
        return train.clone();
    }

    public int[] val() {
        return val.clone();
    }

    public int[] test() {
        return test.clone();
    }

    /** Beats used by any part. */
    public int totalUsed() {
        return train.length + val.length + test.length;
    }
}
