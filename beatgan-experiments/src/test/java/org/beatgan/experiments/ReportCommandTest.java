package org.beatgan.experiments;

import com.fasterxml.jackson.databind.JsonNode;
import org.beatgan.core.io.DataLocations;
import org.beatgan.core.io.Json;
import org.beatgan.experiments.report.RunReport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.*;

/** ./beatgan report on a tiny run trained here (demo beats, width 4), on an experiment folder, and on bad folders. */
class ReportCommandTest {

    @TempDir
    static Path shared;
    static Path run;

    @BeforeAll
    static void trainTinyRun() {
        run = shared.resolve("run");
        StringWriter err = new StringWriter();
        assertEquals(0, Cli.execute(new TrainCommand(), new PrintWriter(err, true), "--data",
                DataLocations.beatganDemo().toString(), "--epochs", "2", "--ngf", "4", "--ndf", "4", "--batch-size", "16",
                "--lr", "1e-3", "--out", run.toString(), "--no-progress"), err.toString());
    }

    private static int report(StringWriter err, String... args) {
        return Cli.execute(new ReportCommand(), new PrintWriter(err, true), args);
    }

    private static BufferedImage png(Path file) throws Exception {
        assertTrue(Files.isRegularFile(file), file + " missing");
        BufferedImage img = ImageIO.read(file.toFile());
        assertNotNull(img, file + " is not a PNG");
        return img;
    }

    @Test
    void runReportScoresTheModelAndDrawsEveryPart(@TempDir Path out) throws Exception {
        StringWriter err = new StringWriter();
        assertEquals(0, report(err, run.toString(), "--out", out.toString(), "--beats", "3"), err.toString());
        String md = Files.readString(out.resolve(RunReport.REPORT));
        for (String image : new String[]{"losses.png", "validation.png", "roc.png", "pr.png", "scores.png", "beats.png"}) {
            png(out.resolve(image));
            assertTrue(md.contains("](" + image + ")"), "report links " + image);
        }
        assertEquals(2 * 560, png(out.resolve("beats.png")).getWidth(), "3 beats: two columns");
        assertEquals(64 + 2 * 300, png(out.resolve("beats.png")).getHeight(), "3 beats: two rows");
        // same data, same model, eval scoring, no limit: the recomputed test AUC is the run's own
        JsonNode metrics = Json.MAPPER.readTree(run.resolve("metrics.json").toFile());
        String auc = String.format(Locale.ROOT, "%.4f", metrics.path("test").path("auc").asDouble());
        assertTrue(md.contains("## Test scores (recomputed)") && md.contains("| " + auc + " |"),
                "recomputed AUC " + auc + " in\n" + md);
        assertTrue(md.contains("from [test_curves.json]"), "ROC / PR come from the run's own curves");
        assertTrue(md.contains("| N |"), "per-class score table");
        assertTrue(md.contains("most anomalous-scored abnormal #2") && md.contains("typical normal"), md);
        assertTrue(md.contains("`loss_g_rec`") && md.contains("Epoch records (2)"), "loss terms and epoch table");
        assertFalse(Files.exists(run.resolve(RunReport.REPORT)), "--out, not the run folder");
    }

    @Test
    void runWithoutModelGetsTheCurvesAndANoteAndDistillTermsArePlotted(@TempDir Path dir) throws Exception {
        Path r = dir.resolve("distilled");
        Files.createDirectories(r);
        Files.writeString(r.resolve("epochs.jsonl"),
                "{\"epoch\":1,\"loss_d\":0.5,\"loss_g_rec\":0.2,\"distill_at\":0.004,\"distill_at_weighted\":4.0,\"val_auc\":0.6,\"val_ap\":0.3}\n"
                        + "{\"epoch\":2,\"loss_d\":0.4,\"loss_g_rec\":0.1,\"distill_at\":0.002,\"distill_at_weighted\":2.0,\"val_auc\":0.7,\"val_ap\":0.4,\"best\":true}\n");
        StringWriter err = new StringWriter();
        assertEquals(0, report(err, r.toString()), err.toString());
        String md = Files.readString(r.resolve(RunReport.REPORT));
        assertTrue(md.contains("No `model.zip`"), md);
        assertTrue(md.contains("`distill_at_weighted`") && md.contains("log y axis"), md);
        assertTrue(md.contains("best epoch (by validation AUC) 2"), md);
        png(r.resolve("losses.png"));
        png(r.resolve("validation.png"));
        assertFalse(Files.exists(r.resolve("beats.png")));
        assertFalse(Files.exists(r.resolve("roc.png")), "no curves file and no model: no ROC");
    }

