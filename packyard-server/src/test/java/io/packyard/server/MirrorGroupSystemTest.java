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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * A group of a hosted index and a mirror of a second Packyard server (standing in for PyPI):
 * pip installs through it, an internal name is never shadowed by upstream, and installs keep
 * working from the cache when upstream is down.
 */
@Tag("system")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MirrorGroupSystemTest {

    @TempDir
    static Path dir;

    static PackyardServer upstream;
    static PackyardServer server;
    static RecordingLog upstreamLog = new RecordingLog();
    static RecordingLog log = new RecordingLog();

    @BeforeAll
    static void start() throws Exception {
        upstream = PackyardServer.builder().dataDir(dir.resolve("upstream")).port(0).log(upstreamLog).build().start();
        Repository up = upstream.repository();
        IndexConfig pypi = up.indexes().create(IndexSpec.hosted("pypi"));
        Path u = dir.resolve("upstream-dist");
        store(up, pypi, TestDistributions.wheel("helper", "1.0").build(u), "helper", "1.0");
        store(up, pypi, TestDistributions.wheel("requests-lite", "2.0").requires("helper>=1").build(u), "requests-lite", "2.0");
        // the attack: a higher version of an internal name, published upstream
        store(up, pypi, TestDistributions.wheel("internal-lib", "99.0").build(u), "internal-lib", "99.0");

        server = PackyardServer.builder().dataDir(dir.resolve("data")).port(0).log(log).build().start();
        Repository repo = server.repository();
        IndexConfig internal = repo.indexes().create(IndexSpec.hosted("internal"));
        // TTL 0: every page request revalidates upstream, so the outage below is really noticed
        repo.indexes().create(IndexSpec.mirror("pypi-mirror", upstream.url().resolve("/pypi/simple/"))
                .withPageTtl(Duration.ZERO));
        repo.indexes().create(IndexSpec.group("all", List.of("internal", "pypi-mirror")));
        Path h = dir.resolve("internal-dist");
        store(repo, internal, TestDistributions.wheel("internal-lib", "1.0").build(h), "internal-lib", "1.0");
        store(repo, internal, TestDistributions.wheel("app", "1.0").requires("internal-lib>=1.0")
                .requires("requests-lite").build(h), "app", "1.0");
    }

    @AfterAll
    static void stop() {
        server.stop();
        upstream.stop();
    }

    static void store(Repository repo, IndexConfig index, Path file, String name, String version) throws Exception {
        Seed.store(repo, index, file, name, version);
    }

    static String installed(Path target, String module) throws Exception {
        String init = Files.readString(target.resolve(module).resolve("__init__.py"));
        return init.substring(init.indexOf("VERSION = \"") + 11, init.lastIndexOf('"'));
    }

    @Test
    @Order(1)
    void pipInstallsThroughTheGroupAndInternalNamesWin() throws Exception {
        Path target = dir.resolve("site1");
        Proc.pip(dir, "install", "--no-cache-dir", "--index-url", server.url() + "all/simple/",
                "--target", target.toString(), "app").ok();
        assertThat(installed(target, "app")).isEqualTo("1.0");
        assertThat(installed(target, "internal_lib")).isEqualTo("1.0");
        assertThat(installed(target, "requests_lite")).isEqualTo("2.0");
        assertThat(installed(target, "helper")).isEqualTo("1.0");
        // the group never asked upstream about the internal name
        assertThat(upstreamLog.requestsTo("GET", "/pypi/simple/internal-lib/")).isEmpty();
        assertThat(upstreamLog.requestsTo("GET", "/pypi/simple/requests-lite/")).isNotEmpty();
    }

    @Test
    @Order(2)
    void theUpstreamVersionOfAnInternalNameIsInvisible() throws Exception {
        Path target = dir.resolve("site2");
        Proc.pip(dir, "install", "--no-cache-dir", "--index-url", server.url() + "all/simple/",
                "--target", target.toString(), "internal-lib").ok();
        assertThat(installed(target, "internal_lib")).isEqualTo("1.0");
        Proc.Result pinned = Proc.pip(dir, "install", "--no-cache-dir", "--index-url", server.url() + "all/simple/",
                "--target", dir.resolve("site3").toString(), "internal-lib==99.0");
        assertThat(pinned.exit()).isNotZero();
        assertThat(pinned.output()).contains("from versions: 1.0");
        // the mirror alone does serve it: the group's rule is what hides it
        String mirrorPage = TestClient.text(new TestClient(server.url()).get("pypi-mirror/simple/internal-lib/"));
        assertThat(mirrorPage).contains("internal_lib-99.0-py3-none-any.whl");
    }

    @Test
    @Order(3)
    void installsKeepWorkingFromTheCacheWhenUpstreamIsDown() throws Exception {
        upstream.stop();
        log.clear();
        Path target = dir.resolve("site4");
        Proc.pip(dir, "install", "--no-cache-dir", "--index-url", server.url() + "all/simple/",
                "--target", target.toString(), "app").ok();
        assertThat(installed(target, "requests_lite")).isEqualTo("2.0");
        assertThat(installed(target, "helper")).isEqualTo("1.0");
        assertThat(log.events).anySatisfy(e -> assertThat(e).startsWith("WARN").contains("upstream failed")
                .contains("serving the copy"));
    }
}
