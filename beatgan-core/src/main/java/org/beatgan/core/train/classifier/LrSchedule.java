package org.beatgan.core.train.classifier;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A learning-rate schedule, applied after every epoch. {@code none}; {@code step}: the rate times
 * {@code gamma} every {@code stepSize} epochs (PyTorch's StepLR); {@code plateau}: the rate times
 * {@code factor} once the validation metric (maximised) has not improved by more than
 * {@code threshold} (absolute) for more than {@code patience} epochs, never below {@code minLr}
 * (PyTorch's ReduceLROnPlateau, mode max, threshold_mode abs, cooldown 0).
 */
public record LrSchedule(String kind, double factor, int patience, double threshold, double minLr, int stepSize,
                         double gamma) {

    @JsonCreator
    public LrSchedule(@JsonProperty("kind") String kind, @JsonProperty("factor") Double factor,
                      @JsonProperty("patience") Integer patience, @JsonProperty("threshold") Double threshold,
                      @JsonProperty("minLr") Double minLr, @JsonProperty("stepSize") Integer stepSize,
                      @JsonProperty("gamma") Double gamma) {
        this(kind == null ? "none" : kind, factor == null ? 0.1 : factor, patience == null ? 10 : patience,
                threshold == null ? 1e-4 : threshold, minLr == null ? 0 : minLr, stepSize == null ? 1 : stepSize,
                gamma == null ? 0.1 : gamma);
    }

    public LrSchedule {
        if (!java.util.List.of("none", "step", "plateau").contains(kind)) {
            throw new IllegalArgumentException("Invalid schedule kind '" + kind + "', expected none, step or plateau");
        }
        ClassifierTrainingConfig.check(factor > 0 && factor < 1, "schedule.factor", factor, "a value in (0, 1)");
        ClassifierTrainingConfig.check(patience >= 0, "schedule.patience", patience, ">= 0");
        ClassifierTrainingConfig.check(threshold >= 0, "schedule.threshold", threshold, ">= 0");
        ClassifierTrainingConfig.check(minLr >= 0 && Double.isFinite(minLr), "schedule.minLr", minLr, "a finite value >= 0");
        ClassifierTrainingConfig.check(stepSize >= 1, "schedule.stepSize", stepSize, ">= 1");
        ClassifierTrainingConfig.check(gamma > 0 && gamma <= 1, "schedule.gamma", gamma, "a value in (0, 1]");
    }

    public static LrSchedule none() {
        return new LrSchedule("none", 0.1, 10, 1e-4, 0.0, 1, 0.1);
    }

    public static LrSchedule plateau(double factor, int patience, double threshold, double minLr) {
        return new LrSchedule("plateau", factor, patience, threshold, minLr, 1, 0.1);
    }

    public static LrSchedule step(int stepSize, double gamma) {
        return new LrSchedule("step", 0.1, 10, 1e-4, 0.0, stepSize, gamma);
    }

    /** The schedule's state between epochs (saved in checkpoints). */
    public static final class State {
        private double best = Double.NEGATIVE_INFINITY;
        private int badEpochs;

        public double best() {
            return best;
        }

        public int badEpochs() {
            return badEpochs;
        }

        public void restore(double best, int badEpochs) {
            this.best = best;
            this.badEpochs = badEpochs;
        }
    }

    /** The rate for the next epoch after epoch {@code epoch} (1-based) ended with {@code metric}. */
    public double next(double lr, int epoch, double metric, State state) {
        switch (kind) {
            case "step":
                return epoch % stepSize == 0 ? lr * gamma : lr;
            case "plateau":
                if (metric > state.best + threshold) {
                    state.best = metric;
                    state.badEpochs = 0;
                    return lr;
                }
                state.badEpochs++;
                if (state.badEpochs > patience) {
                    state.badEpochs = 0;
                    double reduced = Math.max(lr * factor, minLr);
                    // PyTorch skips updates smaller than eps (1e-8)
                    return lr - reduced > 1e-8 ? reduced : lr;
                }
                return lr;
            default:
                return lr;
        }
    }
}
