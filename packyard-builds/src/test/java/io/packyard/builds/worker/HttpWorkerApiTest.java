package io.packyard.builds.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.packyard.builds.model.Artifact;
import io.packyard.builds.model.Step;
import io.packyard.builds.queue.ClaimedJob;
import io.packyard.builds.queue.Heartbeat;
import io.packyard.builds.queue.Outcome;
import io.packyard.python.PackyardException;
import io.packyard.python.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link HttpWorkerApi} against a small com.sun.net.httpserver fake of the worker routes on
 * 127.0.0.1: each test scripts the answer of the route it calls and checks the request the
 * client made (method, path, auth, lease header, body).
 */
class HttpWorkerApiTest {

    @TempDir
    Path tmp;

    HttpServer server;
    final List<Seen> seen = Collections.synchronizedList(new ArrayList<>());
    volatile Handler handler = (ex, body) -> respond(ex, 404, "{\"error\":\"no route\"}");

    record Seen(String method, String path, String auth, String lease, String contentType, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    interface Handler {
        void handle(HttpExchange ex, Seen req) throws IOException;
    }

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            try (ex) {
                byte[] body;
                try (InputStream in = ex.getRequestBody()) {
                    body = in.readAllBytes();
                }
                Seen s = new Seen(ex.getRequestMethod(), ex.getRequestURI().getRawPath(),
                        ex.getRequestHeaders().getFirst("Authorization"), ex.getRequestHeaders().getFirst("X-Packyard-Lease"),
                        ex.getRequestHeaders().getFirst("Content-Type"), body);
                seen.add(s);
                handler.handle(ex, s);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    HttpWorkerApi api() {
        return new HttpWorkerApi(URI.create("http://127.0.0.1:" + server.getAddress().getPort()), "pyd_secret");
    }

    static void respond(HttpExchange ex, int status, String json) throws IOException {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        if (status == 204) {
            ex.sendResponseHeaders(204, -1);
            return;
        }
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(b);
        }
    }

    static final String AUTH = "Basic " + Base64.getEncoder().encodeToString("__token__:pyd_secret".getBytes(StandardCharsets.UTF_8));

    @Test
    void claimWithNoJobIsEmpty() throws Exception {
        handler = (ex, r) -> respond(ex, 204, "");
        assertThat(api().claim(List.of("linux-x86_64", "windows-x64"), "w1", Duration.ofSeconds(90))).isEmpty();
        Seen r = seen.get(0);
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.path()).isEqualTo("/api/worker/claim");
        assertThat(r.auth()).isEqualTo(AUTH);
        assertThat(r.contentType()).startsWith("application/json");
        Map<String, Object> body = Json.parseObject(r.text(), "claim");
        assertThat(body.get("queues")).isEqualTo(List.of("linux-x86_64", "windows-x64"));
        assertThat(body.get("worker")).isEqualTo("w1");
        assertThat(body.get("lease_seconds").toString()).isEqualTo("90");
    }

    @Test
    void claimParsesTheJob() throws Exception {
        handler = (ex, r) -> respond(ex, 200, """
                {"job_id":42,"lease_id":"L-abc","lease_seconds":60,"attempt":2,"build_id":7,"project":"notes",
                 "step":"verify","target":"linux-x86_64","formats":["deb","tar.gz"],"build_args":["--python","3.12"],
                 "smoke_command":"notes --version","time_limit_seconds":900,"disk_limit_mb":2048}""");
        ClaimedJob j = api().claim(List.of("linux-x86_64"), "w1", Duration.ofSeconds(60)).orElseThrow();
        assertThat(j).isEqualTo(new ClaimedJob(42, "L-abc", Duration.ofSeconds(60), 2, 7, "notes", Step.VERIFY,
                Optional.of("linux-x86_64"), List.of("deb", "tar.gz"), List.of("--python", "3.12"),
                Optional.of("notes --version"), 900, 2048));
    }

    @Test
    void claimWithNullsGivesEmptyOptionals() throws Exception {
        handler = (ex, r) -> respond(ex, 200, """
                {"job_id":1,"lease_id":"L","lease_seconds":30,"attempt":1,"build_id":3,"project":"p",
                 "step":"build","target":null,"formats":["deb"],"build_args":[],"smoke_command":null,
                 "time_limit_seconds":60,"disk_limit_mb":100}""");
        ClaimedJob j = api().claim(List.of("q"), "w", Duration.ofSeconds(30)).orElseThrow();
        assertThat(j.step()).isEqualTo(Step.BUILD);
        assertThat(j.target()).isEmpty();
        assertThat(j.smokeCommand()).isEmpty();
    }

