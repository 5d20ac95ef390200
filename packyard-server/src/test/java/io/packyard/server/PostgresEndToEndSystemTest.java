package io.packyard.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.repository.auth.Permission;
import io.packyard.repository.index.IndexSpec;
import io.packyard.testkit.TestDistributions;
import io.packyard.testkit.TestPostgres;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** twine uploads and pip installs against a server whose metadata lives in PostgreSQL. */
@Tag("system")
class PostgresEndToEndSystemTest {

    @TempDir
    Path dir;

    @Test
    void uploadAndInstallWithPostgresql() throws Exception {
        try (TestPostgres pg = TestPostgres.start()) {
            String url = pg.createDatabase("e2e");
            PackyardServer server = PackyardServer.builder().dataDir(dir.resolve("data")).databaseUrl(url).port(0)
                    .log(new RecordingLog()).build().start();
            try {
                assertThat(server.repository().database().dialect().name()).isEqualTo("POSTGRESQL");
                server.repository().indexes().create(IndexSpec.hosted("main"));
                String token = server.repository().tokens().create("ci", "main", Optional.empty(), Permission.UPLOAD,
                        Optional.empty(), Optional.empty()).secret();
                Path dist = dir.resolve("dist");
                Path app = TestDistributions.wheel("pg-app", "1.0").requires("pg-helper").build(dist);
                Path helper = TestDistributions.wheel("pg-helper", "3.0").build(dist);
                Proc.run(List.of("twine", "upload", "--repository-url", server.url() + "main/", "-u", "__token__",
                        "-p", token, "--non-interactive", "--disable-progress-bar", app.toString(), helper.toString()),
                        dir, Map.of("HOME", dir.toString()), Duration.ofMinutes(2)).ok();
                Path target = dir.resolve("site");
                Proc.pip(dir, "install", "--no-cache-dir", "--index-url", server.url() + "main/simple/",
                        "--target", target.toString(), "pg-app").ok();
                assertThat(target.resolve("pg_app/__init__.py")).exists();
                assertThat(target.resolve("pg_helper/__init__.py")).content().contains("VERSION = \"3.0\"");
            } finally {
                server.stop();
            }
        }
    }
}
