package io.packyard.repository;

import com.sun.net.httpserver.HttpServer;
import io.packyard.python.index.Hashes;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A minimal PEP 691 upstream on 127.0.0.1 for mirror tests: JSON project pages with an ETag
 * (304 on If-None-Match), files and {@code .metadata} files; records every request.
 */
final class FakeUpstream implements AutoCloseable {

    record File(String filename, byte[] content, byte[] metadata, String advertisedSha256) {}

    private final HttpServer server;
    private final Map<String, List<File>> projects = new ConcurrentHashMap<>();
    final List<String> requests = Collections.synchronizedList(new ArrayList<>());

    FakeUpstream() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            String path = ex.getRequestURI().getPath();
            String inm = ex.getRequestHeaders().getFirst("If-None-Match");
            requests.add(ex.getRequestMethod() + " " + path + (inm != null ? " If-None-Match" : ""));
            byte[] body = null;
            String type = "application/octet-stream";
            String etag = null;
            if (path.startsWith("/simple/") && path.endsWith("/")) {
                String project = path.substring("/simple/".length(), path.length() - 1);
                List<File> files = projects.get(project);
                if (files != null) {
                    body = page(project, files).getBytes(StandardCharsets.UTF_8);
                    type = "application/vnd.pypi.simple.v1+json";
                    etag = "\"" + Hashes.sha256(body).substring(0, 16) + "\"";
                    if (etag.equals(inm)) {
                        ex.getResponseHeaders().set("ETag", etag);
                        ex.sendResponseHeaders(304, -1);
                        ex.close();
                        return;
                    }
                }
            } else if (path.startsWith("/files/")) {
                String name = path.substring("/files/".length());
                for (List<File> fs : projects.values()) {
                    for (File f : fs) {
                        if (f.filename.equals(name)) {
                            body = f.content;
                        } else if ((f.filename + ".metadata").equals(name) && f.metadata != null) {
                            body = f.metadata;
                        }
                    }
                }
            }
            if (body == null) {
                ex.sendResponseHeaders(404, -1);
                ex.close();
                return;
            }
            ex.getResponseHeaders().set("Content-Type", type);
            if (etag != null) {
                ex.getResponseHeaders().set("ETag", etag);
            }
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    URI simpleUrl() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/simple/");
    }

    void add(String project, String filename, byte[] content, byte[] metadata) {
        projects.computeIfAbsent(project, p -> Collections.synchronizedList(new ArrayList<>()))
                .add(new File(filename, content, metadata, Hashes.sha256(content)));
    }

    void addWithWrongHash(String project, String filename, byte[] content) {
        projects.computeIfAbsent(project, p -> Collections.synchronizedList(new ArrayList<>()))
                .add(new File(filename, content, null, "0".repeat(64)));
    }

    long count(String prefix) {
        synchronized (requests) {
            return requests.stream().filter(r -> r.startsWith(prefix)).count();
        }
    }

    private static String page(String project, List<File> files) {
        StringBuilder b = new StringBuilder("{\"meta\":{\"api-version\":\"1.1\"},\"name\":\"" + project + "\",\"files\":[");
        boolean first = true;
        synchronized (files) {
            for (File f : files) {
                if (!first) {
                    b.append(',');
                }
                first = false;
                Map<String, Object> m = new LinkedHashMap<>();
                b.append("{\"filename\":\"").append(f.filename).append("\",\"url\":\"../../files/").append(f.filename)
                        .append("\",\"hashes\":{\"sha256\":\"").append(f.advertisedSha256).append("\"}");
                if (f.metadata != null) {
                    b.append(",\"core-metadata\":{\"sha256\":\"").append(Hashes.sha256(f.metadata)).append("\"}");
                }
                b.append(",\"size\":").append(f.content.length).append('}');
                m.clear();
            }
        }
        return b.append("]}").toString();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
