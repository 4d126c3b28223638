package org.beatgan.core.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.ToLongFunction;

/**
 * BeatGAN's architecture as one table: every layer of the generator and the discriminator with its
 * kind, kernel, stride, padding, batch norm, activation, parameter names, activation name and
 * channel counts, plus the constants the layers share. The SameDiff graph
 * ({@link BeatGanGraphBuilder}), the direct training step ({@code DirectTrainingStep}), the
 * inference plans ({@link GeneratorInference}, {@link GemmGenerator}, {@link GeneratorGradients})
 * and the activation-name sets are all derived from it, so a new layer or a changed kernel is one
 * edit here ({@code BeatGanArchitectureTest} checks that every engine reads this table).
 *
 * <p>The networks are those of BeatGAN's {@code network.py} for 320-sample beats: the encoder is
 * Conv(nc -> ndf, k4 s2 p1) + LeakyReLU(0.2), then 4x [Conv(c -> 2c, k4 s2 p1) + BN + LeakyReLU],
 * ending at (ndf*16) x 10; the generator adds Conv(ndf*16 -> nz, k10) to the latent, then
 * ConvT(nz -> ngf*16, k10) + BN + ReLU, 4x [ConvT(c -> c/2, k4 s2 p1) + BN + ReLU] and
 * ConvT(ngf -> nc, k4 s2 p1) + tanh; the discriminator is its own encoder plus Conv(ndf*16 -> 1, k10).
 * No layer has a bias (batch norm follows, or PyTorch's {@code bias=False}).
 */
public final class BeatGanArchitecture {

    /** Negative slope of every LeakyReLU (BeatGAN: {@code nn.LeakyReLU(0.2)}). */
    public static final double LEAKY_SLOPE = 0.2;
    /** Epsilon of every batch norm (PyTorch's default). */
    public static final double BN_EPS = 1e-5;
    /** Convolution stages of an encoder. */
    public static final int ENCODER_STAGES = 5;
    /** Parameter prefix of the generator's encoder. */
    public static final String G_ENCODER = "G/enc";
    /** Parameter prefix of the discriminator (its encoder and head). */
    public static final String D = "D";

    public enum Kind { CONV, DECONV }

    public enum Activation { LEAKY_RELU, RELU, TANH, NONE }

    /**
     * One layer.
     *
     * @param weight         the weight's variable name; conv weights are (k, Cin, Cout), transposed-conv
     *                       weights (1, k, Cout, Cin), the output channel on axis 2 in both
     * @param batchNorm      the batch norm's name prefix ({@code .../gamma}, {@code /beta},
     *                       {@code /running_mean}, {@code /running_var}), or null
     * @param activationName the name its output (after batch norm and activation) is published under,
     *                       or null (the discriminator's logit, which the graph reshapes and names itself)
     * @param in             input channels for a config
     * @param out            output channels for a config
     */
    public record Layer(String weight, Kind kind, int kernel, int stride, int pad, String batchNorm,
                        Activation activation, String activationName, ToLongFunction<BeatGanConfig> in,
                        ToLongFunction<BeatGanConfig> out) {

        public long inChannels(BeatGanConfig c) {
            return in.applyAsLong(c);
        }

        public long outChannels(BeatGanConfig c) {
            return out.applyAsLong(c);
        }

        public long[] weightShape(BeatGanConfig c) {
            return kind == Kind.CONV ? new long[]{kernel, inChannels(c), outChannels(c)}
                    : new long[]{1, kernel, outChannels(c), inChannels(c)};
        }

        /** fan_in + fan_out of the weight (Xavier-style initialisation). */
        public long fanSum(BeatGanConfig c) {
            return (inChannels(c) + outChannels(c)) * kernel;
        }

        /** Output length for an input of {@code length} (PyTorch's Conv1d / ConvTranspose1d formulas). */
        public long outputLength(long length) {
            return kind == Kind.CONV ? (length + 2L * pad - kernel) / stride + 1
                    : (length - 1) * stride - 2L * pad + kernel;
        }
    }

