package io.packyard.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.builds.model.Step;
import io.packyard.builds.worker.HttpWorkerApi;
import io.packyard.builds.queue.ClaimedJob;
import io.packyard.builds.queue.Heartbeat;
import io.packyard.builds.queue.Outcome;
import io.packyard.python.json.Json;
import io.packyard.repository.auth.Permission;
import io.packyard.repository.index.IndexSpec;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The build service's HTTP API against a real server (no workers run: the test claims jobs
 * through the worker protocol itself): auth, the build lifecycle, the worker protocol's lease
 * checks, the webhook's signature check, and an OpenAPI description that covers every route.
 */
class BuildApiTest {

    @TempDir
    Path dir;

    PackyardServer server;
    TestClient c;
    String token;
    String readToken;

    @BeforeEach
    void start() {
        server = PackyardServer.builder().dataDir(dir.resolve("data")).port(0).log(new RecordingLog()).build().start();
        server.repository().indexes().create(IndexSpec.hosted("builds"));
        token = server.repository().tokens().create("ci", "builds", Optional.empty(), Permission.UPLOAD,
                Optional.empty(), Optional.empty()).secret();
        readToken = server.repository().tokens().create("reader", "builds", Optional.empty(), Permission.READ,
                Optional.empty(), Optional.empty()).secret();
        c = new TestClient(server.url());
    }

    @AfterEach
    void stop() {
        server.stop();
    }

