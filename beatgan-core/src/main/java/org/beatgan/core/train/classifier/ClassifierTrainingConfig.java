package org.beatgan.core.train.classifier;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A classifier's training settings: Adam (PyTorch's update; {@code weightDecay} adds
 * {@code weightDecay * w} to every gradient, as PyTorch's Adam does), an optional learning-rate
 * schedule, the weight of the model's own task loss against the distillation terms (the KD
 * tutorial's CE weight 0.75), and the metric that selects the best epoch on validation data.
 *
 * @param selection {@code val_accuracy} or {@code val_f1} (the positive class of a one-output
 *                  classifier), both maximised
 */
public record ClassifierTrainingConfig(int epochs, int batchSize, double lr, double beta1, double beta2,
                                       double weightDecay, double taskWeight, long seed, LrSchedule schedule,
                                       String selection) {

    @JsonCreator
    public ClassifierTrainingConfig(@JsonProperty("epochs") Integer epochs, @JsonProperty("batchSize") Integer batchSize,
                                    @JsonProperty("lr") Double lr, @JsonProperty("beta1") Double beta1,
                                    @JsonProperty("beta2") Double beta2, @JsonProperty("weightDecay") Double weightDecay,
                                    @JsonProperty("taskWeight") Double taskWeight, @JsonProperty("seed") Long seed,
                                    @JsonProperty("schedule") LrSchedule schedule,
                                    @JsonProperty("selection") String selection) {
        this(epochs == null ? 10 : epochs, batchSize == null ? 128 : batchSize, lr == null ? 1e-3 : lr,
                beta1 == null ? 0.9 : beta1, beta2 == null ? 0.999 : beta2, weightDecay == null ? 0 : weightDecay,
                taskWeight == null ? 1 : taskWeight, seed == null ? 0 : seed,
                schedule == null ? LrSchedule.none() : schedule, selection == null ? "val_accuracy" : selection);
    }

    public ClassifierTrainingConfig {
        check(epochs >= 1, "epochs", epochs, ">= 1");
        check(batchSize >= 1, "batchSize", batchSize, ">= 1");
        check(lr > 0 && Double.isFinite(lr), "lr", lr, "a finite value > 0");
        check(beta1 >= 0 && beta1 < 1, "beta1", beta1, "a value in [0, 1)");
        check(beta2 >= 0 && beta2 < 1, "beta2", beta2, "a value in [0, 1)");
        check(weightDecay >= 0 && Double.isFinite(weightDecay), "weightDecay", weightDecay, "a finite value >= 0");
        check(taskWeight >= 0 && Double.isFinite(taskWeight), "taskWeight", taskWeight, "a finite weight >= 0");
        if (schedule == null) schedule = LrSchedule.none();
        if (schedule.minLr() > lr) {
            throw new IllegalArgumentException("Invalid training setting schedule.minLr = " + schedule.minLr()
                    + ", expected <= lr = " + lr);
        }
        if (!java.util.List.of("val_accuracy", "val_f1").contains(selection)) {
            throw new IllegalArgumentException("Invalid training setting selection = '" + selection
                    + "', expected val_accuracy or val_f1");
        }
    }

    public static ClassifierTrainingConfig defaults() {
        return new ClassifierTrainingConfig(10, 128, 1e-3, 0.9, 0.999, 0, 1, 0, LrSchedule.none(), "val_accuracy");
    }

    public ClassifierTrainingConfig withEpochs(int e) {
        return new ClassifierTrainingConfig(e, batchSize, lr, beta1, beta2, weightDecay, taskWeight, seed, schedule, selection);
    }

    public ClassifierTrainingConfig withSeed(long s) {
        return new ClassifierTrainingConfig(epochs, batchSize, lr, beta1, beta2, weightDecay, taskWeight, s, schedule, selection);
    }

    public ClassifierTrainingConfig withTaskWeight(double w) {
        return new ClassifierTrainingConfig(epochs, batchSize, lr, beta1, beta2, weightDecay, w, seed, schedule, selection);
    }

    public ClassifierTrainingConfig withLr(double l) {
        return new ClassifierTrainingConfig(epochs, batchSize, l, beta1, beta2, weightDecay, taskWeight, seed, schedule, selection);
    }

    public ClassifierTrainingConfig withBatchSize(int b) {
        return new ClassifierTrainingConfig(epochs, b, lr, beta1, beta2, weightDecay, taskWeight, seed, schedule, selection);
    }

    public ClassifierTrainingConfig withSchedule(LrSchedule s) {
        return new ClassifierTrainingConfig(epochs, batchSize, lr, beta1, beta2, weightDecay, taskWeight, seed, s, selection);
    }

    static void check(boolean ok, String name, double value, String expected) {
        if (!ok) {
            throw new IllegalArgumentException("Invalid training setting " + name + " = " + value + ", expected " + expected);
        }
    }
}
