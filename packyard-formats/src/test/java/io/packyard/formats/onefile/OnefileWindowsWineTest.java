package io.packyard.formats.onefile;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.bundle.Bundle;
import io.packyard.bundle.Command;
import io.packyard.bundle.Target;
import io.packyard.formats.testkit.Packages;
import io.packyard.formats.testkit.WindowsFixtureBundle;
import io.packyard.testkit.FixturePython;
import io.packyard.testkit.FixturePython.LogEntry;
import io.packyard.testkit.FixturePython.Report;
import io.packyard.testkit.Wine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Windows onefile under wine (its own prefix): a windows-x64 fixture bundle (the mingw-built
 * stand-in python.exe, Packyard's launchers) written as one .exe by {@link OnefileFormat} with
 * {@code onefile/stub-windows.c}'s committed stub. The first start unpacks into
 * %LOCALAPPDATA%\Packyard\onefile\&lt;name&gt;-&lt;id&gt;\ and starts Scripts\&lt;command&gt;.exe as
 * a child with the arguments exactly; the exit code comes back; a second start unpacks nothing.
 */
@Tag("system")
class OnefileWindowsWineTest {
    private static final String NAME = "h3-onefile-win";

    @TempDir
    static Path tmp;

    static Wine wine;
    static WindowsFixtureBundle fixture;
    static Bundle bundle;
    static Path exe;

    @BeforeAll
    static void build() throws Exception {
        wine = Wine.create(tmp.resolve("prefix"));
        fixture = WindowsFixtureBundle.named(NAME).withoutHooks();
        Bundle staged = fixture.build(tmp.resolve("stage"));
        // the commands as the pipeline names them (Scripts\<name>.exe)
        bundle = OnefileFormatTest.withTarget(staged, Target.WINDOWS_X64, List.of(
                new Command(fixture.command(), "Scripts/" + fixture.command() + ".exe", false),
                new Command(fixture.guiCommand(), "Scripts/" + fixture.guiCommand() + ".exe", true)));
        Path built = Packages.build(new OnefileFormat(), bundle, tmp.resolve("dist"));
        // into the prefix, under a folder with a space, as a user would download it
        exe = Files.createDirectories(wine.driveC().resolve("Downloads here")).resolve(built.getFileName());
        Files.copy(built, exe);
    }

    @AfterAll
    static void stop() throws IOException {
        if (wine != null) {
            wine.close();
        }
    }

    private static Wine.Result run(Path program, List<String> args, Map<String, String> env) throws IOException {
        Wine.Result r = wine.run(program, args, env, Duration.ofMinutes(1));
        assertThat(r.timedOut()).as(r.toString()).isFalse();
        return r;
    }

    /** The default cache root: %LOCALAPPDATA%\Packyard\onefile of the prefix's user. */
    private static Path defaultRoot() throws IOException {
        try (Stream<Path> users = Files.list(wine.driveC().resolve("users"))) {
            return users.map(u -> u.resolve("AppData/Local/Packyard/onefile")).filter(Files::isDirectory).findFirst()
                    .orElseThrow(() -> new AssertionError("no Packyard\\onefile under any user's AppData\\Local"));
        }
    }

    @Test
    void namedPickedAndReproducible() throws IOException {
        assertThat(exe.getFileName().toString()).isEqualTo(NAME + "-1.0-windows-x64.exe");
        byte[] file = Files.readAllBytes(exe);
        byte[] stub = OnefileFormat.stub(Target.WINDOWS_X64, false);
        assertThat(java.util.Arrays.copyOf(file, stub.length)).as("the console stub (default command is a console script)")
                .isEqualTo(stub);
        Path again = Packages.build(new OnefileFormat(), bundle, tmp.resolve("dist-again"));
        assertThat(Files.readAllBytes(again)).as("two builds, the same bytes").isEqualTo(file);
        OnefileReader r = new OnefileReader(file);
        assertThat(r.target).isEqualTo("windows-x64");
    }

    @Test
    void firstStartUnpacksRunsTheCommandAndLaterStartsReuseTheCopy() throws Exception {
        List<String> args = List.of("plain", "with space", "quote\"inside", "back\\slash", "trailing\\", "",
                "ünïcødé ✓ 日本", "%PATH%", "a&b|c^d", "--packyard-help", "--");
        Map<String, String> env = new HashMap<>();
        env.put(FixturePython.EXIT_VARIABLE, "7");
        env.put("PACKYARD_ONEFILE_DEBUG", "1");
        Wine.Result first = run(exe, args, env);
        assertThat(first.exitCode()).as(first.toString()).isEqualTo(7);
        assertThat(first.stderr()).contains("debug: unpacking into").contains("debug: unpacked and checked");

        Path root = defaultRoot();
        List<Path> copies;
        try (Stream<Path> s = Files.list(root)) {
            copies = s.filter(p -> p.getFileName().toString().startsWith(NAME + "-")).toList();
        }
        assertThat(copies).as("one copy named <name>-<content id>").singleElement();
        Path copy = copies.get(0);
        assertThat(copy.getFileName().toString()).matches(NAME + "-[0-9a-f]{32}");
        try (Stream<Path> s = Files.list(root)) {
            assertThat(s.map(p -> p.getFileName().toString())).as("no temporary tree left")
                    .noneMatch(n -> n.endsWith(".tmp") || n.endsWith(".trash"));
        }
        Path launcher = copy.resolve("Scripts/" + fixture.command() + ".exe");
        Report report = FixturePython.parseReport(first.stdout());
        assertThat(report.executable()).isEqualTo(wine.toWindows(copy.resolve("python/python.exe")))
                .contains("\\AppData\\Local\\Packyard\\onefile\\" + NAME + "-");
        assertThat(report.code().orElseThrow()).contains("fixture_app.cli");
        List<String> expected = new ArrayList<>(List.of("-c", wine.toWindows(launcher)));
        expected.addAll(args);
        assertThat(report.sysArgv()).as("the arguments arrive exactly").containsExactlyElementsOf(expected);
        assertThat(Files.readString(copy.resolve("data/version.txt"))).isEqualTo("1.0\n");
        assertThat(Files.getLastModifiedTime(copy.resolve("data/version.txt")).toMillis())
                .isEqualTo(bundle.sourceDateEpoch() * 1000);

        // the second start: nothing unpacked (same files, a marker left in the copy survives)
        Object pythonKey = Files.readAttributes(copy.resolve("python/python.exe"), BasicFileAttributes.class).fileKey();
        Files.writeString(copy.resolve("marker-from-the-test"), "x");
        Wine.Result second = run(exe, List.of("again"), Map.of("PACKYARD_ONEFILE_DEBUG", "1"));
        assertThat(second.exitCode()).as(second.toString()).isZero();
        assertThat(second.stderr()).contains("debug: the unpacked copy matches").doesNotContain("unpacking");
        assertThat(FixturePython.parseReport(second.stdout()).sysArgv()).containsExactly("-c", wine.toWindows(launcher), "again");
        assertThat(copy.resolve("marker-from-the-test")).exists();
        assertThat(Files.readAttributes(copy.resolve("python/python.exe"), BasicFileAttributes.class).fileKey())
                .as("python.exe is the same file").isEqualTo(pythonKey);
        Files.delete(copy.resolve("marker-from-the-test"));
    }

    @Test
    void concurrentFirstStartsAllSucceedAndLeaveOneCompleteCopy() throws Exception {
        Path cache = wine.driveC().resolve("cache-concurrent");
        Map<String, String> env = Map.of("PACKYARD_ONEFILE_CACHE", wine.toWindows(cache));
        // an interrupted earlier first start left half a tree
        Path half = Files.createDirectories(cache.resolve("." + NAME + "-" + "0".repeat(32) + ".1-1.tmp/python"));
        List<Process> ps = new ArrayList<>();
        // ten first starts at once, as the Linux onefile test does
        for (int i = 0; i < 10; i++) {
            ps.add(wine.start(exe, List.of("run" + i), env, tmp.resolve("c" + i + ".out"), tmp.resolve("c" + i + ".err")));
        }
        for (int i = 0; i < ps.size(); i++) {
            assertThat(ps.get(i).waitFor(2, TimeUnit.MINUTES)).isTrue();
            String out = Files.readString(tmp.resolve("c" + i + ".out"));
            assertThat(ps.get(i).exitValue()).as(out + Files.readString(tmp.resolve("c" + i + ".err"))).isZero();
            assertThat(FixturePython.parseReport(out).sysArgv()).endsWith("run" + i);
        }
        List<String> names;
        try (Stream<Path> s = Files.list(cache)) {
            names = s.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertThat(names.stream().filter(n -> n.startsWith(NAME + "-"))).singleElement();
        assertThat(names).noneMatch(n -> n.endsWith(".tmp") && !n.contains("0".repeat(32)))
                .noneMatch(n -> n.endsWith(".trash"));
        assertThat(half.getParent()).as("another version's leftover is not ours to remove here").exists();

        // a leftover of this version's interrupted unpack goes with the next unpack
        String copy = names.stream().filter(n -> n.startsWith(NAME + "-")).findFirst().orElseThrow();
        Path leftover = Files.createDirectories(cache.resolve("." + copy + ".99-1.tmp/python"));
        Files.writeString(cache.resolve(copy).resolve("data/version.txt"), "tampered, longer\n");
        Wine.Result r = run(exe, List.of("repaired"), env);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stderr()).contains("is damaged or incomplete; replacing it");
        assertThat(Files.readString(cache.resolve(copy).resolve("data/version.txt"))).isEqualTo("1.0\n");
        assertThat(leftover.getParent()).doesNotExist();

        Wine.Result clean = run(exe, List.of("--packyard-cleanup"), env);
        assertThat(clean.exitCode()).as(clean.toString()).isZero();
        assertThat(clean.stdout()).contains("removed ");
        assertThat(cache.resolve(copy)).doesNotExist();
    }

    @Test
    void closingTheStubKillsTheApplication() throws Exception {
        Path cache = wine.driveC().resolve("cache-kill");
        Path log = tmp.resolve("kill.log");
        Map<String, String> env = Map.of("PACKYARD_ONEFILE_CACHE", wine.toWindows(cache),
                FixturePython.LOG_VARIABLE, wine.toWindows(log), FixturePython.SLEEP_VARIABLE, "4000");
        // control: left alone, the fixture finishes its sleep
        assertThat(run(exe, List.of("control"), env).exitCode()).isZero();
        assertThat(FixturePython.readLog(log)).extracting(LogEntry::mode).containsExactly("-c", "finished");
        Files.delete(log);

        Process p = wine.start(exe, List.of("killed"), env, tmp.resolve("kill.out"), tmp.resolve("kill.err"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (FixturePython.readLog(log).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(FixturePython.readLog(log)).as("the application started").hasSize(1);
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        Thread.sleep(6000);
        assertThat(FixturePython.readLog(log)).as("the application died with the stub")
                .extracting(LogEntry::mode).containsExactly("-c");
    }

    @Test
    void aBareStubFailsCleanly() throws IOException {
        Path bare = wine.driveC().resolve("bare.exe");
        Files.write(bare, OnefileFormat.stub(Target.WINDOWS_X64, false));
        Wine.Result r = run(bare, List.of(), Map.of());
        assertThat(r.exitCode()).isEqualTo(101);
        assertThat(r.stderr()).contains("bare.exe: this file has no Packyard onefile payload");
    }
}