    private static final List<Layer> G_ENCODER_LAYERS = encoderLayers(G_ENCODER);
    private static final List<Layer> D_ENCODER_LAYERS = encoderLayers(D);
    private static final Layer LATENT = new Layer("G/enc/conv6/W", Kind.CONV, 10, 1, 0, null, Activation.NONE,
            ActivationNames.G_LATENT, c -> c.ndf() * 16L, c -> c.nz());
    private static final List<Layer> DECODER = decoderLayers();
    private static final Layer D_HEAD = new Layer("D/conv6/W", Kind.CONV, 10, 1, 0, null, Activation.NONE, null,
            c -> c.ndf() * 16L, c -> 1);
    private static final List<Layer> GENERATOR;
    private static final List<Layer> DISCRIMINATOR;
    private static final Set<String> GENERATOR_ACTIVATIONS;

    static {
        List<Layer> g = new ArrayList<>(G_ENCODER_LAYERS);
        g.add(LATENT);
        g.addAll(DECODER);
        GENERATOR = List.copyOf(g);
        List<Layer> d = new ArrayList<>(D_ENCODER_LAYERS);
        d.add(D_HEAD);
        DISCRIMINATOR = List.copyOf(d);
        Set<String> names = new LinkedHashSet<>();
        for (Layer l : GENERATOR) names.add(l.activationName());
        names.add(ActivationNames.G_SCORE);
        GENERATOR_ACTIVATIONS = Collections.unmodifiableSet(names);
    }

    private BeatGanArchitecture() {
    }

    /** The 5 encoder stages of {@link #G_ENCODER} or {@link #D}. */
    public static List<Layer> encoder(String prefix) {
        return switch (prefix) {
            case G_ENCODER -> G_ENCODER_LAYERS;
            case D -> D_ENCODER_LAYERS;
            default -> throw new IllegalArgumentException("no encoder '" + prefix + "' (G/enc or D)");
        };
    }

    /** The generator's latent convolution, Conv(ndf*16 -> nz, k10). */
    public static Layer latent() {
        return LATENT;
    }

    /** The generator's 6 transposed convolutions, latent to beat. */
    public static List<Layer> decoder() {
        return DECODER;
    }

    /** The discriminator's head, Conv(ndf*16 -> 1, k10): the logit. */
    public static Layer discriminatorHead() {
        return D_HEAD;
    }

    /** The generator, beat to beat: encoder, latent, decoder (12 layers). */
    public static List<Layer> generator() {
        return GENERATOR;
    }

    /** The discriminator, beat to logit: encoder and head (6 layers). */
    public static List<Layer> discriminator() {
        return DISCRIMINATOR;
    }

    /**
     * The generator's named activations: every layer's output and the per-beat score, in forward
     * order (what the direct step and the inference paths can publish).
     */
    public static Set<String> generatorActivations() {
        return GENERATOR_ACTIVATIONS;
    }

    private static List<Layer> encoderLayers(String prefix) {
        List<Layer> layers = new ArrayList<>();
        for (int k = 1; k <= ENCODER_STAGES; k++) {
            int stage = k;
            ToLongFunction<BeatGanConfig> in = k == 1 ? c -> c.nc() : c -> (long) c.ndf() << (stage - 2);
            layers.add(new Layer(prefix + "/conv" + k + "/W", Kind.CONV, 4, 2, 1, k == 1 ? null : prefix + "/bn" + k,
                    Activation.LEAKY_RELU, prefix.equals(D) ? ActivationNames.dEnc(k) : ActivationNames.gEnc(k), in,
                    c -> (long) c.ndf() << (stage - 1)));
        }
        return List.copyOf(layers);
    }

    private static List<Layer> decoderLayers() {
        List<Layer> layers = new ArrayList<>();
        layers.add(new Layer("G/dec/convT1/W", Kind.DECONV, 10, 1, 0, "G/dec/bn1", Activation.RELU,
                ActivationNames.gDec(1), c -> c.nz(), c -> c.ngf() * 16L));
        for (int k = 2; k <= 5; k++) {
            int stage = k;
            layers.add(new Layer("G/dec/convT" + k + "/W", Kind.DECONV, 4, 2, 1, "G/dec/bn" + k, Activation.RELU,
                    ActivationNames.gDec(k), c -> (c.ngf() * 16L) >> (stage - 2), c -> (c.ngf() * 16L) >> (stage - 1)));
        }
        layers.add(new Layer("G/dec/convT6/W", Kind.DECONV, 4, 2, 1, null, Activation.TANH, ActivationNames.G_OUT,
                c -> c.ngf(), c -> c.nc()));
        return List.copyOf(layers);
    }
}
