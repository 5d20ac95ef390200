package io.packyard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.python.json.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code packyard serve} as a separate OS process with its own build workers, killed with
 * SIGKILL while builds are queued and running, then started again on the same data directory and
 * port: every build finishes exactly once, with one artifact set, jobs the kill interrupted come
 * back through their expired lease, and {@code packyard fsck} finds the store consistent.
 *
 * <p>The {@code packyard build} the server runs is a FIXTURE script (fixture-packyard.sh, written
 * below) that takes about 2 s and writes a portable archive of Packyard's shape
 * ({@code <name>-<version>-linux-x86_64.tar.gz} holding {@code <name>-<version>/...}); the real
 * command runs in BuildServiceSystemTest.
 */
@Tag("system")
class ServerRestartSystemTest {

    @TempDir
    Path dir;

    static final int BUILDS = 20;
    static final String TARGET = "linux-x86_64";
    static final String ARTIFACT = "restart-app-1.0-linux-x86_64.tar.gz";
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** The fixture: {@code build SRC --target T --format F --out OUT ...}, about 2 s. */
    static final String FIXTURE = """
            #!/bin/sh
            # FIXTURE standing in for `packyard build` (see ServerRestartSystemTest): about 2 s, then a
            # portable archive of Packyard's shape: <name>-<version>/ inside <name>-<version>-<target>.tar.gz
            set -eu
            [ "$1" = build ] || { echo "fixture: expected build, got $1" >&2; exit 2; }
            src=$2; shift 2
            out=; target=
            while [ $# -gt 0 ]; do
              case "$1" in --out) out=$2; shift 2;; --target) target=$2; shift 2;; *) shift;; esac
            done
            echo "fixture: building $(grep '^name' "$src/pyproject.toml") for $target"
            sleep 1
            echo "fixture: half way"
            sleep 1
            stage=$(mktemp -d)
            mkdir -p "$stage/restart-app-1.0/bin"
            printf '#!/bin/sh\\necho restart-app 1.0\\n' > "$stage/restart-app-1.0/bin/restart-app"
            chmod 755 "$stage/restart-app-1.0/bin/restart-app"
            tar -czf "$out/restart-app-1.0-$target.tar.gz" -C "$stage" restart-app-1.0
            rm -rf "$stage"
            echo "fixture: done"
            """;

    private final List<Process> processes = new ArrayList<>();
    private Path fixture;
    private int port;
    private String auth;

