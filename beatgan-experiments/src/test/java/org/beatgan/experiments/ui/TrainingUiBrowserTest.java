package org.beatgan.experiments.ui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.beatgan.core.io.DataLocations;
import org.beatgan.experiments.Cli;
import org.beatgan.experiments.TrainCommand;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Tested as a person would: a short training with --ui, the Train overview opened in headless
 * Chromium, assertions on the rendered page (score chart has points, model name shown) and on our
 * /beatgan page; screenshots kept in target/ui-e2e/ as build artifacts. On CI (CI set) a missing
 * chromium fails the test; elsewhere it is skipped.
 */
class TrainingUiBrowserTest {

    @Test
    void trainOverviewShowsTheRunInABrowser(@TempDir Path dir) throws Exception {
        if (!HeadlessChromium.available()) {
            assertNull(System.getenv("CI"), "CI must install Debian's chromium (.ci/run does)");
            Assumptions.abort("chromium is not installed (apt-get install chromium)");
        }
        int port = LoopbackUiServerTest.freePort();
        StringWriter err = new StringWriter();
        int[] rc = {-1};
        Thread training = new Thread(() -> rc[0] = Cli.execute(new TrainCommand(), new PrintWriter(err, true),
                "--data", DataLocations.beatganDemo().toString(), "--epochs", "2", "--ngf", "4", "--ndf", "4",
                "--batch-size", "16", "--lr", "1e-3", "--out", dir.resolve("run").toString(), "--no-progress",
                "--ui", "--ui-port", Integer.toString(port), "--ui-hold-seconds", "300"));
        training.start();
        try {
            JsonNode session = waitForEpochs(port, 2, Duration.ofMinutes(3));
            assertNotNull(session, "training did not report 2 epochs to the UI: " + err);
            String model = session.path("model").asText();
            assertTrue(model.startsWith("beatgan-teacher"), model);

            Path shots = Path.of("target", "ui-e2e");
            try (HeadlessChromium chrome = new HeadlessChromium("http://127.0.0.1:" + port + "/train/overview",
                    LoopbackUiServerTest.freePort())) {
                JsonNode points = chrome.waitFor("(function(){var p=$('#scoreiterchart').data('plot');"
                        + "return p ? p.getData()[0].data.length : 0;})()", Duration.ofSeconds(60));
                assertTrue(points.asInt() > 0, "the score chart has no points");
                JsonNode modelType = chrome.waitFor("$('#modelType').text()", Duration.ofSeconds(20));
                assertTrue(modelType.asText().contains("beatgan-teacher"), "model name not shown: " + modelType);
                assertTrue(modelType.asText().endsWith(" G"), "the default worker is the generator: " + modelType);
                JsonNode lastScore = chrome.eval("$('#scoreiterchart').data('plot').getData()[0].data.slice(-1)[0][1]");
                assertEquals(session.path("iterations").path("loss_g").get(session.path("iterations").path("loss_g").size() - 1)
                        .get(1).asDouble(), lastScore.asDouble(), 1e-6, "the chart plots the generator's loss");
                Thread.sleep(1000);
                chrome.screenshot(shots.resolve("train-overview.png"));

                chrome.navigate("http://127.0.0.1:" + port + "/beatgan");
                JsonNode series = chrome.waitFor("document.querySelectorAll('svg.series').length", Duration.ofSeconds(30));
                assertTrue(series.asInt() >= 6, "every loss term gets a chart, found " + series);
                JsonNode epochsRows = chrome.eval("document.querySelectorAll('table.epochs tr').length");
                assertEquals(3, epochsRows.asInt(), "header + 2 epochs");
                chrome.screenshot(shots.resolve("beatgan-page.png"));
            }
            assertTrue(Files.size(shots.resolve("train-overview.png")) > 10_000);
        } finally {
            training.interrupt();
            training.join(60_000);
        }
        assertEquals(0, rc[0], err.toString());
    }

    private static JsonNode waitForEpochs(int port, int epochs, Duration timeout) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        while (System.currentTimeMillis() < deadline) {
            try {
                String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/beatgan/data"))
                        .build(), HttpResponse.BodyHandlers.ofString()).body();
                for (JsonNode s : new ObjectMapper().readTree(body).path("sessions")) {
                    if (s.path("epochs").size() >= epochs) return s;
                }
            } catch (java.io.IOException notUpYet) {
                // the server starts after data preparation
            }
            Thread.sleep(500);
        }
        return null;
    }
}
