package io.packyard.builds.steps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.packyard.builds.BuildRequest;
import io.packyard.builds.BuildService;
import io.packyard.builds.ProjectSpec;
import io.packyard.builds.exec.StepFailure;
import io.packyard.builds.model.Build;
import io.packyard.builds.model.BuildProject;
import io.packyard.builds.model.Job;
import io.packyard.builds.model.Step;
import io.packyard.builds.queue.ClaimedJob;
import io.packyard.builds.queue.Outcome;
import io.packyard.builds.queue.RetryPolicy;
import io.packyard.builds.worker.JobContext;
import io.packyard.builds.worker.WorkerApi;
import io.packyard.repository.Repository;
import io.packyard.repository.index.HostedFile;
import io.packyard.repository.index.IndexConfig;
import io.packyard.repository.index.IndexSpec;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PUBLISH step puts a build's wheel and sdist into a hosted index of the server through the
 * repository's upload code: stored with their digests, an identical re-run is fine, other content
 * under the same file name fails the build with the index's reason, and a project with only a
 * publish index gets a PUBLISH job. The wheel and sdist are real ones, built by setuptools.
 */
@Tag("system")
class PublishToIndexTest {
    private static final Duration LEASE = Duration.ofSeconds(60);

    @TempDir
    static Path dists;

    @TempDir
    Path dir;

    private static Path wheel;
    private static Path sdist;
    private static Path otherSdist;

    private Repository repo;
    private BuildService service;

    @BeforeAll
    static void buildDistributions() throws Exception {
        Path out1 = Files.createDirectories(dists.resolve("v1"));
        Path out2 = Files.createDirectories(dists.resolve("v2"));
        List<Path> first = setuptools(dists.resolve("src1"), "print('one')\n", out1);
        wheel = first.get(0);
        sdist = first.get(1);
        otherSdist = setuptools(dists.resolve("src2"), "print('two, other content')\n", out2).get(1);
        assertThat(wheel.getFileName()).hasToString("pubdemo-1.0-py3-none-any.whl");
        assertThat(sdist.getFileName()).hasToString("pubdemo-1.0.tar.gz");
        assertThat(otherSdist.getFileName()).hasToString("pubdemo-1.0.tar.gz");
        assertThat(sha256(otherSdist)).isNotEqualTo(sha256(sdist));
    }

