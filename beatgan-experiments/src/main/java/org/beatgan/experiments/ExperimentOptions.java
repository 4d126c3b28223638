package org.beatgan.experiments;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.beatgan.core.config.ExperimentConfig;
import org.beatgan.core.io.Json;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Options shared by every training command: an experiment config file plus command-line
 * overrides of its most used settings (an option given wins over the file).
 */
public final class ExperimentOptions {

    @Option(names = "--config", paramLabel = "FILE",
            description = "Experiment config (YAML, see notebooks-config/); built-in defaults if absent.")
    Path config;

    @Option(names = "--data", paramLabel = "DIR",
            description = "MIT-BIH folder (WFDB .hea/.dat/.atr) or folder of BeatGAN .npy arrays "
                    + "(normal_samples.npy + abnormal_samples.npy, or {N,S,V,F,Q}_samples.npy). "
                    + "Default: the shipped MIT-BIH records.")
    String data;

    @Option(names = "--protocol", paramLabel = "P", description = "beatgan | clean | inter-patient")
    String protocol;

    @Option(names = "--fold", paramLabel = "K", description = "Fold 0..4 of normal beats held out for testing.")
    Integer fold;

    @Option(names = "--train-limit", paramLabel = "N", description = "At most N training beats (0 = all).")
    Integer trainLimit;

    @Option(names = "--eval-limit", paramLabel = "N",
            description = "At most N validation and N test beats, stratified by class (0 = all).")
    Integer evalLimit;

    @Option(names = "--epochs", paramLabel = "N",
            description = "Training epochs (with patience, at most this many); default: the config's, else 3.")
    Integer epochs;

    @Option(names = "--seed", paramLabel = "S", description = "Seed for weights, shuffling and splits.")
    Long seed;

    @Option(names = "--data-seed", paramLabel = "S",
            description = "Seed of the split and subsets only (default: --seed, else the config's data.seed), so "
                    + "runs of several training seeds can share one split.")
    Long dataSeed;

    @Option(names = "--batch-size", paramLabel = "B",
            description = "Beats per training step (BeatGAN: 64); a training set smaller than it trains in one batch.")
    Integer batchSize;

    @Option(names = "--lr", paramLabel = "LR", description = "Adam learning rate of both networks.")
    Double lr;

    @Option(names = "--ngf", paramLabel = "N", description = "Generator decoder width.")
    Integer ngf;

    @Option(names = "--ndf", paramLabel = "N", description = "Encoder and discriminator width.")
    Integer ndf;

    @Option(names = "--nc", paramLabel = "C", description = "ECG leads: 1 (MLII) or 2.")
    Integer nc;

    @Option(names = "--step-order", paramLabel = "O",
            description = "BEATGAN (D then G against the updated D, the paper's order) or SIMULTANEOUS (both gradients from the pre-update parameters).")
    String stepOrder;

    @Option(names = "--step-engine", paramLabel = "E",
            description = "DIRECT (BeatGAN's step on native kernels, the default) or GRAPH (through SameDiff). "
                    + "Distillation terms that need the graph (they tap D or keep state) select it themselves.")
    String stepEngine;

    @Option(names = "--scoring", paramLabel = "MODE",
            description = "How validation and test beats are scored: eval (running batch-norm statistics, the "
                    + "default) or batch-stats (BeatGAN's validate(): G in training mode on shuffled batches of "
                    + "scoring.batchSize, default 64; model selection then follows it and eval mode is reported beside).")
    String scoring;

    /** The config file (or defaults) with every given option applied on top. */
    public ExperimentConfig resolve() throws IOException {
        ExperimentConfig base = config != null ? ExperimentConfig.load(config) : ExperimentConfig.defaults();
        ObjectNode o = Json.MAPPER.createObjectNode();
        ObjectNode model = o.putObject("model");
        ObjectNode training = o.putObject("training");
        ObjectNode d = o.putObject("data");
        if (scoring != null) o.putObject("scoring").put("mode", scoring);
        if (data != null) d.put("path", data);
        if (protocol != null) d.put("protocol", protocol);
        if (fold != null) d.put("fold", fold);
        if (trainLimit != null) d.put("trainLimit", trainLimit);
        if (evalLimit != null) d.put("evalLimit", evalLimit);
        if (seed != null) {
            training.put("seed", seed);
            d.put("seed", seed);
        }
        if (dataSeed != null) d.put("seed", dataSeed);
        if (epochs != null) training.put("epochs", epochs);
        if (batchSize != null) training.put("batchSize", batchSize);
        if (lr != null) training.put("lr", lr);
        if (stepOrder != null) training.put("stepOrder", stepOrder.toUpperCase());
        if (stepEngine != null) training.put("stepEngine", stepEngine.toUpperCase());
        if (ngf != null) model.put("ngf", ngf);
        if (ndf != null) model.put("ndf", ndf);
        if (nc != null) model.put("nc", nc);
        return base.with(o);
    }
}
