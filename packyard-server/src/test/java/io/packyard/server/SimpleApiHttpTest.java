package io.packyard.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.repository.Repository;
import io.packyard.repository.auth.Permission;
import io.packyard.repository.index.IndexSpec;
import io.packyard.testkit.TestDistributions;
import java.io.ByteArrayInputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The simple API, files and uploads over HTTP, checked header by header (no external tools). */
class SimpleApiHttpTest {

    @TempDir
    static Path dir;

    static PackyardServer server;
    static TestClient client;
    static RecordingLog log = new RecordingLog();
    static String uploadToken;
    static String maintainToken;
    static String privateToken;
    static Path wheel;
    static String wheelSha;

    @BeforeAll
    static void start() throws Exception {
        server = PackyardServer.builder().dataDir(dir.resolve("data")).port(0).log(log)
                .defaultMaxUploadBytes(1 << 20).build().start();
        Repository repo = server.repository();
        repo.indexes().create(IndexSpec.hosted("main"));
        repo.indexes().create(IndexSpec.hosted("secret").withPrivateRead(true));
        uploadToken = repo.tokens().create("ci", "main", Optional.empty(), Permission.UPLOAD, Optional.empty(),
                Optional.empty()).secret();
        maintainToken = repo.tokens().create("admin", "main", Optional.empty(), Permission.MAINTAIN, Optional.empty(),
                Optional.empty()).secret();
        privateToken = repo.tokens().create("reader", "secret", Optional.empty(), Permission.UPLOAD, Optional.empty(),
                Optional.empty()).secret();
        client = new TestClient(server.url());
        wheel = TestDistributions.wheel("Demo.App", "1.0+local.1").requires("helper>=1").requiresPython(">=3.8")
                .build(dir.resolve("w"));
        wheelSha = TestClient.hex("SHA-256", Files.readAllBytes(wheel));
        HttpResponse<byte[]> r = client.upload("main/", uploadToken, wheel, TestClient.twineFields(wheel, "Demo.App", "1.0+local.1"));
        assertThat(r.statusCode()).as(TestClient.text(r)).isEqualTo(200);
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    @Test
    void projectPageNegotiatesJsonAndHtml() throws Exception {
        HttpResponse<byte[]> json = client.get("main/simple/demo-app/", "Accept",
                "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01");
        assertThat(json.statusCode()).isEqualTo(200);
        assertThat(json.headers().firstValue("Content-Type")).contains("application/vnd.pypi.simple.v1+json");
        assertThat(json.headers().firstValue("Vary").orElseThrow()).contains("Accept");
        String body = TestClient.text(json);
        String fn = wheel.getFileName().toString();
        assertThat(body).contains("\"api-version\":\"1.1\"").contains("\"name\":\"demo-app\"")
                .contains("\"versions\":[\"1.0+local.1\"]")
                .contains("\"filename\":\"" + fn + "\"")
                .contains("\"url\":\"../../files/" + wheelSha + "/" + fn + "\"")
                .contains("\"hashes\":{\"sha256\":\"" + wheelSha + "\"}")
                .contains("\"requires-python\":\">=3.8\"")
                .contains("\"yanked\":false")
                .contains("\"size\":" + Files.size(wheel))
                .containsPattern("\"upload-time\":\"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z\"")
                .contains("\"core-metadata\":{\"sha256\":").contains("\"dist-info-metadata\":{\"sha256\":");

        HttpResponse<byte[]> html = client.get("main/simple/demo-app/", "Accept", "text/html");
        assertThat(html.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/html");
        String h = TestClient.text(html);
        assertThat(h).contains("<meta name=\"pypi:repository-version\" content=\"1.1\">")
                .contains("href=\"../../files/" + wheelSha + "/" + fn + "#sha256=" + wheelSha + "\"")
                .contains("data-requires-python=\"&gt;=3.8\"")
                .contains("data-core-metadata=\"sha256=").contains("data-dist-info-metadata=\"sha256=");
        // no Accept: HTML; the versioned HTML type on request
        assertThat(client.get("main/simple/demo-app/").headers().firstValue("Content-Type").orElseThrow()).startsWith("text/html");
        assertThat(client.get("main/simple/demo-app/", "Accept", "application/vnd.pypi.simple.v1+html")
                .headers().firstValue("Content-Type").orElseThrow()).startsWith("application/vnd.pypi.simple.v1+html");
        // nothing acceptable
        HttpResponse<byte[]> no = client.get("main/simple/demo-app/", "Accept", "application/xml");
        assertThat(no.statusCode()).isEqualTo(406);
        assertThat(TestClient.text(no)).contains("application/vnd.pypi.simple.v1+json");
    }

    @Test
    void projectListAndRedirects() throws Exception {
        HttpResponse<byte[]> list = client.get("main/simple/", "Accept", "application/vnd.pypi.simple.v1+json");
        assertThat(TestClient.text(list)).contains("{\"name\":\"Demo.App\"}");
        assertThat(TestClient.text(client.get("main/simple/"))).contains("<a href=\"demo-app/\">Demo.App</a>");

        HttpResponse<byte[]> r = client.get("main/simple/Demo.App/");
        assertThat(r.statusCode()).isEqualTo(301);
        assertThat(server.url().resolve("/main/simple/Demo.App/").resolve(r.headers().firstValue("Location").orElseThrow()))
                .isEqualTo(server.url().resolve("/main/simple/demo-app/"));
        HttpResponse<byte[]> noSlash = client.get("main/simple/demo-app");
        assertThat(noSlash.statusCode()).isEqualTo(301);
        assertThat(server.url().resolve("/main/simple/demo-app").resolve(noSlash.headers().firstValue("Location").orElseThrow()))
                .isEqualTo(server.url().resolve("/main/simple/demo-app/"));
        assertThat(client.get("main/simple/nothing-here/").statusCode()).isEqualTo(404);
        HttpResponse<byte[]> noIndex = client.get("nope/simple/");
        assertThat(noIndex.statusCode()).isEqualTo(404);
        assertThat(TestClient.text(noIndex)).isEqualTo("index 'nope' does not exist\n");
    }

    @Test
    void pagesHaveEtagsAnd304AndGzip() throws Exception {
        HttpResponse<byte[]> first = client.get("main/simple/demo-app/", "Accept", "text/html");
        String etag = first.headers().firstValue("ETag").orElseThrow();
        assertThat(first.headers().firstValue("Cache-Control").orElseThrow()).contains("max-age=0");
        HttpResponse<byte[]> again = client.get("main/simple/demo-app/", "Accept", "text/html", "If-None-Match", etag);
        assertThat(again.statusCode()).isEqualTo(304);
        assertThat(again.body()).isEmpty();
        assertThat(again.headers().firstValue("ETag")).contains(etag);

        HttpResponse<byte[]> gz = client.get("main/simple/demo-app/", "Accept", "text/html", "Accept-Encoding", "gzip");
        assertThat(gz.headers().firstValue("Content-Encoding")).contains("gzip");
        String unzipped = new String(new GZIPInputStream(new ByteArrayInputStream(gz.body())).readAllBytes(),
                StandardCharsets.UTF_8);
        assertThat(unzipped).isEqualTo(TestClient.text(first));
        assertThat(client.get("main/simple/demo-app/", "Accept", "text/html", "If-None-Match",
                gz.headers().firstValue("ETag").orElseThrow()).statusCode()).isEqualTo(304);
    }

    @Test
    void aCachedPageIsAnsweredBeforeRoutingExactlyAsTheRoutesAnswerIt() throws Exception {
        for (String[] h : new String[][] {{"Accept", "text/html"}, {"Accept", "application/vnd.pypi.simple.v1+json"},
                {"Accept", "text/html", "Accept-Encoding", "gzip"}}) {
            // the page is cached with its stamp checked now; wait past the 1 s recheck so the
            // first request below takes the routed path again
            client.get("main/simple/demo-app/", h);
            Thread.sleep(1100);
            long before = server.fastPageHits();
            HttpResponse<byte[]> routed = client.get("main/simple/demo-app/", h);
            HttpResponse<byte[]> fast = client.get("main/simple/demo-app/", h);
            assertThat(server.fastPageHits()).as("the second request was answered before routing").isEqualTo(before + 1);
            assertThat(fast.statusCode()).isEqualTo(routed.statusCode()).isEqualTo(200);
            assertThat(fast.body()).isEqualTo(routed.body());
            for (String name : List.of("ETag", "Cache-Control", "Vary", "Content-Type", "Content-Encoding", "Content-Length")) {
                assertThat(fast.headers().allValues(name)).as(name).isEqualTo(routed.headers().allValues(name));
            }
            String etag = fast.headers().firstValue("ETag").orElseThrow();
            String[] conditional = java.util.stream.Stream.concat(java.util.Arrays.stream(h),
                    java.util.stream.Stream.of("If-None-Match", etag)).toArray(String[]::new);
            HttpResponse<byte[]> notModified = client.get("main/simple/demo-app/", conditional);
            assertThat(notModified.statusCode()).isEqualTo(304);
            assertThat(server.fastPageHits()).isEqualTo(before + 2);
        }
        // never for a private index, a token, a query or a name to redirect
        long before = server.fastPageHits();
        client.get("main/simple/demo-app/", "Authorization", TestClient.basic(uploadToken));
        client.get("main/simple/demo-app/?format=x");
        client.get("main/simple/Demo.App/");
        client.get("secret/simple/demo-app/", "Authorization", TestClient.basic(privateToken));
        client.get("secret/simple/demo-app/");
        assertThat(server.fastPageHits()).isEqualTo(before);
        // and what it answered is in the request log like any other request
        assertThat(log.requestsTo("GET", "/main/simple/demo-app/")).anySatisfy(l -> assertThat(l).contains("\" 304 "));
    }

    @Test
    void filesAreImmutableSupportRangesAndMetadataIsByteForByte() throws Exception {
        String fn = wheel.getFileName().toString();
        byte[] content = Files.readAllBytes(wheel);
        HttpResponse<byte[]> f = client.get("main/files/" + wheelSha + "/" + fn);
        assertThat(f.statusCode()).isEqualTo(200);
        assertThat(f.body()).isEqualTo(content);
        assertThat(f.headers().firstValue("Cache-Control").orElseThrow()).contains("max-age=31536000").contains("immutable");
        assertThat(f.headers().firstValue("ETag")).contains("\"" + wheelSha + "\"");
        assertThat(f.headers().firstValue("Accept-Ranges")).contains("bytes");

        HttpResponse<byte[]> part = client.get("main/files/" + wheelSha + "/" + fn, "Range", "bytes=10-19");
        assertThat(part.statusCode()).isEqualTo(206);
        assertThat(part.body()).isEqualTo(java.util.Arrays.copyOfRange(content, 10, 20));
        assertThat(part.headers().firstValue("Content-Range")).contains("bytes 10-19/" + content.length);
        HttpResponse<byte[]> tail = client.get("main/files/" + wheelSha + "/" + fn, "Range", "bytes=-5");
        assertThat(tail.body()).isEqualTo(java.util.Arrays.copyOfRange(content, content.length - 5, content.length));
        assertThat(client.get("main/files/" + wheelSha + "/" + fn, "Range", "bytes=" + content.length + "-")
                .statusCode()).isEqualTo(416);
        HttpResponse<byte[]> head = client.send("HEAD", "main/files/" + wheelSha + "/" + fn, null);
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValueAsLong("Content-Length")).hasValue(content.length);

        // the metadata file is the wheel's METADATA, byte for byte, and its hash is the advertised one
        HttpResponse<byte[]> meta = client.get("main/files/" + wheelSha + "/" + fn + ".metadata");
        assertThat(meta.statusCode()).isEqualTo(200);
        byte[] inWheel;
        try (var zip = new java.util.zip.ZipFile(wheel.toFile())) {
            inWheel = zip.getInputStream(zip.getEntry("demo_app-1.0+local.1.dist-info/METADATA")).readAllBytes();
        }
        assertThat(meta.body()).isEqualTo(inWheel);
        String page = TestClient.text(client.get("main/simple/demo-app/"));
        Matcher m = Pattern.compile("data-core-metadata=\"sha256=([0-9a-f]{64})\"").matcher(page);
        assertThat(m.find()).isTrue();
        assertThat(TestClient.hex("SHA-256", meta.body())).isEqualTo(m.group(1));

        assertThat(client.get("main/files/" + "0".repeat(64) + "/" + fn).statusCode()).isEqualTo(404);
    }

    @Test
    void uploadsNeedATokenThatAllowsThem() throws Exception {
        Path w = TestDistributions.wheel("auth-demo", "1.0").build(dir.resolve("auth"));
        Map<String, String> fields = TestClient.twineFields(w, "auth-demo", "1.0");
        HttpResponse<byte[]> none = client.upload("main/", null, w, fields);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("WWW-Authenticate").orElseThrow()).startsWith("Basic");
        HttpResponse<byte[]> wrong = client.upload("main/", "pyd_" + "x".repeat(55), w, fields);
        assertThat(wrong.statusCode()).isEqualTo(403);
        assertThat(TestClient.text(wrong)).contains("invalid API token");
        HttpResponse<byte[]> otherIndex = client.upload("main/", privateToken, w, fields);
        assertThat(otherIndex.statusCode()).isEqualTo(403);
        assertThat(TestClient.text(otherIndex)).contains("for index 'secret'");
        // the upload URL also works without the slash and as /legacy/ (never a redirect)
        assertThat(client.upload("main", uploadToken, w, fields).statusCode()).isEqualTo(200);
        assertThat(client.upload("main/legacy/", uploadToken, w, fields).statusCode()).isEqualTo(200);
        // a wrong digest
        Path w2 = TestDistributions.wheel("auth-demo", "2.0").build(dir.resolve("auth"));
        Map<String, String> bad = TestClient.twineFields(w2, "auth-demo", "2.0");
        bad.put("sha256_digest", "0".repeat(64));
        HttpResponse<byte[]> digest = client.upload("main/", uploadToken, w2, bad);
        assertThat(digest.statusCode()).isEqualTo(400);
        assertThat(TestClient.text(digest)).contains("digest");
        // too large for the 1 MiB limit
        Path big = TestDistributions.wheel("big-one", "1.0").file("big_one/blob.txt", random(2_000_000)).build(dir.resolve("big"));
        HttpResponse<byte[]> tooLarge = client.upload("main/", uploadToken, big, TestClient.twineFields(big, "big-one", "1.0"));
        assertThat(tooLarge.statusCode()).isEqualTo(413);
        assertThat(TestClient.text(tooLarge)).contains("too large");
        assertThat(server.repository().blobs().tempFiles()).isEmpty();
    }

