package io.packyard.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.builds.BuildRequest;
import io.packyard.builds.ProjectSpec;
import io.packyard.builds.model.Build;
import io.packyard.builds.model.BuildState;
import io.packyard.repository.auth.ApiToken;
import io.packyard.repository.auth.Permission;
import io.packyard.repository.index.IndexSpec;
import io.packyard.server.PackyardServer;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The web UI over plain HTTP: every page, the login, the CSRF checks, escaping, caching of static files. */
class BuildUiHttpTest {

    @TempDir
    static Path dir;

    static PackyardServer server;
    static HttpClient http;
    static String uploadToken;
    static String maintainToken;
    static String readToken;
    static String limitedToken;

    /** A logged-in browser: its session cookie and the CSRF value of its forms. */
    record Session(String cookie, String csrf) {}

    @BeforeAll
    static void start() {
        server = PackyardServer.builder().dataDir(dir.resolve("data")).port(0).log(new QuietLog()).build().start();
        var repo = server.repository();
        repo.indexes().create(IndexSpec.hosted("main"));
        uploadToken = repo.tokens().create("alice", "main", Optional.empty(), Permission.UPLOAD, Optional.empty(),
                Optional.empty()).secret();
        maintainToken = repo.tokens().create("root", "main", Optional.empty(), Permission.MAINTAIN, Optional.empty(),
                Optional.of("admin")).secret();
        readToken = repo.tokens().create("reader", "main", Optional.empty(), Permission.READ, Optional.empty(),
                Optional.empty()).secret();
        limitedToken = repo.tokens().create("carol", "main", Optional.of("other"), Permission.UPLOAD, Optional.empty(),
                Optional.empty()).secret();
        server.builds().saveProject(ProjectSpec.builder("hello").git("https://git.example.invalid/hello.git", "main").build());
        server.builds().saveProject(ProjectSpec.builder("other").git("https://git.example.invalid/other.git", "main")
                .targets("linux-x86_64", "linux-aarch64").build());
        http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.stop();
        }
    }

    // ---------------------------------------------------------------- helpers

    static URI uri(String path) {
        return server.url().resolve(path);
    }

    static HttpResponse<String> get(String path, String cookie) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).GET();
        if (cookie != null) {
            b.header("Cookie", cookie);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> post(String path, String cookie, Map<String, String> form) throws Exception {
        String body = form.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (cookie != null) {
            b.header("Cookie", cookie);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static Map<String, String> form(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    static String hidden(String html, String name) {
        Matcher m = Pattern.compile("name=\"" + name + "\" value=\"([^\"]*)\"").matcher(html);
        assertThat(m.find()).as("hidden field %s in %s", name, html).isTrue();
        return m.group(1);
    }

    /** The "name=value" of a Set-Cookie header of that cookie, and the whole header. */
    static Optional<String> setCookie(HttpResponse<?> r, String name) {
        return r.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith(name + "=")).findFirst();
    }

    static Session login(String token) throws Exception {
        HttpResponse<String> page = get("/ui/login", null);
        assertThat(page.statusCode()).isEqualTo(200);
        String loginCookie = setCookie(page, "packyard_ui_login").orElseThrow().split(";")[0];
        HttpResponse<String> r = post("/ui/login", loginCookie,
                form("csrf", hidden(page.body(), "csrf"), "next", "/ui/builds", "token", token));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(303);
        assertThat(r.headers().firstValue("Location")).hasValue("/ui/builds");
        String set = setCookie(r, "packyard_ui").orElseThrow();
        assertThat(set).contains("HttpOnly").contains("SameSite=Strict").contains("Path=/ui");
        String cookie = set.split(";")[0];
        assertThat(cookie).doesNotContain(token);
        HttpResponse<String> builds = get("/ui/builds", cookie);
        return new Session(cookie, hidden(builds.body(), "csrf"));
    }

    static long idFromLocation(HttpResponse<?> r) {
        String loc = r.headers().firstValue("Location").orElseThrow();
        assertThat(loc).matches("/ui/builds/\\d+");
        return Long.parseLong(loc.substring("/ui/builds/".length()));
    }

    // ---------------------------------------------------------------- public pages

    @Test
    void projectsPageListsProjectsWithTheirLatestBuildState() throws Exception {
        Build b = server.builds().submit(BuildRequest.of("other", BuildRequest.Git.at("v1")));
        HttpResponse<String> r = get("/ui/", null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/html"));
        assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-store");
        assertThat(r.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(v ->
                assertThat(v).contains("script-src 'self'").doesNotContain("unsafe-inline"));
        assertThat(r.body()).contains("hello").contains("https://git.example.invalid/other.git")
                .contains("linux-x86_64, linux-aarch64");
        // the newest build of "other" is linked with its state
        int row = r.body().indexOf("/ui/builds?project=other");
        assertThat(r.body().substring(row)).contains("/ui/builds/" + b.id()).contains("data-state=\"queued\"");
        assertThat(get("/ui", null).headers().firstValue("Location")).hasValue("/ui/");
    }

    @Test
    void buildsPageFiltersByProject() throws Exception {
        Build h = server.builds().submit(BuildRequest.of("hello", BuildRequest.Git.projectDefault()));
        Build o = server.builds().submit(BuildRequest.of("other", BuildRequest.Git.projectDefault()));
        String all = get("/ui/builds", null).body();
        assertThat(all).contains("href=\"/ui/builds/" + h.id() + "\"").contains("href=\"/ui/builds/" + o.id() + "\"");
        String hello = get("/ui/builds?project=hello", null).body();
        assertThat(hello).contains("href=\"/ui/builds/" + h.id() + "\"").doesNotContain("href=\"/ui/builds/" + o.id() + "\"")
                .contains("<option value=\"hello\" selected>");
    }

    @Test
    void buildPageShowsJobsArtifactsAndLogAndEscapesUserText() throws Exception {
        Build b = server.builds().submit(BuildRequest.of("hello", BuildRequest.Git.at("<script>alert(1)</script>")));
        server.builds().appendLog(b.id(), Optional.empty(), "compiling <b>bold</b> & more\n");
        HttpResponse<String> r = get("/ui/builds/" + b.id(), null);
        assertThat(r.statusCode()).isEqualTo(200);
        String html = r.body();
        assertThat(html).doesNotContain("<script>alert(1)</script>").contains("&lt;script&gt;alert(1)&lt;/script&gt;")
                .doesNotContain("<b>bold</b>").contains("compiling &lt;b&gt;bold&lt;/b&gt; &amp; more");
        assertThat(html).contains("data-build=\"" + b.id() + "\"").contains("data-finished=\"false\"")
                .contains("<td data-label=\"Step\">source</td>").contains("<td data-label=\"Step\">build</td>")
                .contains("data-state=\"queued\"");
        // the log's last chunk id, from which the page's script follows the stream
        long last = server.builds().log(b.id(), 0, 1000).getLast().id();
        assertThat(html).contains("data-after=\"" + last + "\"");
        // not logged in: no cancel form, a login link instead
        assertThat(html).doesNotContain("/cancel\"").contains("/ui/login?next=/ui/builds/" + b.id());
        assertThat(get("/ui/builds/999999", null).statusCode()).isEqualTo(404);
        assertThat(get("/ui/builds/abc", null).statusCode()).isEqualTo(404);
    }

    @Test
    void artifactsAreListedWithDownloadLinkHashAndSize() throws Exception {
        // the most urgent build, so that its jobs are the ones claimed here
        Build b = server.builds().submit(BuildRequest.of("hello", BuildRequest.Git.at("main")).withPriority(1000));
        var src = server.builds().claim(List.of("server"), "t", java.time.Duration.ofMinutes(1)).orElseThrow();
        assertThat(server.builds().complete(src.jobId(), src.leaseId(), io.packyard.builds.queue.Outcome.SUCCEEDED, "")).isTrue();
        var job = server.builds().claim(List.of("linux-x86_64"), "w1", java.time.Duration.ofMinutes(1)).orElseThrow();
        assertThat(job.buildId()).isEqualTo(b.id());
        byte[] content = "deb bytes".getBytes(StandardCharsets.UTF_8);
        var a = server.builds().addArtifact(job.jobId(), job.leaseId(), "hello_1.0_amd64.deb",
                new java.io.ByteArrayInputStream(content));
        String running = get("/ui/builds/" + b.id(), null).body();
        assertThat(running).contains("data-state=\"running\"").contains("w1").doesNotContain("hello_1.0_amd64.deb");
        assertThat(server.builds().complete(job.jobId(), job.leaseId(), io.packyard.builds.queue.Outcome.SUCCEEDED, "")).isTrue();
        String html = get("/ui/builds/" + b.id(), null).body();
        assertThat(html).contains("href=\"/api/builds/" + b.id() + "/artifacts/hello_1.0_amd64.deb\"")
                .contains(a.sha256()).contains("9 B").contains("data-finished=\"true\"")
                .contains("data-state=\"succeeded\"");
        HttpResponse<byte[]> file = http.send(HttpRequest.newBuilder(uri("/api/builds/" + b.id()
                + "/artifacts/hello_1.0_amd64.deb")).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(file.body()).isEqualTo(content);
    }

    @Test
    void staticFilesAreServedWithCachingHeaders() throws Exception {
        String html = get("/ui/", null).body();
        Matcher css = Pattern.compile("href=\"(/ui/static/app\\.css\\?v=[0-9a-f]{16})\"").matcher(html);
        Matcher js = Pattern.compile("src=\"(/ui/static/build\\.js\\?v=[0-9a-f]{16})\"").matcher(html);
        assertThat(css.find()).isTrue();
        assertThat(js.find()).isTrue();
        HttpResponse<String> c = get(css.group(1), null);
        assertThat(c.statusCode()).isEqualTo(200);
        assertThat(c.headers().firstValue("Content-Type")).hasValue("text/css; charset=utf-8");
        assertThat(c.headers().firstValue("Cache-Control")).hasValue("public, max-age=31536000, immutable");
        assertThat(c.body()).contains("@media (max-width: 640px)");
        String etag = c.headers().firstValue("ETag").orElseThrow();
        HttpResponse<String> again = http.send(HttpRequest.newBuilder(uri(css.group(1))).header("If-None-Match", etag).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(again.statusCode()).isEqualTo(304);
        HttpResponse<String> j = get(js.group(1), null);
        assertThat(j.headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
        assertThat(j.body()).contains("EventSource").contains("/log?after=");
        // an unversioned URL is revalidated
        assertThat(get("/ui/static/app.css", null).headers().firstValue("Cache-Control")).hasValue("no-cache");
        assertThat(get("/ui/static/nope.js", null).statusCode()).isEqualTo(404);
    }

    // ---------------------------------------------------------------- login

    @Test
    void writesNeedALogin() throws Exception {
        HttpResponse<String> r = get("/ui/builds/new", null);
        assertThat(r.statusCode()).isEqualTo(303);
        assertThat(r.headers().firstValue("Location")).hasValue("/ui/login?next=/ui/builds/new");
        assertThat(get("/ui/tokens", null).headers().firstValue("Location")).hasValue("/ui/login?next=/ui/tokens");
        Build b = server.builds().submit(BuildRequest.of("hello", BuildRequest.Git.projectDefault()));
        HttpResponse<String> cancel = post("/ui/builds/" + b.id() + "/cancel", null, form("csrf", "x"));
        assertThat(cancel.statusCode()).isEqualTo(303);
        assertThat(cancel.headers().firstValue("Location")).hasValue("/ui/login?next=/ui/builds/" + b.id());
        assertThat(server.builds().requireBuild(b.id()).state()).isEqualTo(BuildState.QUEUED);
        // a made-up session cookie is no login
        assertThat(get("/ui/builds/new", "packyard_ui=forged").statusCode()).isEqualTo(303);
    }

    @Test
    void loginChecksTheFormTokenAndTheApiToken() throws Exception {
        HttpResponse<String> page = get("/ui/login?next=/ui/tokens", null);
        String set = setCookie(page, "packyard_ui_login").orElseThrow();
        assertThat(set).contains("HttpOnly").contains("SameSite=Strict");
        String loginCookie = set.split(";")[0];
        String csrf = hidden(page.body(), "csrf");
        assertThat(hidden(page.body(), "next")).isEqualTo("/ui/tokens");
        // the form's value must match the cookie's (a cross-site form has neither)
        HttpResponse<String> forged = post("/ui/login", loginCookie, form("csrf", "nope", "token", uploadToken));
        assertThat(forged.statusCode()).isEqualTo(403);
        assertThat(setCookie(forged, "packyard_ui")).isEmpty();
        assertThat(post("/ui/login", null, form("csrf", csrf, "token", uploadToken)).statusCode()).isEqualTo(403);
        HttpResponse<String> bad = post("/ui/login", loginCookie, form("csrf", csrf, "token", "pyd_bogus"));
        assertThat(bad.statusCode()).isEqualTo(401);
        assertThat(bad.body()).contains("class=\"error\"").contains("invalid API token");
        HttpResponse<String> weak = post("/ui/login", loginCookie, form("csrf", csrf, "token", readToken));
        assertThat(weak.statusCode()).isEqualTo(403);
        assertThat(weak.body()).contains("may only read");
        // an open redirect is not possible
        HttpResponse<String> ok = post("/ui/login", loginCookie, form("csrf", csrf, "token", uploadToken,
                "next", "//evil.example/"));
        assertThat(ok.statusCode()).isEqualTo(303);
        assertThat(ok.headers().firstValue("Location")).hasValue("/ui/");
    }

    @Test
    void logoutEndsTheSessionAndRevokingTheTokenToo() throws Exception {
        Session s = login(uploadToken);
        assertThat(get("/ui/builds/new", s.cookie()).statusCode()).isEqualTo(200);
        // logout is a POST with the CSRF value
        assertThat(post("/ui/logout", s.cookie(), form("csrf", "wrong")).statusCode()).isEqualTo(403);
        assertThat(get("/ui/builds/new", s.cookie()).statusCode()).isEqualTo(200);
        HttpResponse<String> out = post("/ui/logout", s.cookie(), form("csrf", s.csrf()));
        assertThat(out.statusCode()).isEqualTo(303);
        assertThat(setCookie(out, "packyard_ui").orElseThrow()).contains("Max-Age=0");
        assertThat(get("/ui/builds/new", s.cookie()).statusCode()).isEqualTo(303);

        String secret = server.repository().tokens().create("dave", "main", Optional.empty(), Permission.UPLOAD,
                Optional.empty(), Optional.empty()).secret();
        Session d = login(secret);
        assertThat(get("/ui/builds/new", d.cookie()).statusCode()).isEqualTo(200);
        server.repository().tokens().revoke(secret);
        assertThat(get("/ui/builds/new", d.cookie()).statusCode()).isEqualTo(303);
    }

    // ---------------------------------------------------------------- builds

    @Test
    void newBuildFormStartsABuildAndChecksCsrf() throws Exception {
        Session s = login(uploadToken);
        String formPage = get("/ui/builds/new?project=other", s.cookie()).body();
        assertThat(formPage).contains("<option value=\"other\" selected>").contains("enctype=\"multipart/form-data\"");
        assertThat(hidden(formPage, "csrf")).isEqualTo(s.csrf());

        int before = server.builds().builds(Optional.empty(), 1000).size();
        assertThat(post("/ui/builds/new", s.cookie(), form("project", "hello", "ref", "main")).statusCode()).isEqualTo(403);
        assertThat(post("/ui/builds/new", s.cookie(), form("csrf", "forged", "project", "hello")).statusCode()).isEqualTo(403);
        assertThat(server.builds().builds(Optional.empty(), 1000)).hasSize(before);

        HttpResponse<String> r = post("/ui/builds/new", s.cookie(),
                form("csrf", s.csrf(), "project", "hello", "ref", "release-2", "priority", "7"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(303);
        Build b = server.builds().requireBuild(idFromLocation(r));
        assertThat(b.project()).isEqualTo("hello");
        assertThat(b.gitRef()).hasValue("release-2");
        assertThat(b.priority()).isEqualTo(7);
        assertThat(b.trigger()).isEqualTo("ui");
    }

    @Test
    void newBuildFormShowsServiceErrorsOnOneLine() throws Exception {
        Session s = login(uploadToken);
        HttpResponse<String> r = post("/ui/builds/new", s.cookie(), form("csrf", s.csrf(), "project", "nope", "ref", ""));
        assertThat(r.statusCode()).isEqualTo(400);
        Matcher m = Pattern.compile("<p class=\"error\" role=\"alert\" id=\"form-error\">([^<]*)</p>").matcher(r.body());
        assertThat(m.find()).isTrue();
        assertThat(m.group(1)).isEqualTo("no build project named 'nope'").doesNotContain("\n");
        HttpResponse<String> p = post("/ui/builds/new", s.cookie(), form("csrf", s.csrf(), "project", "hello",
                "priority", "lots"));
        assertThat(p.statusCode()).isEqualTo(400);
        assertThat(p.body()).contains("priority: expected a whole number").contains("value=\"lots\"");
        // a token limited to a project may only build that one
        Session c = login(limitedToken);
        HttpResponse<String> l = post("/ui/builds/new", c.cookie(), form("csrf", c.csrf(), "project", "hello"));
        assertThat(l.statusCode()).isEqualTo(403);
        assertThat(l.body()).contains("is limited to project 'other'");
        assertThat(post("/ui/builds/new", c.cookie(), form("csrf", c.csrf(), "project", "other")).statusCode())
                .isEqualTo(303);
    }

    @Test
    void sourceArchiveUploadStartsABuild() throws Exception {
        Session s = login(uploadToken);
        byte[] archive = new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        String boundary = "----packyardtest" + System.nanoTime();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (var e : form("csrf", s.csrf(), "project", "hello", "ref", "", "priority", "1").entrySet()) {
            body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + e.getKey() + "\"\r\n\r\n"
                    + e.getValue() + "\r\n").getBytes(StandardCharsets.UTF_8));
        }
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"source\"; filename=\"hello-1.0.tar.gz\"\r\n"
                + "Content-Type: application/gzip\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(archive);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri("/ui/builds/new"))
                .header("Cookie", s.cookie()).header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(303);
        Build b = server.builds().requireBuild(idFromLocation(r));
        assertThat(b.sourceName()).hasValue("hello-1.0.tar.gz");
        assertThat(b.gitUrl()).isEmpty();
        assertThat(b.priority()).isEqualTo(1);
        try (var in = server.builds().openSource(b.id())) {
            assertThat(in.readAllBytes()).isEqualTo(archive);
        }
    }

    @Test
    void cancelAndRerunButtons() throws Exception {
        Session s = login(uploadToken);
        Build b = server.builds().submit(BuildRequest.of("hello", BuildRequest.Git.at("v2")));
        String page = get("/ui/builds/" + b.id(), s.cookie()).body();
        assertThat(page).contains("action=\"/ui/builds/" + b.id() + "/cancel\"").contains("action=\"/ui/builds/" + b.id() + "/rerun\"");
        assertThat(post("/ui/builds/" + b.id() + "/cancel", s.cookie(), form("csrf", "forged")).statusCode()).isEqualTo(403);
        assertThat(server.builds().requireBuild(b.id()).state()).isEqualTo(BuildState.QUEUED);
        HttpResponse<String> c = post("/ui/builds/" + b.id() + "/cancel", s.cookie(), form("csrf", s.csrf()));
        assertThat(c.statusCode()).isEqualTo(303);
        assertThat(c.headers().firstValue("Location")).hasValue("/ui/builds/" + b.id());
        Build cancelled = server.builds().requireBuild(b.id());
        assertThat(cancelled.state()).isEqualTo(BuildState.CANCELLED);
        assertThat(cancelled.error()).hasValue("cancelled by alice (web UI)");
        HttpResponse<String> again = post("/ui/builds/" + b.id() + "/cancel", s.cookie(), form("csrf", s.csrf()));
        assertThat(again.statusCode()).isEqualTo(409);
        assertThat(again.body()).contains("is already cancelled");
        assertThat(get("/ui/builds/" + b.id(), s.cookie()).body()).doesNotContain("/cancel\"");

        HttpResponse<String> re = post("/ui/builds/" + b.id() + "/rerun", s.cookie(), form("csrf", s.csrf()));
        assertThat(re.statusCode()).isEqualTo(303);
        Build rerun = server.builds().requireBuild(idFromLocation(re));
        assertThat(rerun.id()).isNotEqualTo(b.id());
        assertThat(rerun.rerunOf()).hasValue(b.id());
        assertThat(get("/ui/builds/" + rerun.id(), null).body()).contains("re-run of <a href=\"/ui/builds/" + b.id() + "\">");
    }

    // ---------------------------------------------------------------- tokens

    @Test
    void tokenManagementNeedsMaintain() throws Exception {
        Session s = login(uploadToken);
        HttpResponse<String> r = get("/ui/tokens", s.cookie());
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).contains("managing tokens needs a maintain token");
        assertThat(post("/ui/tokens", s.cookie(), form("csrf", s.csrf(), "user", "eve", "permission", "maintain"))
                .statusCode()).isEqualTo(403);
        assertThat(server.repository().tokens().list()).noneMatch(t -> t.user().equals("eve"));
    }

    @Test
    void tokensAreListedCreatedOnceAndRevoked() throws Exception {
        Session s = login(maintainToken);
        String list = get("/ui/tokens", s.cookie()).body();
        ApiToken alice = server.repository().tokens().authenticate(uploadToken);
        assertThat(list).contains("API tokens of index main").contains(alice.publicId()).contains("alice");
        assertThat(list).doesNotContain(uploadToken);

        assertThat(post("/ui/tokens", s.cookie(), form("user", "frank", "permission", "upload")).statusCode()).isEqualTo(403);
        HttpResponse<String> created = post("/ui/tokens", s.cookie(), form("csrf", s.csrf(), "user", "frank",
                "permission", "upload", "project", "hello", "expires_days", "30", "description", "ci <runner>"));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        Matcher m = Pattern.compile("<pre class=\"secret\" id=\"secret\">([^<]+)</pre>").matcher(created.body());
        assertThat(m.find()).isTrue();
        ApiToken frank = server.repository().tokens().authenticate(m.group(1));
        assertThat(frank.user()).isEqualTo("frank");
        assertThat(frank.permission()).isEqualTo(Permission.UPLOAD);
        assertThat(frank.project()).hasValue("hello");
        assertThat(frank.expires()).isPresent();
        assertThat(created.body()).contains("ci &lt;runner&gt;");
        // shown once: the list afterwards has its id, not its secret
        String after = get("/ui/tokens", s.cookie()).body();
        assertThat(after).contains(frank.publicId()).doesNotContain(m.group(1));

        HttpResponse<String> bad = post("/ui/tokens", s.cookie(), form("csrf", s.csrf(), "user", "bad user!"));
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("user 'bad user!': use letters");

        HttpResponse<String> revoke = post("/ui/tokens/revoke", s.cookie(), form("csrf", s.csrf(), "id", frank.publicId()));
        assertThat(revoke.statusCode()).isEqualTo(303);
        assertThat(server.repository().tokens().list()).filteredOn(t -> t.publicId().equals(frank.publicId()))
                .singleElement().satisfies(t -> assertThat(t.revoked()).isPresent());
        HttpResponse<String> twice = post("/ui/tokens/revoke", s.cookie(), form("csrf", s.csrf(), "id", frank.publicId()));
        assertThat(twice.statusCode()).isEqualTo(400);
        assertThat(twice.body()).contains("was already revoked");
    }
}
