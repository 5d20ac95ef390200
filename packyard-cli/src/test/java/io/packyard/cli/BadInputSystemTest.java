package io.packyard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input through the real CLI: each case is one line on stderr naming the file, the field and
 * the problem (no stack trace), a non-zero exit (2 for configuration, 1 for build failures), and
 * nothing left in the output directory.
 */
@Tag("system")
class BadInputSystemTest {
    @TempDir
    Path tmp;

    private Builds.Cli build(Path project, String... extra) {
        String[] args = Stream.concat(Stream.of("build", project.toString(), "--out", tmp.resolve("out").toString(),
                "--quiet", "--source-date-epoch", "1700000000"), Stream.of(extra)).toArray(String[]::new);
        return Builds.cli(args);
    }

    private void assertCleanFailure(Builds.Cli r, int exit, String... fragments) throws IOException {
        assertThat(r.exit()).as(r.err()).isEqualTo(exit);
        assertThat(r.err().lines().toList()).as(r.err()).hasSize(1);
        assertThat(r.err()).startsWith("packyard: error: ").contains(fragments)
                .doesNotContain("Exception").doesNotContain("\tat ");
        Path out = tmp.resolve("out");
        if (Files.exists(out)) {
            try (Stream<Path> s = Files.list(out)) {
                assertThat(s.toList()).as("output directory must stay empty").isEmpty();
            }
        }
    }

