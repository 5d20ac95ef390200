package io.packyard.builds;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.builds.exec.Sandbox;
import io.packyard.builds.model.Build;
import io.packyard.builds.model.BuildState;
import io.packyard.builds.model.Job;
import io.packyard.builds.model.JobState;
import io.packyard.builds.model.Step;
import io.packyard.repository.Repository;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@link BuildNode} (in-process workers, housekeeping) driving builds from real git
 * repositories (made with the git CLI) and uploaded archives, in the bubblewrap sandbox. The
 * {@code packyard build} it runs is a FIXTURE script (fixture-packyard.sh, written below) that
 * answers like the real command: this class tests the service's handling of sources, failures
 * and limits quickly; packyard-cli's system tests run the real command end to end.
 */
@Tag("system")
class BuildNodeSystemTest {

    @TempDir
    Path dir;

    private Repository repo;
    private BuildService service;
    private BuildNode node;
    private final List<String> nodeLog = new CopyOnWriteArrayList<>();

    /** The fixture: {@code build SRC --target T --format F --out OUT}; SRC/behaviour says what to do. */
    private static final String FIXTURE = """
            #!/bin/sh
            # FIXTURE standing in for `packyard build` (see BuildNodeSystemTest)
            set -eu
            [ "$1" = build ] || { echo "fixture: expected build" >&2; exit 2; }
            src=$2; shift 2
            out=
            while [ $# -gt 0 ]; do
              case "$1" in --out) out=$2; shift 2;; *) shift;; esac
            done
            behaviour=$(cat "$src/behaviour" 2>/dev/null || echo ok)
            echo "building $(grep '^name' "$src/pyproject.toml")"
            case "$behaviour" in
              fail) echo "packyard: error: pyproject.toml:2: [project].version: 'x' is not a PEP 440 version" >&2; exit 1;;
              slow) i=0; while [ $i -lt 600 ]; do echo "step $i"; sleep 1; i=$((i+1)); done;;
            esac
            # a portable archive of Packyard's shape: <name>-<version>/ inside <name>-<version>-<target>.tar.gz
            stage=$(mktemp -d)
            mkdir -p "$stage/app-1.0/bin"
            printf '#!/bin/sh\necho app 1.0\n' > "$stage/app-1.0/bin/app"
            chmod 755 "$stage/app-1.0/bin/app"
            tar -czf "$out/app-1.0-linux-x86_64.tar.gz" -C "$stage" app-1.0
            rm -rf "$stage"
            echo "done"
            """;

    @BeforeEach
    void start() throws IOException {
        Path fixture = dir.resolve("fixture-packyard.sh");
        Files.writeString(fixture, FIXTURE);
        Files.setPosixFilePermissions(fixture, PosixFilePermissions.fromString("rwxr-xr-x"));
        repo = Repository.builder().dataDir(dir.resolve("data")).build();
        service = new BuildService(repo);
        node = BuildNode.builder(service).workDir(dir.resolve("work")).platformQueues(List.of("linux-x86_64"))
                .packyardCommand(List.of(fixture.toString())).sandbox(Sandbox.Isolation.BUBBLEWRAP)
                .pollEvery(Duration.ofMillis(100)).housekeepingEvery(Duration.ofMillis(500)).lease(Duration.ofSeconds(8))
                .log(nodeLog::add).build().start();
    }

    @AfterEach
    void stop() {
        node.close();
        repo.close();
    }

    private static void git(Path cwd, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("git", "-c", "user.name=t", "-c", "user.email=t@example.org",
                "-c", "init.defaultBranch=main"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("git " + String.join(" ", args) + " failed:\n" + out);
        }
    }