    @Test
    void malformedClaimAnswerIsAnIOException() {
        handler = (ex, r) -> respond(ex, 200, "{\"job_id\":\"x\"}");
        assertThatThrownBy(() -> api().claim(List.of("q"), "w", Duration.ofSeconds(30)))
                .isInstanceOf(IOException.class).hasMessageContaining("job_id");
    }

    @Test
    void heartbeatStates() throws Exception {
        for (String[] c : new String[][] {{"ok", "OK"}, {"cancelled", "CANCELLED"}, {"lost", "LOST"}}) {
            handler = (ex, r) -> respond(ex, 200, "{\"state\":\"" + c[0] + "\"}");
            assertThat(api().heartbeat(5, "L-5")).isEqualTo(Heartbeat.valueOf(c[1]));
        }
        Seen r = seen.get(0);
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.path()).isEqualTo("/api/worker/jobs/5/heartbeat");
        assertThat(r.lease()).isEqualTo("L-5");
        assertThat(r.auth()).isEqualTo(AUTH);
    }

    @Test
    void heartbeatOn409IsLost() throws Exception {
        handler = (ex, r) -> respond(ex, 409, "{\"error\":\"the lease is not yours\"}");
        assertThat(api().heartbeat(5, "L-old")).isEqualTo(Heartbeat.LOST);
    }

    @Test
    void serverErrorIsAnIOException() {
        handler = (ex, r) -> respond(ex, 503, "{\"error\":\"database unavailable\"}");
        assertThatThrownBy(() -> api().claim(List.of("q"), "w", Duration.ofSeconds(30)))
                .isInstanceOf(IOException.class).hasMessageContaining("HTTP 503").hasMessageContaining("database unavailable");
        assertThatThrownBy(() -> api().heartbeat(1, "L")).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> api().complete(1, "L", Outcome.SUCCEEDED, "")).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> api().downloadSource(1, "L", tmp.resolve("s.tar.gz"))).isInstanceOf(IOException.class);
        assertThat(tmp.resolve("s.tar.gz")).doesNotExist();
    }

    @Test
    void connectionRefusedIsAnIOException() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        HttpWorkerApi dead = new HttpWorkerApi(URI.create("http://127.0.0.1:" + port + "/"), "t");
        assertThatThrownBy(() -> dead.claim(List.of("q"), "w", Duration.ofSeconds(30)))
                .isInstanceOf(IOException.class).hasMessageContaining("cannot reach");
        assertThatThrownBy(() -> dead.downloadSource(1, "L", tmp.resolve("x"))).isInstanceOf(IOException.class);
    }

    @Test
    void unauthorizedIsAOneLineConfigError() {
        handler = (ex, r) -> respond(ex, 401, "{\"error\":\"invalid token\"}");
        assertThatThrownBy(() -> api().claim(List.of("q"), "w", Duration.ofSeconds(30)))
                .isInstanceOfSatisfying(PackyardException.class, e -> {
                    assertThat(e.kind()).isEqualTo(PackyardException.Kind.CONFIG);
                    assertThat(e.getMessage()).contains("HTTP 401").contains("invalid token").doesNotContain("\n");
                });
        handler = (ex, r) -> respond(ex, 403, "{\"error\":\"read-only token\"}");
        assertThatThrownBy(() -> api().heartbeat(1, "L"))
                .isInstanceOfSatisfying(PackyardException.class, e -> assertThat(e.kind()).isEqualTo(PackyardException.Kind.CONFIG));
        assertThatThrownBy(() -> api().downloadSource(1, "L", tmp.resolve("y")))
                .isInstanceOfSatisfying(PackyardException.class, e -> assertThat(e.getMessage()).contains("HTTP 403"));
    }

    @Test
    void completeSendsTheOutcomeAndReadsAccepted() throws Exception {
        handler = (ex, r) -> respond(ex, 200, "{\"accepted\":true}");
        assertThat(api().complete(9, "L-9", Outcome.INFRA_ERROR, "disk full")).isTrue();
        Seen r = seen.get(0);
        assertThat(r.path()).isEqualTo("/api/worker/jobs/9/complete");
        assertThat(r.lease()).isEqualTo("L-9");
        Map<String, Object> body = Json.parseObject(r.text(), "complete");
        assertThat(body).containsEntry("outcome", "infra_error").containsEntry("message", "disk full");

        handler = (ex, q) -> respond(ex, 200, "{\"accepted\":false}");
        assertThat(api().complete(9, "L-9", Outcome.SUCCEEDED, "")).isFalse();
        handler = (ex, q) -> respond(ex, 409, "{\"error\":\"lease expired\"}");
        assertThat(api().complete(9, "L-9", Outcome.SUCCEEDED, "")).isFalse();
    }

    @Test
    void logPostsUtf8Text() throws Exception {
        handler = (ex, r) -> respond(ex, 204, "");
        api().log(3, "L-3", "héllo ✓\nline 2\n");
        Seen r = seen.get(0);
        assertThat(r.path()).isEqualTo("/api/worker/jobs/3/log");
        assertThat(r.contentType()).startsWith("text/plain");
        assertThat(r.text()).isEqualTo("héllo ✓\nline 2\n");
        assertThat(r.lease()).isEqualTo("L-3");
    }

    @Test
    void downloadsTheSourceToAFile() throws Exception {
        byte[] data = new byte[3 << 20];
        new Random(1).nextBytes(data);
        handler = (ex, r) -> {
            ex.getResponseHeaders().set("Content-Type", "application/gzip");
            ex.sendResponseHeaders(200, 0); // chunked
            try (OutputStream o = ex.getResponseBody()) {
                for (int i = 0; i < data.length; i += 65536) {
                    o.write(data, i, Math.min(65536, data.length - i));
                }
            }
        };
        Path to = tmp.resolve("ws/source.tar.gz");
        Files.createDirectories(to.getParent());
        api().downloadSource(11, "L-11", to);
        assertThat(Files.readAllBytes(to)).isEqualTo(data);
        assertThat(seen.get(0).path()).isEqualTo("/api/worker/jobs/11/source");
        assertThat(seen.get(0).lease()).isEqualTo("L-11");
        try (var s = Files.list(to.getParent())) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("source.tar.gz");
        }
    }

    @Test
    void listsAndDownloadsArtifacts() throws Exception {
        handler = (ex, r) -> {
            if (r.path().endsWith("/artifacts")) {
                respond(ex, 200, """
                        [{"id":5,"build_id":7,"job_id":40,"filename":"notes 1.0_amd64.deb","target":"linux-x86_64",
                          "sha256":"ab","size":3,"url":"/api/builds/7/artifacts/x","created_at":"2026-01-02T03:04:05Z"},
                         {"id":6,"build_id":7,"job_id":40,"filename":"notes.tar.gz","target":null,
                          "sha256":"cd","size":4,"created_at":"2026-01-02T03:04:06Z"}]""");
            } else {
                ex.sendResponseHeaders(200, 3);
                try (OutputStream o = ex.getResponseBody()) {
                    o.write(new byte[] {1, 2, 3});
                }
            }
        };
        List<Artifact> as = api().artifacts(41, "L");
        assertThat(as).containsExactly(
                new Artifact(5, 7, 40, Optional.of("linux-x86_64"), "notes 1.0_amd64.deb", "ab", 3,
                        java.time.Instant.parse("2026-01-02T03:04:05Z")),
                new Artifact(6, 7, 40, Optional.empty(), "notes.tar.gz", "cd", 4,
                        java.time.Instant.parse("2026-01-02T03:04:06Z")));
        Path to = tmp.resolve("a.deb");
        api().downloadArtifact(41, "L", as.get(0), to);
        assertThat(Files.readAllBytes(to)).containsExactly(1, 2, 3);
        assertThat(seen.get(1).path()).isEqualTo("/api/worker/jobs/41/artifacts/notes%201.0_amd64.deb");
    }

    @Test
    void uploadStreamsTheFile() throws Exception {
        Path file = tmp.resolve("notes_1.0_amd64.deb");
        byte[] data = new byte[5 << 20];
        new Random(2).nextBytes(data);
        Files.write(file, data);
        handler = (ex, r) -> respond(ex, 201, "{\"filename\":\"notes_1.0_amd64.deb\"}");
        api().uploadArtifact(12, "L-12", file);
        Seen r = seen.get(0);
        assertThat(r.method()).isEqualTo("PUT");
        assertThat(r.path()).isEqualTo("/api/worker/jobs/12/artifacts/notes_1.0_amd64.deb");
        assertThat(r.lease()).isEqualTo("L-12");
        assertThat(r.contentType()).isEqualTo("application/octet-stream");
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        assertThat(HexFormat.of().formatHex(md.digest(r.body())))
                .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data)));

        handler = (ex, q) -> respond(ex, 409, "{\"error\":\"lease lost\"}");
        assertThatThrownBy(() -> api().uploadArtifact(12, "L-12", file)).isInstanceOf(IOException.class)
                .hasMessageContaining("lease lost");
    }

    @Test
    void rejectsANonHttpServerUrl() {
        assertThatThrownBy(() -> new HttpWorkerApi(URI.create("ftp://x/"), "t")).isInstanceOf(PackyardException.class);
    }

    @Test
    void keepsAPathPrefix() throws Exception {
        handler = (ex, r) -> respond(ex, 204, "");
        new HttpWorkerApi(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/packyard"), "t")
                .claim(List.of("q"), "w", Duration.ofSeconds(10));
        assertThat(seen.get(0).path()).isEqualTo("/packyard/api/worker/claim");
    }
}
