package org.beatgan.experiments.score;

import org.beatgan.core.data.ecg.AamiClass;
import org.beatgan.core.data.ecg.BeatGanNpyLoader;
import org.beatgan.core.data.ecg.BeatSet;
import org.beatgan.core.data.ecg.EcgRecording;
import org.beatgan.core.io.AtomicFiles;
import org.beatgan.core.io.Json;
import org.beatgan.core.io.ModelBundle;
import org.beatgan.core.io.PretrainedModels;
import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.model.GeneratorInference;
import org.beatgan.core.score.EcgBeatScorer;
import org.beatgan.core.score.ScoreCalibration;
import org.beatgan.experiments.Cli;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/** {@code ./beatgan score}: a trained model applied to new ECG (records, CSV samples, beat arrays, a live stream). */
@Command(name = "score", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Score the beats of new ECG with a trained model: resampled to 360 Hz, BeatGAN's band-pass and "
                + "per-beat scaling, beats from the reference annotations or the built-in R-peak detector, each beat "
                + "flagged when its score reaches a threshold chosen at a false-alarm rate on the model's normal "
                + "validation beats. Writes scores.csv, summary.json, top-beats.png (input, reconstruction and the "
                + "per-time-step residual of the most anomalous beats) and strips/ (the ECG around flagged beats) "
                + "into --out; with --stdin prints one JSON line per beat as the samples arrive.",
                "Example: ./beatgan score --model pretrained:beatgan-mitdb-fold0 --record ../shared/data/mitdb/119",
                "Example: ./beatgan score --model runs/train/model.zip --csv my-ecg.csv --fs 250 --lead II",
                "Example: cat samples.txt | ./beatgan score --model pretrained:beatgan-mitdb-fold0 --stdin --fs 360"})
