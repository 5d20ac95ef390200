package io.packyard.python.upload;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Real distributions pass the validator: Debian's pip, setuptools and wheel wheels
 * (python3-pip-whl, python3-setuptools-whl, python3-wheel-whl), and a wheel and an sdist made by a
 * real build tool (poetry, offline: it bundles poetry-core), which {@code twine check} also passes.
 */
@Tag("system")
class UploadValidatorSystemTest {

    @TempDir
    static Path project;

    static Path wheel;
    static Path sdist;

    @BeforeAll
    static void build() throws Exception {
        Files.createDirectories(project.resolve("src/demo_pkg"));
        Files.writeString(project.resolve("src/demo_pkg/__init__.py"), "def main():\n    return 0\n");
        Files.writeString(project.resolve("README.md"), "# Demo\n");
        Files.writeString(project.resolve("pyproject.toml"), """
                [tool.poetry]
                name = "Demo.Pkg"
                version = "1.0.0rc1"
                description = "A demo package"
                authors = ["A Person <a@example.org>"]
                license = "MIT"
                readme = "README.md"
                packages = [{ include = "demo_pkg", from = "src" }]

                [tool.poetry.dependencies]
                python = ">=3.8"
                requests = ">=2"

                [tool.poetry.scripts]
                demo = "demo_pkg:main"

                [build-system]
                requires = ["poetry-core"]
                build-backend = "poetry.core.masonry.api"
                """);
        run(List.of("poetry", "build"));
        wheel = project.resolve("dist/demo_pkg-1.0.0rc1-py3-none-any.whl");
        sdist = project.resolve("dist/demo_pkg-1.0.0rc1.tar.gz");
        assertThat(wheel).exists();
        assertThat(sdist).exists();
    }

    static String run(List<String> command) throws IOException, InterruptedException {
        return run(command, 0);
    }

    static String run(List<String> command, int expectedExit) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(project.toFile()).redirectErrorStream(true);
        pb.environment().put("POETRY_VIRTUALENVS_CREATE", "false");
        pb.environment().put("POETRY_CACHE_DIR", project.resolve(".poetry-cache").toString());
        pb.environment().put("HOME", project.toString());
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String text = new String(out, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("%s:%n%s", command, text).isEqualTo(expectedExit);
        return text;
    }

    @Test
    void poetryWheelValidates() {
        ValidatedUpload u = UploadValidator.defaults().inspect(wheel, wheel.getFileName().toString());
        assertThat(u.normalizedName()).isEqualTo("demo-pkg");
        assertThat(u.canonicalVersion()).isEqualTo("1.0.0rc1");
        assertThat(u.requiresPython()).contains(">=3.8");
        assertThat(u.pythonVersion()).isEqualTo("py3");
    }

    @Test
    void poetrySdistValidates() {
        ValidatedUpload u = UploadValidator.defaults().inspect(sdist, sdist.getFileName().toString());
        assertThat(u.normalizedName()).isEqualTo("demo-pkg");
        assertThat(u.pythonVersion()).isEqualTo("source");
        assertThat(new String(u.metadata(), StandardCharsets.UTF_8)).contains("Name: demo-pkg").contains("Version: 1.0.0rc1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"pip-23.0.1-py3-none-any.whl", "setuptools-66.1.1-py3-none-any.whl",
        "wheel-0.38.4-py3-none-any.whl"})
    void realWheelsFromDebianValidate(String filename) {
        Path real = Path.of("/usr/share/python-wheels", filename);
        assertThat(real).as("Debian's python3-pip-whl / python3-setuptools-whl / python3-wheel-whl").exists();
        ValidatedUpload u = UploadValidator.defaults().inspect(real, filename);
        String project = filename.substring(0, filename.indexOf('-'));
        assertThat(u.normalizedName()).isEqualTo(project);
        assertThat(u.canonicalVersion()).isEqualTo(filename.split("-")[1]);
        assertThat(u.sha256()).isEqualTo(io.packyard.python.index.Hashes.sha256(real));
        assertThat(new String(u.metadata(), StandardCharsets.UTF_8)).startsWith("Metadata-Version: ");
    }

    @Test
    void twineAgreesTheFilesAreWellFormed() throws Exception {
        String out = run(List.of("twine", "check", "--strict", wheel.toString(), sdist.toString()));
        assertThat(out).contains("PASSED");
    }

    @Test
    void twineUploadIsAcceptedByTheValidator() throws Exception {
        // twine (the reference client) against the stand-in index that runs the real validator on
        // every form it receives: proves the validator accepts exactly what twine sends
        String token = "pypi-test-token";
        String auth = "Basic " + java.util.Base64.getEncoder().encodeToString(("__token__:" + token)
                .getBytes(StandardCharsets.UTF_8));
        Path storage = Files.createTempDirectory(project, "index");
        try (FakeUploadIndex index = new FakeUploadIndex(storage, auth)) {
            List<String> upload = List.of("twine", "upload", "--non-interactive", "--disable-progress-bar",
                    "--repository-url", index.url(), "-u", "__token__", "-p", token, wheel.toString(), sdist.toString());
            run(upload);
            assertThat(index.stored).containsOnlyKeys(wheel.getFileName().toString(), sdist.getFileName().toString());
            FakeUploadIndex.Received got = index.received.get(0);
            assertThat(got.one("name")).isEqualTo("demo-pkg");
            assertThat(got.one(":action")).isEqualTo("file_upload");

            // another file under a stored name: twine --skip-existing recognises the answer
            index.stored.put(wheel.getFileName().toString(), new byte[] {1, 2, 3});
            // (twine shows the body only with --verbose; PyPI also puts the reason in the status line)
            List<String> verbose = new java.util.ArrayList<>(upload);
            verbose.add(2, "--verbose");
            assertThat(run(verbose, 1)).contains("File already exists");
            List<String> skip = new java.util.ArrayList<>(upload);
            skip.add(2, "--skip-existing");
            assertThat(run(skip)).contains("Skipping " + wheel.getFileName());
        }
    }
}
