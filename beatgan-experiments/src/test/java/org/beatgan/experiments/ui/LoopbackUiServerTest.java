package org.beatgan.experiments.ui;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.*;

class LoopbackUiServerTest {

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static int httpStatus(String url) throws IOException {
        HttpURLConnection c = (HttpURLConnection) new URL(url).openConnection();
        c.setConnectTimeout(5000);
        c.setReadTimeout(20000);
        return c.getResponseCode();
    }

    /** Local addresses of LISTEN sockets on this port, from the kernel's own tables. */
    static List<String> listeners(int port) throws IOException {
        String hexPort = String.format(Locale.ROOT, ":%04X", port);
        List<String> out = new java.util.ArrayList<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            Path p = Path.of(table);
            if (!Files.exists(p)) continue;
            for (String line : Files.readAllLines(p)) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 3 && f[1].endsWith(hexPort) && f[3].equals("0A")) out.add(f[1]);
            }
        }
        return out;
    }

    @Test
    void servesDl4jPagesAndOurPageOnLoopbackOnly() throws Exception {
        int port = freePort();
        LoopbackUiServer server = LoopbackUiServer.start("127.0.0.1", port);
        try {
            assertEquals(200, httpStatus("http://127.0.0.1:" + port + "/train/overview"));
            assertEquals(200, httpStatus("http://127.0.0.1:" + port + "/beatgan"));
            assertEquals(200, httpStatus("http://127.0.0.1:" + port + "/beatgan/data"));
            List<String> l = listeners(port);
            String hexPort = String.format(Locale.ROOT, ":%04X", port);
            // 127.0.0.1 in the IPv4 table, or as the IPv4-mapped ::ffff:127.0.0.1 in the IPv6 table
            List<String> loopback = List.of("0100007F" + hexPort, "0000000000000000FFFF00000100007F" + hexPort);
            assertEquals(1, l.size(), "exactly one listening socket: " + l);
            assertTrue(loopback.contains(l.get(0)), "listening on " + l.get(0) + ", not on 127.0.0.1 only");
            for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                    if (a instanceof Inet4Address && !a.isLoopbackAddress()) {
                        try (Socket s = new Socket()) {
                            assertThrows(ConnectException.class, () -> s.connect(new InetSocketAddress(a, port), 2000),
                                    "the UI must not answer on " + a);
                        }
                    }
                }
            }
        } finally {
            server.shutdown();
        }
        assertTrue(listeners(port).isEmpty(), "shutdown releases the port");
    }

    @Test
    void portInUseGivesAClearMessageAndSuggestion() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> LoopbackUiServer.start("127.0.0.1", port));
            assertTrue(e.getMessage().contains("Port " + port) && e.getMessage().contains("already in use")
                    && e.getMessage().contains("--ui-port"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> LoopbackUiServer.start("127.0.0.1", 70000));
    }
}
