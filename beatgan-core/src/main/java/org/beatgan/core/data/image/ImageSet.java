package org.beatgan.core.data.image;

import java.util.Arrays;

/**
 * Labelled images in memory: {@code pixels} holds {@code count} images of (channels, height,
 * width) one after another, channel-major as in NCHW, as bytes 0..255 (both readers' files store
 * unsigned bytes; scaling and normalisation happen when batches are made).
 */
public record ImageSet(String name, byte[] pixels, int[] labels, int channels, int height, int width,
                       int classes) {

    public ImageSet {
        long expected = (long) labels.length * channels * height * width;
        if (pixels.length != expected) {
            throw new IllegalArgumentException(name + ": " + pixels.length + " pixel bytes for " + labels.length
                    + " images of " + channels + "x" + height + "x" + width + " (expected " + expected + ")");
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException(name + ": label " + labels[i] + " of image " + i + " is outside 0.."
                        + (classes - 1));
            }
        }
    }

    public int count() {
        return labels.length;
    }

    public int imageSize() {
        return channels * height * width;
    }

    /** Images per class. */
    public int[] classCounts() {
        int[] c = new int[classes];
        for (int l : labels) c[l]++;
        return c;
    }

    /** The images at {@code indices}, in that order. */
    public ImageSet subset(int[] indices) {
        int size = imageSize();
        byte[] p = new byte[indices.length * size];
        int[] l = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            System.arraycopy(pixels, indices[i] * size, p, i * size, size);
            l[i] = labels[indices[i]];
        }
        return new ImageSet(name, p, l, channels, height, width, classes);
    }

    /**
     * A seeded subset of at most {@code limit} images stratified by class (each class keeps its
     * share, rounded so the total is {@code limit}); the whole set when {@code limit} is 0 or
     * covers it. Images keep their original order.
     */
    public ImageSet stratified(int limit, long seed) {
        if (limit <= 0 || limit >= count()) {
            return this;
        }
        return subset(stratifiedIndices(limit, seed, false));
    }

    /**
     * Two disjoint stratified parts: {@code first} images chosen as {@link #stratified} chooses
     * them, and all the others (e.g. validation and training images of one training set).
     */
    public ImageSet[] split(int first, long seed) {
        if (first <= 0 || first >= count()) {
            throw new IllegalArgumentException(name + ": cannot split off " + first + " of " + count() + " images");
        }
        return new ImageSet[]{subset(stratifiedIndices(first, seed, false)), subset(stratifiedIndices(first, seed, true))};
    }

    /** The chosen images' indices in original order, or (with {@code rest}) the others'. */
    private int[] stratifiedIndices(int limit, long seed, boolean rest) {
        int[] counts = classCounts();
        int[] quota = new int[classes];
        int assigned = 0;
        for (int c = 0; c < classes; c++) {
            quota[c] = (int) Math.floor((double) counts[c] * limit / count());
            assigned += quota[c];
        }
        // the remainder goes to the classes with the largest fractional parts, in class order on ties
        Integer[] order = new Integer[classes];
        for (int c = 0; c < classes; c++) order[c] = c;
        double[] frac = new double[classes];
        for (int c = 0; c < classes; c++) frac[c] = (double) counts[c] * limit / count() - quota[c];
        Arrays.sort(order, (a, b) -> Double.compare(frac[b], frac[a]));
        for (int i = 0; assigned < limit; i = (i + 1) % classes) {
            if (quota[order[i]] < counts[order[i]]) {
                quota[order[i]]++;
                assigned++;
            }
        }
        java.util.Random rnd = new java.util.Random(seed);
        boolean[] keep = new boolean[count()];
        for (int c = 0; c < classes; c++) {
            int[] members = new int[counts[c]];
            int n = 0;
            for (int i = 0; i < count(); i++) if (labels[i] == c) members[n++] = i;
            for (int i = members.length - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1);
                int t = members[i];
                members[i] = members[j];
                members[j] = t;
            }
            for (int i = 0; i < quota[c]; i++) keep[members[i]] = true;
        }
        int[] idx = new int[rest ? count() - limit : limit];
        int n = 0;
        for (int i = 0; i < count(); i++) if (keep[i] != rest) idx[n++] = i;
        return idx;
    }
}
