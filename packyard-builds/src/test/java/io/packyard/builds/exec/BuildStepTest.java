package io.packyard.builds.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** BuildStep against a fake packyard CLI (a shell script): the real CLI is tested from packyard-cli. */
class BuildStepTest {

    @TempDir
    Path tmp;

    private Path ws;
    private Path src;
    private Path out;
    private Path fake;
    private final List<String> log = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void setUp() throws Exception {
        ws = Files.createDirectories(tmp.resolve("ws"));
        src = Files.createDirectories(ws.resolve("src"));
        out = ws.resolve("out");
        // inside the workspace: under bubblewrap /tmp is a fresh tmpfs
        fake = ws.resolve("fake-packyard");
        Files.writeString(fake, """
                #!/bin/sh
                echo "args: $*"
                echo "cwd: $(pwd)"
                mode=ok out=
                while [ $# -gt 0 ]; do
                  case "$1" in
                    --out) out="$2"; shift ;;
                    --mode) mode="$2"; shift ;;
                  esac
                  shift
                done
                case "$mode" in
                  ok) echo building; printf deb > "$out/tool_1.0_amd64.deb"; printf tgz > "$out/tool-1.0-linux-x86_64.tar.gz" ;;
                  empty) echo "built nothing" ;;
                  fail1) echo "resolving"; echo "packyard: error: wheel foo-1.0-py3-none-any.whl: RECORD: hash mismatch" >&2; echo "cleaning up"; exit 1 ;;
                  fail2) echo "packyard: error: pyproject.toml:3: [tool.packyard].scripts: expected an array of strings" >&2; exit 2 ;;
                  silent) exit 1 ;;
                  slow) echo "compiling"; sleep 100 ;;
                  signal) kill -9 $$ ;;
                  crash) echo "Error occurred during initialization of VM" >&2; exit 3 ;;
                esac
                """);
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private Sandbox sandbox(Sandbox.Isolation isolation) {
        return Sandbox.builder().workspace(ws).isolation(isolation).timeLimit(Duration.ofSeconds(60))
                .killGrace(Duration.ofSeconds(1)).build();
    }

    private BuildStep.Spec spec(String mode) {
        return new BuildStep.Spec(List.of("/bin/sh", fake.toString()), "linux-x86_64", List.of("deb", "tar.gz"),
                List.of("--mode", mode));
    }

    private StepFailure failure(String mode, Sandbox sandbox) {
        return catchThrowableOfType(StepFailure.class, () -> BuildStep.run(spec(mode), src, out, sandbox, log::add));
    }

    @Test
    void returnsThePackagesSortedAndPassesTheCommandLine() throws Exception {
        List<Path> files = BuildStep.run(spec("ok"), src, out, sandbox(Sandbox.Isolation.NONE), log::add);
        assertThat(files).containsExactly(out.resolve("tool-1.0-linux-x86_64.tar.gz"), out.resolve("tool_1.0_amd64.deb"));
        assertThat(log).contains("args: build " + src + " --target linux-x86_64 --format deb,tar.gz --out " + out
                + " --mode ok", "cwd: " + src, "building");
    }

    @Test
    @Tag("system")
    void runsUnderBubblewrap() throws Exception {
        List<Path> files = BuildStep.run(spec("ok"), src, out, sandbox(Sandbox.Isolation.BUBBLEWRAP), log::add);
        assertThat(files).hasSize(2);
        assertThat(Files.readString(out.resolve("tool_1.0_amd64.deb"))).isEqualTo("deb");
    }

    @Test
    @Tag("system")
    void aSandboxThatCannotBeSetUpIsInfrastructure() {
        Sandbox s = Sandbox.builder().workspace(ws).isolation(Sandbox.Isolation.BUBBLEWRAP)
                .writableBinds(List.of(tmp.resolve("missing-cache"))).build();
        StepFailure f = failure("ok", s);
        assertThat(f.kind()).isEqualTo(StepFailure.Kind.INFRA);
        assertThat(f.getMessage()).startsWith("the build sandbox could not start: bwrap: ").contains("missing-cache");
    }

    @Test
    void exitOneIsTheProjectsFaultWithTheLastErrorLine() {
        StepFailure f = failure("fail1", sandbox(Sandbox.Isolation.NONE));
        assertThat(f.kind()).isEqualTo(StepFailure.Kind.BUILD);
        assertThat(f.retryable()).isFalse();
        assertThat(f.getMessage()).isEqualTo(
                "packyard build failed (exit 1): wheel foo-1.0-py3-none-any.whl: RECORD: hash mismatch");
        assertThat(log).contains("resolving", "cleaning up");
    }

    @Test
    void exitTwoIsTheProjectsFault() {
        StepFailure f = failure("fail2", sandbox(Sandbox.Isolation.NONE));
        assertThat(f.kind()).isEqualTo(StepFailure.Kind.BUILD);
        assertThat(f.getMessage()).isEqualTo(
                "packyard build failed (exit 2): pyproject.toml:3: [tool.packyard].scripts: expected an array of strings");
    }

    @Test
    void failureWithoutAnErrorLineQuotesTheLastLine() {
        StepFailure f = failure("silent", sandbox(Sandbox.Isolation.NONE));
        assertThat(f.getMessage()).isEqualTo("packyard build failed (exit 1): cwd: " + src);
    }

    @Test
    void noPackagesIsABuildFailure() {
        StepFailure f = failure("empty", sandbox(Sandbox.Isolation.NONE));
        assertThat(f.kind()).isEqualTo(StepFailure.Kind.BUILD);
        assertThat(f.getMessage()).isEqualTo("packyard build produced no packages");
    }

    @Test
    void aSlowBuildIsTheProjectsFault() {
        Sandbox s = Sandbox.builder().workspace(ws).isolation(Sandbox.Isolation.NONE).timeLimit(Duration.ofSeconds(1))
                .killGrace(Duration.ofSeconds(1)).build();
        StepFailure f = failure("slow", s);
        assertThat(f.kind()).isEqualTo(StepFailure.Kind.BUILD);
        assertThat(f.getMessage()).isEqualTo("the build exceeded its time limit of 1 s");
    }

    @Test
    void killedBySignalIsInfrastructure() {
        StepFailure f = failure("signal", sandbox(Sandbox.Isolation.NONE));
        assertThat(f.kind()).isEqualTo(StepFailure.Kind.INFRA);
        assertThat(f.retryable()).isTrue();
        assertThat(f.getMessage()).isEqualTo("packyard build was killed by signal 9");
    }

    @Test
    void aCrashedLauncherIsInfrastructure() {
        StepFailure f = failure("crash", sandbox(Sandbox.Isolation.NONE));
        assertThat(f.kind()).isEqualTo(StepFailure.Kind.INFRA);
        assertThat(f.getMessage()).isEqualTo("packyard build could not run (exit 3): Error occurred during initialization of VM");
    }

    @Test
    void aMissingJavaIsInfrastructure() {
        BuildStep.Spec spec = new BuildStep.Spec(List.of(tmp.resolve("no/java").toString(), "-cp", "x", "Main"),
                "linux-x86_64", List.of("deb"), List.of());
        StepFailure f = catchThrowableOfType(StepFailure.class,
                () -> BuildStep.run(spec, src, out, sandbox(Sandbox.Isolation.NONE), log::add));
        assertThat(f.kind()).isEqualTo(StepFailure.Kind.INFRA);
        assertThat(f.getMessage()).startsWith("cannot start packyard build: ").contains("no/java");
    }

    @Test
    void defaultCommandIsThisJvmWithItsClassPath() {
        List<String> cmd = BuildStep.defaultPackyardCommand();
        assertThat(cmd).hasSize(4);
        assertThat(Path.of(cmd.get(0))).isExecutable();
        assertThat(Path.of(cmd.get(0)).getFileName().toString()).isEqualTo("java");
        assertThat(cmd.subList(1, 4)).containsExactly("-cp", System.getProperty("java.class.path"), "io.packyard.cli.Main");
    }

    @Test
    void messagesAreOneLine() {
        assertThat(new StepFailure(StepFailure.Kind.BUILD, "a\n  b\r\nc").getMessage()).isEqualTo("a b c");
    }
}
