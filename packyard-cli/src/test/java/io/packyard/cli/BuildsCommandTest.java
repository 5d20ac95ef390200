package io.packyard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.packyard.python.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code packyard builds}, {@code packyard worker} and the build options of {@code packyard serve}
 * through the real CLI ({@link Main#run}) against a com.sun.net.httpserver fake of the build
 * REST API on 127.0.0.1 that records each request and answers as each test scripts.
 */
class BuildsCommandTest {

    @TempDir
    Path tmp;

    HttpServer server;
    final List<Req> requests = Collections.synchronizedList(new ArrayList<>());
    /** Answers by "METHOD path" (path without the query); unknown routes get 404. */
    final Map<String, Function<Req, Answer>> routes = Collections.synchronizedMap(new HashMap<>());
    final Map<String, String> env = new HashMap<>();

    record Req(String method, String path, String query, String auth, String contentType, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    record Answer(int status, String contentType, byte[] body) {
        static Answer json(int status, String json) {
            return new Answer(status, "application/json", json.getBytes(StandardCharsets.UTF_8));
        }
    }

    @BeforeEach
    void start() throws IOException {
        BuildsClient.getenv = env::get;
        BuildsCommand.Logs.pollMillis = 50;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            try (ex) {
                byte[] body;
                try (InputStream in = ex.getRequestBody()) {
                    body = in.readAllBytes();
                }
                Req r = new Req(ex.getRequestMethod(), ex.getRequestURI().getRawPath(), ex.getRequestURI().getRawQuery(),
                        ex.getRequestHeaders().getFirst("Authorization"), ex.getRequestHeaders().getFirst("Content-Type"), body);
                requests.add(r);
                Function<Req, Answer> f = routes.get(r.method() + " " + r.path());
                send(ex, f == null ? Answer.json(404, "{\"error\":\"no such route " + r.path() + "\"}") : f.apply(r));
            }
        });
        server.start();
    }

    static void send(HttpExchange ex, Answer a) throws IOException {
        ex.getResponseHeaders().set("Content-Type", a.contentType());
        ex.sendResponseHeaders(a.status(), a.body().length == 0 ? -1 : a.body().length);
        if (a.body().length > 0) {
            try (OutputStream o = ex.getResponseBody()) {
                o.write(a.body());
            }
        }
    }

    @AfterEach
    void stop() {
        server.stop(0);
        BuildsClient.getenv = System::getenv;
        BuildsCommand.Logs.pollMillis = 500;
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
    }

    record Run(int exit, String out, String err) {}

    Run cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(exit, out.toString(), err.toString());
    }

    static String basic(String token) {
        return "Basic " + Base64.getEncoder().encodeToString(("__token__:" + token).getBytes(StandardCharsets.UTF_8));
    }

    static String build(long id, String state) {
        return "{\"id\":" + id + ",\"project\":\"notes\",\"state\":\"" + state + "\",\"trigger\":\"api\","
                + "\"git_url\":\"https://git.example.org/notes.git\",\"git_ref\":\"main\",\"git_commit\":\"abc123\","
                + "\"source_name\":null,\"priority\":0,\"error\":null,\"rerun_of\":null,"
                + "\"created_at\":\"2026-11-21T10:00:00Z\",\"started_at\":\"2026-11-21T10:00:05Z\","
                + "\"finished_at\":null,\"duration_seconds\":125,\"url\":\"/api/builds/" + id + "\",\"ui\":\"/ui/builds/" + id + "\"}";
    }

    // ------------------------------------------------------------------ help and usage

    @Test
    void helpShowsExamples() {
        Run w = cli("worker", "--help");
        assertThat(w.exit()).isZero();
        assertThat(w.out()).contains("Examples:").contains("packyard worker --server").contains("--queues")
                .contains("--sandbox").contains("--token-file");
        Run b = cli("builds", "--help");
        assertThat(b.exit()).isZero();
        assertThat(b.out()).contains("Examples:").contains("packyard builds logs 42 -f").contains("start")
                .contains("artifacts").contains("project");
        Run s = cli("serve", "--help");
        assertThat(s.out()).contains("--build-queues").contains("--build-concurrency").contains("--no-build-workers");
        Run ps = cli("builds", "project", "set", "--help");
        assertThat(ps.out()).contains("--webhook-secret-file").contains("Examples:");
        Run top = cli("--help");
        assertThat(top.out()).contains("worker").contains("builds");
    }

    @Test
    void missingTokenIsAOneLineUsageError() {
        Run r = cli("builds", "start", "notes", "--server", url());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().lines().toList()).hasSize(1);
        assertThat(r.err()).startsWith("packyard: error: builds start: an API token is needed");
        assertThat(requests).isEmpty();

        Run w = cli("worker", "--server", url(), "--queues", "linux-x86_64");
        assertThat(w.exit()).isEqualTo(2);
        assertThat(w.err().lines().toList()).hasSize(1);
        assertThat(w.err()).contains("packyard worker: an API token is needed");
    }

    @Test
    void workerRejectsBadOptionsBeforeContactingTheServer() {
        env.put("PACKYARD_TOKEN", "t");
        assertThat(cli("worker", "--server", url(), "--queues", "server").err()).contains("--queues: 'server'");
        Run r = cli("worker", "--server", url(), "--queues", "linux-x86_64", "--sandbox", "docker");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("packyard: error: --sandbox: expected auto, bubblewrap or none, got 'docker'");
        assertThat(cli("worker", "--server", "ftp://x/", "--queues", "linux-x86_64").exit()).isEqualTo(2);
        assertThat(requests).isEmpty();
    }

    @Test
    void workerStopsWithExit2WhenTheTokenIsRefused() throws IOException {
        routes.put("POST /api/worker/claim", r -> Answer.json(401, "{\"error\":\"invalid token\"}"));
        Path tokenFile = tmp.resolve("token");
        Files.writeString(tokenFile, "pyd_bad\n");
        Run r = cli("worker", "--server", url(), "--token-file", tokenFile.toString(), "--queues", "linux-x86_64",
                "--work-dir", tmp.resolve("w").toString(), "--name", "w1", "--sandbox", "none");
        assertThat(r.exit()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains("packyard: error: ").contains("HTTP 401").contains("invalid token");
        assertThat(r.err()).matches("(?s).*\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d worker w1 takes queues linux-x86_64.*");
        assertThat(requests.get(0).auth()).isEqualTo(basic("pyd_bad"));
        Map<String, Object> claim = Json.parseObject(requests.get(0).text(), "claim");
        assertThat(claim).containsEntry("worker", "w1");
    }

    // ------------------------------------------------------------------ builds

    @Test
    void startSendsTheRequestWithTheToken() {
        env.put("PACKYARD_TOKEN", "pyd_env");
        routes.put("POST /api/builds", r -> Answer.json(201, build(42, "queued")));
        Run r = cli("builds", "start", "notes", "--server", url(), "--ref", "v1.2", "--priority", "5",
                "--at", "2026-11-22T04:00:00+01:00", "--git-url", "https://git.example.org/fork.git");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out().strip()).isEqualTo("build 42 queued for notes: " + url() + "ui/builds/42");
        Req q = requests.get(0);
        assertThat(q.auth()).isEqualTo(basic("pyd_env"));
        Map<String, Object> body = Json.parseObject(q.text(), "start");
        assertThat(body).containsEntry("project", "notes").containsEntry("ref", "v1.2")
                .containsEntry("git_url", "https://git.example.org/fork.git").containsEntry("not_before", "2026-11-22T03:00:00Z");
        assertThat(body.get("priority").toString()).isEqualTo("5");
    }

    @Test
    void badTimeAndServerErrors() {
        env.put("PACKYARD_TOKEN", "t");
        Run r = cli("builds", "start", "notes", "--server", url(), "--at", "tomorrow");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--at 'tomorrow'");
        routes.put("POST /api/builds", q -> Answer.json(404, "{\"error\":\"no build project 'nope'\"}"));
        r = cli("builds", "start", "nope", "--server", url());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().lines().toList()).containsExactly(
                "packyard: error: no build project 'nope' (HTTP 404 from " + url() + "api/builds)");
        routes.put("POST /api/builds", q -> Answer.json(500, "{\"error\":\"database down\"}"));
        r = cli("builds", "start", "notes", "--server", url());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("database down");
        routes.put("POST /api/builds", q -> Answer.json(403, "{\"error\":\"token limited to project other\"}"));
        r = cli("builds", "start", "notes", "--server", url());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("token limited to project other").contains("check the token");
    }

    @Test
    void unreachableServerIsAOneLineError() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Run r = cli("builds", "list", "--server", "http://127.0.0.1:" + port + "/");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err().lines().toList()).hasSize(1);
        assertThat(r.err()).startsWith("packyard: error: cannot reach http://127.0.0.1:" + port + "/");
    }

    @Test
    void listPrintsATableAndJson() {
        routes.put("GET /api/builds", r -> Answer.json(200, "[" + build(43, "running") + ","
                + build(42, "succeeded").replace("\"duration_seconds\":125", "\"duration_seconds\":3725") + "]"));
        env.put("PACKYARD_SERVER", url());
        Run r = cli("builds", "list", "--project", "notes app", "--limit", "5");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out().lines().toList()).containsExactly(
                "ID  PROJECT  STATE      TRIGGER  DURATION  CREATED",
                "43  notes    running    api      2m05s     2026-11-21 10:00",
                "42  notes    succeeded  api      1h02m     2026-11-21 10:00");
        assertThat(requests.get(0).query()).isEqualTo("limit=5&project=notes%20app");
        assertThat(requests.get(0).auth()).isNull();

        Run j = cli("builds", "list", "--json");
        Object parsed = Json.parse(j.out());
        assertThat(parsed).isInstanceOf(List.class);
        assertThat((List<?>) parsed).hasSize(2);
    }

    @Test
    void showPrintsJobsAndArtifacts() {
        routes.put("GET /api/builds/42", r -> Answer.json(200, build(42, "failed").replace("\"error\":null",
                "\"error\":\"verify linux-x86_64 failed\"").replace("}", ",\"jobs\":[{\"id\":7,\"step\":\"build\","
                + "\"target\":\"linux-x86_64\",\"queue\":\"linux-x86_64\",\"state\":\"succeeded\",\"attempt\":1,"
                + "\"max_attempts\":3,\"worker\":\"w1\",\"error\":null}],\"artifacts\":[{\"filename\":\"notes_1.0_amd64.deb\","
                + "\"target\":\"linux-x86_64\",\"sha256\":\"ab12\",\"size\":2048,\"url\":\"/api/builds/42/artifacts/x\"}]}")));
        Run r = cli("builds", "show", "42", "--server", url());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("build 42  notes  failed").contains("error:    verify linux-x86_64 failed")
                .contains("https://git.example.org/notes.git main @ abc123")
                .contains("7    build  linux-x86_64  succeeded  1/3      w1")
                .contains("notes_1.0_amd64.deb  linux-x86_64  2.0 KiB  ab12");
        assertThat(cli("builds", "show", "x", "--server", url()).exit()).isEqualTo(2);
    }

    @Test
    void logsFollowAGrowingLogAndExit1OnAFailedBuild() {
        AtomicInteger polls = new AtomicInteger();
        routes.put("GET /api/builds/42/log", r -> {
            int n = polls.incrementAndGet();
            String after = r.query().replace("after=", "");
            return switch (n) {
                case 1 -> {
                    assertThat(after).isEqualTo("0");
                    yield Answer.json(200, "{\"chunks\":[{\"id\":1,\"at\":\"2026-11-21T10:00:01Z\",\"text\":\"cloning\\n\"}],"
                            + "\"next\":1,\"finished\":false}");
                }
                case 2 -> Answer.json(200, "{\"chunks\":[],\"next\":" + after + ",\"finished\":false}");
                case 3 -> {
                    assertThat(after).isEqualTo("1");
                    yield Answer.json(200, "{\"chunks\":[{\"id\":2,\"at\":\"x\",\"text\":\"building\\n\"},"
                            + "{\"id\":3,\"at\":\"x\",\"text\":\"error: boom\\n\"}],\"next\":3,\"finished\":false}");
                }
                case 4 -> Answer.json(200, "{\"chunks\":[],\"next\":3,\"finished\":false}");
                default -> {
                    assertThat(after).isEqualTo("3");
                    yield Answer.json(200, "{\"chunks\":[{\"id\":4,\"at\":\"x\",\"text\":\"build failed\\n\"}],"
                            + "\"next\":4,\"finished\":true}");
                }
            };
        });
        routes.put("GET /api/builds/42", r -> Answer.json(200, build(42, "failed")));
        Run r = cli("builds", "logs", "42", "-f", "--server", url());
        assertThat(r.out()).isEqualTo("cloning\nbuilding\nerror: boom\nbuild failed\n");
        assertThat(r.exit()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).contains("build 42 failed");
        assertThat(polls.get()).isEqualTo(5);
    }

    @Test
    void logsFollowExit0OnSuccessAndWithoutFollowPrintsWhatIsThere() {
        routes.put("GET /api/builds/9/log", r -> r.query().equals("after=0")
                ? Answer.json(200, "{\"chunks\":[{\"id\":5,\"at\":\"x\",\"text\":\"ok\\n\"}],\"next\":5,\"finished\":false,\"state\":\"running\"}")
                : Answer.json(200, "{\"chunks\":[],\"next\":5,\"finished\":true,\"state\":\"succeeded\"}"));
        Run f = cli("builds", "logs", "9", "--follow", "--server", url());
        assertThat(f.exit()).as(f.err()).isZero();
        assertThat(f.out()).isEqualTo("ok\n");
        requests.clear();
        Run once = cli("builds", "logs", "9", "--server", url());
        assertThat(once.exit()).isZero();
        assertThat(once.out()).isEqualTo("ok\n");
    }

    @Test
    void cancelRerunAndAConflict() {
        env.put("PACKYARD_TOKEN", "t");
        routes.put("POST /api/builds/42/cancel", r -> Answer.json(200, build(42, "cancelled")));
        routes.put("POST /api/builds/42/rerun", r -> Answer.json(201, build(44, "queued")));
        Run c = cli("builds", "cancel", "42", "--server", url());
        assertThat(c.out().strip()).isEqualTo("build 42 cancelled");
        Run rr = cli("builds", "rerun", "42", "--server", url());
        assertThat(rr.out().strip()).isEqualTo("build 44 queued (rerun of 42): " + url() + "ui/builds/44");
        routes.put("POST /api/builds/42/cancel", r -> Answer.json(409, "{\"error\":\"build 42 is already finished\"}"));
        Run again = cli("builds", "cancel", "42", "--server", url());
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.err()).contains("build 42 is already finished");
    }

    @Test
    void uploadSendsAMultipartForm() throws IOException {
        env.put("PACKYARD_TOKEN", "t");
        Path archive = tmp.resolve("notes-src.tar.gz");
        byte[] data = new byte[200_000];
        new java.util.Random(3).nextBytes(data);
        Files.write(archive, data);
        routes.put("POST /api/builds/upload", r -> Answer.json(201, build(50, "queued")));
        Run r = cli("builds", "upload", "notes", archive.toString(), "--priority", "3", "--server", url());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("build 50 queued for notes from notes-src.tar.gz");
        Req q = requests.get(0);
        assertThat(q.contentType()).startsWith("multipart/form-data; boundary=");
        String boundary = q.contentType().substring(q.contentType().indexOf("boundary=") + 9);
        String text = new String(q.body(), StandardCharsets.ISO_8859_1);
        assertThat(text.indexOf("name=\"project\"\r\n\r\nnotes\r\n")).isPositive()
                .isLessThan(text.indexOf("name=\"source\"; filename=\"notes-src.tar.gz\""));
        assertThat(text).contains("name=\"priority\"\r\n\r\n3\r\n").endsWith("\r\n--" + boundary + "--\r\n");
        int start = text.indexOf("\r\n\r\n", text.indexOf("name=\"source\"")) + 4;
        byte[] sent = java.util.Arrays.copyOfRange(q.body(), start, start + data.length);
        assertThat(sent).isEqualTo(data);
        assertThat(cli("builds", "upload", "notes", tmp.resolve("missing.tar.gz").toString(), "--server", url()).exit())
                .isEqualTo(2);
    }

    @Test
    void artifactsDownloadChecksTheSha256() throws Exception {
        byte[] deb = "a debian package".getBytes(StandardCharsets.UTF_8);
        byte[] tgz = "a tarball".getBytes(StandardCharsets.UTF_8);
        String shaDeb = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(deb));
        String shaTgz = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(tgz));
        String list = "[{\"filename\":\"notes_1.0_amd64.deb\",\"target\":\"linux-x86_64\",\"sha256\":\"" + shaDeb
                + "\",\"size\":" + deb.length + ",\"url\":\"/api/builds/42/artifacts/notes_1.0_amd64.deb\"},"
                + "{\"filename\":\"notes-1.0.tar.gz\",\"target\":\"linux-x86_64\",\"sha256\":\"SHA\",\"size\":" + tgz.length
                + ",\"url\":\"/api/builds/42/artifacts/notes-1.0.tar.gz\"}]";
        routes.put("GET /api/builds/42/artifacts/notes_1.0_amd64.deb", r -> new Answer(200, "application/octet-stream", deb));
        routes.put("GET /api/builds/42/artifacts/notes-1.0.tar.gz", r -> new Answer(200, "application/octet-stream", tgz));

        routes.put("GET /api/builds/42/artifacts", r -> Answer.json(200, list.replace("SHA", shaTgz)));
        Run ls = cli("builds", "artifacts", "42", "--server", url());
        assertThat(ls.out()).contains("notes_1.0_amd64.deb  linux-x86_64  16 B  " + shaDeb);
        Path dir = tmp.resolve("dist");
        Run ok = cli("builds", "artifacts", "42", "--download", dir.toString(), "--server", url());
        assertThat(ok.exit()).as(ok.err()).isZero();
        assertThat(Files.readAllBytes(dir.resolve("notes_1.0_amd64.deb"))).isEqualTo(deb);
        assertThat(Files.readAllBytes(dir.resolve("notes-1.0.tar.gz"))).isEqualTo(tgz);

        Path dir2 = tmp.resolve("dist2");
        routes.put("GET /api/builds/42/artifacts", r -> Answer.json(200, list.replace("SHA", "0".repeat(64))));
        Run bad = cli("builds", "artifacts", "42", "--download", dir2.toString(), "--server", url());
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err()).contains("notes-1.0.tar.gz: SHA-256 mismatch");
        assertThat(dir2.resolve("notes-1.0.tar.gz")).doesNotExist();
        try (var s = Files.list(dir2)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("notes_1.0_amd64.deb");
        }
    }

    @Test
    void projectSetAndList() throws IOException {
        Path secret = tmp.resolve("hook");
        Files.writeString(secret, "s3cret\n");
        Path tokenFile = tmp.resolve("tok");
        Files.writeString(tokenFile, "pyd_file\n");
        env.put("PACKYARD_TOKEN", "pyd_env");
        routes.put("PUT /api/build-projects/notes", r -> Answer.json(200, "{\"name\":\"notes\",\"git_url\":\"https://git.example.org/notes.git\","
                + "\"git_ref\":\"dev\",\"targets\":[\"linux-x86_64\",\"linux-aarch64\"],\"formats\":[\"deb\",\"rpm\"],"
                + "\"publish_repo\":\"apps\",\"publish_channel\":\"stable\",\"has_webhook_secret\":true}"));
        Run r = cli("builds", "project", "set", "notes", "--server", url(), "--token-file", tokenFile.toString(),
                "--git", "https://git.example.org/notes.git", "--ref", "dev", "--follow", "main,refs/tags/v*",
                "--webhook-secret-file", secret.toString(), "--target", "linux-x86_64", "--target", "linux-aarch64",
                "--format", "deb,rpm", "--build-arg=--python", "--build-arg=3.12", "--smoke", "notes --version",
                "--publish", "apps:stable", "--schedule", "0 3 * * *", "--max-concurrent", "3", "--time-limit", "900",
                "--disk-limit", "2048");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out().strip()).isEqualTo("project notes: https://git.example.org/notes.git dev, targets linux-x86_64,linux-aarch64,"
                + " formats deb,rpm, publishes to apps:stable");
        Req q = requests.get(0);
        assertThat(q.auth()).isEqualTo(basic("pyd_file"));
        Map<String, Object> b = Json.parseObject(q.text(), "project");
        assertThat(b).containsEntry("git_url", "https://git.example.org/notes.git").containsEntry("git_ref", "dev")
                .containsEntry("follow_refs", "main,refs/tags/v*").containsEntry("webhook_secret", "s3cret")
                .containsEntry("targets", List.of("linux-x86_64", "linux-aarch64")).containsEntry("formats", List.of("deb", "rpm"))
                .containsEntry("build_args", List.of("--python", "3.12")).containsEntry("smoke_command", "notes --version")
                .containsEntry("publish_repo", "apps").containsEntry("publish_channel", "stable")
                .containsEntry("schedule", "0 3 * * *");
        assertThat(b.get("max_concurrent").toString()).isEqualTo("3");
        assertThat(b.get("time_limit_seconds").toString()).isEqualTo("900");
        assertThat(b.get("disk_limit_mb").toString()).isEqualTo("2048");

        Run bad = cli("builds", "project", "set", "notes", "--server", url(), "--git", "x", "--publish", "apps");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("--publish 'apps': expected REPO:CHANNEL");

        routes.put("GET /api/build-projects", x -> Answer.json(200, "[{\"name\":\"notes\",\"git_url\":\"https://git.example.org/notes.git\","
                + "\"git_ref\":\"dev\",\"targets\":[\"linux-x86_64\"],\"formats\":[\"deb\"],\"publish_repo\":null,"
                + "\"schedule\":\"0 3 * * *\"}]"));
        Run l = cli("builds", "project", "list", "--server", url());
        assertThat(l.out().lines().toList()).containsExactly(
                "PROJECT  GIT                                REF  TARGETS       FORMATS  PUBLISH  SCHEDULE",
                "notes    https://git.example.org/notes.git  dev  linux-x86_64  deb      -        0 3 * * *");
    }

    // ------------------------------------------------------------------ serve options

    @Test
    void serveBuildQueueOptions() {
        ServeCommand s = new ServeCommand();
        assertThat(s.platformQueues()).isEqualTo(io.packyard.builds.BuildNode.hostQueues());
        s.buildQueues = List.of("none");
        assertThat(s.platformQueues()).isEmpty();
        s.buildQueues = List.of("linux-x86_64", "windows-x64");
        assertThat(s.platformQueues()).containsExactly("linux-x86_64", "windows-x64");
        s.buildQueues = List.of("linux-x86_64", "none");
        org.assertj.core.api.Assertions.assertThatThrownBy(s::platformQueues).hasMessageContaining("'none'");
        Run r = cli("serve", "--data", tmp.resolve("d").toString(), "--no-build-workers", "--build-queues", "linux-x86_64");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--no-build-workers: not with --build-queues");
        Run c = cli("serve", "--data", tmp.resolve("d").toString(), "--build-concurrency", "0");
        assertThat(c.exit()).isEqualTo(2);
        assertThat(c.err()).contains("--build-concurrency: expected 1 to 64");
    }
}
