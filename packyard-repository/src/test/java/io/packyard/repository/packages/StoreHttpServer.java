package io.packyard.repository.packages;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * A stand-in for {@code packyard serve} in tests: serves the public part of a {@link PackageStore}
 * ({@link PackageStore#isPublic}) over HTTP on 127.0.0.1, GET and HEAD, 404 for anything else, and
 * records the paths clients asked for.
 */
public final class StoreHttpServer implements AutoCloseable {
    private final HttpServer server;
    private final PackageStore store;
    private final List<String> requests = Collections.synchronizedList(new ArrayList<>());

    public StoreHttpServer(PackageStore store) throws IOException {
        this.store = store;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** {@code http://127.0.0.1:PORT/} + path. */
    public String url(String path) {
        return "http://127.0.0.1:" + port() + "/" + path;
    }

    /** The request paths (without the leading '/') seen so far, in order. */
    public List<String> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    public void clearRequests() {
        requests.clear();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = URLDecoder.decode(ex.getRequestURI().getRawPath(), StandardCharsets.UTF_8);
            path = path.startsWith("/") ? path.substring(1) : path;
            requests.add(path);
            boolean head = ex.getRequestMethod().equals("HEAD");
            if (!(head || ex.getRequestMethod().equals("GET"))) {
                ex.sendResponseHeaders(405, -1);
                return;
            }
            Optional<InputStream> in = PackageStore.isPublic(path) ? store.open(path) : Optional.empty();
            if (in.isEmpty()) {
                ex.sendResponseHeaders(404, -1);
                return;
            }
            try (InputStream body = in.get()) {
                long size = store.size(path);
                ex.getResponseHeaders().add("Content-Type", "application/octet-stream");
                if (head) {
                    ex.getResponseHeaders().add("Content-Length", Long.toString(size));
                    ex.sendResponseHeaders(200, -1);
                    return;
                }
                ex.sendResponseHeaders(200, size == 0 ? -1 : size);
                try (OutputStream out = ex.getResponseBody()) {
                    body.transferTo(out);
                }
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
