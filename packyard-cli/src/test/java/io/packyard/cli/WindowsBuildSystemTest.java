package io.packyard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.testkit.FixturePython;
import io.packyard.testkit.FixtureWindowsInterpreter;
import io.packyard.testkit.Wine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code packyard build --target windows-x64} on Linux, end to end through the CLI: the project's
 * wheel built on the host, its dependencies chosen for Windows, the Windows install scheme, .exe
 * launchers, bytecode, and the portable .zip run under wine. The Windows interpreter is
 * {@link FixtureWindowsInterpreter}, a TEST FIXTURE (no Windows CPython can be had here): the
 * launchers are proven to reach it with the right entry point and arguments.
 */
@Tag("system")
class WindowsBuildSystemTest {
    private static final Path HOST_312 = Path.of(System.getProperty("user.home"), ".pyenv/versions/3.12.1");
    static Path fixtureArchive;

    /** The fixture interpreter archive, made once per test run (shared with WindowsInstallerSystemTest). */
    @BeforeAll
    static synchronized void fixture() throws Exception {
        if (fixtureArchive != null) {
            return;
        }
        Path dir = Builds.OUT.resolve("windows-fixture-interpreter");
        Files.createDirectories(dir);
        fixtureArchive = FixtureWindowsInterpreter.archive(dir, HOST_312, "3.12.1");
    }

    static Path build() {
        return Builds.build("hello-cli-windows", "examples/hello-cli", "--target", "windows-x64", "--format", "zip",
                "--python", "archive:" + fixtureArchive);
    }

    private static List<String> names(Path zip) throws IOException {
        List<String> out = new ArrayList<>();
        try (ZipFile z = new ZipFile(zip.toFile())) {
            for (ZipEntry e : java.util.Collections.list(z.entries())) {
                out.add(e.getName());
            }
        }
        return out;
    }

    @Test
    void zipHasTheWindowsLayout() throws Exception {
        Path zip = Builds.file(build(), ".zip");
        List<String> names = names(zip);
        String top = names.get(0).substring(0, names.get(0).indexOf('/') + 1);
        assertThat(names).allMatch(n -> n.startsWith(top));
        List<String> rel = names.stream().map(n -> n.substring(top.length())).toList();
        assertThat(rel).contains("python/python.exe", "python/pythonw.exe", "Scripts/hello.exe", "hooks/post-install.exe")
                .anyMatch(n -> n.startsWith("python/Lib/site-packages/hello_cli/") && n.endsWith(".py"))
                .anyMatch(n -> n.startsWith("python/Lib/site-packages/hello_cli/__pycache__/") && n.endsWith(".cpython-312.pyc"))
                .anyMatch(n -> n.startsWith("python/Lib/site-packages/greetlib"))
                .noneMatch(n -> n.startsWith("bin/") || n.contains("/bin/python"));
        // the RECORD lists the launcher under its Windows name
        assertThat(rel).anyMatch(n -> n.matches("python/Lib/site-packages/hello_cli-1\\.0\\.0\\.dist-info/RECORD"));
    }

    @Test
    void launcherFromTheZipReachesTheInterpreterUnderWine() throws Exception {
        Path zip = Builds.file(build(), ".zip");
        Path root = Builds.OUT.resolve("windows-zip-wine");
        deleteTree(root);
        Path unpacked = root.resolve("apps dir");
        Files.createDirectories(unpacked);
        assertThat(Sh.run("unzip", "-q", zip.toString(), "-d", unpacked.toString()).exit()).isZero();
        Path top;
        try (Stream<Path> s = Files.list(unpacked)) {
            top = s.findFirst().orElseThrow();
        }
        try (Wine wine = Wine.create(root.resolve("prefix"))) {
            Wine.Result r = wine.run(top.resolve("Scripts/hello.exe"), List.of("World", "two words"), Map.of(),
                    Duration.ofMinutes(2));
            assertThat(r.exitCode()).as(r.toString()).isZero();
            FixturePython.Report report = FixturePython.parseReport(r.stdout());
            assertThat(report.executable().replace('\\', '/').toLowerCase()).endsWith("/python/python.exe");
            assertThat(report.code()).hasValueSatisfying(c -> assertThat(c).contains("hello_cli.main").contains("main"));
            // before the launcher's code runs, sys.argv is ["-c", <launcher>, args...]; the code pops "-c"
            assertThat(report.sysArgv().get(0)).isEqualTo("-c");
            assertThat(report.sysArgv().get(1).replace('\\', '/').toLowerCase()).endsWith("/scripts/hello.exe");
            assertThat(report.sysArgv().subList(2, report.sysArgv().size())).containsExactly("World", "two words");
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