    /** A bare repository whose main branch has a pyproject.toml and a behaviour file. */
    private Path bareRepo(String name, String behaviour) throws Exception {
        Path work = dir.resolve(name + "-work");
        Files.createDirectories(work);
        Files.writeString(work.resolve("pyproject.toml"), "[project]\nname = \"" + name + "\"\nversion = \"1.0\"\n");
        Files.writeString(work.resolve("behaviour"), behaviour);
        git(work, "init", "-q");
        git(work, "add", ".");
        git(work, "commit", "-q", "-m", "first");
        Path bare = dir.resolve(name + ".git");
        git(dir, "clone", "-q", "--bare", work.toString(), bare.toString());
        return bare;
    }

    private Build await(long id) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < until) {
            Build b = service.requireBuild(id);
            if (b.state().finished()) {
                return b;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("build " + id + " did not finish:\n" + service.logText(id) + "\nnode:\n" + nodeLog);
    }

    private ProjectSpec.Builder project(String name, Path bare) {
        return ProjectSpec.builder(name).git(bare.toUri().toString(), "main").formats("tar.gz")
                .publishTo("apps", "stable");
    }

    @Test
    void aGitBuildRunsItsStepsAndPublishes() throws Exception {
        Path bare = bareRepo("good", "ok");
        service.saveProject(project("good", bare).build());
        Build b = await(service.submit(BuildRequest.of("good", BuildRequest.Git.projectDefault())).id());
        assertThat(b.state()).as(service.logText(b.id())).isEqualTo(BuildState.SUCCEEDED);
        assertThat(b.gitCommit()).hasValueSatisfying(c -> assertThat(c).hasSize(40));
        assertThat(service.artifacts(b.id())).extracting(a -> a.filename()).containsExactly("app-1.0-linux-x86_64.tar.gz");
        String log = service.logText(b.id());
        assertThat(log).contains("building name = \"good\"", "done", "published app-1.0-linux-x86_64.tar.gz", "build succeeded");
        assertThat(repo.linux().downloads("apps")).hasSize(1);
    }

    @Test
    void aFailingProjectFailsOnceWithItsLogAndPublishesNothing() throws Exception {
        Path bare = bareRepo("broken", "fail");
        service.saveProject(project("broken", bare).build());
        Build b = await(service.submit(BuildRequest.of("broken", BuildRequest.Git.projectDefault())).id());
        assertThat(b.state()).isEqualTo(BuildState.FAILED);
        assertThat(b.error()).hasValueSatisfying(e -> assertThat(e).isEqualTo("build linux-x86_64: packyard build failed"
                + " (exit 1): pyproject.toml:2: [project].version: 'x' is not a PEP 440 version"));
        List<Job> jobs = service.jobs(b.id());
        Job build = jobs.stream().filter(j -> j.step() == Step.BUILD).findFirst().orElseThrow();
        assertThat(build.attempt()).as("a build failure is not retried").isEqualTo(1);
        assertThat(jobs.stream().filter(j -> j.step() == Step.PUBLISH).findFirst().orElseThrow().state())
                .isEqualTo(JobState.SKIPPED);
        assertThat(service.logText(b.id())).contains("building name = \"broken\"", "is not a PEP 440 version");
        assertThat(repo.linux().downloads("apps")).isEmpty();
    }

    @Test
    void aRepositoryOrRefThatDoesNotExistIsAClearErrorOnTheBuild() throws Exception {
        service.saveProject(project("ghost", dir.resolve("no-such.git")).build());
        Build missingRepo = await(service.submit(BuildRequest.of("ghost", BuildRequest.Git.projectDefault())).id());
        assertThat(missingRepo.state()).isEqualTo(BuildState.FAILED);
        assertThat(missingRepo.error()).hasValueSatisfying(e -> assertThat(e).startsWith("source: git repository ")
                .contains("no-such.git"));
        Path bare = bareRepo("refs", "ok");
        service.saveProject(project("refs", bare).build());
        Build missingRef = await(service.submit(BuildRequest.of("refs", BuildRequest.Git.at("v9.9"))).id());
        assertThat(missingRef.state()).isEqualTo(BuildState.FAILED);
        assertThat(missingRef.error()).hasValueSatisfying(e -> assertThat(e).contains("v9.9", "main"));
        assertThat(service.jobs(missingRef.id()).getFirst().attempt()).as("the user's mistake is not retried").isEqualTo(1);
        assertThat(repo.linux().downloads("apps")).isEmpty();
    }

    @Test
    void anArchiveWithPathTraversalIsRefusedAndAGoodArchiveBuilds() throws Exception {
        service.saveProject(ProjectSpec.builder("uploaded").formats("tar.gz").publishTo("apps", "stable").build());
        Path evil = tarGz(dir.resolve("evil.tar.gz"), "pkg/pyproject.toml", "[project]\nname = \"x\"\n",
                "pkg/../../escape.txt", "gotcha");
        Build bad = await(service.submit(BuildRequest.of("uploaded", new BuildRequest.Archive("evil.tar.gz", evil))).id());
        assertThat(bad.state()).isEqualTo(BuildState.FAILED);
        assertThat(bad.error()).hasValueSatisfying(e -> assertThat(e).startsWith("source: ").contains("escape"));
        assertThat(dir.resolve("work").getParent().resolve("escape.txt")).doesNotExist();

        Path good = tarGz(dir.resolve("good.tar.gz"), "app-1.0/pyproject.toml", "[project]\nname = \"uploaded\"\n",
                "app-1.0/behaviour", "ok");
        Build ok = await(service.submit(BuildRequest.of("uploaded", new BuildRequest.Archive("good.tar.gz", good))).id());
        assertThat(ok.state()).as(service.logText(ok.id())).isEqualTo(BuildState.SUCCEEDED);
        assertThat(repo.linux().downloads("apps")).hasSize(1);
    }

    @Test
    void aBuildThatExceedsItsTimeLimitFailsWithoutRetryAndPublishesNothing() throws Exception {
        Path bare = bareRepo("slowpoke", "slow");
        service.saveProject(project("slowpoke", bare).timeLimitSeconds(3).build());
        long t0 = System.nanoTime();
        Build b = await(service.submit(BuildRequest.of("slowpoke", BuildRequest.Git.projectDefault())).id());
        assertThat(b.state()).isEqualTo(BuildState.FAILED);
        assertThat(b.error()).hasValueSatisfying(e -> assertThat(e).contains("time limit of 3 s"));
        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0)).isLessThan(60);
        assertThat(service.logText(b.id())).contains("step 1");
        assertThat(repo.linux().downloads("apps")).isEmpty();
    }

    @Test
    void cancellingARunningBuildStopsItsProcess() throws Exception {
        Path bare = bareRepo("endless", "slow");
        service.saveProject(project("endless", bare).build());
        Build b = service.submit(BuildRequest.of("endless", BuildRequest.Git.projectDefault()));
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!service.logText(b.id()).contains("step 2") && System.nanoTime() < until) {
            Thread.sleep(100);
        }
        assertThat(service.cancel(b.id(), "test")).isTrue();
        // the worker learns it at its next heartbeat (a quarter of the 8 s lease) and kills the build
        until = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
        while (nodeLog.stream().noneMatch(l -> l.contains("cancelled or lease lost")) && System.nanoTime() < until) {
            Thread.sleep(100);
        }
        assertThat(nodeLog).anySatisfy(l -> assertThat(l).contains("cancelled or lease lost"));
        assertThat(service.requireBuild(b.id()).state()).isEqualTo(BuildState.CANCELLED);
        assertThat(service.artifacts(b.id())).isEmpty();
    }

    private static Path tarGz(Path to, String... namesAndContents) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(bytes))) {
            for (int i = 0; i < namesAndContents.length; i += 2) {
                byte[] content = namesAndContents[i + 1].getBytes(StandardCharsets.UTF_8);
                TarArchiveEntry e = new TarArchiveEntry(namesAndContents[i], true);
                e.setSize(content.length);
                tar.putArchiveEntry(e);
                tar.write(content);
                tar.closeArchiveEntry();
            }
        }
        Files.write(to, bytes.toByteArray());
        return to;
    }
}
