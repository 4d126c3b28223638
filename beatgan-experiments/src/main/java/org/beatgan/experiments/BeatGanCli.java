package org.beatgan.experiments;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code ./beatgan} launcher; every subcommand is also runnable on its own. */
@Command(name = "beatgan", mixinStandardHelpOptions = true, version = "beatgan-distill 0.1.0",
        description = "BeatGAN ECG anomaly detection and knowledge distillation on DL4J/SameDiff.",
        subcommands = {TrainCommand.class, DistillCommand.class, ExperimentCommand.class, SweepCommand.class, EvaluateCommand.class, org.beatgan.experiments.score.ScoreCommand.class, CalibrateCommand.class, DetectCommand.class, ModelsCommand.class, ImportPyTorchCommand.class, CurvesCommand.class, ReportCommand.class, UiCommand.class, BenchCommand.class, DataCommand.class, CommandLine.HelpCommand.class})
public final class BeatGanCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(Cli.execute(new BeatGanCli(), args));
    }
}
