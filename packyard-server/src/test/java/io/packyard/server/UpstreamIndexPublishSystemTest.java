package io.packyard.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.packyard.builds.BuildRequest;
import io.packyard.builds.BuildService;
import io.packyard.builds.ProjectSpec;
import io.packyard.builds.exec.StepFailure;
import io.packyard.builds.model.Build;
import io.packyard.builds.model.Job;
import io.packyard.builds.model.Step;
import io.packyard.builds.queue.ClaimedJob;
import io.packyard.builds.queue.Outcome;
import io.packyard.builds.queue.RetryPolicy;
import io.packyard.builds.steps.ServerSteps;
import io.packyard.builds.worker.JobContext;
import io.packyard.builds.worker.WorkerApi;
import io.packyard.python.json.Json;
import io.packyard.repository.Repository;
import io.packyard.repository.auth.Permission;
import io.packyard.repository.index.IndexSpec;
import io.packyard.testkit.TestDistributions;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PUBLISH step uploads a build's wheel and sdist to an upstream index with twine's protocol:
 * a second Packyard server on 127.0.0.1 stands in for PyPI, the API token comes from a file on
 * the (first) server, and pip then finds the file on the upstream index. An identical re-run is
 * fine; other content under the same file name and a refused token fail the build with the
 * index's message.
 */
@Tag("system")
class UpstreamIndexPublishSystemTest {
    private static final Duration LEASE = Duration.ofSeconds(60);
    private static final String PYTHON = "/root/.pyenv/versions/3.11.7/bin/python3.11";

    @TempDir
    static Path dir;

    static PackyardServer upstream;
    static Repository repo;
    static BuildService service;
    static Path wheel;
    static Path sdist;
    static Path tokenFile;
    static String uploadUrl;

    @BeforeAll
    static void start() throws Exception {
        upstream = PackyardServer.builder().dataDir(dir.resolve("upstream")).port(0).log(new RecordingLog()).build().start();
        upstream.repository().indexes().create(IndexSpec.hosted("pypi"));
        String token = upstream.repository().tokens().create("ci", "pypi", Optional.empty(), Permission.UPLOAD,
                Optional.empty(), Optional.of("build service")).secret();
        tokenFile = Files.writeString(dir.resolve("pypi-token"), token + "\n");
        uploadUrl = upstream.url().resolve("/pypi/legacy/").toString();
        Path d = dir.resolve("dist");
        wheel = TestDistributions.wheel("pubdemo", "1.0").build(d);
        sdist = TestDistributions.sdist("pubdemo", "1.0").build(d);
        repo = Repository.builder().dataDir(dir.resolve("server")).build();
        service = new BuildService(repo, new RetryPolicy(3, Duration.ofSeconds(10), Duration.ofMinutes(5)));
    }

    @AfterAll
    static void stop() {
        if (upstream != null) {
            upstream.stop();
        }
        if (repo != null) {
            repo.close();
        }
    }

    @Test
    void publishesToTheUpstreamIndexWithTwinesProtocolAndPipFindsIt() throws Exception {
        service.saveProject(ProjectSpec.builder("pubdemo").git("file:///nowhere/pubdemo.git", "main")
                .formats("wheel", "sdist").publishToUpstream(uploadUrl, tokenFile.toString()).build());
        ClaimedJob publish = buildUpToPublish(List.of(wheel, sdist));
        assertThat(run(publish)).containsExactly("published pubdemo-1.0-py3-none-any.whl to " + uploadUrl,
                "published pubdemo-1.0.tar.gz to " + uploadUrl);

        // pip finds both on the upstream index and downloads the very same wheel
        Path got = Files.createDirectories(dir.resolve("downloaded"));
        String simple = upstream.url().resolve("/pypi/simple/").toString();
        pip("download", "--no-deps", "--index-url", simple, "-d", got.toString(), "pubdemo==1.0");
        assertThat(got.resolve("pubdemo-1.0-py3-none-any.whl")).hasSameBinaryContentAs(wheel);
        String page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(simple + "pubdemo/")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(page).contains("pubdemo-1.0.tar.gz").contains("pubdemo-1.0-py3-none-any.whl");

        // the step again (a re-run): the same files are accepted
        assertThat(run(publish)).hasSize(2);

        // another sdist under the same name: the build fails with the upstream index's reason
        Path other = TestDistributions.sdist("pubdemo", "1.0").requires("helper>=1").build(dir.resolve("other"));
        ClaimedJob second = buildUpToPublish(List.of(other));
        assertThatThrownBy(() -> run(second)).isInstanceOfSatisfying(StepFailure.class, f -> {
            assertThat(f.kind()).isEqualTo(StepFailure.Kind.BUILD);
            assertThat(f.getMessage()).startsWith("publish pubdemo-1.0.tar.gz to " + uploadUrl
                    + ": the index refused it (HTTP 400): File already exists");
        });
    }

