package org.beatgan.experiments.score;

import com.fasterxml.jackson.databind.JsonNode;
import org.beatgan.core.data.ecg.EcgRecording;
import org.beatgan.core.data.ecg.Resampler;
import org.beatgan.core.io.DataLocations;
import org.beatgan.core.io.Json;
import org.beatgan.core.io.ModelBundle;
import org.beatgan.core.model.BeatGanConfig;
import org.beatgan.core.model.BeatGanGraphBuilder;
import org.beatgan.core.score.ScoreCalibration;
import org.beatgan.experiments.Cli;
import org.beatgan.experiments.TrainCommand;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.*;

/**
 * ./beatgan score on real MIT-BIH records, a format-16 250 Hz record and a CSV written here, BeatGAN's
 * beat arrays and a stream; the threshold stored at training found again; bad inputs named.
 */
class ScoreCommandTest {

    @TempDir
    static Path shared;
    static Path trained;
    /** A tiny random model with a calibration of known quantiles. */
    static Path calibrated;
    static Path uncalibrated;

    @BeforeAll
    static void models() throws Exception {
        Path run = shared.resolve("run");
        StringWriter err = new StringWriter();
        assertEquals(0, Cli.execute(new TrainCommand(), new PrintWriter(err, true), "--data",
                DataLocations.beatganDemo().toString(), "--epochs", "2", "--ngf", "4", "--ndf", "4", "--batch-size", "16",
                "--lr", "1e-3", "--out", run.toString(), "--no-progress"), err.toString());
        trained = run.resolve("model.zip");
        var graph = BeatGanGraphBuilder.build(BeatGanConfig.of(1, 8, 4, 4), 3);
        uncalibrated = shared.resolve("plain.zip");
        ModelBundle.save(graph, uncalibrated);
        double[] normal = new double[1000];
        for (int i = 0; i < normal.length; i++) normal[i] = i / 1000.0;
        calibrated = shared.resolve("calibrated.zip");
        ModelBundle.save(graph, calibrated, ModelBundle.calibrationEntry(ScoreCalibration.of(normal, "eval")));
    }

    private static int score(StringWriter err, String... args) {
        return Cli.execute(new ScoreCommand(), new PrintWriter(err, true), args);
    }

    private static List<String[]> rows(Path out) throws Exception {
        List<String> lines = Files.readAllLines(out.resolve(RecordScoring.SCORES));
        assertEquals("record,beat,sample,time_s,symbol,aami,score,flagged", lines.get(0));
        return lines.subList(1, lines.size()).stream().map(l -> l.split(",", -1)).toList();
    }

    @Test
    void annotatedRecordGetsScoresClassesDetectorFiguresAndPlots(@TempDir Path out) throws Exception {
        StringWriter err = new StringWriter();
        assertEquals(0, score(err, "--model", calibrated.toString(), "--record",
                DataLocations.mitdb().resolve("100").toString(), "--out", out.toString(), "--top", "3", "--strips", "2",
                "--false-alarm-rate", "0.9"), err.toString());
        JsonNode s = Json.MAPPER.readTree(out.resolve(RecordScoring.SUMMARY).toFile());
        assertEquals(0.0999, s.path("threshold").path("value").asDouble(), 1e-6, "the 10% quantile of 0..0.999");
        List<String[]> rows = rows(out);
        assertEquals(s.path("beats").asInt(), rows.size());
        assertTrue(rows.size() > 2200, "record 100 has 2,273 beats: " + rows.size());
        assertEquals("annotations", s.path("records").get(0).path("beat_source").asText());
        long flagged = rows.stream().filter(r -> r[7].equals("1")).count();
        assertEquals(s.path("flagged").asLong(), flagged);
        for (String[] r : rows) {
            assertEquals(Double.parseDouble(r[6]) >= 0.0999, r[7].equals("1"), Arrays.toString(r));
        }
        assertTrue(s.path("per_class").path("N").path("beats").asInt() > 2000);
        assertTrue(s.path("metrics").has("auc"), "N and S beats present: AUC/AP computed");
        JsonNode d = s.path("detector");
        assertTrue(d.path("sensitivity").asDouble() > 0.99 && d.path("positive_predictivity").asDouble() > 0.99,
                d.toString());
        assertTrue(ImageIO.read(out.resolve(RecordScoring.TOP_BEATS).toFile()).getWidth() > 0);
        assertTrue(flagged > 0, "the random model's scores exceed 0.1 somewhere");
        try (var strips = Files.list(out.resolve(RecordScoring.STRIPS))) {
            assertEquals(Math.min(2, flagged), strips.filter(p -> p.toString().endsWith(".png")).count());
        }
    }

