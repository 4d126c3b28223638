package org.beatgan.experiments.report;

import java.util.List;

/** Mean and sample standard deviation, for "mean +- std over seeds". */
record Stats(double mean, double std, int n) {

    static Stats of(List<Double> values) {
        int n = values.size();
        double mean = values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        double ss = values.stream().mapToDouble(v -> (v - mean) * (v - mean)).sum();
        return new Stats(mean, n > 1 ? Math.sqrt(ss / (n - 1)) : 0.0, n);
    }

    String format(String fmt) {
        return n > 1 ? String.format(fmt + " ± " + fmt, mean, std) : String.format(fmt, mean);
    }
}