    @Test
    void aRefusedTokenFailsTheBuild() throws Exception {
        Path wrong = Files.writeString(dir.resolve("wrong-token"), "pyd_not-a-token");
        service.saveProject(ProjectSpec.builder("pubdemo-bad").git("file:///nowhere/pubdemo.git", "main")
                .formats("wheel").publishToUpstream(uploadUrl, wrong.toString()).build());
        ClaimedJob publish = buildUpToPublish("pubdemo-bad", List.of(wheel));
        assertThatThrownBy(() -> run(publish)).isInstanceOfSatisfying(StepFailure.class, f -> {
            assertThat(f.kind()).isEqualTo(StepFailure.Kind.BUILD);
            assertThat(f.getMessage()).startsWith("publish pubdemo-1.0-py3-none-any.whl to " + uploadUrl
                    + ": the index refused it (HTTP 40");
        });
    }

    @Test
    void theApiStoresThePublishIndexSettingsButNeverATokenItself() throws Exception {
        String token = upstream.repository().tokens().create("admin", "pypi", Optional.empty(), Permission.UPLOAD,
                Optional.empty(), Optional.empty()).secret();
        String body = Json.write(Map.of("git_url", "file:///srv/git/lib.git", "formats", List.of("wheel", "sdist"),
                "publish_index", "pypi", "publish_index_url", uploadUrl,
                "publish_index_token_file", tokenFile.toString()));
        HttpResponse<String> r = put("lib", body, token);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        Map<String, Object> p = Json.parseObject(r.body(), "project");
        assertThat(p).containsEntry("publish_index", "pypi").containsEntry("publish_index_url", uploadUrl)
                .containsEntry("publish_index_token_file", tokenFile.toString());
        assertThat(upstream.builds().project("lib").orElseThrow().publishes()).isTrue();
        String secret = Files.readString(tokenFile).strip();
        assertThat(r.body()).doesNotContain(secret);
        String all = HttpClient.newHttpClient().send(HttpRequest.newBuilder(upstream.url().resolve("/api/build-projects"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(all).contains("\"publish_index\":\"pypi\"").doesNotContain(secret);

        HttpResponse<String> half = put("lib", Json.write(Map.of("git_url", "file:///srv/git/lib.git",
                "publish_index_url", uploadUrl)), token);
        assertThat(half.statusCode()).isEqualTo(400);
        assertThat(half.body()).contains("publish_index_url needs publish_index_token_file");
    }

    private static HttpResponse<String> put(String project, String json, String token) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(upstream.url().resolve("/api/build-projects/" + project))
                .header("Content-Type", "application/json")
                .header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(
                        ("__token__:" + token).getBytes(StandardCharsets.UTF_8)))
                .PUT(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void pip(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(PYTHON, "-m", "pip", "--disable-pip-version-check", "--no-cache-dir"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(Map.of("PIP_CONFIG_FILE", "/dev/null", "PIP_NO_INPUT", "1"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
    }

    private static ClaimedJob buildUpToPublish(List<Path> artifacts) throws Exception {
        return buildUpToPublish("pubdemo", artifacts);
    }

    /** A build of the project whose BUILD job produced {@code artifacts}, up to its claimed PUBLISH job. */
    private static ClaimedJob buildUpToPublish(String project, List<Path> artifacts) throws Exception {
        Build b = service.submit(BuildRequest.of(project, BuildRequest.Git.projectDefault()));
        assertThat(service.jobs(b.id())).extracting(Job::step).containsExactly(Step.SOURCE, Step.BUILD, Step.PUBLISH);
        ClaimedJob source = claim(Step.SERVER_QUEUE);
        assertThat(service.complete(source.jobId(), source.leaseId(), Outcome.SUCCEEDED, "")).isTrue();
        ClaimedJob build = claim("linux-x86_64");
        for (Path a : artifacts) {
            try (InputStream in = Files.newInputStream(a)) {
                service.addArtifact(build.jobId(), build.leaseId(), a.getFileName().toString(), in);
            }
        }
        assertThat(service.complete(build.jobId(), build.leaseId(), Outcome.SUCCEEDED, "")).isTrue();
        ClaimedJob publish = claim(Step.SERVER_QUEUE);
        assertThat(publish.step()).isEqualTo(Step.PUBLISH);
        return publish;
    }

    private static ClaimedJob claim(String queue) {
        return service.claim(List.of(queue), "w1", LEASE).orElseThrow(() -> new AssertionError("nothing on " + queue));
    }

    private static List<String> run(ClaimedJob job) throws Exception {
        List<String> log = new ArrayList<>();
        Path ws = Files.createTempDirectory(dir, "ws");
        new ServerSteps(service).execute(job, new JobContext() {
            @Override
            public ClaimedJob job() {
                return job;
            }

            @Override
            public Path workspace() {
                return ws;
            }

            @Override
            public void log(String line) {
                log.add(line);
            }

            @Override
            public WorkerApi api() {
                throw new UnsupportedOperationException();
            }

            @Override
            public boolean cancelled() {
                return false;
            }

            @Override
            public void onCancel(Runnable action) {}
        });
        return log;
    }
}