    HttpResponse<byte[]> send(String method, String path, String body, String tok, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.url().resolve(path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (tok != null) {
            b.header("Authorization", TestClient.basic(tok));
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return c.http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    static Map<String, Object> json(HttpResponse<byte[]> r) {
        return Json.parseObject(new String(r.body(), StandardCharsets.UTF_8), "response");
    }

    static String text(HttpResponse<byte[]> r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    void createProject(String name, String extra) throws Exception {
        HttpResponse<byte[]> r = send("PUT", "api/build-projects/" + name, "{\"git_url\": \"file:///srv/git/" + name
                + ".git\", \"git_ref\": \"main\", \"targets\": [\"linux-x86_64\"], \"formats\": [\"deb\"]" + extra + "}", token);
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
    }

    @Test
    void writesNeedAnUploadTokenAndTheLifecycleIsVisible() throws Exception {
        assertThat(send("PUT", "api/build-projects/app", "{}", null).statusCode()).isEqualTo(401);
        HttpResponse<byte[]> weak = send("PUT", "api/build-projects/app", "{}", readToken);
        assertThat(weak.statusCode()).isEqualTo(403);
        assertThat(text(weak)).contains("may only read");
        createProject("app", ", \"smoke_command\": \"app --version\", \"webhook_secret\": \"s3cret\"");
        List<?> projects = (List<?>) Json.parse(text(send("GET", "api/build-projects", null, null)));
        assertThat(projects).singleElement().satisfies(p -> {
            Map<?, ?> m = (Map<?, ?>) p;
            assertThat(m.get("name")).isEqualTo("app");
            assertThat(m.get("has_webhook_secret")).isEqualTo(true);
            assertThat(m.containsKey("webhook_secret")).isFalse();
        });

        assertThat(send("POST", "api/builds", "{\"project\": \"app\"}", null).statusCode()).isEqualTo(401);
        HttpResponse<byte[]> created = send("POST", "api/builds", "{\"project\": \"app\", \"ref\": \"v1.0\", \"priority\": 3}", token);
        assertThat(created.statusCode()).as(text(created)).isEqualTo(201);
        Map<String, Object> b = json(created);
        long id = ((Number) b.get("id")).longValue();
        assertThat(created.headers().firstValue("Location")).contains("/api/builds/" + id);
        assertThat(b.get("state")).isEqualTo("queued");
        assertThat(b.get("git_ref")).isEqualTo("v1.0");
        assertThat((List<?>) b.get("jobs")).extracting(j -> String.valueOf(((Map<?, ?>) j).get("step")))
                .containsExactly("source", "build", "verify");

        HttpResponse<byte[]> unknown = send("POST", "api/builds", "{\"project\": \"nope\"}", token);
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(json(unknown).get("error")).isEqualTo("no build project named 'nope'");
        assertThat(send("POST", "api/builds", "{\"project\": \"app\", \"priority\": \"high\"}", token).statusCode())
                .isEqualTo(400);
        assertThat(send("GET", "api/builds/999", null, null).statusCode()).isEqualTo(404);

        List<?> list = (List<?>) Json.parse(text(send("GET", "api/builds?project=app", null, null)));
        assertThat(list).hasSize(1);
        HttpResponse<byte[]> cancelled = send("POST", "api/builds/" + id + "/cancel", null, token);
        assertThat(json(cancelled).get("state")).isEqualTo("cancelled");
        assertThat(send("POST", "api/builds/" + id + "/cancel", null, token).statusCode()).isEqualTo(409);
        HttpResponse<byte[]> rerun = send("POST", "api/builds/" + id + "/rerun", null, token);
        assertThat(rerun.statusCode()).isEqualTo(201);
        assertThat(((Number) json(rerun).get("rerun_of")).longValue()).isEqualTo(id);
        Map<String, Object> log = json(send("GET", "api/builds/" + id + "/log", null, null));
        assertThat((List<?>) log.get("chunks")).isNotEmpty();
        assertThat(log.get("finished")).isEqualTo(true);
        String stream = text(send("GET", "api/builds/" + id + "/log/stream", null, null));
        assertThat(stream).contains("event: log", "build cancelled by token", "event: end", "\"state\":\"cancelled\"");
    }

    @Test
    void theWorkerProtocolHoldsWorkersToTheirLease() throws Exception {
        createProject("app", "");
        long id = ((Number) json(send("POST", "api/builds", "{\"project\": \"app\"}", token)).get("id")).longValue();
        HttpResponse<byte[]> server = send("POST", "api/worker/claim", "{\"queues\": [\"server\"]}", token);
        assertThat(server.statusCode()).as("remote workers never take the server's own steps").isEqualTo(403);
        HttpWorkerApi api = new HttpWorkerApi(this.server.url(), token);
        assertThat(api.claim(List.of("linux-x86_64"), "w", Duration.ofSeconds(30))).as("waits for the source step").isEmpty();
        // the source step, done by hand as the server would
        ClaimedJob source = this.server.builds().claim(List.of(Step.SERVER_QUEUE), "test", Duration.ofSeconds(30)).orElseThrow();
        Path src = dir.resolve("src.tar.gz");
        Files.write(src, new byte[] {31, -117, 8, 0, 0, 0, 0, 0, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0});
        String sha = this.server.repository().blobs().put(Files.readAllBytes(src)).sha256();
        this.server.builds().setSource(id, sha, Optional.of("0".repeat(40)));
        this.server.builds().complete(source.jobId(), source.leaseId(), Outcome.SUCCEEDED, "");

        ClaimedJob job = api.claim(List.of("linux-x86_64"), "w", Duration.ofSeconds(30)).orElseThrow();
        assertThat(job.step()).isEqualTo(Step.BUILD);
        assertThat(job.target()).contains("linux-x86_64");
        assertThat(api.heartbeat(job.jobId(), job.leaseId())).isEqualTo(Heartbeat.OK);
        assertThat(api.heartbeat(job.jobId(), "not-the-lease")).isEqualTo(Heartbeat.LOST);
        HttpResponse<byte[]> noLease = send("POST", "api/worker/jobs/" + job.jobId() + "/log", "x", token);
        assertThat(noLease.statusCode()).isEqualTo(400);
        HttpResponse<byte[]> wrongLease = send("POST", "api/worker/jobs/" + job.jobId() + "/log", "x", token,
                "X-Packyard-Lease", "not-the-lease");
        assertThat(wrongLease.statusCode()).isEqualTo(409);
        api.log(job.jobId(), job.leaseId(), "compiling\n");
        Path fetched = dir.resolve("fetched.tar.gz");
        api.downloadSource(job.jobId(), job.leaseId(), fetched);
        assertThat(Files.readAllBytes(fetched)).isEqualTo(Files.readAllBytes(src));
        Path deb = dir.resolve("app_1.0_amd64.deb");
        Files.writeString(deb, "not really a deb");
        api.uploadArtifact(job.jobId(), job.leaseId(), deb);
        HttpResponse<byte[]> forged = send("PUT", "api/worker/jobs/" + job.jobId() + "/artifacts/evil.deb", "x", token,
                "X-Packyard-Lease", "not-the-lease");
        assertThat(forged.statusCode()).isEqualTo(409);
        assertThat(api.complete(job.jobId(), "not-the-lease", Outcome.SUCCEEDED, "")).isFalse();
        assertThat(api.complete(job.jobId(), job.leaseId(), Outcome.SUCCEEDED, "")).isTrue();

        Map<String, Object> b = json(send("GET", "api/builds/" + id, null, null));
        assertThat(b.get("state")).isEqualTo("succeeded");
        List<?> artifacts = (List<?>) b.get("artifacts");
        assertThat(artifacts).singleElement().satisfies(a -> {
            Map<?, ?> m = (Map<?, ?>) a;
            assertThat(m.get("filename")).isEqualTo("app_1.0_amd64.deb");
            assertThat(m.get("sha256")).isEqualTo(HexFormat.of().formatHex(
                    java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(deb))));
        });
        HttpResponse<byte[]> download = send("GET", "api/builds/" + id + "/artifacts/app_1.0_amd64.deb", null, null);
        assertThat(download.statusCode()).isEqualTo(200);
        assertThat(text(download)).isEqualTo("not really a deb");
        assertThat(download.headers().firstValue("Content-Disposition")).hasValueSatisfying(v -> assertThat(v).contains("attachment"));
        assertThat(text(send("GET", "api/builds/" + id + "/log", null, null))).contains("compiling");
    }

    static String sign(String body, String secret) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void theWebhookStartsBuildsOnlyWithAValidSignatureAndAFollowedRef() throws Exception {
        createProject("hooked", ", \"webhook_secret\": \"s3cret\", \"follow_refs\": \"main,refs/tags/v*\"");
        String push = """
                {"ref": "%s", "after": "%s", "deleted": false,
                 "repository": {"clone_url": "FILE:///srv/git/hooked/", "html_url": "https://git.example.org/hooked"}}
                """;
        String body = push.formatted("refs/heads/main", "a".repeat(40));
        HttpResponse<byte[]> bad = send("POST", "hooks/github", body, null, "X-GitHub-Event", "push",
                "X-Hub-Signature-256", sign(body, "wrong"));
        assertThat(bad.statusCode()).isEqualTo(401);
        assertThat(send("POST", "hooks/github", body, null, "X-GitHub-Event", "push").statusCode()).isEqualTo(401);
        assertThat(server.builds().builds(Optional.empty(), 10)).isEmpty();

        String other = push.formatted("refs/heads/feature", "b".repeat(40));
        HttpResponse<byte[]> ignored = send("POST", "hooks/github", other, null, "X-GitHub-Event", "push",
                "X-Hub-Signature-256", sign(other, "s3cret"));
        assertThat(ignored.statusCode()).isEqualTo(202);
        assertThat((List<?>) json(ignored).get("builds")).isEmpty();

        String tag = push.formatted("refs/tags/v2.0", "c".repeat(40));
        HttpResponse<byte[]> ok = send("POST", "hooks/github", tag, null, "X-GitHub-Event", "push",
                "X-Hub-Signature-256", sign(tag, "s3cret"));
        assertThat(ok.statusCode()).as(text(ok)).isEqualTo(202);
        List<?> started = (List<?>) json(ok).get("builds");
        assertThat(started).hasSize(1);
        var b = server.builds().requireBuild(((Number) started.getFirst()).longValue());
        assertThat(b.trigger()).isEqualTo("webhook");
        assertThat(b.gitRef()).contains("c".repeat(40));
        assertThat(send("POST", "hooks/github", "{}", null, "X-GitHub-Event", "ping").statusCode()).isEqualTo(200);
        assertThat(send("POST", "hooks/github", "not json", null, "X-GitHub-Event", "push").statusCode()).isEqualTo(400);
    }

    @Test
    void theOpenApiDocumentDescribesEveryBuildRoute() throws Exception {
        Map<String, Object> doc = json(send("GET", "api/openapi.json", null, null));
        assertThat(doc.get("openapi")).isEqualTo("3.1.0");
        Map<?, ?> paths = (Map<?, ?>) doc.get("paths");
        Pattern route = Pattern.compile("r\\.(get|post|put|delete|patch)\\(\"([^\"]+)\"");
        Set<String> registered = new LinkedHashSet<>();
        for (String f : List.of("BuildRoutes", "WorkerRoutes", "WebhookRoutes")) {
            String src = Files.readString(Path.of("src/main/java/io/packyard/server/routes/" + f + ".java"));
            Matcher m = route.matcher(src);
            while (m.find()) {
                registered.add(m.group(1) + " " + m.group(2));
            }
        }
        assertThat(registered).hasSizeGreaterThan(20);
        for (String r : registered) {
            String[] mp = r.split(" ", 2);
            assertThat(paths.containsKey(mp[1])).as(r).isTrue();
            Map<?, ?> ops = (Map<?, ?>) paths.get(mp[1]);
            assertThat(ops.containsKey(mp[0])).as(r).isTrue();
            Map<?, ?> op = (Map<?, ?>) ops.get(mp[0]);
            assertThat(op.get("responses")).as(r).isInstanceOf(Map.class);
        }
        // and every $ref points to a schema that exists
        Map<?, ?> schemas = (Map<?, ?>) ((Map<?, ?>) doc.get("components")).get("schemas");
        Matcher refs = Pattern.compile("#/components/schemas/([A-Za-z]+)").matcher(Json.write(doc));
        while (refs.find()) {
            assertThat(schemas.containsKey(refs.group(1))).as(refs.group(1)).isTrue();
        }
    }
}
