package io.packyard.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.repository.Repository;
import io.packyard.repository.index.IndexConfig;
import io.packyard.repository.index.IndexSpec;
import io.packyard.testkit.TestDistributions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Poetry (Debian's /usr/bin/poetry) locks and installs a project whose only source is the server. */
@Tag("system")
class PoetrySystemTest {

    @TempDir
    static Path dir;

    static PackyardServer server;
    static RecordingLog log = new RecordingLog();

    @BeforeAll
    static void start() throws Exception {
        server = PackyardServer.builder().dataDir(dir.resolve("data")).port(0).log(log).build().start();
        Repository repo = server.repository();
        IndexConfig main = repo.indexes().create(IndexSpec.hosted("main"));
        Path d = dir.resolve("dist");
        Seed.store(repo, main, TestDistributions.wheel("demo-app", "1.0").requires("helper>=1.0").build(d), "demo-app", "1.0");
        Seed.store(repo, main, TestDistributions.wheel("helper", "1.0").build(d), "helper", "1.0");
        Seed.store(repo, main, TestDistributions.wheel("helper", "1.5").build(d), "helper", "1.5");
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    /**
     * The only source, PyPI disabled: {@code priority = "primary"} since Poetry 1.5; older Poetry
     * (Debian bookworm has 1.3) spells it {@code default = true}.
     */
    static String sourcePriority() {
        Proc.Result v = Proc.run(List.of("/usr/bin/poetry", "--version"), dir, Map.of("HOME", dir.toString()),
                Duration.ofMinutes(1)).ok();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)\\.(\\d+)").matcher(v.output());
        assertThat(m.find()).as(v.output()).isTrue();
        int major = Integer.parseInt(m.group(1));
        int minor = Integer.parseInt(m.group(2));
        return major > 1 || minor >= 5 ? "priority = \"primary\"" : "default = true";
    }

    @Test
    void poetryLocksAndInstallsFromTheServer() throws Exception {
        Path project = dir.resolve("consumer");
        Files.createDirectories(project);
        Files.writeString(project.resolve("pyproject.toml"), """
                [tool.poetry]
                name = "consumer"
                version = "0.1.0"
                description = "uses packages from a packyard index"
                authors = ["Packyard Tests <tests@packyard.invalid>"]

                [tool.poetry.dependencies]
                python = "^3.11"
                demo-app = "^1.0"

                [[tool.poetry.source]]
                name = "packyard"
                url = "%s"
                %s

                [build-system]
                requires = ["poetry-core"]
                build-backend = "poetry.core.masonry.api"
                """.formatted(server.url() + "main/simple/", sourcePriority()));
        Map<String, String> env = Map.of(
                "HOME", dir.toString(),
                "POETRY_CACHE_DIR", dir.resolve("poetry-cache").toString(),
                "POETRY_CONFIG_DIR", dir.resolve("poetry-config").toString(),
                "POETRY_DATA_DIR", dir.resolve("poetry-data").toString(),
                "POETRY_VIRTUALENVS_IN_PROJECT", "true",
                "POETRY_NO_INTERACTION", "1",
                "XDG_CACHE_HOME", dir.resolve("xdg-cache").toString());
        Proc.run(List.of("/usr/bin/poetry", "lock", "--no-interaction"), project, env, Duration.ofMinutes(3)).ok();
        String lock = Files.readString(project.resolve("poetry.lock"));
        assertThat(lock).contains("name = \"demo-app\"").contains("name = \"helper\"").contains("version = \"1.5\"")
                .contains("demo_app-1.0-py3-none-any.whl");
        Proc.run(List.of("/usr/bin/poetry", "install", "--no-root", "--no-interaction"), project, env,
                Duration.ofMinutes(3)).ok();
        Proc.Result r = Proc.run(List.of(project.resolve(".venv/bin/python").toString(), "-c",
                "import demo_app, helper; print(demo_app.VERSION, helper.VERSION)"), project, Map.of(), Duration.ofMinutes(1)).ok();
        assertThat(r.output().strip()).isEqualTo("1.0 1.5");
        assertThat(log.requestsTo("GET", "/main/files/")).isNotEmpty();
    }
}
