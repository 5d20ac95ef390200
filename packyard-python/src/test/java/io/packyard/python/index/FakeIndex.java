package io.packyard.python.index;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A PEP 503/691/658 index on 127.0.0.1 for tests. {@code /simple/} negotiates (JSON for clients
 * that ask for it, as PyPI does); {@code /legacy/simple/} serves HTML only, like a static index.
 * Pages carry ETags and answer 304 to a matching If-None-Match. Every request is logged.
 */
public final class FakeIndex implements AutoCloseable {

    /** One logged request. */
    public record Request(String path, String accept, String ifNoneMatch, String authorization, int status) {}

    /** A file the index lists. */
    public static final class Entry {
        final String project;
        final String filename;
        final byte[] bytes;
        String metadata;
        String yanked;
        String requiresPython;
        byte[] served;
        String metadataServed;

        Entry(String project, String filename, byte[] bytes) {
            this.project = project;
            this.filename = filename;
            this.bytes = bytes;
        }
    }

    private final HttpServer server;
    private final Map<String, List<Entry>> projects = new ConcurrentHashMap<>();
    private final List<Request> log = new CopyOnWriteArrayList<>();

    private FakeIndex() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    public static FakeIndex start() {
        try {
            return new FakeIndex();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public URI base() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    /** The negotiating index URL (our client gets JSON). */
    public URI jsonUrl() {
        return base().resolve("simple/");
    }

    /** The HTML-only index URL. */
    public URI htmlUrl() {
        return base().resolve("legacy/simple/");
    }

    /** Adds a wheel, with PEP 658 metadata served. */
    public Entry add(WheelFixtures w) {
        Entry e = addWithoutMetadata(w);
        e.metadata = w.metadata();
        return e;
    }

    /** Adds a wheel without PEP 658 metadata. */
    public Entry addWithoutMetadata(WheelFixtures w) {
        String project = normalize(w.escapedName());
        Entry e = new Entry(project, w.filename(), w.bytes());
        projects.computeIfAbsent(project, k -> new CopyOnWriteArrayList<>()).add(e);
        return e;
    }

    /** Adds a non-wheel file (an sdist). */
    public Entry addFile(String project, String filename, byte[] bytes) {
        Entry e = new Entry(normalize(project), filename, bytes);
        projects.computeIfAbsent(normalize(project), k -> new CopyOnWriteArrayList<>()).add(e);
        return e;
    }

    public Entry entry(String filename) {
        for (List<Entry> l : projects.values()) {
            for (Entry e : l) {
                if (e.filename.equals(filename)) {
                    return e;
                }
            }
        }
        throw new IllegalArgumentException(filename);
    }

    public FakeIndex yank(String filename, String reason) {
        entry(filename).yanked = reason;
        return this;
    }

    public FakeIndex requiresPython(String filename, String spec) {
        entry(filename).requiresPython = spec;
        return this;
    }

    /** Serves other bytes than the advertised hash describes. */
    public FakeIndex tamper(String filename) {
        Entry e = entry(filename);
        e.served = (new String(e.bytes, StandardCharsets.ISO_8859_1) + "tampered").getBytes(StandardCharsets.ISO_8859_1);
        return this;
    }

    /** Serves other metadata than the advertised hash describes. */
    public FakeIndex tamperMetadata(String filename) {
        Entry e = entry(filename);
        e.metadataServed = e.metadata + "Summary: evil\n";
        return this;
    }

    public List<Request> log() {
        return List.copyOf(log);
    }

    public List<String> paths() {
        return log.stream().map(Request::path).toList();
    }

    public void clearLog() {
        log.clear();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    static String normalize(String n) {
        return n.replaceAll("[-_.]+", "-").toLowerCase(java.util.Locale.ROOT);
    }

    // ------------------------------------------------------------------ HTTP

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        try {
            route(ex, path);
        } catch (RuntimeException e) {
            send(ex, 500, "text/plain", e.toString().getBytes(StandardCharsets.UTF_8), null);
        }
        ex.close();
    }

    /**
     * Records the request just before its response goes out: a client that has its response
     * must find its request in the log (recording after sending raced with fast clients).
     */
    private void record(HttpExchange ex, int status) {
        log.add(new Request(ex.getRequestURI().getPath(), ex.getRequestHeaders().getFirst("Accept"),
                ex.getRequestHeaders().getFirst("If-None-Match"), ex.getRequestHeaders().getFirst("Authorization"),
                status));
    }

    private int route(HttpExchange ex, String path) throws IOException {
        if (path.startsWith("/files/")) {
            String name = path.substring("/files/".length());
            boolean meta = name.endsWith(".metadata");
            String filename = meta ? name.substring(0, name.length() - ".metadata".length()) : name;
            Entry e;
            try {
                e = entry(filename);
            } catch (IllegalArgumentException notFound) {
                return send(ex, 404, "text/plain", new byte[0], null);
            }
            if (meta) {
                if (e.metadata == null) {
                    return send(ex, 404, "text/plain", new byte[0], null);
                }
                String m = e.metadataServed != null ? e.metadataServed : e.metadata;
                return send(ex, 200, "application/octet-stream", m.getBytes(StandardCharsets.UTF_8), null);
            }
            return send(ex, 200, "application/octet-stream", e.served != null ? e.served : e.bytes, null);
        }
        boolean legacy = path.startsWith("/legacy/simple/");
        String prefix = legacy ? "/legacy/simple/" : "/simple/";
        if (!path.startsWith(prefix) || !path.endsWith("/")) {
            return send(ex, 404, "text/plain", new byte[0], null);
        }
        String project = path.substring(prefix.length(), path.length() - 1);
        List<Entry> files = projects.get(project);
        if (files == null) {
            return send(ex, 404, "text/plain", "not found".getBytes(StandardCharsets.UTF_8), null);
        }
        String accept = ex.getRequestHeaders().getFirst("Accept");
        boolean json = !legacy && accept != null && accept.contains("application/vnd.pypi.simple.v1+json");
        String body = json ? json(project, files) : html(project, files, legacy);
        String etag = "\"" + Hashes.sha256(body.getBytes(StandardCharsets.UTF_8)).substring(0, 16) + "\"";
        ex.getResponseHeaders().add("Vary", "Accept");
        String inm = ex.getRequestHeaders().getFirst("If-None-Match");
        if (etag.equals(inm)) {
            ex.getResponseHeaders().add("ETag", etag);
            record(ex, 304);
            ex.sendResponseHeaders(304, -1);
            return 304;
        }
        return send(ex, 200, json ? "application/vnd.pypi.simple.v1+json"
                : legacy ? "text/html; charset=utf-8" : "application/vnd.pypi.simple.v1+html", body.getBytes(StandardCharsets.UTF_8), etag);
    }

    private int send(HttpExchange ex, int status, String type, byte[] body, String etag) throws IOException {
        ex.getResponseHeaders().add("Content-Type", type);
        if (etag != null) {
            ex.getResponseHeaders().add("ETag", etag);
        }
        record(ex, status);
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
        return status;
    }

    private static String json(String project, List<Entry> files) {
        StringBuilder b = new StringBuilder("{\"meta\": {\"api-version\": \"1.1\"}, \"name\": \"").append(project)
                .append("\", \"files\": [");
        List<String> items = new ArrayList<>();
        for (Entry e : files) {
            StringBuilder f = new StringBuilder("{\"filename\": \"").append(e.filename).append("\", ")
                    .append("\"url\": \"../../files/").append(e.filename).append("\", ")
                    .append("\"hashes\": {\"sha256\": \"").append(Hashes.sha256(e.bytes)).append("\"}, ")
                    .append("\"size\": ").append(e.bytes.length);
            if (e.requiresPython != null) {
                f.append(", \"requires-python\": \"").append(e.requiresPython.replace("\"", "\\\"")).append('"');
            }
            if (e.yanked != null) {
                f.append(", \"yanked\": ").append(e.yanked.isEmpty() ? "true" : "\"" + e.yanked + "\"");
            }
            if (e.metadata != null) {
                f.append(", \"core-metadata\": {\"sha256\": \"")
                        .append(Hashes.sha256(e.metadata.getBytes(StandardCharsets.UTF_8))).append("\"}");
            }
            f.append('}');
            items.add(f.toString());
        }
        return b.append(String.join(", ", items)).append("]}").toString();
    }

    private static String html(String project, List<Entry> files, boolean legacy) {
        StringBuilder b = new StringBuilder("<!DOCTYPE html>\n<html><head>")
                .append("<meta name=\"pypi:repository-version\" content=\"1.1\">")
                .append("<title>Links for ").append(project).append("</title></head><body>\n")
                .append("<h1>Links for ").append(project).append("</h1>\n");
        for (Entry e : files) {
            b.append("<a href=\"").append(legacy ? "/files/" : "../../files/").append(e.filename)
                    .append("#sha256=").append(Hashes.sha256(e.bytes)).append('"');
            if (e.requiresPython != null) {
                b.append(" data-requires-python=\"").append(e.requiresPython.replace("&", "&amp;")
                        .replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;")).append('"');
            }
            if (e.yanked != null) {
                b.append(e.yanked.isEmpty() ? " data-yanked" : " data-yanked=\"" + e.yanked + "\"");
            }
            if (e.metadata != null) {
                b.append(" data-core-metadata=\"sha256=")
                        .append(Hashes.sha256(e.metadata.getBytes(StandardCharsets.UTF_8))).append('"')
                        .append(" data-dist-info-metadata=\"sha256=")
                        .append(Hashes.sha256(e.metadata.getBytes(StandardCharsets.UTF_8))).append('"');
            }
            b.append('>').append(e.filename).append("</a><br/>\n");
        }
        return b.append("</body></html>\n").toString();
    }
}
