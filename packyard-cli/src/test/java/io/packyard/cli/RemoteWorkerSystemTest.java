package io.packyard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.builds.BuildRequest;
import io.packyard.builds.ProjectSpec;
import io.packyard.builds.queue.RetryPolicy;
import io.packyard.python.json.Json;
import io.packyard.repository.auth.Permission;
import io.packyard.repository.index.IndexSpec;
import io.packyard.server.PackyardServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
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
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Remote {@code packyard worker}s as separate OS processes against a {@link PackyardServer} that
 * builds nothing itself (only its source and publish steps run in process): a worker killed with
 * SIGKILL in the middle of a build loses its lease, the job goes back to the queue and another
 * worker builds and publishes it exactly once; a worker that cannot reach the server retries
 * with a doubling backoff and takes the build once the server is up.
 *
 * <p>The {@code packyard build} the workers run is a FIXTURE script (fixture-packyard.sh, written
 * below): it prints progress lines a second apart and then copies a real tiny .deb (made once with
 * {@code dpkg-deb --build}) into {@code --out}, so this class tests the worker protocol, leases
 * and retries quickly; BuildServiceSystemTest runs the real build command end to end.
 */
@Tag("system")
class RemoteWorkerSystemTest {

    @TempDir
    static Path shared;

    @TempDir
    Path dir;

    static Path fixture;
    static Path deb;
    static String debSha256;
    static Path bare;

    static final String PACKAGE = "packyard-remote-fixture";
    static final String TARGET = "linux-x86_64";
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /**
     * The fixture: {@code fixture-packyard.sh DEB STEPS build SRC --target T --format F --out OUT ...}
     * prints STEPS progress lines a second apart, then copies DEB into OUT.
     */
    static final String FIXTURE = """
            #!/bin/sh
            # FIXTURE standing in for `packyard build` (see RemoteWorkerSystemTest): progress lines a
            # second apart, then a real tiny .deb copied into --out.
            set -eu
            deb=$1; steps=$2; shift 2
            [ "$1" = build ] || { echo "fixture: expected build, got $1" >&2; exit 2; }
            src=$2; shift 2
            out=
            while [ $# -gt 0 ]; do
              case "$1" in --out) out=$2; shift 2;; *) shift;; esac
            done
            echo "fixture: building $(grep '^name' "$src/pyproject.toml")"
            i=1
            while [ "$i" -le "$steps" ]; do
              echo "fixture progress $i/$steps"
              sleep 1
              i=$((i+1))
            done
            cp "$deb" "$out/"
            echo "fixture: wrote $(basename "$deb")"
            """;

    private PackyardServer server;
    private final List<String> serverLog = new CopyOnWriteArrayList<>();
    private final List<Process> processes = new ArrayList<>();

    @BeforeAll
    static void fixtures() throws Exception {
        Sh.require("git", "dpkg-deb", "bwrap");
        fixture = shared.resolve("fixture-packyard.sh");
        Files.writeString(fixture, FIXTURE);
        Files.setPosixFilePermissions(fixture, PosixFilePermissions.fromString("rwxr-xr-x"));

        // a real, tiny .deb
        Path root = shared.resolve("debroot");
        Files.createDirectories(root.resolve("DEBIAN"));
        Files.writeString(root.resolve("DEBIAN/control"), """
                Package: %s
                Version: 1.0
                Architecture: amd64
                Maintainer: Packyard Tests <tests@example.org>
                Section: misc
                Priority: optional
                Description: fixture package of RemoteWorkerSystemTest
                """.formatted(PACKAGE));
        Path doc = root.resolve("usr/share/doc/" + PACKAGE);
        Files.createDirectories(doc);
        Files.writeString(doc.resolve("README"), "made by RemoteWorkerSystemTest\n");
        deb = shared.resolve(PACKAGE + "_1.0_amd64.deb");
        Sh.run("dpkg-deb", "--root-owner-group", "--build", root.toString(), deb.toString()).ok();
        assertThat(Sh.run("dpkg-deb", "--field", deb.toString(), "Package").ok().output().strip()).isEqualTo(PACKAGE);
        debSha256 = sha256(Files.readAllBytes(deb));

        // a tiny project in a bare git repository
        Path tree = shared.resolve("remote-app-work");
        Files.createDirectories(tree);
        Files.writeString(tree.resolve("pyproject.toml"), "[project]\nname = \"remote-app\"\nversion = \"1.0\"\n");
        git(tree, "init", "-q");
        git(tree, "add", ".");
        git(tree, "commit", "-q", "-m", "first");
        bare = shared.resolve("remote-app.git");
        git(shared, "clone", "-q", "--bare", tree.toString(), bare.toString());
    }

