package org.beatgan.experiments.ui;

import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import org.deeplearning4j.ui.VertxUIServer;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.BindException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * DL4J's training UI served on one chosen address (127.0.0.1 by default).
 *
 * <p>M2.1's {@link VertxUIServer} calls {@code createHttpServer().listen(port)}, which binds every
 * interface, and has no bind-address option, while the UI has no authentication. This subclass
 * hands the verticle a Vert.x whose HTTP servers listen on {@code host} only; everything else (the
 * routes, the Train pages, DL4J's singleton) is DL4J's own code, so {@code UIServer.getInstance()}
 * and {@code attach(...)} work as usual.
 */
public final class LoopbackUiServer extends VertxUIServer {

    private final String host;
    private Vertx realVertx;

    private LoopbackUiServer(String host) {
        this.host = host;
    }

    /** Starts the UI on host:port; fails with a clear message if the port is taken. */
    public static LoopbackUiServer start(String host, int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("UI port " + port + " is not a valid TCP port (1..65535)");
        }
        String previous = System.getProperty("org.deeplearning4j.ui.port");
        System.setProperty("org.deeplearning4j.ui.port", Integer.toString(port));
        Vertx vertx = Vertx.vertx();
        LoopbackUiServer server = new LoopbackUiServer(host);
        server.realVertx = vertx;
        CompletableFuture<String> deployed = new CompletableFuture<>();
        vertx.deployVerticle(server, r -> {
            if (r.succeeded()) deployed.complete(r.result());
            else deployed.completeExceptionally(r.cause());
        });
        try {
            deployed.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            vertx.close();
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            for (Throwable t = cause; t != null; t = t.getCause()) {
                if (t instanceof BindException) {
                    throw new IllegalStateException("Port " + port + " on " + host + " is already in use; choose another "
                            + "one with --ui-port (e.g. --ui-port " + (port == 65535 ? 9001 : port + 1) + ")", e);
                }
            }
            throw new IllegalStateException("The training UI could not start on " + host + ":" + port + ": " + cause, e);
        } finally {
            if (previous == null) System.clearProperty("org.deeplearning4j.ui.port");
            else System.setProperty("org.deeplearning4j.ui.port", previous);
        }
        return server;
    }

    public String url() {
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + getPort() + "/train/overview";
    }

    public String host() {
        return host;
    }

    @Override
    public void init(Vertx vertx, Context context) {
        super.init(bindingTo(vertx, host), context);
    }

    /** Stops the server and its Vert.x instance. */
    public void shutdown() {
        try {
            Promise<Void> p = Promise.promise();
            stop(p);
        } catch (Exception ignored) {
            // closing Vert.x below releases the socket in any case
        }
        if (realVertx != null) {
            CompletableFuture<Void> closed = new CompletableFuture<>();
            realVertx.close(r -> closed.complete(null));
            try {
                closed.get(20, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // best effort on shutdown
            }
        }
    }

    /** A Vert.x whose createHttpServer() returns servers that listen on {@code host} only. */
    static Vertx bindingTo(Vertx real, String host) {
        return (Vertx) Proxy.newProxyInstance(LoopbackUiServer.class.getClassLoader(), new Class<?>[]{Vertx.class},
                (proxy, m, args) -> {
                    Object r = invoke(m, real, args);
                    return m.getName().equals("createHttpServer") ? boundServer((HttpServer) r, host) : r;
                });
    }

    private static HttpServer boundServer(HttpServer real, String host) {
        return (HttpServer) Proxy.newProxyInstance(LoopbackUiServer.class.getClassLoader(), new Class<?>[]{HttpServer.class},
                (proxy, m, args) -> {
                    if (m.getName().equals("listen") && args != null && args.length >= 1 && args[0] instanceof Integer port) {
                        // listen(port[, handler]) would bind 0.0.0.0: add the host
                        if (args.length == 1) return wrap(real.listen(port, host), real, proxy);
                        if (args.length == 2 && !(args[1] instanceof String)) {
                            @SuppressWarnings("unchecked")
                            io.vertx.core.Handler<io.vertx.core.AsyncResult<HttpServer>> h =
                                    (io.vertx.core.Handler<io.vertx.core.AsyncResult<HttpServer>>) args[1];
                            return wrap(real.listen(port, host, h), real, proxy);
                        }
                    }
                    return wrap(invoke(m, real, args), real, proxy);
                });
    }

    /** Fluent methods return the real server; hand back the proxy so later calls stay bound. */
    private static Object wrap(Object result, HttpServer real, Object proxy) {
        return result == real ? proxy : result;
    }

    private static Object invoke(java.lang.reflect.Method m, Object target, Object[] args) throws Throwable {
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
