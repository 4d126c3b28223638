package org.beatgan.experiments;

import org.beatgan.core.train.ExperimentRunner;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Where a training command writes, whether it resumes, and whether it draws a progress bar. */
public final class RunOutputOptions {

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default: runs/<command>).")
    Path out;

    @Option(names = "--resume", description = "Continue from --out's checkpoint.zip instead of starting over.")
    boolean resume;

    @Option(names = "--no-progress", description = "No console progress bar.")
    boolean noProgress;

    Path outOr(String dflt) {
        return out != null ? out : Path.of(dflt);
    }

    ExperimentRunner.Options runnerOptions(String defaultOut) {
        return new ExperimentRunner.Options(outOr(defaultOut), resume, !noProgress && System.console() != null);
    }
}
