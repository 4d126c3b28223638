package org.beatgan.core.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Architecture of one BeatGAN (generator + discriminator).
 *
 * <p>As in BeatGAN's code, the generator's <em>encoder</em> is sized by {@code ndf} and its
 * <em>decoder</em> by {@code ngf}; the discriminator is an encoder sized by {@code ndf}.
 * The strides fix the beat length: five stride-2 convolutions take 320 samples to 10, which the
 * final kernel-10 convolution collapses, so {@code isize} must be 320.
 */
public record BeatGanConfig(int nc, int isize, int nz, int ngf, int ndf) {

    /** Length of a beat window in samples; the architecture is built around it. */
    public static final int BEAT_LENGTH = 320;

    @JsonCreator
    public BeatGanConfig(@JsonProperty("nc") int nc, @JsonProperty("isize") int isize,
                         @JsonProperty("nz") int nz, @JsonProperty("ngf") int ngf,
                         @JsonProperty("ndf") int ndf) {
        require(nc >= 1, "nc", nc, "a channel count >= 1");
        require(isize == BEAT_LENGTH, "isize", isize,
                BEAT_LENGTH + " (five stride-2 convolutions and a kernel-10 convolution need it)");
        require(nz >= 1, "nz", nz, "a latent size >= 1");
        require(ngf >= 1, "ngf", ngf, "a generator width >= 1");
        require(ndf >= 1, "ndf", ndf, "a discriminator width >= 1");
        this.nc = nc;
        this.isize = isize;
        this.nz = nz;
        this.ngf = ngf;
        this.ndf = ndf;
    }

    /** BeatGAN's published defaults: nc=1, nz=50, ngf=ndf=32. */
    public static BeatGanConfig defaults() {
        return new BeatGanConfig(1, BEAT_LENGTH, 50, 32, 32);
    }

    public static BeatGanConfig of(int nc, int nz, int ngf, int ndf) {
        return new BeatGanConfig(nc, BEAT_LENGTH, nz, ngf, ndf);
    }

    public BeatGanConfig withWidths(int ngf, int ndf) {
        return new BeatGanConfig(nc, isize, nz, ngf, ndf);
    }

    public BeatGanConfig withNc(int nc) {
        return new BeatGanConfig(nc, isize, nz, ngf, ndf);
    }

    /** Fails with a message naming the expected shape (batch, nc, isize), not an op error deep in a graph. */
    public void checkBeats(INDArray x) {
        if (x == null) {
            throw new IllegalArgumentException("Input beats are null");
        }
        long[] s = x.shape();
        if (s.length != 3 || s[1] != nc || s[2] != isize || s[0] < 1) {
            throw new IllegalArgumentException("Input beats have shape " + java.util.Arrays.toString(s)
                    + ", expected (batch, nc=" + nc + ", " + isize + ")");
        }
    }

    private static void require(boolean ok, String field, int value, String expected) {
        if (!ok) {
            throw new IllegalArgumentException(
                    "Invalid BeatGAN config: " + field + " = " + value + ", expected " + expected);
        }
    }
}
