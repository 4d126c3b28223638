package org.beatgan.experiments.ui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Debian's chromium, headless, driven through the DevTools protocol with the JDK's own HTTP and
 * WebSocket clients (no Selenium: its netty would share the JVM with the UI server's netty).
 */
final class HeadlessChromium implements AutoCloseable {

    static final Path BINARY = Path.of("/usr/bin/chromium");
    private static final ObjectMapper M = new ObjectMapper();

    private final Process process;
    private final Path profile;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();

    static boolean available() {
        return Files.isExecutable(BINARY);
    }

    HeadlessChromium(String url, int debugPort) throws Exception {
        profile = Files.createTempDirectory("chromium-profile");
        process = new ProcessBuilder(BINARY.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-quic", "--user-data-dir=" + profile, "--remote-debugging-port=" + debugPort,
                "--remote-allow-origins=*", "--window-size=1400,1000", url)
                .redirectErrorStream(true).redirectOutput(profile.resolve("chromium.log").toFile()).start();
        HttpClient http = HttpClient.newHttpClient();
        String wsUrl = null;
        long deadline = System.currentTimeMillis() + 30_000;
        while (wsUrl == null && System.currentTimeMillis() < deadline) {
            try {
                String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + debugPort + "/json/list"))
                        .build(), HttpResponse.BodyHandlers.ofString()).body();
                for (JsonNode t : M.readTree(body)) {
                    if (t.path("type").asText().equals("page")) wsUrl = t.path("webSocketDebuggerUrl").asText();
                }
            } catch (IOException notYet) {
                Thread.sleep(200);
            }
        }
        if (wsUrl == null) throw new IllegalStateException("chromium did not open its DevTools port " + debugPort);
        socket = http.newWebSocketBuilder().buildAsync(URI.create(wsUrl), new WebSocket.Listener() {
            private final StringBuilder buf = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                buf.append(data);
                if (last) {
                    try {
                        JsonNode msg = M.readTree(buf.toString());
                        CompletableFuture<JsonNode> f = pending.remove(msg.path("id").asInt(-1));
                        if (f != null) f.complete(msg);
                    } catch (IOException ignored) {
                        // events we did not ask for
                    }
                    buf.setLength(0);
                }
                ws.request(1);
                return null;
            }
        }).get(10, TimeUnit.SECONDS);
    }

    JsonNode call(String method, ObjectNode params) throws Exception {
        int id = ids.incrementAndGet();
        ObjectNode msg = M.createObjectNode().put("id", id).put("method", method);
        msg.set("params", params == null ? M.createObjectNode() : params);
        CompletableFuture<JsonNode> f = new CompletableFuture<>();
        pending.put(id, f);
        socket.sendText(msg.toString(), true);
        return f.get(30, TimeUnit.SECONDS);
    }

    /** Evaluates a JavaScript expression in the page and returns its value. */
    JsonNode eval(String js) throws Exception {
        JsonNode r = call("Runtime.evaluate", M.createObjectNode().put("expression", js).put("returnByValue", true));
        return r.path("result").path("result").path("value");
    }

    /** Polls an expression until it is truthy (or times out) and returns its last value. */
    JsonNode waitFor(String js, Duration timeout) throws Exception {
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        JsonNode v = eval(js);
        while (!truthy(v) && System.currentTimeMillis() < deadline) {
            Thread.sleep(300);
            v = eval(js);
        }
        return v;
    }

    static boolean truthy(JsonNode v) {
        return v != null && !v.isMissingNode() && !v.isNull() && !(v.isBoolean() && !v.asBoolean())
                && !(v.isNumber() && v.asDouble() == 0) && !(v.isTextual() && v.asText().isEmpty());
    }

    void navigate(String url) throws Exception {
        call("Page.navigate", M.createObjectNode().put("url", url));
    }

    void screenshot(Path png) throws Exception {
        JsonNode r = call("Page.captureScreenshot", M.createObjectNode().put("format", "png"));
        Files.createDirectories(png.toAbsolutePath().getParent());
        Files.write(png, Base64.getDecoder().decode(r.path("result").path("data").asText()));
    }

    @Override
    public void close() throws Exception {
        try {
            socket.abort();
        } finally {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly();
            try (var files = Files.walk(profile)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // chromium may still hold files briefly; the temp folder is harmless
            }
        }
    }

}
