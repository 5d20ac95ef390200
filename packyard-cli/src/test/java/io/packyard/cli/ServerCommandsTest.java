package io.packyard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.repository.Repository;
import io.packyard.repository.db.MirrorDao;
import io.packyard.repository.index.IndexConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code packyard index|token|fsck|serve}, through the real command line. */
class ServerCommandsTest {

    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {}

    private Run cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    private String data() {
        return dir.resolve("data").toString();
    }

    @Test
    void indexesAndTokens() {
        assertThat(cli("index", "create", "main", "--data", data()).out()).contains("created main (hosted)");
        assertThat(cli("index", "create", "pypi", "--upstream", "https://pypi.example.org/simple/", "--page-ttl", "30m",
                "--data", data()).out()).contains("created pypi (mirror)").contains("page TTL 1800s");
        assertThat(cli("index", "create", "all", "--members", "main,pypi", "--data", data()).out())
                .contains("created all (group) members main, pypi");
        Run bad = cli("index", "create", "Bad Name", "--data", data());
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).startsWith("packyard: error: index name 'Bad Name'").hasLineCount(1);
        assertThat(cli("index", "update", "all", "--allow-upstream", "Shared_Utils", "--data", data()).out())
                .contains("upstream allowed for shared-utils");
        assertThat(cli("index", "update", "main", "--private", "--data", data()).out()).contains("main (hosted, private)");
        assertThat(cli("index", "list", "--data", data()).out()).contains("all (group)").contains("main (hosted, private)")
                .contains("pypi (mirror)");

        Run created = cli("token", "create", "--user", "ci", "--index", "main", "--project", "Notes", "--expires", "90d",
                "--description", "release job", "--data", data());
        assertThat(created.exit()).isZero();
        String token = created.out().strip();
        assertThat(token).matches("pyd_[A-Za-z0-9_-]{55}");
        assertThat(created.err()).contains("for ci on index main (project notes), permission upload").contains("shown only now");
        String id = token.substring(4, 16);
        Run list = cli("token", "list", "--data", data());
        assertThat(list.out()).contains(id).contains("notes").contains("active").contains("release job")
                .doesNotContain(token.substring(16));
        assertThat(cli("token", "revoke", id, "--data", data()).out()).contains("revoked token " + id);
        assertThat(cli("token", "list", "--data", data()).out()).contains("revoked");
        Run again = cli("token", "revoke", id, "--data", data());
        assertThat(again.exit()).isEqualTo(2);
        assertThat(again.err()).contains("already revoked");
        Run groupUpload = cli("token", "create", "--user", "x", "--index", "all", "--permission", "upload", "--data", data());
        assertThat(groupUpload.exit()).isEqualTo(2);
        assertThat(cli("token", "create", "--user", "reader", "--index", "all", "--data", data()).err())
                .contains("permission read");
        assertThat(cli("token", "create", "--help").out()).contains("Examples:");
    }

    @Test
    void fsckReportsAgreementGarbageAndDamage() throws Exception {
        cli("index", "create", "pypi", "--upstream", "https://pypi.example.org/simple/", "--data", data());
        String sha;
        try (Repository repo = Repository.builder().dataDir(dir.resolve("data")).build()) {
            IndexConfig m = repo.indexes().require("pypi");
            byte[] content = "a cached upstream file".getBytes(StandardCharsets.UTF_8);
            sha = repo.blobs().put(content).sha256();
            repo.database().jdbi().useTransaction(h -> MirrorDao.putFile(h, m.id(), sha, "x-1.0.tar.gz", content.length,
                    Instant.now()));
            repo.blobs().put("garbage".getBytes(StandardCharsets.UTF_8));
        }
        Run ok = cli("fsck", "--data", data());
        assertThat(ok.exit()).isZero();
        assertThat(ok.out()).contains("orphan blob").contains("OK: store and database agree");
        Run repaired = cli("fsck", "--repair", "--grace", "0s", "--data", data());
        assertThat(repaired.out()).contains("removed 1 garbage file(s)");
        assertThat(cli("fsck", "--data", data()).out()).doesNotContain("orphan");
        Files.delete(dir.resolve("data/blobs/sha256").resolve(sha.substring(0, 2)).resolve(sha));
        Run broken = cli("fsck", "--data", data());
        assertThat(broken.exit()).isEqualTo(1);
        assertThat(broken.out()).contains("MISSING: pypi (mirror)/x-1.0.tar.gz").contains("INCONSISTENT");
    }

    @Test
    void serveAnswersAndStopsCleanlyOnSigterm() throws Exception {
        cli("index", "create", "main", "--data", data());
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.packyard.cli.Main", "serve", "--data", data(),
                "--port", "0"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            Pattern listening = Pattern.compile("listening on (http://127\\.0\\.0\\.1:\\d+/)");
            URI url = null;
            String line;
            StringBuilder seen = new StringBuilder();
            while (url == null && (line = r.readLine()) != null) {
                seen.append(line).append('\n');
                Matcher m = listening.matcher(line);
                if (m.find()) {
                    url = URI.create(m.group(1));
                }
            }
            assertThat(url).as(seen.toString()).isNotNull();
            HttpResponse<String> health = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(url.resolve("api/health")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            HttpResponse<String> page = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(url.resolve("main/simple/")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(page.body()).contains("pypi:repository-version");
            p.toHandle().destroy(); // SIGTERM, streams left open
            StringBuilder restOut = new StringBuilder();
            while ((line = r.readLine()) != null) {
                restOut.append(line).append('\n');
            }
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String rest = restOut.toString();
            assertThat(rest).contains("REQUEST 127.0.0.1 \"GET /api/health\" 200").contains("stopped");
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void serveFailsClearlyWhenThePortIsTaken() throws Exception {
        cli("index", "create", "main", "--data", data());
        try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Run r = cli("serve", "--data", data(), "--port", Integer.toString(s.getLocalPort()));
            assertThat(r.exit()).isEqualTo(2);
            assertThat(r.err()).startsWith("packyard: error: cannot listen on 127.0.0.1:" + s.getLocalPort());
        }
    }
}
