package io.packyard.bundle.project;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.packyard.python.PackyardException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The project's wheel through its PEP 517 backend, offline and without build isolation, on the
 * pyenv CPythons of this machine: 3.11 has setuptools but not the wheel package setuptools < 70.1
 * needs, 3.12 has no setuptools at all; both must build from what the host has.
 */
@Tag("system")
class Pep517BuilderSystemTest {
    static final Path PY311 = Path.of("/root/.pyenv/versions/3.11.7/bin/python3.11");
    static final Path PY312 = Path.of("/root/.pyenv/versions/3.12.1/bin/python3.12");

    @TempDir
    Path tmp;

    private Path project() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("proj"));
        Files.writeString(dir.resolve("pyproject.toml"), """
                [build-system]
                requires = ["setuptools>=61"]
                build-backend = "setuptools.build_meta"

                [project]
                name = "demo-pkg"
                version = "2.1"
                """);
        Files.createDirectories(dir.resolve("src/demo_pkg"));
        Files.writeString(dir.resolve("src/demo_pkg/__init__.py"), "VALUE = 42\n");
        return dir;
    }

    private Pep517Builder builder(Path python, Path fallbackWheels) {
        return Pep517Builder.builder().python(python).sourceDateEpoch(1700000000L).fallbackWheels(fallbackWheels).build();
    }

    @Test
    void setuptoolsWithoutTheWheelPackageStillBuilds() throws Exception {
        Path src = project();
        // no /usr/share/python-wheels: the wheel package must come from elsewhere on the host
        Path wheel = builder(PY311, tmp.resolve("no-such-dir")).buildWheel(src,
                new Project.BuildSystem("setuptools.build_meta", List.of(), List.of()), tmp.resolve("out"), "proj");
        assertThat(wheel.getFileName().toString()).isEqualTo("demo_pkg-2.1-py3-none-any.whl");
        // the source tree is left as it was: no build/ or egg-info
        try (var s = Files.list(src)) {
            assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactlyInAnyOrder("pyproject.toml", "src");
        }
        try (var s = Files.list(src.resolve("src"))) {
            assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactly("demo_pkg");
        }
    }

    @Test
    void interpreterWithoutSetuptoolsUsesItsOwnTestWheels() throws Exception {
        Path wheel = builder(PY312, Path.of("/usr/share/python-wheels")).buildWheel(project(),
                new Project.BuildSystem("setuptools.build_meta", List.of(), List.of()), tmp.resolve("out"), "proj");
        assertThat(wheel).exists();
    }

    @Test
    void buildsTheSdistThroughTheSameBackend() throws Exception {
        // 3.12 has no setuptools: the sdist hook gets the same offline fallback as the wheel hook
        Path src = project();
        Path sdist = builder(PY312, Path.of("/usr/share/python-wheels")).buildSdist(src,
                new Project.BuildSystem("setuptools.build_meta", List.of(), List.of()), tmp.resolve("sdist"), "proj");
        assertThat(sdist.getParent()).isEqualTo(tmp.resolve("sdist"));
        assertThat(sdist.getFileName().toString()).endsWith("-2.1.tar.gz");
        List<String> names = new java.util.ArrayList<>();
        try (var in = new java.util.zip.GZIPInputStream(Files.newInputStream(sdist));
                var tar = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(in)) {
            for (var e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                names.add(e.getName().replaceFirst("^[^/]+/", ""));
            }
        }
        assertThat(names).contains("PKG-INFO", "pyproject.toml", "src/demo_pkg/__init__.py");
        try (var s = Files.list(src)) {
            assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactlyInAnyOrder("pyproject.toml", "src");
        }
    }

    @Test
    void missingBackendIsAOneLineError() throws Exception {
        assertThatThrownBy(() -> builder(PY311, tmp.resolve("none")).buildWheel(project(),
                new Project.BuildSystem("no_such_backend.build", List.of(), List.of()), tmp.resolve("out"), "proj/pyproject.toml"))
                .isInstanceOf(PackyardException.class)
                .hasMessage("proj/pyproject.toml: [build-system].build-backend: 'no_such_backend.build' is not importable by "
                        + PY311 + " (install it on the host; Packyard builds offline without build isolation)");
        assertThat(tmp.resolve("out")).satisfiesAnyOf(
                p -> assertThat(p).doesNotExist(), p -> assertThat(p).isEmptyDirectory());
    }
}
