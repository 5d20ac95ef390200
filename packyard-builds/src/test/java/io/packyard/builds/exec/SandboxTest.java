package io.packyard.builds.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@Tag("system")
class SandboxTest {

    @TempDir
    Path tmp;

    private Sandbox.Builder sandbox(Sandbox.Isolation isolation) {
        return Sandbox.builder().workspace(tmp.resolve("ws")).isolation(isolation).killGrace(Duration.ofSeconds(1));
    }

    private static List<String> sh(String script) {
        return List.of("/bin/sh", "-c", script);
    }

    private SandboxResult run(Sandbox s, String script, List<String> lines) throws Exception {
        Files.createDirectories(s.workspace());
        return s.run(sh(script), s.workspace(), lines::add);
    }

    @ParameterizedTest
    @EnumSource(value = Sandbox.Isolation.class, names = {"NONE", "BUBBLEWRAP"})
    void exitCodeAndMergedOutputInOrder(Sandbox.Isolation isolation) throws Exception {
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        SandboxResult r = run(sandbox(isolation).build(),
                "echo one; echo two >&2; echo three; printf 'no newline'; exit 7", lines);
        assertThat(r.exitCode()).isEqualTo(7);
        assertThat(r.limitExceeded()).isEmpty();
        assertThat(r.cancelled()).isFalse();
        assertThat(r.succeeded()).isFalse();
        assertThat(lines).containsExactly("one", "two", "three", "no newline");

        lines.clear();
        SandboxResult ok = run(sandbox(isolation).build(), "exit 0", lines);
        assertThat(ok.succeeded()).isTrue();
        assertThat(lines).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(value = Sandbox.Isolation.class, names = {"NONE", "BUBBLEWRAP"})
    void linesArriveWhileTheCommandRuns(Sandbox.Isolation isolation) throws Exception {
        Sandbox s = sandbox(isolation).build();
        Files.createDirectories(s.workspace());
        CountDownLatch first = new CountDownLatch(1);
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        SandboxRun run = s.start(sh("echo first; sleep 3; echo second"), s.workspace(), l -> {
            lines.add(l);
            first.countDown();
        });
        assertThat(first.await(2, TimeUnit.SECONDS)).as("first line within 2 s").isTrue();
        assertThat(run.finished()).isFalse();
        assertThat(lines).containsExactly("first");
        SandboxResult r = run.await();
        assertThat(r.exitCode()).isZero();
        assertThat(lines).containsExactly("first", "second");
        assertThat(r.elapsed()).isGreaterThanOrEqualTo(Duration.ofSeconds(3));
    }

    @ParameterizedTest
    @EnumSource(value = Sandbox.Isolation.class, names = {"NONE", "BUBBLEWRAP"})
    void timeLimitKillsTheWholeTree(Sandbox.Isolation isolation) throws Exception {
        // unique sleep durations identify the processes on the host
        int a = 100_000 + ThreadLocalRandom.current().nextInt(800_000);
        int b = a + 1;
        Sandbox s = sandbox(isolation).timeLimit(Duration.ofSeconds(3)).build();
        Files.createDirectories(s.workspace());
        SandboxRun run = s.start(sh("sleep " + a + " & sleep " + b), s.workspace(), l -> { });
        List<ProcessHandle> sleepers = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (sleepers.size() < 2 && System.nanoTime() < deadline) {
            sleepers.clear();
            ProcessHandle.allProcesses().filter(p -> p.info().arguments()
                    .map(args -> args.length == 1 && (args[0].equals("" + a) || args[0].equals("" + b)))
                    .orElse(false)).forEach(sleepers::add);
            Thread.sleep(50);
        }
        assertThat(sleepers).as("both sleeps seen running").hasSize(2);
        SandboxResult r = run.await();
        assertThat(r.limitExceeded()).contains("time limit of 3 s");
        assertThat(r.cancelled()).isFalse();
        assertThat(r.exitCode()).isNotZero();
        assertThat(r.elapsed()).isBetween(Duration.ofSeconds(3), Duration.ofSeconds(10));
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (sleepers.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < until) {
            Thread.sleep(50);
        }
        assertThat(sleepers).noneMatch(ProcessHandle::isAlive);
    }

    @ParameterizedTest
    @EnumSource(value = Sandbox.Isolation.class, names = {"NONE", "BUBBLEWRAP"})
    void diskLimitKillsAWriter(Sandbox.Isolation isolation) throws Exception {
        Sandbox s = sandbox(isolation).diskLimitBytes(10_000_000).timeLimit(Duration.ofSeconds(60)).build();
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        SandboxResult r = run(s, "while true; do head -c 1000000 /dev/zero >> big; sleep 0.05; done", lines);
        assertThat(r.limitExceeded()).contains("disk limit of 10 MB");
        assertThat(r.exitCode()).isNotZero();
        assertThat(r.elapsed()).isLessThan(Duration.ofSeconds(20));
        assertThat(Files.size(s.workspace().resolve("big"))).isGreaterThan(10_000_000L);
    }

    @ParameterizedTest
    @EnumSource(value = Sandbox.Isolation.class, names = {"NONE", "BUBBLEWRAP"})
    void cancelStopsTheRun(Sandbox.Isolation isolation) throws Exception {
        Sandbox s = sandbox(isolation).build();
        Files.createDirectories(s.workspace());
        CountDownLatch started = new CountDownLatch(1);
        SandboxRun run = s.start(sh("echo started; sleep 100; echo never"), s.workspace(), l -> started.countDown());
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
        run.cancel();
        SandboxResult r = run.await();
        assertThat(r.cancelled()).isTrue();
        assertThat(r.limitExceeded()).isEmpty();
        assertThat(r.succeeded()).isFalse();
        assertThat(r.elapsed()).isLessThan(Duration.ofSeconds(10));
        assertThat(run.finished()).isTrue();
    }

    @Test
    void bubblewrapConfinesWritesToTheWorkspace() throws Exception {
        Path outside = tmp.resolve("outside");
        Files.createDirectories(outside);
        String probe = "packyard-sandbox-probe-" + ThreadLocalRandom.current().nextInt(1_000_000);
        Sandbox s = sandbox(Sandbox.Isolation.BUBBLEWRAP).env(Map.of("GREETING", "hi")).build();
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        SandboxResult r = run(s, String.join("\n",
                "echo uid=$(id -u) gid=$(id -g)",
                "echo home=$HOME tmp=$TMPDIR greeting=$GREETING",
                "echo inside > \"$HOME/written\" && echo home-writable",
                "touch /opt/" + probe + " 2>/dev/null && echo ESCAPED-opt",
                "touch " + outside.resolve("x") + " 2>/dev/null && echo ESCAPED-outside",
                "touch /usr/" + probe + " 2>/dev/null && echo ESCAPED-usr",
                "mount -o remount,bind,rw / 2>/dev/null && echo ESCAPED-remount",
                "unshare -Ur true 2>/dev/null && echo NESTED-USERNS",
                "echo procs=$(ls /proc | grep -c '^[0-9]')",
                "echo done"), lines);
        assertThat(r.exitCode()).isZero();
        assertThat(lines).contains("uid=65534 gid=65534",
                "home=" + s.home() + " tmp=" + s.tmpDir() + " greeting=hi", "home-writable", "done");
        assertThat(lines).noneMatch(l -> l.startsWith("ESCAPED") || l.startsWith("NESTED"));
        assertThat(Files.readString(s.home().resolve("written"))).isEqualTo("inside\n");
        assertThat(Path.of("/opt", probe)).doesNotExist();
        assertThat(Path.of("/usr", probe)).doesNotExist();
        assertThat(outside.resolve("x")).doesNotExist();
        // own pid namespace: only the sandbox's few processes are visible
        int procs = Integer.parseInt(lines.stream().filter(l -> l.startsWith("procs=")).findFirst().orElseThrow()
                .substring("procs=".length()));
        assertThat(procs).isLessThan(10);
    }

    @Test
    void withoutIsolationHomeAndTmpAreStillInTheWorkspace() throws Exception {
        Sandbox s = sandbox(Sandbox.Isolation.NONE).build();
        List<String> lines = new ArrayList<>();
        assertThat(run(s, "echo $HOME; echo $TMPDIR; pwd", lines).exitCode()).isZero();
        assertThat(lines).containsExactly(s.home().toString(), s.tmpDir().toString(), s.workspace().toString());
        assertThat(s.home()).isDirectory();
    }

    @Test
    void autoUsesBubblewrapWhenItWorks() {
        assertThat(sandbox(Sandbox.Isolation.AUTO).build().isolated()).isTrue();
        assertThat(sandbox(Sandbox.Isolation.NONE).build().isolated()).isFalse();
        assertThat(sandbox(Sandbox.Isolation.AUTO).bwrapExecutable(tmp.resolve("no-bwrap").toString()).build().isolated())
                .isFalse();
    }

    @Test
    void requiredBubblewrapThatIsMissingFailsClearly() {
        Sandbox s = sandbox(Sandbox.Isolation.BUBBLEWRAP).bwrapExecutable(tmp.resolve("no-bwrap").toString()).build();
        assertThatThrownBy(() -> s.run(List.of("true"), tmp, l -> { }))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("bubblewrap is required but does not work here")
                .hasMessageContaining("no-bwrap");
    }

    @Test
    void limitsAreDescribedForPeople() {
        assertThat(Sandbox.describe(Duration.ofSeconds(5))).isEqualTo("5 s");
        assertThat(Sandbox.describe(Duration.ofMinutes(30))).isEqualTo("30 min");
        assertThat(Sandbox.describe(Duration.ofHours(2))).isEqualTo("2 h");
        assertThat(Sandbox.describe(Duration.ofSeconds(90))).isEqualTo("90 s");
        assertThat(Sandbox.describe(Duration.ofMillis(1500))).isEqualTo("1500 ms");
        assertThat(Sandbox.describeBytes(10_000_000)).isEqualTo("10 MB");
        assertThat(Sandbox.describeBytes(2L << 30)).isEqualTo("2 GiB");
        assertThat(Sandbox.describeBytes(1234)).isEqualTo("1234 bytes");
        assertThat(new SandboxResult(0, Optional.empty(), false, Duration.ZERO).succeeded()).isTrue();
        assertThat(new SandboxResult(137, Optional.empty(), false, Duration.ZERO).killedBySignal()).isTrue();
    }

    @Test
    void sizeOfSumsRegularFilesAndToleratesAMissingTree() throws IOException {
        Path d = Files.createDirectories(tmp.resolve("d/e"));
        Files.write(d.resolve("a"), new byte[1000]);
        Files.write(tmp.resolve("d/b"), new byte[234]);
        Files.createSymbolicLink(tmp.resolve("d/link"), d.resolve("a"));
        assertThat(Sandbox.sizeOf(tmp.resolve("d"))).isEqualTo(1234);
        assertThat(Sandbox.sizeOf(tmp.resolve("missing"))).isZero();
    }
}
