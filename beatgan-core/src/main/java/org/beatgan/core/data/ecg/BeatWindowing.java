package org.beatgan.core.data.ecg;

/**
 * Cuts fixed-length windows around annotated beats and scales them the way BeatGAN's training code
 * does ({@code normalize} in its {@code data.py}: each beat and lead min-max scaled to [-1, 1]).
 *
 * <p>The window is {@code [R - left, R + right)} around the annotation sample R. The default
 * {@link #BEATGAN} window is the documented {@code [R-140, R+180)}. BeatGAN's published arrays
 * (the demo {@code normal/abnormal_samples.npy}) are in fact cut one sample later, {@code [R-139,
 * R+181)} in WFDB's 0-based sample numbering, because its preprocessing read 1-based annotation
 * indices exported from MATLAB; {@link #BEATGAN_PUBLISHED} reproduces those arrays exactly.
 *
 * <p>A beat is used only if its window lies inside the record, with BeatGAN's condition
 * {@code R - left >= 0 && R + right < length} (strict, so the very last possible window is skipped
 * exactly as in BeatGAN).
 *
 * @param left  samples before the annotation
 * @param right samples from the annotation (inclusive) to the window end (exclusive)
 */
public record BeatWindowing(int left, int right) {

    /** The documented BeatGAN window, {@code [R-140, R+180)}: 320 samples. */
    public static final BeatWindowing BEATGAN = new BeatWindowing(140, 180);
    /** The window BeatGAN's published arrays actually use in 0-based samples, {@code [R-139, R+181)}. */
    public static final BeatWindowing BEATGAN_PUBLISHED = new BeatWindowing(139, 181);
    /** Samples per BeatGAN beat window. */
    public static final int BEAT_LENGTH = 320;

    public BeatWindowing {
        if (left < 0 || right <= 0) {
            throw new IllegalArgumentException("window must have left >= 0 and right > 0");
        }
    }

    public int length() {
        return left + right;
    }

    /** Whether the window around {@code r} lies inside a signal of {@code signalLength} samples. */
    public boolean fits(long r, int signalLength) {
        return r - left >= 0 && r + right < signalLength;
    }

    /** Copies the unscaled window around {@code r} from {@code signal} into {@code dest[destOff...]}. */
    public void copy(double[] signal, int r, double[] dest, int destOff) {
        System.arraycopy(signal, r - left, dest, destOff, length());
    }

    /**
     * Writes the window around {@code r}, min-max scaled to [-1, 1], into {@code dest[destOff...]}.
     * Scaling happens in double on the filtered signal and is rounded to float once, as BeatGAN
     * scales its float64 arrays before handing them to PyTorch as float32.
     */
    public void extractScaled(double[] signal, int r, float[] dest, int destOff) {
        scaleMinMax(signal, r - left, length(), dest, destOff);
    }

    /**
     * {@code 2 * (x - min) / (max - min) - 1} over {@code src[from, from + n)}. A constant window
     * (max == min), where BeatGAN would divide by zero and produce NaNs, is mapped to all zeros.
     */
    public static void scaleMinMax(double[] src, int from, int n, float[] dest, int destOff) {
        scale(i -> src[i], from, n, dest, destOff);
    }

    /** Float-input variant of {@link #scaleMinMax(double[], int, int, float[], int)}, in place allowed. */
    public static void scaleMinMax(float[] src, int from, int n, float[] dest, int destOff) {
        scale(i -> src[i], from, n, dest, destOff);
    }

    /** Both variants: min and max are read before anything is written, so in-place use is safe. */
    private static void scale(java.util.function.IntToDoubleFunction src, int from, int n, float[] dest,
                              int destOff) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (int i = from; i < from + n; i++) {
            double v = src.applyAsDouble(i);
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        double range = max - min;
        if (!(range > 0)) {
            java.util.Arrays.fill(dest, destOff, destOff + n, 0f);
            return;
        }
        for (int i = 0; i < n; i++) {
            dest[destOff + i] = (float) (2 * (src.applyAsDouble(from + i) - min) / range - 1);
        }
    }
}
