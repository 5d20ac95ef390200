package io.packyard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --format onefile} end to end with a real application: examples/hello-cli built through
 * the CLI with the host's CPython 3.11, run as one file with HOME and XDG_CACHE_HOME in a
 * temporary directory and nothing but /usr/bin:/bin on PATH.
 */
@Tag("system")
class OnefileSystemTest {
    static final String GREETING = "(greetlib 0.3.0, Python 3.11.7)";

    static Path onefile;

    @TempDir
    Path tmp;

    @BeforeAll
    static void build() {
        Path out = Builds.build("hello-cli-onefile", "examples/hello-cli", "--python", "host:3.11", "--format", "onefile");
        onefile = out.resolve("hello-cli-1.0.0-linux-x86_64");
        try (Stream<Path> s = Files.list(out)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("hello-cli-1.0.0-linux-x86_64");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        assertThat(onefile).isExecutable();
    }

    record Run(int exit, String out, String err, double millis) {
        Run ok() {
            if (exit != 0) {
                throw new AssertionError("exit " + exit + "\n--- stdout\n" + out + "\n--- stderr\n" + err);
            }
            return this;
        }
    }

    static Map<String, String> env(Path home) {
        Map<String, String> env = new HashMap<>();
        env.put("PATH", "/usr/bin:/bin");
        env.put("HOME", home.toString());
        env.put("XDG_CACHE_HOME", home.resolve("xdg cache").toString());
        return env;
    }

    static Path cacheRoot(Path home) {
        return home.resolve("xdg cache/packyard/onefile");
    }

    static Run run(Map<String, String> env, Path cwd, String... cmd) {
        try {
            Path out = Files.createTempFile("onefile-", ".out");
            Path err = Files.createTempFile("onefile-", ".err");
            try {
                ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
                pb.environment().clear();
                pb.environment().putAll(env);
                if (cwd != null) {
                    pb.directory(cwd.toFile());
                }
                long t0 = System.nanoTime();
                Process p = pb.start();
                assertThat(p.waitFor(5, TimeUnit.MINUTES)).as("finished: %s", List.of(cmd)).isTrue();
                double ms = (System.nanoTime() - t0) / 1e6;
                return new Run(p.exitValue(), Files.readString(out), Files.readString(err), ms);
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The single unpacked copy under {@code home}. */
    static Path copy(Path home) throws IOException {
        try (Stream<Path> s = Files.list(cacheRoot(home))) {
            List<Path> dirs = s.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).toList();
            assertThat(dirs).hasSize(1);
            assertThat(dirs.get(0).getFileName().toString()).matches("hello-cli-[0-9a-f]{32}");
            return dirs.get(0);
        }
    }

    @Test
    void firstStartUnpacksLaterStartsRunWithoutUnpacking() throws IOException {
        List<Double> firstRun = new ArrayList<>();
        List<Double> firstReady = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Path home = tmp.resolve("first-run-" + i);
            Run r = run(env(home), null, onefile.toString(), "--name", "First").ok();
            assertThat(r.out()).isEqualTo("Hello, First! " + GREETING + "\n");
            assertThat(r.err()).isEmpty();
            firstRun.add(r.millis());
            // the start itself, without the application: --packyard-unpack does everything a
            // start does up to exec'ing the application's launcher
            firstReady.add(run(env(tmp.resolve("first-ready-" + i)), null, onefile.toString(), "--packyard-unpack").ok().millis());
        }
        Path home = tmp.resolve("first-run-0");
        Path copy = copy(home);
        assertThat(copy.resolve("python/bin/python3.11")).isExecutable();
        assertThat(copy.resolve("bin/hello")).isExecutable();
        Object inode = Files.getAttribute(copy.resolve("python/bin/python3.11"), "unix:ino");

        List<Double> laterRun = new ArrayList<>();
        List<Double> laterReady = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Run r = run(env(home), null, onefile.toString(), "--name", "Later").ok();
            assertThat(r.out()).isEqualTo("Hello, Later! " + GREETING + "\n");
            assertThat(r.err()).isEmpty();
            laterRun.add(r.millis());
            Run u = run(env(home), null, onefile.toString(), "--packyard-unpack").ok();
            assertThat(u.out()).isEqualTo(copy + "\n");
            laterReady.add(u.millis());
        }
        assertThat(Files.getAttribute(copy.resolve("python/bin/python3.11"), "unix:ino")).as("nothing unpacked again")
                .isEqualTo(inode);

        // the fastest of each: what it costs, without what other processes on the machine add
        double f = Collections.min(firstReady);
        double l = Collections.min(laterReady);
        double fr = Collections.min(firstRun);
        double lr = Collections.min(laterRun);
        System.out.printf("hello-cli onefile (%.1f MB): start until the application runs: first %.1f ms %s, later %.1f ms %s"
                + " (%.1fx); whole run of `hello`: first %.1f ms %s, later %.1f ms %s (%.1fx)%n",
                Files.size(onefile) / 1e6, f, firstReady, l, laterReady, f / l, fr, firstRun, lr, laterRun, fr / lr);
        assertThat(f).as("start: first %s ms, later %s ms", firstReady, laterReady).isGreaterThanOrEqualTo(5 * l);
        assertThat(fr).as("whole run: first %s ms, later %s ms", firstRun, laterRun).isGreaterThan(lr);
    }

    @Test
    void tenSimultaneousFirstStartsAllSucceed() throws Exception {
        Path home = tmp.resolve("home");
        List<Process> ps = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            ProcessBuilder pb = new ProcessBuilder(onefile.toString(), "--name", "Runner " + i)
                    .redirectOutput(tmp.resolve("out" + i).toFile()).redirectError(tmp.resolve("err" + i).toFile());
            pb.environment().clear();
            pb.environment().putAll(env(home));
            ps.add(pb.start());
        }
        for (int i = 0; i < 10; i++) {
            assertThat(ps.get(i).waitFor(5, TimeUnit.MINUTES)).isTrue();
            assertThat(ps.get(i).exitValue()).as(Files.readString(tmp.resolve("err" + i))).isZero();
            assertThat(Files.readString(tmp.resolve("out" + i))).isEqualTo("Hello, Runner " + i + "! " + GREETING + "\n");
        }
        Path copy = copy(home);
        try (Stream<Path> s = Files.list(cacheRoot(home))) {
            assertThat(s.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder(copy.getFileName().toString(), "." + copy.getFileName() + ".lock");
        }
        assertThat(tree(copy)).isEqualTo(pristine());
    }

    @Test
    void aFlippedByteIsDetectedAndRepaired() throws IOException {
        Path home = tmp.resolve("home");
        run(env(home), null, onefile.toString()).ok();
        Path copy = copy(home);
        Map<String, String> pristine = pristine();
        for (String victim : List.of("python/bin/python3.11", "python/lib/libpython3.11.so.1.0",
                "python/lib/python3.11/__pycache__/os.cpython-311.pyc",
                "python/lib/python3.11/site-packages/greetlib/__init__.py", "bin/hello")) {
            Path p = copy.resolve(victim);
            long at = Files.size(p) / 3;
            try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
                f.seek(at);
                int b = f.read();
                f.seek(at);
                f.write(b ^ 0x20);
            }
            assertThat(tree(copy)).as("damaged").isNotEqualTo(pristine);
            Run r = run(env(home), null, onefile.toString(), "--name", "Repaired").ok();
            assertThat(r.out()).isEqualTo("Hello, Repaired! " + GREETING + "\n");
            assertThat(r.err()).as(victim).contains("the unpacked copy " + copy + " is damaged; replacing it");
            assertThat(tree(copy)).as("repaired: %s", victim).isEqualTo(pristine);
        }
    }

