package org.beatgan.experiments.ui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.ext.web.RoutingContext;
import org.beatgan.core.io.Json;
import org.deeplearning4j.core.storage.Persistable;
import org.deeplearning4j.core.storage.StatsStorage;
import org.deeplearning4j.core.storage.StatsStorageEvent;
import org.deeplearning4j.ui.api.HttpMethod;
import org.deeplearning4j.ui.api.Route;
import org.deeplearning4j.ui.api.UIModule;
import org.deeplearning4j.ui.i18n.I18NResource;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Our page on DL4J's UI server ({@code /beatgan}): every loss term per iteration (distillation
 * terms included), validation AUC/AP/F1 per epoch, discriminator re-inits, and Arbiter sweep
 * progress, read from {@link BeatGanEvent} records of the attached stats storages. Registered
 * through META-INF/services, as DL4J's own modules are.
 */
public final class BeatGanUiModule implements UIModule {

    private static final int MAX_POINTS = 400;
    private final List<StatsStorage> storages = new CopyOnWriteArrayList<>();

    @Override
    public List<String> getCallbackTypeIDs() {
        return List.of(BeatGanEvent.TYPE_ID);
    }

    @Override
    public List<Route> getRoutes() {
        return List.of(new Route("/beatgan", HttpMethod.GET, (p, rc) -> page(rc)),
                new Route("/beatgan/data", HttpMethod.GET, (p, rc) -> data(rc)));
    }

    @Override
    public void reportStorageEvents(Collection<StatsStorageEvent> events) {
    }

    @Override
    public void onAttach(StatsStorage storage) {
        storages.add(storage);
    }

    @Override
    public void onDetach(StatsStorage storage) {
        storages.remove(storage);
    }

    @Override
    public List<I18NResource> getInternationalizationResources() {
        return List.of();
    }

    private void page(RoutingContext rc) {
        try (InputStream in = BeatGanUiModule.class.getResourceAsStream("/beatgan-ui/index.html")) {
            rc.response().putHeader("content-type", "text/html; charset=utf-8")
                    .end(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void data(RoutingContext rc) {
        rc.response().putHeader("content-type", "application/json").end(snapshot().toString());
    }

    /** All BeatGAN sessions of the attached storages, iteration series down-sampled for the browser. */
    public JsonNode snapshot() {
        ObjectNode root = Json.MAPPER.createObjectNode();
        ArrayNode sessions = root.putArray("sessions");
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (StatsStorage s : storages) {
            for (String id : s.listSessionIDs()) {
                // a live run writes the same session to memory and to its stats file
                if (!s.listTypeIDsForSession(id).contains(BeatGanEvent.TYPE_ID) || !seen.add(id)) continue;
                sessions.add(session(s, id));
            }
        }
        return root;
    }

    private ObjectNode session(StatsStorage s, String id) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("session", id);
        ArrayNode epochs = out.putArray("epochs");
        ObjectNode series = out.putObject("iterations");
        ArrayNode sweep = out.putArray("sweep");
        int reinits = 0;
        for (Persistable p : s.getAllStaticInfos(id, BeatGanEvent.TYPE_ID)) {
            JsonNode start = parse(p);
            out.set("start", start);
            out.put("model", start.path("model").asText());
        }
        List<Persistable> updates = s.getAllUpdatesAfter(id, BeatGanEvent.TYPE_ID, 0);
        int iterations = (int) updates.stream().filter(u -> parse(u).path("kind").asText().equals("iteration")).count();
        int stride = Math.max(1, iterations / MAX_POINTS);
        int k = 0;
        for (Persistable u : updates) {
            JsonNode e = parse(u);
            switch (e.path("kind").asText()) {
                case "iteration" -> {
                    if (k++ % stride != 0) break;
                    long it = e.path("iteration").asLong();
                    e.path("terms").fields().forEachRemaining(t -> {
                        ArrayNode arr = series.has(t.getKey()) ? (ArrayNode) series.get(t.getKey()) : series.putArray(t.getKey());
                        arr.addArray().add(it).add(t.getValue().asDouble());
                    });
                }
                case "epoch" -> epochs.add(e);
                case "d_reinit" -> reinits = Math.max(reinits, e.path("total").asInt());
                case "sweep" -> sweep.add(e);
                default -> {
                }
            }
        }
        out.put("d_reinits", reinits);
        return out;
    }

    private static JsonNode parse(Persistable p) {
        try {
            return Json.MAPPER.readTree(((BeatGanEvent) p).json());
        } catch (IOException e) {
            return Json.MAPPER.createObjectNode();
        }
    }
}
