package io.packyard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code packyard build --format wheel,sdist}: the project's own wheel and its sdist from its PEP
 * 517 backend, under their standard names (PEP 427, PEP 625), checked with the real tools: twine
 * check passes on both, pip installs the wheel offline in a venv and the command runs, pip builds
 * a wheel from the sdist, and the sdist is reproducible.
 */
@Tag("system")
class WheelSdistSystemTest {
    private static final String PYTHON = "/root/.pyenv/versions/3.11.7/bin/python3.11";

    @TempDir
    static Path tmp;

    private static Path out;

    @BeforeAll
    static void build() {
        out = Builds.build("hello-cli-wheel-sdist", "examples/hello-cli", "--python", "host:3.11", "--format", "wheel,sdist");
    }

    @Test
    void writesExactlyTheWheelAndTheSdistUnderTheirStandardNames() throws Exception {
        try (Stream<Path> s = Files.list(out)) {
            assertThat(s.map(p -> p.getFileName().toString()).sorted().toList())
                    .containsExactly("hello_cli-1.0.0-py3-none-any.whl", "hello_cli-1.0.0.tar.gz");
        }
        // PEP 625: one top-level directory named like the file, holding PKG-INFO; pyproject.toml and sources
        List<String> names = new ArrayList<>();
        List<Long> mtimes = new ArrayList<>();
        try (InputStream in = Files.newInputStream(out.resolve("hello_cli-1.0.0.tar.gz"));
                TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(in))) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                names.add(e.getName());
                mtimes.add(e.getModTime().getTime() / 1000);
                assertThat(e.getUserId()).isZero();
                assertThat(e.isFile() || e.isDirectory()).as(e.getName()).isTrue();
            }
        }
        assertThat(names).allMatch(n -> n.startsWith("hello_cli-1.0.0/"));
        assertThat(names).contains("hello_cli-1.0.0/", "hello_cli-1.0.0/PKG-INFO", "hello_cli-1.0.0/pyproject.toml",
                "hello_cli-1.0.0/src/hello_cli/main.py");
        assertThat(mtimes).containsOnly(Builds.EPOCH);
    }

    @Test
    void twineCheckPassesOnBoth() {
        // --strict: a warning (such as a long description that does not render) fails too
        Sh.Result r = Sh.run(Map.of("COLUMNS", "500"), out,
                List.of("twine", "check", "--strict", "hello_cli-1.0.0-py3-none-any.whl", "hello_cli-1.0.0.tar.gz")).ok();
        // rich pads lines and may colour PASSED
        assertThat(r.output().replaceAll("\u001B\\[[0-9;]*m", "").lines().map(String::strip))
                .containsExactly("Checking hello_cli-1.0.0-py3-none-any.whl: PASSED",
                        "Checking hello_cli-1.0.0.tar.gz: PASSED");
    }

    @Test
    void pipInstallsTheWheelOfflineAndBuildsTheSdist() throws Exception {
        Path venv = tmp.resolve("venv");
        Sh.run(PYTHON, "-m", "venv", venv.toString()).ok();
        String pip = venv.resolve("bin/pip").toString();
        // greetlib (hello-cli's local dependency, on no index) as a wheel beside it, built by pip itself
        Path links = Files.createDirectories(tmp.resolve("links"));
        Path greetlib = tmp.resolve("greetlib");
        copy(Builds.REPO.resolve("examples/hello-cli/libs/greetlib"), greetlib);
        Sh.run(pip, "install", "--no-index", "/usr/share/python-wheels/wheel-0.38.4-py3-none-any.whl").ok();
        Sh.run(pip, "wheel", "--no-index", "--no-build-isolation", "--no-deps", "-w", links.toString(),
                greetlib.toString()).ok();

        Sh.run(pip, "install", "--no-index", "--find-links", out.toString(), "--find-links", links.toString(),
                "hello-cli==1.0.0").ok();
        Sh.Result hello = Sh.runClean(Map.of("PATH", "/usr/bin:/bin"), venv.resolve("bin/hello").toString(),
                "--name", "wheel").ok();
        assertThat(hello.output()).contains("Hello, wheel!");
        assertThat(Sh.run(pip, "show", "-f", "hello-cli").ok().output()).contains("Version: 1.0.0");

        // the sdist builds into the same project's wheel
        Path built = Files.createDirectories(tmp.resolve("from-sdist"));
        Sh.run(pip, "wheel", "--no-index", "--no-build-isolation", "--no-deps", "-w", built.toString(),
                out.resolve("hello_cli-1.0.0.tar.gz").toString()).ok();
        assertThat(built.resolve("hello_cli-1.0.0-py3-none-any.whl")).isRegularFile();
    }

    @Test
    void theSdistIsReproducible() throws Exception {
        Path again = Builds.build("hello-cli-sdist-again", "examples/hello-cli", "--python", "host:3.11", "--format", "sdist");
        assertThat(Files.readAllBytes(again.resolve("hello_cli-1.0.0.tar.gz")))
                .isEqualTo(Files.readAllBytes(out.resolve("hello_cli-1.0.0.tar.gz")));
    }

    private static void copy(Path from, Path to) throws Exception {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path d = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(d);
                } else {
                    Files.copy(p, d);
                }
            }
        }
    }
}