    @Test
    void corruptEpochLogIsOneClearError(@TempDir Path dir) throws Exception {
        Path r = dir.resolve("broken");
        Files.createDirectories(r);
        Files.writeString(r.resolve("epochs.jsonl"), "{\"epoch\":1,\"val_auc\":0.5}\n{\"epoch\":2,\"val_a\n");
        StringWriter err = new StringWriter();
        assertEquals(2, report(err, r.toString()));
        String msg = err.toString();
        assertTrue(msg.contains(r.resolve("epochs.jsonl").toString()) && msg.contains("line 2")
                && msg.contains("expected one JSON object per epoch"), msg);
        assertFalse(msg.contains("\tat "), "no stack trace: " + msg);
        assertFalse(Files.exists(r.resolve(RunReport.REPORT)));

        Files.writeString(r.resolve("epochs.jsonl"), "{\"epoch\":1,\"val_auc\":0.5}\n");
        Files.writeString(r.resolve("metrics.json"), "[1, 2");
        err = new StringWriter();
        assertEquals(2, report(err, r.toString()));
        assertTrue(err.toString().contains(r.resolve("metrics.json").toString()), err.toString());

        err = new StringWriter();
        Files.createDirectories(dir.resolve("empty"));
        assertEquals(2, report(err, dir.resolve("empty").toString()));
        assertTrue(err.toString().contains("neither a run folder"), err.toString());
    }

    @Test
    void experimentFolderGetsTableOverlaidCurvesAndLinks(@TempDir Path dir) throws Exception {
        Path exp = dir.resolve("exp");
        Path a = exp.resolve("student").resolve("seed-0"), b = exp.resolve("student-at").resolve("seed-0");
        Files.createDirectories(a);
        Files.createDirectories(b);
        for (String f : new String[]{"epochs.jsonl", "metrics.json"}) Files.copy(run.resolve(f), a.resolve(f));
        Files.writeString(b.resolve("epochs.jsonl"), "{\"epoch\":1,\"val_auc\":0.55}\n{\"epoch\":2,\"val_auc\":0.65}\n");
        Files.writeString(exp.resolve("report.json"), "{\"experiment\":\"cmp\",\"summary\":{\"student\":{\"runs\":2,"
                + "\"params_G\":86280,\"test_auc_mean\":0.7,\"test_auc_std\":0.1,\"test_ap_mean\":0.5,\"test_ap_std\":0.05,"
                + "\"test_best_f1_mean\":0.6,\"test_best_f1_std\":0.01}},\"pending\":[\"student-at seed 1\"]}");
        StringWriter err = new StringWriter();
        assertEquals(0, report(err, exp.toString(), "--out", dir.resolve("rep").toString()), err.toString());
        String md = Files.readString(dir.resolve("rep").resolve(RunReport.REPORT));
        assertTrue(md.startsWith("# Experiment report: cmp"), md);
        assertTrue(md.contains("| student | 2 | 86,280 | 0.7000 ± 0.1000 | 0.5000 ± 0.0500 | 0.6000 ± 0.0100 |"), md);
        assertTrue(md.contains("student-at seed 1"), "pending runs listed");
        String auc = String.format(Locale.ROOT, "%.4f",
                Json.MAPPER.readTree(a.resolve("metrics.json").toFile()).path("test").path("auc").asDouble());
        assertTrue(md.contains("| student/seed-0 | 2 | ") && md.contains(auc), md);
        assertTrue(md.contains("| student-at/seed-0 | 2 | 2 | no metrics.json"), md);
        assertTrue(md.contains("[folder](../exp/student-at/seed-0)"), "links relative to the report: " + md);
        png(dir.resolve("rep").resolve("val_auc.png"));

        Files.writeString(b.resolve("metrics.json"), "not json");
        err = new StringWriter();
        assertEquals(2, report(err, exp.toString(), "--out", dir.resolve("rep").toString()));
        assertTrue(err.toString().contains(b.resolve("metrics.json").toString()) && err.toString().contains("expected"),
                err.toString());
    }

    @Test
    void reportIsAListedSubcommand() {
        StringWriter sw = new StringWriter();
        picocli.CommandLine cl = new picocli.CommandLine(new BeatGanCli());
        cl.setOut(new PrintWriter(sw, true));
        assertEquals(0, cl.execute("report", "--help"));
        assertTrue(sw.toString().contains("--eval-limit") && sw.toString().contains("--beats"), sw.toString());
    }
}