    @Test
    void privateIndexNeedsAToken() throws Exception {
        HttpResponse<byte[]> anon = client.get("secret/simple/");
        assertThat(anon.statusCode()).isEqualTo(401);
        assertThat(anon.headers().firstValue("WWW-Authenticate")).isPresent();
        assertThat(client.get("secret/simple/", "Authorization", TestClient.basic(uploadToken)).statusCode()).isEqualTo(403);
        HttpResponse<byte[]> ok = client.get("secret/simple/", "Authorization", TestClient.basic(privateToken));
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.headers().firstValue("Cache-Control").orElseThrow()).startsWith("private");
    }

    @Test
    void yankAndDeleteThroughTheJsonApi() throws Exception {
        Path w = TestDistributions.wheel("yank-me", "1.0").build(dir.resolve("yank"));
        assertThat(client.upload("main/", uploadToken, w, TestClient.twineFields(w, "yank-me", "1.0")).statusCode()).isEqualTo(200);
        String fn = w.getFileName().toString();
        String path = "api/indexes/main/projects/yank-me/files/" + fn;
        HttpResponse<byte[]> denied = client.send("POST", path + "/yank", "{\"reason\":\"x\"}",
                "Authorization", TestClient.basic(uploadToken));
        assertThat(denied.statusCode()).isEqualTo(403);
        assertThat(TestClient.text(denied)).startsWith("{\"error\":");
        HttpResponse<byte[]> y = client.send("POST", path + "/yank", "{\"reason\":\"broken <build>\"}",
                "Authorization", TestClient.basic(maintainToken), "Content-Type", "application/json");
        assertThat(y.statusCode()).as(TestClient.text(y)).isEqualTo(200);
        assertThat(TestClient.text(client.get("main/simple/yank-me/"))).contains("data-yanked=\"broken &lt;build&gt;\"");
        assertThat(TestClient.text(client.get("main/simple/yank-me/", "Accept", "application/vnd.pypi.simple.v1+json")))
                .contains("\"yanked\":\"broken <build>\"");
        client.send("POST", path + "/unyank", null, "Authorization", TestClient.basic(maintainToken));
        assertThat(TestClient.text(client.get("main/simple/yank-me/"))).doesNotContain("data-yanked");
        HttpResponse<byte[]> del = client.send("DELETE", path, null, "Authorization", TestClient.basic(maintainToken));
        assertThat(del.statusCode()).isEqualTo(200);
        assertThat(TestClient.text(client.get("main/simple/yank-me/"))).doesNotContain(fn);
        HttpResponse<byte[]> again = client.upload("main/", uploadToken, w, TestClient.twineFields(w, "yank-me", "1.0"));
        assertThat(again.statusCode()).isEqualTo(400);
        assertThat(TestClient.text(again)).contains("already been used");
        assertThat(client.send("DELETE", path, null).statusCode()).isEqualTo(401);
    }

    @Test
    void errorsAreOneLineAndEveryRequestIsLogged() throws Exception {
        log.clear();
        HttpResponse<byte[]> r = client.get("main/files/not-a-hash/x.whl");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(TestClient.text(r)).doesNotContain("Exception").doesNotContain("\tat ");
        HttpResponse<byte[]> garbage = client.send("POST", "main/", "not multipart", "Content-Type", "text/plain",
                "Authorization", TestClient.basic(uploadToken));
        assertThat(garbage.statusCode()).isEqualTo(400);
        assertThat(TestClient.text(garbage).lines().count()).isEqualTo(1);
        assertThat(client.get("api/no/such/route").statusCode()).isEqualTo(404);
        Thread.sleep(200);
        assertThat(log.requestsTo("GET", "/main/files/not-a-hash/x.whl")).singleElement().asString().contains(" 404 ");
        assertThat(log.requestsTo("POST", "/main/")).singleElement().asString().contains(" 400 ");
    }

    private static String random(int n) {
        java.util.Random rnd = new java.util.Random(42);
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            b.append((char) ('!' + rnd.nextInt(90)));
        }
        return b.toString();
    }
}
