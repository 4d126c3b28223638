package org.beatgan.core.train;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * BeatGAN's training settings. Defaults are BeatGAN's: batch 64, Adam lr 1e-4, betas (0.5, 0.999),
 * w_adv 1, D re-initialised when its loss falls below 5e-6.
 *
 * @param stepOrder BEATGAN updates D, then G against the updated D (the paper's order);
 *                  SIMULTANEOUS computes both gradients from the same parameters before either
 *                  update (G sees the pre-update D)
 * @param stepEngine DIRECT runs BeatGAN's own step written out on native kernels, outside SameDiff
 *                   (several times faster at these model sizes, same gradients); GRAPH runs it
 *                   through SameDiff. With DIRECT, the trainer still falls back to the graph when an
 *                   extension's terms need it (they read the discriminator or keep training state).
 * @param patience early stopping: end the run once this many epochs in a row have not improved
 *                 the validation selection value (0, the default, trains all {@code epochs});
 *                 {@code epochs} stays the upper bound
 */
public record TrainingConfig(int epochs, int batchSize, double lr, double beta1, double beta2, double wAdv,
                             long seed, double dReinitThreshold, StepOrder stepOrder, StepEngine stepEngine,
                             int patience) {

    public enum StepOrder { BEATGAN, SIMULTANEOUS }

    public enum StepEngine { DIRECT, GRAPH }

    @JsonCreator
    public TrainingConfig(@JsonProperty("epochs") int epochs, @JsonProperty("batchSize") int batchSize,
                          @JsonProperty("lr") double lr, @JsonProperty("beta1") double beta1,
                          @JsonProperty("beta2") double beta2, @JsonProperty("wAdv") double wAdv,
                          @JsonProperty("seed") long seed,
                          @JsonProperty("dReinitThreshold") double dReinitThreshold,
                          @JsonProperty("stepOrder") StepOrder stepOrder,
                          @JsonProperty("stepEngine") StepEngine stepEngine,
                          @JsonProperty("patience") int patience) {
        check(epochs >= 1, "epochs", epochs, ">= 1");
        check(batchSize >= 2, "batchSize", batchSize, ">= 2 (batch norm needs two beats)");
        check(lr > 0 && Double.isFinite(lr), "lr", lr, "a finite value > 0");
        check(beta1 >= 0 && beta1 < 1, "beta1", beta1, "a value in [0, 1)");
        check(beta2 >= 0 && beta2 < 1, "beta2", beta2, "a value in [0, 1)");
        check(wAdv >= 0 && Double.isFinite(wAdv), "wAdv", wAdv, "a finite weight >= 0");
        check(dReinitThreshold >= 0, "dReinitThreshold", dReinitThreshold, ">= 0");
        check(patience >= 0, "patience", patience, ">= 0 epochs (0 trains all epochs)");
        this.epochs = epochs;
        this.batchSize = batchSize;
        this.lr = lr;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.wAdv = wAdv;
        this.seed = seed;
        this.dReinitThreshold = dReinitThreshold;
        this.stepOrder = stepOrder == null ? StepOrder.BEATGAN : stepOrder;
        this.stepEngine = stepEngine == null ? StepEngine.DIRECT : stepEngine;
        this.patience = patience;
    }

    /** The same settings before early stopping existed (patience 0: all epochs). */
    public TrainingConfig(int epochs, int batchSize, double lr, double beta1, double beta2, double wAdv, long seed,
                          double dReinitThreshold, StepOrder stepOrder, StepEngine stepEngine) {
        this(epochs, batchSize, lr, beta1, beta2, wAdv, seed, dReinitThreshold, stepOrder, stepEngine, 0);
    }

    public static TrainingConfig defaults() {
        return new TrainingConfig(10, 64, 1e-4, 0.5, 0.999, 1.0, 0, 5e-6, StepOrder.BEATGAN, StepEngine.DIRECT, 0);
    }

    public TrainingConfig withEpochs(int e) {
        return new TrainingConfig(e, batchSize, lr, beta1, beta2, wAdv, seed, dReinitThreshold, stepOrder, stepEngine, patience);
    }

    public TrainingConfig withBatchSize(int b) {
        return new TrainingConfig(epochs, b, lr, beta1, beta2, wAdv, seed, dReinitThreshold, stepOrder, stepEngine, patience);
    }

    public TrainingConfig withSeed(long s) {
        return new TrainingConfig(epochs, batchSize, lr, beta1, beta2, wAdv, s, dReinitThreshold, stepOrder, stepEngine, patience);
    }

    public TrainingConfig withLr(double l) {
        return new TrainingConfig(epochs, batchSize, l, beta1, beta2, wAdv, seed, dReinitThreshold, stepOrder, stepEngine, patience);
    }

    public TrainingConfig withStepOrder(StepOrder o) {
        return new TrainingConfig(epochs, batchSize, lr, beta1, beta2, wAdv, seed, dReinitThreshold, o, stepEngine, patience);
    }

    public TrainingConfig withStepEngine(StepEngine e) {
        return new TrainingConfig(epochs, batchSize, lr, beta1, beta2, wAdv, seed, dReinitThreshold, stepOrder, e, patience);
    }

    private static void check(boolean ok, String name, double value, String expected) {
        if (!ok) {
            throw new IllegalArgumentException("Invalid training setting " + name + " = " + value
                    + ", expected " + expected);
        }
    }
}