    @Test
    void cleanupRemovesTheUnpackedCopy() throws IOException {
        Path home = tmp.resolve("home");
        run(env(home), null, onefile.toString()).ok();
        Path copy = copy(home);
        Run c = run(env(home), tmp, onefile.toString(), "--packyard-cleanup").ok();
        assertThat(c.out()).isEqualTo("removed " + copy + "\n");
        assertThat(copy).doesNotExist();
        assertThat(home.resolve("xdg cache/packyard")).doesNotExist();
        assertThat(run(env(home), null, onefile.toString(), "--packyard-cleanup").ok().out())
                .startsWith("nothing to remove");
    }

    @Test
    void runsFromAnotherDirectoryThroughASymlinkWithExitCodes() throws IOException {
        Path home = tmp.resolve("home");
        Path bin = Files.createDirectories(tmp.resolve("my bin"));
        Path link = bin.resolve("hello");
        Files.createSymbolicLink(link, onefile);
        Path cwd = Files.createDirectories(tmp.resolve("work dir"));
        Run info = run(env(home), cwd, link.toString(), "--info").ok();
        Path copy = copy(home);
        assertThat(info.out()).contains("hello-cli 1.0.0").contains("prefix: " + copy.resolve("python"))
                .contains("greetlib: " + copy.resolve("python/lib/python3.11/site-packages/greetlib/__init__.py"));
        Run fail = run(env(home), cwd, link.toString(), "--fail");
        assertThat(fail.exit()).isEqualTo(3);
        assertThat(fail.err()).contains("hello: failing on purpose");
        Map<String, String> onPath = new HashMap<>(env(home));
        onPath.put("PATH", bin + ":/usr/bin:/bin");
        assertThat(run(onPath, cwd, "sh", "-c", "hello --name 'via PATH'").ok().out())
                .isEqualTo("Hello, via PATH! " + GREETING + "\n");
        assertThat(run(env(home), cwd, link.toString(), "--version").ok().out()).isEqualTo("hello-cli 1.0.0\n");
    }

    /** The tree a fresh first start unpacks, from its own HOME. */
    Map<String, String> pristine() throws IOException {
        Path home = tmp.resolve("pristine");
        if (!Files.exists(home)) {
            run(env(home), null, onefile.toString(), "--packyard-unpack").ok();
        }
        return tree(copy(home));
    }

    static Map<String, String> tree(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) {
                String rel = root.relativize(p).toString();
                if (Files.isSymbolicLink(p)) {
                    out.put(rel, "link " + Files.readSymbolicLink(p));
                } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && !rel.equals(".packyard-onefile-stamp")) {
                    out.put(rel, Integer.toOctalString((Integer) Files.getAttribute(p, "unix:mode") & 0777) + " "
                            + java.util.HexFormat.of().formatHex(sha256(Files.readAllBytes(p))));
                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    out.put(rel, "dir");
                }
            }
        }
        return out;
    }

    private static byte[] sha256(byte[] b) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(b);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
