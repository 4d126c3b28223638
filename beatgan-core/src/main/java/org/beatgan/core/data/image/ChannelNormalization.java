package org.beatgan.core.data.image;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Per-channel normalisation of images scaled to [0, 1]: {@code (pixel / 255 - mean[c]) / std[c]},
 * as torchvision's {@code ToTensor()} followed by {@code Normalize(mean, std)}.
 */
public record ChannelNormalization(double[] mean, double[] std) {

    /** The PyTorch knowledge-distillation tutorial's CIFAR-10 constants (ImageNet's statistics). */
    public static final ChannelNormalization TUTORIAL = new ChannelNormalization(
            new double[]{0.485, 0.456, 0.406}, new double[]{0.229, 0.224, 0.225});

    public ChannelNormalization {
        if (mean.length != std.length || mean.length == 0) {
            throw new IllegalArgumentException("normalisation needs one mean and one std per channel, got "
                    + mean.length + " and " + std.length);
        }
        for (double s : std) {
            if (!(s > 0) || Double.isInfinite(s)) {
                throw new IllegalArgumentException("normalisation std must be finite and > 0, got " + s);
            }
        }
    }

    /** The mean and (population) standard deviation of each channel over a set (its training images). */
    public static ChannelNormalization of(ImageSet set) {
        int c = set.channels();
        int plane = set.height() * set.width();
        double[] sum = new double[c];
        double[] sq = new double[c];
        byte[] p = set.pixels();
        for (int i = 0; i < set.count(); i++) {
            for (int ch = 0; ch < c; ch++) {
                int o = (i * c + ch) * plane;
                long s = 0;
                long s2 = 0;
                for (int k = o; k < o + plane; k++) {
                    int v = p[k] & 0xff;
                    s += v;
                    s2 += (long) v * v;
                }
                sum[ch] += s;
                sq[ch] += s2;
            }
        }
        double n = (double) set.count() * plane;
        double[] mean = new double[c];
        double[] std = new double[c];
        for (int ch = 0; ch < c; ch++) {
            double m = sum[ch] / n / 255.0;
            mean[ch] = m;
            std[ch] = Math.sqrt(Math.max(sq[ch] / n / (255.0 * 255.0) - m * m, 0));
        }
        return new ChannelNormalization(mean, std);
    }

    /** Normalised features (N, C, H, W) and one-hot labels (N, classes). */
    public DataSet apply(ImageSet set) {
        if (set.channels() != mean.length) {
            throw new IllegalArgumentException(set.name() + " has " + set.channels() + " channels, the normalisation "
                    + mean.length);
        }
        int plane = set.height() * set.width();
        float[] x = new float[set.pixels().length];
        byte[] p = set.pixels();
        for (int i = 0; i < x.length; i++) {
            int ch = (i / plane) % set.channels();
            x[i] = (float) (((p[i] & 0xff) / 255.0 - mean[ch]) / std[ch]);
        }
        float[] y = new float[set.count() * set.classes()];
        for (int i = 0; i < set.count(); i++) {
            y[i * set.classes() + set.labels()[i]] = 1f;
        }
        return new DataSet(Nd4j.create(x, new long[]{set.count(), set.channels(), set.height(), set.width()}, 'c'),
                Nd4j.create(y, new long[]{set.count(), set.classes()}, 'c').castTo(DataType.FLOAT));
    }
}
