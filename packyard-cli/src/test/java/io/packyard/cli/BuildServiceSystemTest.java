package io.packyard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.builds.ProjectSpec;
import io.packyard.builds.model.Build;
import io.packyard.builds.model.BuildState;
import io.packyard.builds.model.Job;
import io.packyard.builds.model.JobState;
import io.packyard.builds.model.Step;
import io.packyard.python.json.Json;
import io.packyard.repository.auth.Permission;
import io.packyard.repository.index.IndexSpec;
import io.packyard.server.PackyardServer;
import io.packyard.server.ServerLog;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 6, the whole chain with the real tools: a GitHub-style push event for a local bare git
 * repository of examples/hello-cli makes {@code packyard serve}'s build service clone it, run the
 * real {@code packyard build} (this module's CLI, in the bubblewrap sandbox) for a .deb and a
 * .tar.gz, verify the .deb by installing it with dpkg in a throwaway root and running
 * {@code hello --version}, and publish it to the server's APT repository; every step is visible
 * in the REST API and the web UI. A push with a bad signature starts nothing.
 */
@Tag("system")
class BuildServiceSystemTest {

    @TempDir
    static Path work;

    static PackyardServer server;
    static String token;
    static Path bare;
    static final List<String> serverLog = new CopyOnWriteArrayList<>();
    static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    static final String SECRET = "hook-secret-for-tests";

    static void git(Path cwd, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("git", "-c", "user.name=t", "-c", "user.email=t@example.org",
                "-c", "init.defaultBranch=main"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("git " + String.join(" ", args) + " failed:\n" + out);
        }
    }

    /** A bare repository holding a copy of examples/hello-cli on branch main. */
    static Path bareRepositoryOfHelloCli(Path dir) throws Exception {
        Path src = Path.of(System.getProperty("user.dir")).getParent().resolve("examples/hello-cli");
        Path tree = dir.resolve("hello-cli-work");
        try (var files = Files.walk(src)) {
            for (Path f : files.toList()) {
                Path to = tree.resolve(src.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(f, to);
                }
            }
        }
        git(tree, "init", "-q");
        git(tree, "add", ".");
        git(tree, "commit", "-q", "-m", "hello-cli");
        Path repo = dir.resolve("hello-cli.git");
        git(dir, "clone", "-q", "--bare", tree.toString(), repo.toString());
        return repo;
    }

    @BeforeAll
    static void start() throws Exception {
        bare = bareRepositoryOfHelloCli(work);
        server = PackyardServer.builder().dataDir(work.resolve("data")).port(0)
                .log(collecting(serverLog))
                .buildNode(n -> n.platformQueues(List.of("linux-x86_64")).pollEvery(Duration.ofMillis(200)))
                .build().start();
        server.repository().indexes().create(IndexSpec.hosted("builds"));
        token = server.repository().tokens().create("ci", "builds", Optional.empty(), Permission.UPLOAD,
                Optional.empty(), Optional.empty()).secret();
        server.builds().saveProject(ProjectSpec.builder("hello-cli")
                .git(bare.toUri().toString(), "main").followRefs("main").webhookSecret(SECRET)
                .targets("linux-x86_64").formats("deb", "tar.gz").buildArgs("--python", "host:3.11")
                .smokeCommand("hello --version && hello --name Service")
                .publishTo("apps", "stable").build());
    }

    /** A server log kept in memory, shown when a build fails. */
    static ServerLog collecting(List<String> lines) {
        return new ServerLog() {
            @Override
            public void request(String line) {
                lines.add(line);
            }

            @Override
            public void info(String message) {
                lines.add(message);
            }

            @Override
            public void warn(String message) {
                lines.add("WARN " + message);
            }

            @Override
            public void error(String message, Throwable t) {
                lines.add("ERROR " + message + ": " + t);
            }
        };
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.stop();
        }
    }

    static String headCommit() throws Exception {
        Process p = new ProcessBuilder("git", "--git-dir", bare.toString(), "rev-parse", "refs/heads/main").start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        p.waitFor();
        return out;
    }

    static String pushPayload(String commit) {
        String url = bare.toUri().toString();
        return """
                {"ref": "refs/heads/main", "before": "0000000000000000000000000000000000000000", "after": "%s",
                 "created": false, "deleted": false, "forced": false,
                 "repository": {"id": 1, "name": "hello-cli", "full_name": "examples/hello-cli",
                   "clone_url": "%s", "git_url": "%s", "ssh_url": "%s", "html_url": "%s", "url": "%s"},
                 "pusher": {"name": "ada", "email": "ada@example.org"},
                 "head_commit": {"id": "%s", "message": "hello-cli"}}
                """.formatted(commit, url, url, url, url, url, commit);
    }

    static String sign(String body, String secret) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    }

    static HttpResponse<String> hook(String body, String signature) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(server.url().resolve("hooks/github"))
                .header("X-GitHub-Event", "push").header("X-Hub-Signature-256", signature)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(server.url().resolve(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aPushEventBuildsVerifiesAndPublishesVisibleInTheApiAndTheUi() throws Exception {
        String commit = headCommit();
        String body = pushPayload(commit);

        HttpResponse<String> forged = hook(body, sign(body, "not-the-secret"));
        assertThat(forged.statusCode()).isEqualTo(401);
        assertThat(forged.body()).contains("X-Hub-Signature-256 does not verify", "hello-cli");
        assertThat(server.builds().builds(Optional.empty(), 10)).as("a forged event starts nothing").isEmpty();

        HttpResponse<String> accepted = hook(body, sign(body, SECRET));
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        List<?> ids = (List<?>) Json.parseObject(accepted.body(), "response").get("builds");
        assertThat(ids).hasSize(1);
        long id = ((Number) ids.getFirst()).longValue();

        long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(12);
        Build b = server.builds().requireBuild(id);
        while (!b.state().finished() && System.nanoTime() < until) {
            Thread.sleep(1000);
            b = server.builds().requireBuild(id);
        }
        String log = server.builds().logText(id);
        assertThat(b.state()).as(log + "\n--- server log ---\n" + String.join("\n", serverLog)).isEqualTo(BuildState.SUCCEEDED);
        assertThat(b.trigger()).isEqualTo("webhook");
        assertThat(b.gitCommit()).contains(commit);
        assertThat(server.builds().jobs(id)).extracting(Job::step)
                .containsExactly(Step.SOURCE, Step.BUILD, Step.VERIFY, Step.PUBLISH);
        assertThat(server.builds().jobs(id)).extracting(Job::state).containsOnly(JobState.SUCCEEDED);
        // the real CLI built it, dpkg installed it and the smoke command ran from the installed files
        assertThat(log).contains("--target linux-x86_64 --format deb,tar.gz --python host:3.11",
                "hello-cli 1.0.0", "Hello, Service!", "published hello-cli_1.0.0");

        // the API
        Map<String, Object> detail = Json.parseObject(get("api/builds/" + id).body(), "build");
        assertThat(detail.get("state")).isEqualTo("succeeded");
        assertThat(detail.get("git_commit")).isEqualTo(commit);
        List<?> jobs = (List<?>) detail.get("jobs");
        assertThat(jobs.stream().map(j -> String.valueOf(((Map<?, ?>) j).get("step"))).toList())
                .containsExactly("source", "build", "verify", "publish");
        List<?> artifacts = (List<?>) detail.get("artifacts");
        assertThat(artifacts).extracting(a -> (String) ((Map<?, ?>) a).get("filename"))
                .anySatisfy(f -> assertThat(f).startsWith("hello-cli_1.0.0").endsWith(".deb"))
                .anySatisfy(f -> assertThat(f).endsWith(".tar.gz"));
        for (Object a : artifacts) {
            Map<?, ?> m = (Map<?, ?>) a;
            HttpResponse<byte[]> file = HTTP.send(HttpRequest.newBuilder(server.url().resolve(
                    ((String) m.get("url")).substring(1))).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(file.statusCode()).isEqualTo(200);
            assertThat(HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(file.body())))
                    .isEqualTo(m.get("sha256"));
        }
        Map<String, Object> logJson = Json.parseObject(get("api/builds/" + id + "/log").body(), "log");
        assertThat(logJson.get("finished")).isEqualTo(true);

        // published: the APT repository's index lists the package
        HttpResponse<String> packages = get("repos/apps/apt/dists/stable/main/binary-amd64/Packages");
        assertThat(packages.statusCode()).isEqualTo(200);
        assertThat(packages.body()).contains("Package: hello-cli", "Version: 1.0.0");

        // the UI shows the chain
        HttpResponse<String> page = get("ui/builds/" + id);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("succeeded", "source", "verify", "publish", "hello-cli_1.0.0");
    }
}