public final class ScoreCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(ScoreCommand.class);

    @Option(names = "--model", required = true, paramLabel = "MODEL",
            description = "model.zip of a run, or pretrained:NAME (./beatgan models lists them).")
    Path model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--record", paramLabel = "DIR/NAME",
                description = "One WFDB record: its header DIR/NAME.hea, signal files and (optional) annotations. "
                        + "Repeat for several.")
        List<Path> records;

        @Option(names = "--records", paramLabel = "DIR", description = "Every WFDB record (*.hea) of a folder.")
        Path folder;

        @Option(names = "--csv", paramLabel = "FILE",
                description = "CSV of samples: one line per sample, one column per lead, optional header line of "
                        + "lead names; needs --fs.")
        Path csv;

        @Option(names = "--npy", paramLabel = "FILE",
                description = "BeatGAN .npy array of beats, shape (beats, leads, 320) (unscaled, as BeatGAN's "
                        + "preprocessing wrote them); scored as they are, no beat detection.")
        Path npy;

        @Option(names = "--stdin", description = "Read samples from standard input as they arrive (one line per "
                + "sample, one column per lead, --fs Hz) and print one JSON line per beat once its window is complete.")
        boolean stdin;
    }

    @Option(names = "--fs", paramLabel = "HZ", description = "Sampling rate of --csv or --stdin samples, in Hz.")
    Double fs;

    @Option(names = "--lead", paramLabel = "NAME",
            description = "Lead the model reads, by header description or CSV column name or 0-based column number; "
                    + "repeat for a two-lead model (default: MLII first, then the others in order).")
    List<String> leads;

    @Option(names = "--annotator", paramLabel = "NAME", defaultValue = "atr",
            description = "Annotator of the reference beat annotations, read when its file exists (default: "
                    + "${DEFAULT-VALUE}; none: ignore annotations).")
    String annotator;

    @Option(names = "--beats", paramLabel = "SOURCE", defaultValue = "auto",
            description = "Where beats come from: auto (the annotations when present, else the detector), "
                    + "annotations, or detector (default: ${DEFAULT-VALUE}). With annotations present the detector's "
                    + "sensitivity and positive predictivity are reported either way.")
    String beats;

    @Option(names = "--false-alarm-rate", paramLabel = "R", defaultValue = "0.01",
            description = "Flag beats scoring at or above the threshold that flags this fraction of the model's normal "
                    + "validation beats (default: ${DEFAULT-VALUE}).")
    double falseAlarmRate;

    @Option(names = "--threshold", paramLabel = "SCORE",
            description = "Flagging threshold in score units; overrides --false-alarm-rate.")
    Double threshold;

    @Option(names = "--top", paramLabel = "K", defaultValue = "8",
            description = "Most anomalous beats drawn in top-beats.png (default: ${DEFAULT-VALUE}; 0: none).")
    int top;

    @Option(names = "--strips", paramLabel = "N", defaultValue = "6",
            description = "Flagged beats (most anomalous first) drawn with the ECG around them in strips/ "
                    + "(default: ${DEFAULT-VALUE}; 0: none).")
    int strips;

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default: runs/score/<input name>).")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (!(falseAlarmRate > 0 && falseAlarmRate < 1)) {
            throw new IllegalArgumentException("--false-alarm-rate " + falseAlarmRate + " must lie in (0, 1)");
        }
        if (threshold != null && !Double.isFinite(threshold)) {
            throw new IllegalArgumentException("--threshold " + threshold + " is not a finite number");
        }
        if (top < 0 || strips < 0) {
            throw new IllegalArgumentException("--top and --strips must be >= 0");
        }
        EcgBeatScorer.BeatSource source = beatSource(beats);
        ModelBundle.Loaded loaded = ModelBundle.load(model);
        BeatGanGraph graph = loaded.graph();
        Threshold th = threshold(loaded);
        if (input.stdin) {
            return StreamScoring.run(this, graph, th, requireFs("--stdin"));
        }
        Path dir = out != null ? out : Path.of("runs", "score", inputName());
        RecordScoring scoring = new RecordScoring(graph, th, dir, top, strips);
        if (input.npy != null) {
            AamiClass label = npyLabel(input.npy);
            scoring.scoreBeats(npyBeats(input.npy, graph.config().nc(), label), input.npy.getFileName().toString(),
                    label != null);
        } else {
            for (EcgRecording rec : recordings(source)) {
                scoring.scoreRecording(rec, rec.selectLeads(leads, graph.config().nc()), source);
            }
        }
        Map<String, Object> summary = scoring.finish(modelName());
        System.out.println(Json.COMPACT.writeValueAsString(Map.of("out", dir.toAbsolutePath().toString(),
                "beats", summary.get("beats"), "flagged", summary.get("flagged"),
                "threshold", summary.get("threshold"))));
        return 0;
    }

    /** The flagging threshold and where it came from. */
    record Threshold(double value, String source, Double falseAlarmRate, ScoreCalibration calibration) {
        Map<String, Object> describe() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("value", value);
            m.put("source", source);
            if (falseAlarmRate != null) m.put("false_alarm_rate", falseAlarmRate);
            if (calibration != null) {
                m.put("calibration_beats", calibration.beats());
                m.put("validation_false_alarm_rate", calibration.falseAlarmRate(value));
            }
            return m;
        }
    }

    private Threshold threshold(ModelBundle.Loaded loaded) throws IOException {
        ScoreCalibration cal = loaded.calibration().orElse(null);
        if (threshold != null) {
            return new Threshold(threshold, "--threshold", null, cal);
        }
        if (cal == null) {
            throw new IllegalArgumentException(model + " holds no score calibration (it was saved before training "
                    + "stored one); give --threshold SCORE, or add one with ./beatgan calibrate --model " + model
                    + " --out FILE");
        }
        return new Threshold(cal.thresholdAtFalseAlarmRate(falseAlarmRate),
                "calibration (normal validation beats)", falseAlarmRate, cal);
    }

    static EcgBeatScorer.BeatSource beatSource(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "auto" -> null;
            case "annotations" -> EcgBeatScorer.BeatSource.ANNOTATIONS;
            case "detector" -> EcgBeatScorer.BeatSource.DETECTOR;
            default -> throw new IllegalArgumentException("--beats '" + s + "': expected auto, annotations or detector");
        };
    }

    private double requireFs(String what) {
        if (fs == null) {
            throw new IllegalArgumentException(what + " needs --fs, the sampling rate of the samples in Hz");
        }
        if (!(fs > 0) || !Double.isFinite(fs)) {
            throw new IllegalArgumentException("--fs " + fs + " must be a positive sampling rate in Hz");
        }
        return fs;
    }

    private List<EcgRecording> recordings(EcgBeatScorer.BeatSource source) throws IOException {
        List<EcgRecording> out = new ArrayList<>();
        if (input.csv != null) {
            if (source == EcgBeatScorer.BeatSource.ANNOTATIONS) {
                throw new IllegalArgumentException("--beats annotations: a CSV of samples has no annotations");
            }
            out.add(EcgRecording.csv(input.csv, requireFs("--csv")));
            return out;
        }
        if (fs != null) {
            throw new IllegalArgumentException("--fs applies to --csv and --stdin; a WFDB record states its rate in its "
                    + "header");
        }
        List<Path> heads = new ArrayList<>();
        if (input.folder != null) {
            if (!Files.isDirectory(input.folder)) {
                throw new NoSuchFileException(input.folder.toString(), null, "record folder does not exist");
            }
            try (Stream<Path> files = Files.list(input.folder)) {
                files.filter(p -> p.getFileName().toString().endsWith(".hea")).sorted().forEach(heads::add);
            }
            if (heads.isEmpty()) {
                throw new NoSuchFileException(input.folder.toString(), null, "no WFDB headers (*.hea) in the folder");
            }
        } else {
            heads.addAll(input.records);
        }
        for (Path h : heads) {
            String name = h.getFileName().toString().replaceFirst("\\.(hea|dat)$", "");
            Path dir = h.toAbsolutePath().getParent();
            boolean none = annotator.equalsIgnoreCase("none");
            boolean present = !none && Files.isRegularFile(dir.resolve(name + "." + annotator));
            if (source == EcgBeatScorer.BeatSource.ANNOTATIONS && !present) {
                throw new NoSuchFileException(dir.resolve(name + "." + annotator).toString(), null,
                        "--beats annotations needs the annotation file of annotator '" + annotator + "'");
            }
            if (!present && !none) {
                LOG.info("{}: no {} annotations; beats come from the R-peak detector", name, annotator);
            }
            out.add(EcgRecording.wfdb(dir, name, present ? annotator : null));
        }
        return out;
    }

    /** The class BeatGAN's file names give their beats ({@code N_samples.npy}, {@code abnormal_samples.npy}, ...), or null. */
    static AamiClass npyLabel(Path file) {
        String name = file.getFileName().toString();
        if (name.equals(BeatGanNpyLoader.DEMO_NORMAL)) return AamiClass.N;
        if (name.equals(BeatGanNpyLoader.DEMO_ABNORMAL)) return AamiClass.ABNORMAL;
        for (AamiClass c : AamiClass.AAMI) {
            if (name.equals(BeatGanNpyLoader.fileName(c))) return c;
        }
        return null;
    }

    /** A BeatGAN .npy beat array, min-max scaled per beat and lead as training does (label N when unknown). */
    static BeatSet npyBeats(Path file, int nc, AamiClass label) throws IOException {
        BeatSet set = BeatGanNpyLoader.loadFile(file, label == null ? AamiClass.N : label, nc, true);
        if (set.length() != org.beatgan.core.model.BeatGanConfig.BEAT_LENGTH) {
            throw new IOException(file + ": beats of " + set.length() + " samples; the model reads "
                    + org.beatgan.core.model.BeatGanConfig.BEAT_LENGTH);
        }
        return set;
    }

    private String inputName() {
        if (input.csv != null) return input.csv.getFileName().toString().replaceFirst("\\.[^.]*$", "");
        if (input.npy != null) return input.npy.getFileName().toString().replaceFirst("\\.[^.]*$", "");
        if (input.folder != null) return input.folder.toAbsolutePath().getFileName().toString();
        return input.records.get(0).getFileName().toString().replaceFirst("\\.(hea|dat)$", "");
    }

    private String modelName() {
        return PretrainedModels.isReference(model) ? model.toString() : model.toAbsolutePath().toString();
    }

    List<String> leads() {
        return leads;
    }

    public static void main(String[] args) {
        System.exit(Cli.execute(new ScoreCommand(), args));
    }
}