    private Path project(String name, String extraProject, String extraTool) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(name));
        Files.writeString(dir.resolve("pyproject.toml"), """
                [build-system]
                requires = ["setuptools>=61"]
                build-backend = "setuptools.build_meta"

                [project]
                name = "%s"
                version = "1.0"
                authors = [{ name = "Tests", email = "tests@packyard.example.org" }]
                %s

                [tool.packyard]
                company = "Packyard Tests"
                %s
                """.formatted(name, extraProject, extraTool));
        Files.createDirectories(dir.resolve("src/" + name.replace('-', '_')));
        Files.writeString(dir.resolve("src/" + name.replace('-', '_') + "/__init__.py"), "def main():\n    return 0\n");
        return dir;
    }

    @Test
    void windowsInstallerSettings() throws IOException {
        Path icon = project("bad-icon", "", "[tool.packyard.msi]\nicon = \"missing.ico\"");
        assertCleanFailure(build(icon, "--target", "windows-x64"), 2,
                "pyproject.toml:14: [tool.packyard.msi].icon: missing.ico: no such file");
        Path eula = project("bad-eula", "", "[tool.packyard.msi]\neula = \"LICENSE.rtf\"");
        assertCleanFailure(build(eula, "--target", "windows-x64"), 2,
                "pyproject.toml:14: [tool.packyard.msi].eula: LICENSE.rtf: no such file");
        Path guid = project("bad-guid", "", "[tool.packyard.msi]\nupgrade-code = \"1234-not-a-guid\"");
        assertCleanFailure(build(guid, "--target", "windows-x64"), 2,
                "pyproject.toml:14: [tool.packyard.msi].upgrade-code: '1234-not-a-guid' is not a GUID");
    }

    /** Paths Windows cannot hold stop a Windows build before any package is written. */
    @Test
    void windowsPaths() throws Exception {
        WindowsBuildSystemTest.fixture();
        String python = "archive:" + WindowsBuildSystemTest.fixtureArchive;
        Path cased = project("cased", "", "");
        Files.writeString(cased.resolve("src/cased/Helpers.py"), "X = 1\n");
        Files.writeString(cased.resolve("src/cased/helpers.py"), "X = 2\n");
        assertCleanFailure(build(cased, "--target", "windows-x64", "--format", "msi,zip", "--python", python), 1,
                "bundle paths python/Lib/site-packages/cased/", "elpers.", "differ only in case;"
                        + " on Windows one would overwrite the other");
        Path deep = project("deep", "", "");
        String longName = "m".repeat(200);
        Files.writeString(deep.resolve("src/deep/" + longName + ".py"), "X = 1\n");
        assertCleanFailure(build(deep, "--target", "windows-x64", "--format", "msi,zip", "--python", python), 1,
                "bundle path python/Lib/site-packages/deep/", "once installed under C:\\Program Files\\Packyard Tests\\deep;"
                        + " Windows allows 259");
    }

    @Test
    void noPyproject() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertCleanFailure(build(empty), 2, "pyproject.toml", "no pyproject.toml");
    }

    @Test
    void unknownKeyNamesKeyAndLine() throws IOException {
        Path p = project("badkey", "", "colour = \"red\"");
        assertCleanFailure(build(p), 2, "pyproject.toml:13: [tool.packyard].colour: unknown key");
    }

    @Test
    void wrongType() throws IOException {
        Path p = project("badtype", "", "scripts = \"badtype\"");
        assertCleanFailure(build(p), 2, "pyproject.toml:13: [tool.packyard].scripts: expected an array of strings");
    }

    @Test
    void invalidVersion() throws IOException {
        Path p = project("badversion", "", "");
        Files.writeString(p.resolve("pyproject.toml"),
                Files.readString(p.resolve("pyproject.toml")).replace("version = \"1.0\"", "version = \"1.0.x\""));
        assertCleanFailure(build(p), 2, "pyproject.toml:7: [project].version: '1.0.x' is not a valid PEP 440 version");
    }

    @Test
    void tamperedRecordIsRefused() throws Exception {
        Path links = Files.createDirectories(tmp.resolve("links"));
        Map<String, String> files = new LinkedHashMap<>();
        files.put("evil/__init__.py", "x = 1\n");
        wheel(links, "evil", "1.0", "py3-none-any", files, "evil/__init__.py");
        Path p = project("wants-evil", "dependencies = [\"evil==1.0\"]", "find-links = [\"" + links + "\"]");
        assertCleanFailure(build(p, "--python", "system:3.11"), 1, "evil-1.0-py3-none-any.whl", "RECORD", "evil/__init__.py");
    }

    @Test
    void escapingPathsAreRefused() throws Exception {
        Path links = Files.createDirectories(tmp.resolve("links"));
        Map<String, String> files = new LinkedHashMap<>();
        files.put("sneaky/__init__.py", "");
        files.put("../../../../etc/sneaky.conf", "owned\n");
        wheel(links, "sneaky", "1.0", "py3-none-any", files, null);
        Path p = project("wants-sneaky", "dependencies = [\"sneaky\"]", "find-links = [\"" + links + "\"]");
        assertCleanFailure(build(p, "--python", "system:3.11"), 1, "sneaky-1.0-py3-none-any.whl", "../../../../etc/sneaky.conf");
        assertThat(Path.of("/etc/sneaky.conf")).doesNotExist();
    }

    @Test
    void noWheelForTheTarget() throws Exception {
        Path links = Files.createDirectories(tmp.resolve("links"));
        wheel(links, "winonly", "1.0", "cp311-cp311-win_amd64", Map.of("winonly/__init__.py", ""), null);
        Path p = project("wants-winonly", "dependencies = [\"winonly\"]", "find-links = [\"" + links + "\"]");
        assertCleanFailure(build(p, "--python", "system:3.11"), 1, "winonly", "cp311-cp311-manylinux",
                "winonly-1.0-cp311-cp311-win_amd64.whl");
    }

    @Test
    void scriptThatDoesNotExist() throws Exception {
        Path p = project("noscript", "", "scripts = [\"nope\"]");
        assertCleanFailure(build(p, "--python", "system:3.11"), 2, "[tool.packyard].scripts: 'nope' is not a console script");
    }

    @Test
    void unknownFormatAndTarget() throws Exception {
        Path p = project("fmt", "", "");
        assertCleanFailure(build(p, "--format", "deb,exe"), 2, "--format: unknown format 'exe'");
        assertCleanFailure(build(p, "--target", "amiga-68k"), 2, "--target: unknown target 'amiga-68k'");
    }

    /** {@code packyard build examples/hello-cli --format deb} in a separate JVM (its own environment, signals). */
    private static ProcessBuilder helloCliDebBuild(Path out) {
        return new ProcessBuilder(new java.util.ArrayList<>(java.util.List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "build", Builds.REPO.resolve("examples/hello-cli").toString(), "--python", "host:3.11",
                "--format", "deb", "--out", out.toString())));
    }

    /** A bad PACKYARD_XZ (read from the environment, so a separate process) stops the build before staging. */
    @Test
    void badXzSettingFailsBeforeStaging() throws Exception {
        Path out = tmp.resolve("out-xz");
        ProcessBuilder pb = helloCliDebBuild(out);
        pb.environment().put("PACKYARD_XZ", "zstd");
        Process p = pb.redirectOutput(tmp.resolve("xz.out").toFile()).redirectError(tmp.resolve("xz.err").toFile()).start();
        assertThat(p.waitFor(2, java.util.concurrent.TimeUnit.MINUTES)).isTrue();
        String err = Files.readString(tmp.resolve("xz.err"));
        assertThat(p.exitValue()).as(err).isEqualTo(2);
        assertThat(err.strip()).isEqualTo("packyard: error: PACKYARD_XZ: 'zstd' is not one of auto, liblzma, java");
        assertThat(Files.readString(tmp.resolve("xz.out"))).doesNotContain("Installing", "Provisioning");
        assertThat(out).doesNotExist();
    }

    @Test
    void interruptedBuildLeavesNothing() throws Exception {
        Path out = tmp.resolve("out");
        ProcessBuilder pb = helloCliDebBuild(out);
        pb.command().add("--quiet");
        Process p = pb.redirectErrorStream(true).redirectOutput(tmp.resolve("log").toFile()).start();
        try {
            // wait until the package is being written under its temporary name, then SIGTERM
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(3);
            boolean writing = false;
            while (!writing && p.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(200);
                if (Files.isDirectory(out)) {
                    try (Stream<Path> s = Files.list(out)) {
                        writing = s.anyMatch(f -> f.getFileName().toString().contains(".partial"));
                    }
                }
            }
            assertThat(writing).as(Files.readString(tmp.resolve("log"))).isTrue();
            p.destroy();
            assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        } finally {
            p.destroyForcibly();
        }
        assertThat(out).as("the output directory this build created").doesNotExist();
    }

    /**
     * Writes a wheel with a correct RECORD, except that {@code tamper}'s hash is wrong (if given).
     */
    static Path wheel(Path dir, String name, String version, String tag, Map<String, String> files, String tamper)
            throws Exception {
        String distInfo = name + "-" + version + ".dist-info";
        Map<String, String> all = new LinkedHashMap<>(files);
        all.put(distInfo + "/METADATA", "Metadata-Version: 2.1\nName: " + name + "\nVersion: " + version + "\n");
        all.put(distInfo + "/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: " + tag + "\n");
        StringBuilder record = new StringBuilder();
        for (Map.Entry<String, String> e : all.entrySet()) {
            byte[] b = e.getValue().getBytes(StandardCharsets.UTF_8);
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(e.getKey().equals(tamper) ? "other".getBytes() : b);
            record.append(e.getKey()).append(",sha256=")
                    .append(Base64.getUrlEncoder().withoutPadding().encodeToString(digest)).append(',').append(b.length).append('\n');
        }
        record.append(distInfo).append("/RECORD,,\n");
        all.put(distInfo + "/RECORD", record.toString());
        Path whl = dir.resolve(name + "-" + version + "-" + tag + ".whl");
        try (OutputStream os = Files.newOutputStream(whl); ZipOutputStream zip = new ZipOutputStream(os)) {
            for (Map.Entry<String, String> e : all.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue().getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
            }
        }
        return whl;
    }
}
