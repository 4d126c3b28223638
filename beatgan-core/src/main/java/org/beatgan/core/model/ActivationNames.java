package org.beatgan.core.model;

/**
 * Stable names of the activations in a BeatGAN graph. Distillation taps refer to these names;
 * renaming one is a breaking change for every saved experiment config.
 *
 * <pre>
 * x                      input beats                  (B, nc, 320)
 * G/enc/act1             Conv + LeakyReLU             (B, ndf,    160)
 * G/enc/act2 .. act5     Conv + BN + LeakyReLU        (B, ndf*2^(k-1), 320/2^k) ... (B, ndf*16, 10)
 * G/latent               Conv k10                     (B, nz, 1)
 * G/dec/act1             ConvT k10 + BN + ReLU        (B, ngf*16, 10)
 * G/dec/act2 .. act5     ConvT k4 s2 + BN + ReLU      ... (B, ngf, 160)
 * G/out                  ConvT k4 s2 + Tanh           (B, nc, 320)
 * G/score                per-beat mean squared reconstruction error (B)
 * D/enc/act1 .. act4     discriminator on real beats  (B, ndf*2^(k-1), 320/2^k)
 * D/features             discriminator's 5th activation (B, ndf*16, 10)
 * D/logit, D/prob        discriminator output on real beats (B)
 * Dfake/logit, Dfake/prob discriminator output on G(x) (B)
 * Dfake/features         discriminator features of G(x) (B, ndf*16, 10)
 * </pre>
 */
public final class ActivationNames {
    public static final String INPUT = "x";
    public static final String G_LATENT = "G/latent";
    public static final String G_OUT = "G/out";
    public static final String G_SCORE = "G/score";
    public static final String D_FEATURES = "D/features";
    public static final String D_LOGIT = "D/logit";
    public static final String D_PROB = "D/prob";
    public static final String D_FAKE_LOGIT = "Dfake/logit";
    public static final String D_FAKE_PROB = "Dfake/prob";
    public static final String D_FAKE_FEATURES = "Dfake/features";

    public static final String LOSS_D_REAL = "loss/D_real";
    public static final String LOSS_D_FAKE = "loss/D_fake";
    public static final String LOSS_D = "loss/D";
    public static final String LOSS_G_REC = "loss/G_rec";
    public static final String LOSS_G_ADV = "loss/G_adv";
    public static final String LOSS_G = "loss/G";

    private ActivationNames() {
    }

    /** Encoder activation k (1..5) of the generator. */
    public static String gEnc(int k) {
        checkRange(k, 5);
        return "G/enc/act" + k;
    }

    /** Decoder activation k (1..5) of the generator; the 6th stage is {@link #G_OUT}. */
    public static String gDec(int k) {
        checkRange(k, 5);
        return "G/dec/act" + k;
    }

    /** Discriminator activation k (1..5) on real beats; the 5th is {@link #D_FEATURES}. */
    public static String dEnc(int k) {
        checkRange(k, 5);
        return k == 5 ? D_FEATURES : "D/enc/act" + k;
    }

    /** Every documented activation of the real-data path, in graph order. */
    public static java.util.List<String> all() {
        var names = new java.util.ArrayList<String>(BeatGanArchitecture.generatorActivations());
        for (BeatGanArchitecture.Layer l : BeatGanArchitecture.encoder(BeatGanArchitecture.D)) {
            names.add(l.activationName());
        }
        names.add(D_LOGIT);
        names.add(D_PROB);
        return names;
    }

    private static void checkRange(int k, int max) {
        if (k < 1 || k > max) {
            throw new IllegalArgumentException("Activation index " + k + " out of range 1.." + max);
        }
    }
}