    /** Builds pubdemo 1.0's wheel and sdist with Debian's setuptools through its PEP 517 hooks. */
    private static List<Path> setuptools(Path src, String module, Path out) throws Exception {
        Files.createDirectories(src);
        Files.writeString(src.resolve("pyproject.toml"), """
                [build-system]
                requires = ["setuptools>=61"]
                build-backend = "setuptools.build_meta"

                [project]
                name = "pubdemo"
                version = "1.0"
                description = "A distribution the PUBLISH step uploads"
                requires-python = ">=3.8"

                [tool.setuptools]
                py-modules = ["pubdemo"]
                """);
        Files.writeString(src.resolve("pubdemo.py"), module);
        Process p = new ProcessBuilder("/usr/bin/python3", "-c",
                "import sys, setuptools.build_meta as b; o = sys.argv[1];"
                        + " print('WHEEL=' + b.build_wheel(o)); print('SDIST=' + b.build_sdist(o))", out.toString())
                .directory(src.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        List<String> lines = output.lines().toList();
        return List.of(out.resolve(marked(lines, "WHEEL=")), out.resolve(marked(lines, "SDIST=")));
    }

    private static String marked(List<String> lines, String marker) {
        return lines.stream().filter(l -> l.startsWith(marker)).map(l -> l.substring(marker.length())).findFirst()
                .orElseThrow(() -> new AssertionError("no " + marker + " in " + lines));
    }

    @AfterEach
    void close() {
        if (repo != null) {
            repo.close();
        }
    }

    private IndexConfig open() {
        repo = Repository.builder().dataDir(dir.resolve("data")).build();
        service = new BuildService(repo, new RetryPolicy(3, Duration.ofSeconds(10), Duration.ofMinutes(5)));
        return repo.indexes().create(IndexSpec.hosted("internal"));
    }

    /** Runs a build of pubdemo whose BUILD job produced {@code artifacts}, up to its PUBLISH job. */
    private ClaimedJob buildUpToPublish(Map<String, Path> artifacts) throws Exception {
        Build b = service.submit(BuildRequest.of("pubdemo", BuildRequest.Git.projectDefault()));
        assertThat(service.jobs(b.id())).extracting(Job::step).containsExactly(Step.SOURCE, Step.BUILD, Step.PUBLISH);
        ClaimedJob source = claim(Step.SERVER_QUEUE);
        assertThat(service.complete(source.jobId(), source.leaseId(), Outcome.SUCCEEDED, "")).isTrue();
        ClaimedJob build = claim("linux-x86_64");
        for (Map.Entry<String, Path> a : artifacts.entrySet()) {
            try (InputStream in = Files.newInputStream(a.getValue())) {
                service.addArtifact(build.jobId(), build.leaseId(), a.getKey(), in);
            }
        }
        assertThat(service.complete(build.jobId(), build.leaseId(), Outcome.SUCCEEDED, "")).isTrue();
        ClaimedJob publish = claim(Step.SERVER_QUEUE);
        assertThat(publish.step()).isEqualTo(Step.PUBLISH);
        return publish;
    }

    private ClaimedJob claim(String queue) {
        return service.claim(List.of(queue), "w1", LEASE).orElseThrow(() -> new AssertionError("nothing on " + queue));
    }

    @Test
    void publishesTheWheelAndSdistToAHostedIndexIdempotently() throws Exception {
        IndexConfig internal = open();
        BuildProject p = service.saveProject(ProjectSpec.builder("pubdemo").git("file:///nowhere/pubdemo.git", "main")
                .formats("wheel", "sdist", "tar.gz").publishToIndex("internal").build());
        assertThat(p.publishIndex()).contains("internal");
        assertThat(p.publishRepo()).isEmpty();

        Path portable = dir.resolve("portable.tar.gz");
        Files.write(portable, new byte[] {1, 2, 3});
        ClaimedJob publish = buildUpToPublish(Map.of(wheel.getFileName().toString(), wheel,
                sdist.getFileName().toString(), sdist, "pubdemo-1.0-linux-x86_64.tar.gz", portable));

        List<String> log = run(publish);
        assertThat(log).contains("published pubdemo-1.0-py3-none-any.whl to index internal",
                "published pubdemo-1.0.tar.gz to index internal",
                "not published (no publish repository): pubdemo-1.0-linux-x86_64.tar.gz");
        List<HostedFile> files = repo.hostedFiles().files(internal, "pubdemo");
        assertThat(files).extracting(HostedFile::filename)
                .containsExactlyInAnyOrder("pubdemo-1.0-py3-none-any.whl", "pubdemo-1.0.tar.gz");
        HostedFile storedWheel = repo.hostedFiles().file(internal, "pubdemo", "pubdemo-1.0-py3-none-any.whl");
        assertThat(storedWheel.sha256()).isEqualTo(sha256(wheel));
        assertThat(storedWheel.packagetype()).isEqualTo("bdist_wheel");
        assertThat(storedWheel.requiresPython()).contains(">=3.8");
        HostedFile storedSdist = repo.hostedFiles().file(internal, "pubdemo", "pubdemo-1.0.tar.gz");
        assertThat(storedSdist.sha256()).isEqualTo(sha256(sdist));
        assertThat(storedSdist.packagetype()).isEqualTo("sdist");
        try (InputStream in = repo.blobs().open(storedSdist.sha256())) {
            assertThat(in.readAllBytes()).isEqualTo(Files.readAllBytes(sdist));
        }

        // the same step again (a re-run, or a retry after a crash): the same files are fine
        assertThat(run(publish)).contains("already published (same content) pubdemo-1.0-py3-none-any.whl to index internal",
                "already published (same content) pubdemo-1.0.tar.gz to index internal");
        assertThat(repo.hostedFiles().files(internal, "pubdemo")).hasSize(2);

        // another build whose sdist has other content under the same name: a BUILD failure with the index's reason
        String firstSdist = sha256(sdist);
        ClaimedJob again = buildUpToPublish(Map.of(otherSdist.getFileName().toString(), otherSdist));
        assertThatThrownBy(() -> run(again)).isInstanceOfSatisfying(StepFailure.class, f -> {
            assertThat(f.kind()).isEqualTo(StepFailure.Kind.BUILD);
            assertThat(f.getMessage()).startsWith("publish pubdemo-1.0.tar.gz to index internal: File already exists")
                    .contains(firstSdist);
        });
        assertThat(repo.hostedFiles().file(internal, "pubdemo", "pubdemo-1.0.tar.gz").sha256()).isEqualTo(sha256(sdist));
    }

    @Test
    void aMissingOrNonHostedIndexFailsTheStep() throws Exception {
        open();
        repo.indexes().create(IndexSpec.group("all", List.of("internal")));
        service.saveProject(ProjectSpec.builder("pubdemo").git("file:///nowhere/pubdemo.git", "main")
                .formats("wheel").publishToIndex("all").build());
        ClaimedJob publish = buildUpToPublish(Map.of(wheel.getFileName().toString(), wheel));
        assertThatThrownBy(() -> run(publish)).isInstanceOf(StepFailure.class)
                .hasMessage("project pubdemo: publish_index: index 'all' is a group index; publish to a hosted index");

        service.saveProject(ProjectSpec.builder("pubdemo").git("file:///nowhere/pubdemo.git", "main")
                .formats("wheel").publishToIndex("nope").build());
        ClaimedJob second = buildUpToPublish(Map.of(wheel.getFileName().toString(), wheel));
        assertThatThrownBy(() -> run(second)).isInstanceOf(StepFailure.class)
                .hasMessage("project pubdemo: publish_index: no index 'nope' on this server");
    }

    @Test
    void anUpstreamIndexNeedsItsTokenFile() throws Exception {
        open();
        Path tokenFile = dir.resolve("absent-token");
        service.saveProject(ProjectSpec.builder("pubdemo").git("file:///nowhere/pubdemo.git", "main")
                .formats("wheel").publishToUpstream("http://127.0.0.1:9/legacy/", tokenFile.toString()).build());
        ClaimedJob publish = buildUpToPublish(Map.of(wheel.getFileName().toString(), wheel));
        assertThatThrownBy(() -> run(publish)).isInstanceOfSatisfying(StepFailure.class, f -> {
            assertThat(f.kind()).isEqualTo(StepFailure.Kind.BUILD);
            assertThat(f.getMessage()).isEqualTo("project pubdemo: publish_index_token_file: " + tokenFile
                    + ": no such file on the server");
        });
        assertThatThrownBy(() -> ProjectSpec.builder("x").publishToUpstream("http://127.0.0.1/legacy/", null).build())
                .hasMessageContaining("publish_index_url needs publish_index_token_file");
        assertThatThrownBy(() -> ProjectSpec.builder("x").publishToUpstream("http://index.example.org/legacy/", "relative/token").build())
                .hasMessageContaining("is not an absolute path on the server");
    }

    private List<String> run(ClaimedJob job) throws Exception {
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

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}
