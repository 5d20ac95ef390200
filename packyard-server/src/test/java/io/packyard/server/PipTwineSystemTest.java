package io.packyard.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.repository.auth.Permission;
import io.packyard.repository.index.IndexSpec;
import io.packyard.testkit.TestDistributions;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * twine uploads to a hosted index and pip installs from it (real tools, 127.0.0.1 only): uploads,
 * skip-existing, refusals, dependency resolution, PEP 658 metadata, PEP 592 yanking.
 */
@Tag("system")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PipTwineSystemTest {

    @TempDir
    static Path dir;

    static PackyardServer server;
    static RecordingLog log = new RecordingLog();
    static String token;
    static String maintainToken;
    static Path dist;

    @BeforeAll
    static void start() {
        server = PackyardServer.builder().dataDir(dir.resolve("data")).port(0).log(log).build().start();
        server.repository().indexes().create(IndexSpec.hosted("main"));
        token = server.repository().tokens().create("ci", "main", Optional.empty(), Permission.UPLOAD,
                Optional.empty(), Optional.empty()).secret();
        maintainToken = server.repository().tokens().create("admin", "main", Optional.empty(), Permission.MAINTAIN,
                Optional.empty(), Optional.empty()).secret();
        dist = dir.resolve("dist");
        // demo-app 2.0 needs a helper that does not exist: a resolver must look at its metadata and back off to 1.0
        TestDistributions.wheel("demo-app", "1.0").requires("helper>=1.0").build(dist);
        TestDistributions.wheel("demo-app", "2.0").requires("helper>=3.0").build(dist);
        TestDistributions.sdist("demo-app", "1.0").build(dist);
        TestDistributions.wheel("helper", "1.0").build(dist);
        TestDistributions.wheel("helper", "2.0").build(dist);
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    static Proc.Result twine(String password, String... args) {
        List<String> cmd = new ArrayList<>(List.of("twine", "upload", "--repository-url",
                server.url() + "main/", "-u", "__token__", "-p", password, "--non-interactive",
                "--disable-progress-bar", "--verbose"));
        cmd.addAll(List.of(args));
        return Proc.run(cmd, dir, Map.of("HOME", dir.toString()), Duration.ofMinutes(2));
    }

    @Test
    @Order(1)
    void twineUploadsWheelsAndAnSdist() throws Exception {
        List<String> files = new ArrayList<>();
        try (var s = Files.list(dist)) {
            s.sorted().forEach(p -> files.add(p.toString()));
        }
        twine(token, files.toArray(String[]::new)).ok();
        String page = TestClient.text(new TestClient(server.url()).get("main/simple/demo-app/"));
        assertThat(page).contains("demo_app-1.0-py3-none-any.whl").contains("demo_app-2.0-py3-none-any.whl")
                .contains("demo_app-1.0.tar.gz");
        // uploading the same files again with --skip-existing passes
        Proc.Result again = twine(token, "--skip-existing", files.get(0), files.get(1));
        again.ok();
    }

    @Test
    @Order(2)
    void twineGetsClearRefusals() throws Exception {
        // another file under an existing name
        Path other = TestDistributions.wheel("helper", "1.0").file("helper/extra.py", "X = 2\n").build(dir.resolve("other"));
        Proc.Result exists = twine(token, other.toString());
        assertThat(exists.exit()).isNotZero();
        assertThat(exists.output()).contains("400").contains("File already exists");
        // ... which --skip-existing skips
        twine(token, "--skip-existing", other.toString()).ok();
        // a wrong token
        Proc.Result wrong = twine("pyd_" + "A".repeat(55), other.toString());
        assertThat(wrong.exit()).isNotZero();
        assertThat(wrong.output()).contains("403");
        // twine always sends the right digests; a client that does not is refused
        Path fresh = TestDistributions.wheel("fresh", "1.0").build(dir.resolve("fresh"));
        Map<String, String> fields = TestClient.twineFields(fresh, "fresh", "1.0");
        fields.put("sha256_digest", "f".repeat(64));
        HttpResponse<byte[]> r = new TestClient(server.url()).upload("main/", token, fresh, fields);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(TestClient.text(r)).contains("digest");
    }

    @Test
    @Order(3)
    void pipInstallsWithDependencies() {
        Path target = dir.resolve("site1");
        Proc.pip(dir, "install", "--no-cache-dir", "--index-url", server.url() + "main/simple/",
                "--target", target.toString(), "demo-app").ok();
        assertThat(target.resolve("demo_app/__init__.py")).content().contains("VERSION = \"1.0\"");
        assertThat(target.resolve("helper/__init__.py")).content().contains("VERSION = \"2.0\"");
    }

    @Test
    @Order(4)
    void pipReadsMetadataFromPep658FilesNotFromWheels() throws Exception {
        log.clear();
        Path dest = dir.resolve("download");
        Proc.pip(dir, "download", "--no-cache-dir", "--index-url", server.url() + "main/simple/",
                "--only-binary", ":all:", "--dest", dest.toString(), "demo-app").ok();
        Thread.sleep(200);
        // pip looked at demo-app 2.0 (its metadata), found helper>=3 missing, and settled on 1.0
        assertThat(Files.exists(dest.resolve("demo_app-1.0-py3-none-any.whl"))).isTrue();
        assertThat(Files.exists(dest.resolve("demo_app-2.0-py3-none-any.whl"))).isFalse();
        assertThat(log.requestsTo("GET", "/main/files/")).anySatisfy(l ->
                assertThat(l).contains("demo_app-2.0-py3-none-any.whl.metadata\" 200"));
        // ... without downloading the 2.0 wheel to read it
        assertThat(log.requestsTo("GET", "/main/files/")).noneSatisfy(l ->
                assertThat(l).contains("demo_app-2.0-py3-none-any.whl\""));
    }

    @Test
    @Order(5)
    void pipSkipsAYankedVersionUnlessPinned() throws Exception {
        HttpResponse<byte[]> y = new TestClient(server.url()).send("POST",
                "api/indexes/main/projects/helper/versions/2.0/yank", "{\"reason\":\"leaks memory\"}",
                "Authorization", TestClient.basic(maintainToken));
        assertThat(y.statusCode()).as(TestClient.text(y)).isEqualTo(200);
        Path target = dir.resolve("site2");
        Proc.pip(dir, "install", "--no-cache-dir", "--index-url", server.url() + "main/simple/",
                "--target", target.toString(), "helper").ok();
        assertThat(target.resolve("helper/__init__.py")).content().contains("VERSION = \"1.0\"");
        Path pinned = dir.resolve("site3");
        Proc.Result r = Proc.pip(dir, "install", "--no-cache-dir", "--index-url", server.url() + "main/simple/",
                "--target", pinned.toString(), "helper==2.0").ok();
        assertThat(pinned.resolve("helper/__init__.py")).content().contains("VERSION = \"2.0\"");
        assertThat(r.output()).contains("yanked").contains("leaks memory");
    }
}
