package org.beatgan.experiments;

import org.beatgan.core.data.ExperimentData;
import org.beatgan.core.data.ecg.BeatSet;
import org.beatgan.core.data.ecg.BeatSplit;
import org.beatgan.core.data.ecg.SplitSummary;
import org.beatgan.core.io.DataLocations;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code ./beatgan data}: builds (or loads from cache) the beat dataset and prints its split. */
@Command(name = "data", mixinStandardHelpOptions = true,
        description = {"Read MIT-BIH records (or BeatGAN .npy arrays), preprocess them as BeatGAN does "
                + "(3-45 Hz zero-phase FIR, windows [R-140, R+180), per-beat min-max to [-1, 1]), cache the "
                + "result and print the beat counts per AAMI class of each part of the split as one JSON object."})
public final class DataCommand implements Callable<Integer> {

    @Option(names = "--data", paramLabel = "DIR", description = "Data folder (default: shipped MIT-BIH).")
    Path data;

    @Option(names = "--protocol", paramLabel = "P", defaultValue = "beatgan",
            description = "beatgan | clean | inter-patient (default: ${DEFAULT-VALUE}).")
    String protocol;

    @Option(names = "--fold", paramLabel = "K", defaultValue = "0", description = "Fold 0..4 (default 0).")
    int fold;

    @Option(names = "--nc", paramLabel = "C", defaultValue = "1", description = "Leads: 1 (MLII) or 2.")
    int nc;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Split seed (default 0).")
    long seed;

    @Option(names = "--summary", description = "Print the per-part class counts (the default output).")
    boolean summary;

    @Override
    public Integer call() throws Exception {
        if (nc != 1 && nc != 2) {
            throw new IllegalArgumentException("--nc " + nc + ": expected 1 (MLII) or 2 (both leads)");
        }
        long t0 = System.nanoTime();
        BeatSet beats = ExperimentData.load(data != null ? data : DataLocations.mitdb(), nc);
        BeatSplit split = ExperimentData.split(beats, protocol, fold, seed);
        System.out.println(SplitSummary.toJsonString(beats, split));
        System.err.printf("%d beats, nc=%d, protocol %s fold %d, %.1f s (cache: %s)%n", beats.size(), nc,
                protocol, fold, (System.nanoTime() - t0) / 1e9, ExperimentData.cacheDir());
        return 0;
    }

    public static void main(String[] args) {
        System.exit(Cli.execute(new DataCommand(), args));
    }
}