    @Test
    void thresholdStoredAtTrainingIsFoundAgainAtScoring(@TempDir Path out) throws Exception {
        ScoreCalibration cal = ModelBundle.load(trained).calibration().orElseThrow();
        StringWriter err = new StringWriter();
        assertEquals(0, score(err, "--model", trained.toString(), "--npy",
                DataLocations.beatganDemo().resolve("abnormal_samples.npy").toString(), "--out", out.toString(),
                "--false-alarm-rate", "0.2", "--top", "2"), err.toString());
        JsonNode s = Json.MAPPER.readTree(out.resolve(RecordScoring.SUMMARY).toFile());
        assertEquals(cal.thresholdAtFalseAlarmRate(0.2), s.path("threshold").path("value").asDouble(), 0);
        assertEquals(64, s.path("beats").asInt());
        assertEquals(64, s.path("per_class").path("ABNORMAL").path("beats").asInt(), "BeatGAN's file name gives the class");
        // the demo's own validation normal beats, flagged at 20%, are what the calibration says
        assertEquals(0.2, cal.falseAlarmRate(cal.thresholdAtFalseAlarmRate(0.2)), 1e-9);
    }

    @Test
    void format16RecordAt250HzIsResampledAndItsBeatsDetected(@TempDir Path dir) throws Exception {
        // record 119's first 2 minutes of MLII, resampled to 250 Hz, stored as WFDB format 16 (no annotations)
        EcgRecording src = EcgRecording.wfdb(DataLocations.mitdb(), "119", "atr");
        int n360 = 120 * 360;
        double[] mv = Resampler.resample(Arrays.copyOf(src.leads()[0], n360), 360, 250);
        ByteBuffer buf = ByteBuffer.allocate(mv.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        short checksum = 0;
        for (double v : mv) {
            short adc = (short) Math.round(v * 1000);
            buf.putShort(adc);
            checksum += adc;
        }
        Files.write(dir.resolve("rec250.dat"), buf.array());
        Files.writeString(dir.resolve("rec250.hea"), "rec250 1 250 " + mv.length + "\n"
                + "rec250.dat 16 1000/mV 16 0 " + Math.round(mv[0] * 1000) + " " + checksum + " 0 MLII\n");
        long reference = src.annotations().stream().filter(a -> a.sample() >= 140 && a.sample() + 180 < n360
                && org.beatgan.core.data.ecg.DetectorEvaluation.isBeat(a.code())).count();
        Path out = dir.resolve("out");
        StringWriter err = new StringWriter();
        assertEquals(0, score(err, "--model", calibrated.toString(), "--record", dir.resolve("rec250").toString(),
                "--out", out.toString(), "--top", "0", "--strips", "0"), err.toString());
        JsonNode s = Json.MAPPER.readTree(out.resolve(RecordScoring.SUMMARY).toFile());
        JsonNode r = s.path("records").get(0);
        assertEquals("detector", r.path("beat_source").asText());
        assertEquals(250.0, r.path("fs").asDouble());
        assertEquals(reference, s.path("beats").asLong(), 2, "detected beats against the reference count");
        List<String[]> rows = rows(out);
        long last = Long.parseLong(rows.get(rows.size() - 1)[2]);
        assertTrue(last < mv.length && last > mv.length - 250 * 3, "samples are in the record's own 250 Hz: " + last);
        assertEquals(last / 250.0, Double.parseDouble(rows.get(rows.size() - 1)[3]), 1e-3);
    }

    @Test
    void streamGivesTheScoresOfTheWholeCsv(@TempDir Path dir) throws Exception {
        EcgRecording src = EcgRecording.wfdb(DataLocations.mitdb(), "208", null);
        StringBuilder csv = new StringBuilder("MLII,V1\n");
        for (int i = 0; i < 45 * 360; i++) {
            csv.append(String.format(Locale.ROOT, "%.3f,%.3f%n", src.leads()[0][i], src.leads()[1][i]));
        }
        Path file = dir.resolve("ecg.csv");
        Files.writeString(file, csv);
        Path out = dir.resolve("out");
        StringWriter err = new StringWriter();
        assertEquals(0, score(err, "--model", calibrated.toString(), "--csv", file.toString(), "--fs", "360",
                "--out", out.toString(), "--top", "1", "--strips", "1"), err.toString());
        List<String[]> batch = rows(out);
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        var end = StreamScoring.stream(new StringReader(csv.toString()), new PrintStream(printed, true,
                StandardCharsets.UTF_8), ModelBundle.load(calibrated).graph(), 0.75, 360, null);
        List<String> lines = printed.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(batch.size(), lines.size());
        assertEquals(batch.size(), ((Number) end.get("beats")).intValue());
        for (int i = 0; i < lines.size(); i++) {
            JsonNode b = Json.MAPPER.readTree(lines.get(i));
            assertEquals(Long.parseLong(batch.get(i)[2]), b.path("sample").asLong(), "beat " + i);
            double want = Double.parseDouble(batch.get(i)[6]);
            assertEquals(want, b.path("score").asDouble(), 1e-4 * want, "beat " + i);
        }
    }

    @Test
    void badInputsAreNamed(@TempDir Path dir) throws Exception {
        String model = calibrated.toString();
        assertError("no lead 'V9'", "--model", model, "--record", DataLocations.mitdb().resolve("100").toString(),
                "--lead", "V9", "--out", dir.resolve("a").toString());
        assertFalse(Files.exists(dir.resolve("a")), "a failed run leaves nothing in --out");
        IOException empty = assertThrows(IOException.class, () -> StreamScoring.stream(new StringReader("MLII\n\n"),
                new PrintStream(new ByteArrayOutputStream()), ModelBundle.load(calibrated).graph(), 0.5, 360, null));
        assertTrue(empty.getMessage().contains("stdin: no samples"), empty.getMessage());
        assertError("the model reads 1 lead but 2 were chosen", "--model", model, "--record",
                DataLocations.mitdb().resolve("100").toString(), "--lead", "MLII", "--lead", "V5");
        assertError("nosuch.hea", "--model", model, "--record", dir.resolve("nosuch").toString());
        Files.copy(DataLocations.mitdb().resolve("100.hea"), dir.resolve("100.hea"));
        assertError("100.dat", "--model", model, "--record", dir.resolve("100").toString(), "--annotator", "none");
        Files.write(dir.resolve("100.dat"), Arrays.copyOf(Files.readAllBytes(DataLocations.mitdb().resolve("100.dat")), 1000));
        assertError("100.dat", "--model", model, "--record", dir.resolve("100").toString(), "--annotator", "none");
        Files.writeString(dir.resolve("odd.hea"), "odd 1 360 100\nodd.dat 310 200 11 1024 0 0 0 MLII\n");
        Files.write(dir.resolve("odd.dat"), new byte[136]);
        assertError("format 310", "--model", model, "--record", dir.resolve("odd").toString());
        Files.writeString(dir.resolve("empty.csv"), "MLII\n");
        assertError("no samples", "--model", model, "--csv", dir.resolve("empty.csv").toString(), "--fs", "360");
        Files.writeString(dir.resolve("one.csv"), "0.1\n0.2\n");
        assertError("needs --fs", "--model", model, "--csv", dir.resolve("one.csv").toString());
        assertError("359.123457 Hz", "--model", model, "--csv", dir.resolve("one.csv").toString(), "--fs", "359.123457");
        assertError("one: 2 samples", "--model", model, "--csv", dir.resolve("one.csv").toString(), "--fs", "360");
        assertError("holds no score calibration", "--model", uncalibrated.toString(), "--csv",
                dir.resolve("one.csv").toString(), "--fs", "360");
        assertError("--false-alarm-rate", "--model", model, "--csv", dir.resolve("one.csv").toString(), "--fs", "360",
                "--false-alarm-rate", "1.5");
        assertError("--beats 'all'", "--model", model, "--csv", dir.resolve("one.csv").toString(), "--fs", "360",
                "--beats", "all");
    }

    private static void assertError(String expected, String... args) {
        StringWriter err = new StringWriter();
        int rc = score(err, args);
        assertEquals(2, rc, "exit code for " + Arrays.toString(args) + ": " + err);
        assertTrue(err.toString().contains(expected), "'" + expected + "' not in: " + err);
    }
}