    @AfterEach
    void stop() {
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    @Test
    void buildsSurviveASigkilledServerAndFinishExactlyOnceAfterTheRestart() throws Exception {
        Sh.require("git", "tar");
        fixture = dir.resolve("fixture-packyard.sh");
        Files.writeString(fixture, FIXTURE);
        Files.setPosixFilePermissions(fixture, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path bare = bareRepository();
        String data = dir.resolve("data").toString();
        assertThat(cli("index", "create", "builds", "--data", data)).contains("created builds");
        String token = cli("token", "create", "--user", "ci", "--index", "builds", "--permission", "upload",
                "--data", data).strip();
        auth = "Basic " + Base64.getEncoder().encodeToString(("__token__:" + token).getBytes(StandardCharsets.UTF_8));
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }

        Path out1 = dir.resolve("serve-1.log");
        Process first = serve(out1);
        HttpResponse<String> project = send(request("api/build-projects/restart-app").header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(Json.write(Map.of("git_url", bare.toUri().toString(),
                        "git_ref", "main", "targets", List.of(TARGET), "formats", List.of("tar.gz"),
                        "max_concurrent", 2)))).build());
        assertThat(project.statusCode()).as(project.body()).isEqualTo(200);
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < BUILDS; i++) {
            HttpResponse<String> r = send(request("api/builds").header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"project\": \"restart-app\"}")).build());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
            ids.add(((Number) Json.parseObject(r.body(), "build").get("id")).longValue());
        }

        // let a few builds finish, then SIGKILL the server while a build step is running
        RemoteWorkerSystemTest.await(Duration.ofSeconds(90), () -> states(ids).values().stream()
                        .filter("succeeded"::equals).count() >= 3 && runningBuildJobs(ids) > 0,
                () -> "the builds did not start:\n" + states(ids) + "\n--- serve ---\n" + RemoteWorkerSystemTest.read(out1));
        Map<Long, String> before = states(ids);
        List<ProcessHandle> tree = first.descendants().toList();
        first.destroyForcibly();
        tree.forEach(ProcessHandle::destroyForcibly); // --sandbox none: the fixture is a plain child, kill it as well
        assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
        long unfinished = before.values().stream().filter(s -> s.equals("queued") || s.equals("running")).count();
        assertThat(unfinished).as("builds not finished when the server was killed: %s", before).isGreaterThanOrEqualTo(5);

        // the same data directory and port again
        Path out2 = dir.resolve("serve-2.log");
        Process second = serve(out2);
        RemoteWorkerSystemTest.await(Duration.ofSeconds(120), () -> states(ids).values().stream()
                        .allMatch(s -> s.matches("succeeded|failed|cancelled")),
                () -> "not every build finished after the restart:\n" + states(ids) + "\n--- serve ---\n"
                        + RemoteWorkerSystemTest.read(out2));

        int interrupted = 0;
        for (long id : ids) {
            Map<String, Object> b = getJson("api/builds/" + id);
            String log = log(id);
            assertThat(b.get("state")).as("build %d:\n%s", id, log).isEqualTo("succeeded");
            assertThat((List<?>) b.get("artifacts")).as("build %d's artifacts", id).hasSize(1)
                    .allSatisfy(a -> assertThat(((Map<?, ?>) a).get("filename")).isEqualTo(ARTIFACT));
            assertThat(RemoteWorkerSystemTest.occurrences(log, "build succeeded\n")).as(log).isEqualTo(1);
            assertThat(RemoteWorkerSystemTest.occurrences(log, "fixture: done")).as(log)
                    .isLessThanOrEqualTo(2).isGreaterThanOrEqualTo(1);
            for (Object o : (List<?>) b.get("jobs")) {
                Map<?, ?> job = (Map<?, ?>) o;
                String what = job.get("step") + (job.get("target") == null ? "" : " " + job.get("target"));
                assertThat(job.get("state")).isEqualTo("succeeded");
                assertThat(RemoteWorkerSystemTest.occurrences(log, "== " + what + ": succeeded\n"))
                        .as("build %d, %s:\n%s", id, what, log).isEqualTo(1);
                int attempt = ((Number) job.get("attempt")).intValue();
                boolean leaseExpired = Pattern.compile(Pattern.quote("== " + what + ": attempt 1 failed (worker server/")
                        + "\\w+ lost \\(no heartbeat; lease expired\\)\\); retrying in \\d+ s\n").matcher(log).find();
                if (leaseExpired) {
                    interrupted++;
                    assertThat(attempt).as("build %d, %s, interrupted by the kill:\n%s", id, what, log).isEqualTo(2);
                    assertThat(log.indexOf("== " + what + ": attempt 2 on server/"))
                            .isGreaterThan(log.indexOf("lost (no heartbeat; lease expired)"));
                } else {
                    assertThat(attempt).as("build %d, %s:\n%s", id, what, log).isEqualTo(1);
                    assertThat(log).doesNotContain("== " + what + ": attempt 2");
                }
            }
        }
        assertThat(interrupted).as("jobs the kill interrupted (a build step was running)").isGreaterThanOrEqualTo(1);
        System.out.println("ServerRestartSystemTest: states when killed " + before + "; " + interrupted
                + " job(s) retried after their lease expired");

        // the artifacts are what the fixture wrote
        Map<?, ?> art = (Map<?, ?>) ((List<?>) getJson("api/builds/" + ids.getLast())
                .get("artifacts")).getFirst();
        HttpResponse<byte[]> file = HTTP.send(request(((String) art.get("url")).substring(1)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(file.statusCode()).isEqualTo(200);
        Path tgz = dir.resolve(ARTIFACT);
        Files.write(tgz, file.body());
        assertThat(Sh.run("tar", "-tzf", tgz.toString()).ok().output().lines().toList())
                .allSatisfy(e -> assertThat(e).startsWith("restart-app-1.0/")).contains("restart-app-1.0/bin/restart-app");

        // stopped normally, the store is consistent
        second.destroy();
        assertThat(second.waitFor(60, TimeUnit.SECONDS)).as(RemoteWorkerSystemTest.read(out2)).isTrue();
        assertThat(RemoteWorkerSystemTest.read(out2)).contains("stopped");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new String[] {"fsck", "--data", data}, new PrintWriter(out, true), new PrintWriter(err, true));
        assertThat(code).as(out + "\n" + err).isZero();
        assertThat(out.toString()).contains("OK: store and database agree");
    }

    // ------------------------------------------------------------------ helpers

    private Path bareRepository() throws Exception {
        Path tree = dir.resolve("restart-app-work");
        Files.createDirectories(tree);
        Files.writeString(tree.resolve("pyproject.toml"), "[project]\nname = \"restart-app\"\nversion = \"1.0\"\n");
        BuildServiceSystemTest.git(tree, "init", "-q");
        BuildServiceSystemTest.git(tree, "add", ".");
        BuildServiceSystemTest.git(tree, "commit", "-q", "-m", "first");
        Path bare = dir.resolve("restart-app.git");
        BuildServiceSystemTest.git(dir, "clone", "-q", "--bare", tree.toString(), bare.toString());
        return bare;
    }

    private static String cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        assertThat(code).as(String.join(" ", args) + ":\n" + out + err).isZero();
        return out.toString();
    }

    /** Starts {@code packyard serve} (output to {@code log}) and waits until it listens. */
    private Process serve(Path log) throws Exception {
        Path tmp = dir.resolve("serve-tmp");
        Files.createDirectories(tmp);
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + tmp, "-cp", System.getProperty("java.class.path"), "io.packyard.cli.Main",
                "serve", "--data", dir.resolve("data").toString(), "--port", Integer.toString(port),
                "--build-queues", TARGET, "--build-concurrency", "2", "--build-command", fixture.toString(),
                "--sandbox", "none", "--build-lease", "10");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        p.getOutputStream().close();
        processes.add(p);
        Pattern listening = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)/");
        RemoteWorkerSystemTest.await(Duration.ofSeconds(60), () -> listening.matcher(RemoteWorkerSystemTest.read(log)).find()
                || !p.isAlive(), () -> "serve did not start:\n" + RemoteWorkerSystemTest.read(log));
        Matcher m = listening.matcher(RemoteWorkerSystemTest.read(log));
        assertThat(m.find()).as(RemoteWorkerSystemTest.read(log)).isTrue();
        assertThat(Integer.parseInt(m.group(1))).isEqualTo(port);
        return p;
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/").resolve(path))
                .header("Authorization", auth).timeout(Duration.ofSeconds(30));
    }

    private HttpResponse<String> send(HttpRequest req) throws Exception {
        return HTTP.send(req, HttpResponse.BodyHandlers.ofString());
    }

    private Map<String, Object> getJson(String path) throws Exception {
        HttpResponse<String> r = send(request(path).build());
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return Json.parseObject(r.body(), path);
    }

    /** Each build's state; {@code unreachable} while the server is down. */
    private Map<Long, String> states(List<Long> ids) {
        Map<Long, String> m = new LinkedHashMap<>();
        try {
            for (Object o : (List<?>) Json.parse(send(request("api/builds?project=restart-app&limit=100").build()).body())) {
                Map<?, ?> b = (Map<?, ?>) o;
                m.put(((Number) b.get("id")).longValue(), (String) b.get("state"));
            }
        } catch (Exception e) {
            ids.forEach(id -> m.put(id, "unreachable"));
        }
        return m;
    }

    /** How many of the builds' build steps are running now. */
    private long runningBuildJobs(List<Long> ids) {
        long n = 0;
        try {
            for (long id : ids) {
                for (Object o : (List<?>) getJson("api/builds/" + id).get("jobs")) {
                    Map<?, ?> j = (Map<?, ?>) o;
                    if ("build".equals(j.get("step")) && "running".equals(j.get("state"))) {
                        n++;
                    }
                }
            }
        } catch (Exception e) {
            return 0;
        }
        return n;
    }

    /** The whole build log, page by page. */
    private String log(long id) throws Exception {
        StringBuilder text = new StringBuilder();
        long after = 0;
        while (true) {
            Map<String, Object> page = getJson("api/builds/" + id + "/log?after=" + after);
            List<?> chunks = (List<?>) page.get("chunks");
            for (Object c : chunks) {
                text.append(((Map<?, ?>) c).get("text"));
            }
            long next = ((Number) page.get("next")).longValue();
            if (chunks.isEmpty() || next == after) {
                return text.toString();
            }
            after = next;
        }
    }
}