    @AfterEach
    void stop() {
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        if (server != null) {
            server.stop();
        }
    }

    // ------------------------------------------------------------------ tests

    @Test
    void aKilledWorkersJobIsReclaimedAfterItsLeaseAndBuiltAndPublishedOnce() throws Exception {
        server = server(0).start();
        Path tokenFile = token();
        String auth = "Basic " + Base64.getEncoder().encodeToString(("__token__:" + Files.readString(tokenFile).strip())
                .getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> project = send(HttpRequest.newBuilder(url("api/build-projects/remote-app"))
                .header("Authorization", auth).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(Json.write(Map.of("git_url", bare.toUri().toString(),
                        "git_ref", "main", "targets", List.of(TARGET), "formats", List.of("deb"),
                        "publish_repo", "apps", "publish_channel", "stable")))).build());
        assertThat(project.statusCode()).as(project.body()).isEqualTo(200);
        HttpResponse<String> created = send(HttpRequest.newBuilder(url("api/builds")).header("Authorization", auth)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"project\": \"remote-app\"}")).build());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        long id = ((Number) Json.parseObject(created.body(), "build").get("id")).longValue();

        // worker A takes the build and is killed (SIGKILL) while the fixture prints its progress
        Path logA = dir.resolve("worker-a.log");
        Process a = worker("worker-a", tokenFile, server.url(), 15, logA);
        await(Duration.ofSeconds(90), () -> buildJobOn(id, "worker-a") && logText(id).contains("fixture progress 2/15"),
                () -> "worker-a never ran the build:\n" + logText(id) + "\n--- worker-a ---\n" + read(logA));
        List<ProcessHandle> treeA = a.descendants().toList();
        assertThat(treeA).as("worker-a runs the fixture in its sandbox as child processes").isNotEmpty();
        a.destroyForcibly();
        assertThat(a.waitFor(30, TimeUnit.SECONDS)).isTrue();
        // bwrap --die-with-parent: the fixture and its sandbox die with the worker
        await(Duration.ofSeconds(10), () -> treeA.stream().noneMatch(ProcessHandle::isAlive),
                () -> "worker-a's build processes outlived it: " + treeA.stream().filter(ProcessHandle::isAlive)
                        .map(h -> h.pid() + " " + h.info().commandLine().orElse("?")).toList());
        String logWhenKilled = logText(id);
        assertThat(logWhenKilled).doesNotContain("fixture: wrote", "artifact " + PACKAGE);

        // worker B gets the job once worker-a's 10 s lease has expired
        Path logB = dir.resolve("worker-b.log");
        worker("worker-b", tokenFile, server.url(), 15, logB);
        await(Duration.ofSeconds(120), () -> buildState(id).matches("succeeded|failed|cancelled"),
                () -> "the build did not finish:\n" + logText(id) + "\n--- worker-b ---\n" + read(logB)
                        + "\n--- server ---\n" + String.join("\n", serverLog));

        Map<String, Object> detail = getJson("api/builds/" + id);
        String log = logText(id);
        assertThat(detail.get("state")).as(log + "\n--- worker-b ---\n" + read(logB)).isEqualTo("succeeded");
        Map<?, ?> buildJob = ((List<?>) detail.get("jobs")).stream().map(j -> (Map<?, ?>) j)
                .filter(j -> "build".equals(j.get("step"))).findFirst().orElseThrow();
        assertThat(((Number) buildJob.get("attempt")).intValue()).isEqualTo(2);
        // the server names a remote worker with its address: "worker-b (127.0.0.1)"
        assertThat(buildJob.get("worker")).isEqualTo("worker-b (127.0.0.1)");
        assertThat(buildJob.get("state")).isEqualTo("succeeded");
        assertThat(log).contains("== build " + TARGET + ": attempt 1 on worker-a",
                "== build " + TARGET + ": attempt 1 failed (worker worker-a (127.0.0.1) lost (no heartbeat; lease expired))",
                "== build " + TARGET + ": attempt 2 on worker-b");
        assertThat(log.indexOf("attempt 2 on worker-b")).isGreaterThan(log.indexOf("lost (no heartbeat; lease expired)"));
        assertThat(occurrences(log, "== build " + TARGET + ": succeeded")).as(log).isEqualTo(1);
        assertThat(occurrences(log, "fixture: wrote " + deb.getFileName())).as(log).isEqualTo(1);
        assertThat(occurrences(log, "build succeeded")).as(log).isEqualTo(1);
        assertThat(read(logB)).contains("running build " + TARGET + " of build " + id)
                .contains("attempt 2)").contains("finished build " + TARGET + " of build " + id);

        // exactly one artifact set: the one .deb, byte for byte the fixture's
        List<?> artifacts = (List<?>) detail.get("artifacts");
        assertThat(artifacts).hasSize(1);
        Map<?, ?> art = (Map<?, ?>) artifacts.getFirst();
        assertThat(art.get("filename")).isEqualTo(deb.getFileName().toString());
        assertThat(art.get("sha256")).isEqualTo(debSha256);
        HttpResponse<byte[]> file = HTTP.send(HttpRequest.newBuilder(url(((String) art.get("url")).substring(1))).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(sha256(file.body())).isEqualTo(debSha256);
        // worker A's attempt left nothing behind on the server: no artifact row (kept or pending) but this one
        long rows = server.builds().repository().database().jdbi().withHandle(h -> h.createQuery(
                "SELECT COUNT(*) FROM build_artifact WHERE build_id = :b").bind("b", id).mapTo(Long.class).one());
        assertThat(rows).isEqualTo(1);
        assertThat(server.builds().artifacts(id)).singleElement().satisfies(x ->
                assertThat(x.jobId()).isEqualTo(((Number) buildJob.get("id")).longValue()));

        // published once: the APT index lists the package exactly once
        HttpResponse<String> packages = send(HttpRequest.newBuilder(
                url("repos/apps/apt/dists/stable/main/binary-amd64/Packages")).build());
        assertThat(packages.statusCode()).isEqualTo(200);
        assertThat(occurrences(packages.body(), "Package: " + PACKAGE + "\n")).as(packages.body()).isEqualTo(1);
        assertThat(packages.body()).contains("Version: 1.0", "SHA256: " + debSha256);
        assertThat(occurrences(log, "published " + deb.getFileName())).as(log).isEqualTo(1);
    }

    @Test
    void aWorkerThatCannotReachTheServerRetriesWithBackoffAndBuildsOnceItIsUp() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        server = server(port); // the database is there, nothing listens yet
        Path tokenFile = token();
        server.builds().saveProject(ProjectSpec.builder("remote-app").git(bare.toUri().toString(), "main")
                .targets(TARGET).formats("deb").publishTo("apps", "stable").build());
        long id = server.builds().submit(BuildRequest.of("remote-app", BuildRequest.Git.projectDefault())).id();

        URI url = URI.create("http://127.0.0.1:" + port + "/");
        Process c = workerProcess("worker-c", tokenFile, url, 1);
        List<String> lines = new CopyOnWriteArrayList<>();
        List<Long> arrivals = new CopyOnWriteArrayList<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    arrivals.add(System.nanoTime());
                    lines.add(line);
                }
            } catch (IOException e) {
                // the process ended
            }
        });
        Pattern retry = Pattern.compile("cannot reach the server \\(.*\\); retrying in (\\d+) ms");
        await(Duration.ofSeconds(30), () -> lines.stream().anyMatch(l -> l.contains("retrying in 4000 ms")),
                () -> "worker-c did not back off 1 s, 2 s, 4 s:\n" + String.join("\n", lines));
        List<Long> waits = new ArrayList<>();
        List<Long> at = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = retry.matcher(lines.get(i));
            if (m.find()) {
                waits.add(Long.parseLong(m.group(1)));
                at.add(arrivals.get(i));
            }
        }
        assertThat(waits).as(String.join("\n", lines)).startsWith(1000L, 2000L, 4000L);
        // it really waits that long between tries
        for (int i = 0; i + 1 < at.size(); i++) {
            assertThat(TimeUnit.NANOSECONDS.toMillis(at.get(i + 1) - at.get(i))).as("wait after retry %d", i + 1)
                    .isGreaterThanOrEqualTo(waits.get(i) - 100);
        }
        assertThat(buildState(id)).isEqualTo("queued");
        System.out.println("RemoteWorkerSystemTest: worker-c waited " + waits + " ms before the server was up");

        server.start();
        assertThat(server.port()).isEqualTo(port);
        await(Duration.ofSeconds(60), () -> buildState(id).matches("succeeded|failed|cancelled"),
                () -> "the build did not finish:\n" + logText(id) + "\n--- worker-c ---\n" + String.join("\n", lines));
        String log = logText(id);
        assertThat(buildState(id)).as(log).isEqualTo("succeeded");
        assertThat(log).contains("== build " + TARGET + ": attempt 1 on worker-c (127.0.0.1)", "fixture progress 1/1",
                "fixture: wrote " + deb.getFileName());
        assertThat(occurrences(log, "== build " + TARGET + ": succeeded")).isEqualTo(1);
        assertThat(server.builds().artifacts(id)).extracting(x -> x.filename()).containsExactly(deb.getFileName().toString());
        String workerLog = String.join("\n", lines);
        assertThat(workerLog).contains("server reachable again", "finished build " + TARGET + " of build " + id);
        HttpResponse<String> packages = send(HttpRequest.newBuilder(
                url("repos/apps/apt/dists/stable/main/binary-amd64/Packages")).build());
        assertThat(occurrences(packages.body(), "Package: " + PACKAGE + "\n")).as(packages.body()).isEqualTo(1);
    }

    // ------------------------------------------------------------------ helpers

    private PackyardServer server(int port) {
        return PackyardServer.builder().dataDir(dir.resolve("data")).port(port)
                .log(BuildServiceSystemTest.collecting(serverLog))
                .buildNode(nb -> nb.platformQueues(List.of()).pollEvery(Duration.ofMillis(200))
                        .housekeepingEvery(Duration.ofMillis(500)).workDir(dir.resolve("server-work")))
                .retryPolicy(new RetryPolicy(4, Duration.ofSeconds(1), Duration.ofSeconds(10)))
                .build();
    }

    /** A token for index builds with permission upload, in a file. */
    private Path token() throws IOException {
        server.repository().indexes().create(IndexSpec.hosted("builds"));
        String secret = server.repository().tokens().create("ci", "builds", Optional.empty(), Permission.UPLOAD,
                Optional.empty(), Optional.empty()).secret();
        Path f = dir.resolve("worker-token");
        Files.writeString(f, secret + "\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        return f;
    }

    private Process workerProcess(String name, Path tokenFile, URI url, int steps) throws IOException {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.packyard.cli.Main", "worker",
                "--server", url.toString(), "--token-file", tokenFile.toString(), "--queues", TARGET, "--lease", "10",
                "--build-command", fixture + " " + deb + " " + steps, "--name", name,
                "--work-dir", dir.resolve(name + "-work").toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        processes.add(p);
        return p;
    }

    /** A worker process whose output goes to {@code log}. */
    private Process worker(String name, Path tokenFile, URI url, int steps, Path log) throws IOException {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.packyard.cli.Main", "worker",
                "--server", url.toString(), "--token-file", tokenFile.toString(), "--queues", TARGET, "--lease", "10",
                "--build-command", fixture + " " + deb + " " + steps, "--name", name,
                "--work-dir", dir.resolve(name + "-work").toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        p.getOutputStream().close();
        processes.add(p);
        return p;
    }

    private boolean buildJobOn(long id, String worker) {
        try {
            return ((List<?>) getJson("api/builds/" + id).get("jobs")).stream().map(j -> (Map<?, ?>) j)
                    .anyMatch(j -> "build".equals(j.get("step")) && "running".equals(j.get("state"))
                            && String.valueOf(j.get("worker")).startsWith(worker + " "));
        } catch (Exception e) {
            return false;
        }
    }

    private String buildState(long id) {
        return server.builds().requireBuild(id).state().id();
    }

    private String logText(long id) {
        return server.builds().logText(id);
    }

    private URI url(String path) {
        return server.url().resolve(path);
    }

    private Map<String, Object> getJson(String path) throws Exception {
        HttpResponse<String> r = send(HttpRequest.newBuilder(url(path)).build());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Json.parseObject(r.body(), path);
    }

    private static HttpResponse<String> send(HttpRequest req) throws Exception {
        return HTTP.send(req, HttpResponse.BodyHandlers.ofString());
    }

    static void await(Duration timeout, BooleanSupplier done, java.util.function.Supplier<String> why)
            throws InterruptedException {
        long until = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > until) {
                throw new AssertionError(why.get());
            }
            Thread.sleep(200);
        }
    }

    static int occurrences(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length())) {
            n++;
        }
        return n;
    }

    static String read(Path f) {
        try {
            return Files.exists(f) ? Files.readString(f) : "";
        } catch (IOException e) {
            return "(cannot read " + f + ": " + e.getMessage() + ")";
        }
    }

    static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    static void git(Path cwd, String... args) throws Exception {
        BuildServiceSystemTest.git(cwd, args);
    }
}
