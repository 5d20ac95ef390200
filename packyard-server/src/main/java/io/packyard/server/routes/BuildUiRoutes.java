package io.packyard.server.routes;

import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.StringOutput;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.packyard.builds.BuildRequest;
import io.packyard.builds.BuildService;
import io.packyard.builds.model.Build;
import io.packyard.builds.model.BuildProject;
import io.packyard.builds.model.LogChunk;
import io.packyard.python.PackyardException;
import io.packyard.repository.Repository;
import io.packyard.repository.auth.ApiToken;
import io.packyard.repository.auth.Permission;
import io.packyard.repository.auth.Tokens;
import io.packyard.server.http.HttpError;
import io.packyard.server.http.MultipartReader;
import io.packyard.server.http.Responses;
import io.packyard.server.ui.ProjectRow;
import io.packyard.server.ui.Ui;
import io.packyard.server.ui.UiSessions;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The build service's web UI under {@code /ui/}: server-rendered pages (jte templates in
 * {@code src/main/jte}, compiled at build time, HTML-escaped), one CSS and one JavaScript file
 * served from the classpath. Reading pages is public like the build API's reads; every write
 * (start, cancel, re-run a build; manage tokens) needs a login.
 *
 * <p>Login: {@code /ui/login} takes an API token with permission upload or maintain (maintain,
 * not limited to a project, for token management). The server keeps the session in memory
 * ({@link UiSessions}); the browser gets only a random session id in an HttpOnly,
 * SameSite=Strict cookie. Every POST form carries the session's CSRF value in a hidden field
 * (the login form a value bound to a short-lived cookie of its own), checked before anything
 * else is done.
 */
public final class BuildUiRoutes {

    static final String SESSION_COOKIE = "packyard_ui";
    static final String LOGIN_COOKIE = "packyard_ui_login";
    private static final int BUILDS_PER_PAGE = 200;
    private static final int LOG_CHUNKS_PER_PAGE = 20_000;
    private static final int FIELD_BYTES = 4096;
    private static final Pattern NEXT = Pattern.compile("/ui/[A-Za-z0-9/_.~?=&%-]{0,500}");
    private static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
            + " connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

    private final BuildService builds;
    private final Guard guard;
    private final Repository repo;
    private final UiSessions sessions;
    private final TemplateEngine templates;
    private final Asset css;
    private final Asset js;

    BuildUiRoutes(BuildService builds, Guard guard) {
        this.builds = builds;
        this.guard = guard;
        this.repo = builds.repository();
        this.sessions = new UiSessions(repo.clock());
        this.templates = TemplateEngine.createPrecompiled(ContentType.Html);
        this.css = Asset.load("app.css", "text/css; charset=utf-8");
        this.js = Asset.load("build.js", "text/javascript; charset=utf-8");
    }

    public void register(RoutesConfig r) {
        r.get("/ui", ctx -> redirect(ctx, "/ui/"));
        r.get("/ui/", page(this::projects));
        r.get("/ui/builds", page(this::buildList));
        r.get("/ui/builds/new", page(this::newBuildForm));
        r.post("/ui/builds/new", page(this::submitBuild));
        r.get("/ui/builds/{id}", page(this::buildPage));
        r.post("/ui/builds/{id}/cancel", page(ctx -> buildAction(ctx, true)));
        r.post("/ui/builds/{id}/rerun", page(ctx -> buildAction(ctx, false)));
        r.get("/ui/login", page(this::loginForm));
        r.post("/ui/login", page(this::login));
        r.post("/ui/logout", page(this::logout));
        r.get("/ui/tokens", page(this::tokens));
        r.post("/ui/tokens", page(this::createToken));
        r.post("/ui/tokens/revoke", page(this::revokeToken));
        r.get("/ui/static/{file}", this::asset);
        r.head("/ui/static/{file}", this::asset);
    }

    // ---------------------------------------------------------------- pages

    private void projects(Context ctx) {
        List<ProjectRow> rows = builds.projects().stream()
                .map(p -> new ProjectRow(p, builds.builds(Optional.of(p.name()), 1).stream().findFirst()))
                .toList();
        render(ctx, 200, "projects.jte", params(ui(ctx), "rows", rows));
    }

    private void buildList(Context ctx) {
        Optional<String> project = Optional.ofNullable(ctx.queryParam("project")).map(String::strip)
                .filter(s -> !s.isEmpty());
        List<Build> list = builds.builds(project, BUILDS_PER_PAGE);
        render(ctx, 200, "builds.jte", params(ui(ctx), "builds", list, "projects", projectNames(),
                "project", project.orElse(null), "now", repo.clock().instant()));
    }

    private void buildPage(Context ctx) {
        renderBuild(ctx, 200, buildId(ctx), null);
    }

    private void renderBuild(Context ctx, int status, long id, String error) {
        // the state first, then the log: a build that ends in between still streams its last lines
        Build b = builds.build(id).orElseThrow(() -> HttpError.notFound("no build " + id));
        List<LogChunk> chunks = builds.log(id, 0, LOG_CHUNKS_PER_PAGE);
        StringBuilder log = new StringBuilder();
        chunks.forEach(c -> log.append(c.text()));
        long after = chunks.isEmpty() ? 0 : chunks.getLast().id();
        render(ctx, status, "build.jte", params(ui(ctx), "b", b, "jobs", builds.jobs(id), "artifacts",
                builds.artifacts(id), "log", log.toString(), "logAfter", after, "error", error,
                "now", repo.clock().instant()));
    }

    private void newBuildForm(Context ctx) {
        if (requireLogin(ctx).isEmpty()) {
            return;
        }
        renderNewForm(ctx, 200, ctx.queryParam("project"), "", "0", null);
    }

    private void renderNewForm(Context ctx, int status, String project, String ref, String priority, String error) {
        render(ctx, status, "new.jte", params(ui(ctx), "projects", projectNames(), "project", project, "ref", ref,
                "priority", priority, "error", error));
    }

    /** POST /ui/builds/new: multipart (the form, with an optional source archive) or url-encoded. */
    private void submitBuild(Context ctx) throws IOException {
        Optional<Login> login = currentLogin(ctx);
        if (login.isEmpty()) {
            redirect(ctx, "/ui/login?next=/ui/builds/new");
            return;
        }
        Map<String, String> fields = new HashMap<>();
        Path archive = null;
        String archiveName = null;
        try {
            String contentType = ctx.header("Content-Type");
            if (contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
                MultipartReader reader = MultipartReader.open(ctx.req().getInputStream(), contentType);
                Optional<MultipartReader.Part> next;
                while ((next = reader.next()).isPresent()) {
                    MultipartReader.Part part = next.get();
                    if (part.name().equals("source")) {
                        // the hidden CSRF field comes first in the form: nothing is stored without it
                        checkCsrf(login.get(), fields.get("csrf"));
                        String name = part.filename().map(BuildUiRoutes::baseName).orElse("");
                        if (name.isEmpty() || archive != null) {
                            continue; // the empty file input of a git build
                        }
                        archive = Files.createTempFile("packyard-ui-source", ".upload");
                        archiveName = name;
                        copyLimited(part.body(), archive, BuildService.MAX_SOURCE_BYTES);
                    } else if (fields.size() < 16) {
                        fields.put(part.name(), part.text(FIELD_BYTES));
                    }
                }
            } else {
                for (String k : List.of("csrf", "project", "ref", "priority")) {
                    String v = ctx.formParam(k);
                    if (v != null) {
                        fields.put(k, v);
                    }
                }
            }
            checkCsrf(login.get(), fields.get("csrf"));
            String project = fields.getOrDefault("project", "").strip();
            String ref = fields.getOrDefault("ref", "").strip();
            String priorityText = fields.getOrDefault("priority", "").strip();
            try {
                if (project.isEmpty()) {
                    throw PackyardException.config("project: choose a build project");
                }
                mayBuild(login.get().token(), Optional.of(project));
                int priority = parsePriority(priorityText);
                BuildRequest.Source source;
                if (archive != null) {
                    String lower = archiveName.toLowerCase(Locale.ROOT);
                    if (!(lower.endsWith(".tar.gz") || lower.endsWith(".tgz") || lower.endsWith(".zip"))) {
                        throw PackyardException.config("source archive '" + archiveName + "': expected a .tar.gz or .zip file");
                    }
                    source = new BuildRequest.Archive(archiveName, archive);
                } else {
                    source = new BuildRequest.Git(Optional.empty(), ref.isEmpty() ? Optional.empty() : Optional.of(ref));
                }
                Build b = builds.submit(new BuildRequest(project, source, "ui", priority, Optional.empty()));
                redirect(ctx, "/ui/builds/" + b.id());
            } catch (PackyardException | HttpError e) {
                int status = e instanceof HttpError h ? h.status() : 400;
                renderNewForm(ctx, status, project, ref, priorityText, oneLine(e.getMessage()));
            }
        } finally {
            if (archive != null) {
                Files.deleteIfExists(archive);
            }
        }
    }

    private void buildAction(Context ctx, boolean cancel) {
        long id = buildId(ctx);
        Optional<Login> login = requirePostLogin(ctx, "/ui/builds/" + id);
        if (login.isEmpty()) {
            return;
        }
        Build b = builds.build(id).orElseThrow(() -> HttpError.notFound("no build " + id));
        try {
            mayBuild(login.get().token(), Optional.of(b.project()));
            if (cancel) {
                if (!builds.cancel(id, login.get().token().user() + " (web UI)")) {
                    throw PackyardException.config("build " + id + " is already " + b.state().id());
                }
                redirect(ctx, "/ui/builds/" + id);
            } else {
                Build created = builds.rerun(id);
                redirect(ctx, "/ui/builds/" + created.id());
            }
        } catch (PackyardException | HttpError e) {
            int status = e instanceof HttpError h ? h.status() : (cancel ? 409 : 400);
            renderBuild(ctx, status, id, oneLine(e.getMessage()));
        }
    }

    // ---------------------------------------------------------------- login

    private void loginForm(Context ctx) {
        renderLogin(ctx, 200, safeNext(ctx.queryParam("next")), null);
    }

    private void renderLogin(Context ctx, int status, String next, String error) {
        String value = UiSessions.random();
        setCookie(ctx, LOGIN_COOKIE, value, Duration.ofHours(1));
        render(ctx, status, "login.jte", params(ui(ctx), "loginCsrf", value, "next", next, "error", error));
    }

    private void login(Context ctx) {
        String next = safeNext(ctx.formParam("next"));
        if (!UiSessions.same(ctx.cookie(LOGIN_COOKIE), ctx.formParam("csrf"))) {
            renderLogin(ctx, 403, next, "the login form expired or came from another site: please try again");
            return;
        }
        String presented = Optional.ofNullable(ctx.formParam("token")).orElse("").strip();
        ApiToken token;
        try {
            token = repo.tokens().authenticate(presented);
        } catch (Tokens.InvalidTokenException e) {
            renderLogin(ctx, 401, next, oneLine(e.getMessage()));
            return;
        }
        if (!token.permission().includes(Permission.UPLOAD)) {
            renderLogin(ctx, 403, next, "API token " + token.publicId()
                    + " may only read; the web UI needs a token with upload or maintain permission");
            return;
        }
        UiSessions.Session s = sessions.create(presented);
        setCookie(ctx, SESSION_COOKIE, s.id(), null);
        setCookie(ctx, LOGIN_COOKIE, "", Duration.ZERO);
        redirect(ctx, next);
    }

    private void logout(Context ctx) {
        Optional<UiSessions.Session> s = sessions.find(ctx.cookie(SESSION_COOKIE));
        if (s.isPresent()) {
            checkCsrf(s.get(), ctx.formParam("csrf"));
            sessions.remove(s.get().id());
        }
        setCookie(ctx, SESSION_COOKIE, "", Duration.ZERO);
        redirect(ctx, "/ui/");
    }

    // ---------------------------------------------------------------- tokens

    private void tokens(Context ctx) {
        Optional<Login> login = requireLogin(ctx);
        if (login.isEmpty()) {
            return;
        }
        mayManageTokens(login.get().token());
        renderTokens(ctx, 200, login.get(), null, null);
    }

    private void renderTokens(Context ctx, int status, Login login, String error, Tokens.Created created) {
        String index = login.token().index();
        List<ApiToken> list = repo.tokens().list().stream().filter(t -> t.index().equals(index)).toList();
        render(ctx, status, "tokens.jte", params(ui(ctx), "index", index, "tokens", list, "error", error,
                "createdSecret", created == null ? null : created.secret(),
                "createdId", created == null ? null : created.token().publicId(), "now", repo.clock().instant()));
    }

    private void createToken(Context ctx) {
        Optional<Login> login = requirePostLogin(ctx, "/ui/tokens");
        if (login.isEmpty()) {
            return;
        }
        mayManageTokens(login.get().token());
        try {
            String user = Optional.ofNullable(ctx.formParam("user")).orElse("").strip();
            Permission permission = Permission.parse(Optional.ofNullable(ctx.formParam("permission")).orElse("upload"));
            Optional<String> project = Optional.ofNullable(ctx.formParam("project")).map(String::strip)
                    .filter(s -> !s.isEmpty());
            Optional<Duration> expires = Optional.ofNullable(ctx.formParam("expires_days")).map(String::strip)
                    .filter(s -> !s.isEmpty()).map(BuildUiRoutes::parseDays);
            Optional<String> description = Optional.ofNullable(ctx.formParam("description")).map(String::strip)
                    .filter(s -> !s.isEmpty());
            Tokens.Created created = repo.tokens().create(user, login.get().token().index(), project, permission,
                    expires, description);
            renderTokens(ctx, 201, login.get(), null, created);
        } catch (PackyardException e) {
            renderTokens(ctx, 400, login.get(), oneLine(e.getMessage()), null);
        }
    }

    private void revokeToken(Context ctx) {
        Optional<Login> login = requirePostLogin(ctx, "/ui/tokens");
        if (login.isEmpty()) {
            return;
        }
        mayManageTokens(login.get().token());
        String id = Optional.ofNullable(ctx.formParam("id")).orElse("").strip();
        String index = login.get().token().index();
        try {
            boolean ours = repo.tokens().list().stream().anyMatch(t -> t.publicId().equals(id) && t.index().equals(index));
            if (!ours) {
                throw PackyardException.config("no token with id '" + id + "' on index " + index);
            }
            repo.tokens().revoke(id);
            redirect(ctx, "/ui/tokens");
        } catch (PackyardException e) {
            renderTokens(ctx, 400, login.get(), oneLine(e.getMessage()), null);
        }
    }

    // ---------------------------------------------------------------- static files

    private void asset(Context ctx) {
        Asset a = switch (ctx.pathParam("file")) {
            case "app.css" -> css;
            case "build.js" -> js;
            default -> throw HttpError.notFound("not found: " + ctx.path());
        };
        // the pages link the files with ?v=<hash>: such a URL never changes content
        String cache = a.version().equals(ctx.queryParam("v")) ? "public, " + Responses.IMMUTABLE : "no-cache";
        ctx.res().setHeader("X-Content-Type-Options", "nosniff");
        Responses.page(ctx, a.page(), cache, "Accept-Encoding");
    }

    /** A static file of the UI, from the classpath. */
    private record Asset(Responses.Page page, String version, String url) {
        static Asset load(String name, String contentType) {
            String resource = "/io/packyard/server/ui/static/" + name;
            try (InputStream in = BuildUiRoutes.class.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException("missing resource " + resource);
                }
                byte[] b = in.readAllBytes();
                String version = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b)).substring(0, 16);
                return new Asset(Responses.Page.of(new String(b, StandardCharsets.UTF_8), contentType), version,
                        "/ui/static/" + name + "?v=" + version);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    // ---------------------------------------------------------------- sessions and checks

    /** A logged-in session and its token, authenticated again for this request. */
    private record Login(UiSessions.Session session, ApiToken token) {}

    private static final String LOGIN_ATTRIBUTE = "packyard.uiLogin";

    private Optional<Login> currentLogin(Context ctx) {
        Object cached = ctx.attribute(LOGIN_ATTRIBUTE);
        if (cached instanceof Login l) {
            return Optional.of(l);
        }
        Optional<UiSessions.Session> s = sessions.find(ctx.cookie(SESSION_COOKIE));
        if (s.isEmpty()) {
            return Optional.empty();
        }
        ApiToken token;
        try {
            token = repo.tokens().authenticate(s.get().token());
        } catch (Tokens.InvalidTokenException e) {
            // revoked or expired since the login: the session ends with it
            sessions.remove(s.get().id());
            return Optional.empty();
        }
        Login l = new Login(s.get(), token);
        ctx.attribute(LOGIN_ATTRIBUTE, l);
        ctx.attribute(Guard.TOKEN_ID, token.publicId());
        return Optional.of(l);
    }

    /** The login, or a redirect to the login page (then empty). */
    private Optional<Login> requireLogin(Context ctx) {
        Optional<Login> l = currentLogin(ctx);
        if (l.isEmpty()) {
            String q = ctx.queryString();
            redirect(ctx, "/ui/login?next=" + safeNext(ctx.path() + (q == null ? "" : "?" + q)));
        }
        return l;
    }

    /** For a POST: the login (redirecting to the login page without one) with its CSRF value checked. */
    private Optional<Login> requirePostLogin(Context ctx, String next) {
        Optional<Login> l = currentLogin(ctx);
        if (l.isEmpty()) {
            redirect(ctx, "/ui/login?next=" + safeNext(next));
            return l;
        }
        checkCsrf(l.get(), ctx.formParam("csrf"));
        return l;
    }

    private static void checkCsrf(Login l, String presented) {
        checkCsrf(l.session(), presented);
    }

    private static void checkCsrf(UiSessions.Session s, String presented) {
        if (!UiSessions.same(s.csrf(), presented)) {
            throw new HttpError(403, "the form's CSRF token is missing or wrong: reload the page and try again");
        }
    }

    /** The same rule as the build API ({@link Guard#builds}), for the logged-in token. */
    private static void mayBuild(ApiToken t, Optional<String> project) {
        if (!t.permission().includes(Permission.UPLOAD)) {
            throw new HttpError(403, "API token " + t.publicId() + " may only read; the build service needs upload or maintain");
        }
        if (t.project().isPresent() && !project.equals(t.project())) {
            throw new HttpError(403, "API token " + t.publicId() + " is limited to project '" + t.project().get() + "'");
        }
    }

    private static void mayManageTokens(ApiToken t) {
        if (!t.permission().includes(Permission.MAINTAIN) || t.project().isPresent()) {
            throw new HttpError(403, "managing tokens needs a maintain token for the whole index (logged in with "
                    + t.publicId() + ": " + t.permission().id() + t.project().map(p -> ", project " + p).orElse("") + ")");
        }
    }

    // ---------------------------------------------------------------- rendering

    /** Wraps a page handler: HTTP and user errors become an error page (not the API's plain text). */
    private Handler page(Handler h) {
        return ctx -> {
            try {
                h.handle(ctx);
            } catch (HttpError e) {
                e.headers().forEach((k, v) -> ctx.res().setHeader(k, v));
                renderError(ctx, e.status(), e.getMessage());
            } catch (PackyardException e) {
                renderError(ctx, 400, e.getMessage());
            }
        };
    }

    private void renderError(Context ctx, int status, String message) {
        render(ctx, status, "error.jte", params(ui(ctx), "status", status, "message", oneLine(message)));
    }

    private Ui ui(Context ctx) {
        Optional<Login> l = currentLogin(ctx);
        return new Ui(l.map(Login::token), l.map(x -> x.session().csrf()).orElse(""), css.url(), js.url(), ctx.path());
    }

    private static Map<String, Object> params(Ui ui, Object... kv) {
        Map<String, Object> m = new HashMap<>();
        m.put("ui", ui);
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    private void render(Context ctx, int status, String template, Map<String, Object> params) {
        StringOutput out = new StringOutput();
        templates.render(template, params, out);
        securityHeaders(ctx);
        ctx.res().setContentType("text/html; charset=utf-8");
        Responses.send(ctx, status, out.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static void securityHeaders(Context ctx) {
        ctx.res().setHeader("Cache-Control", "no-store");
        ctx.res().setHeader("Content-Security-Policy", CSP);
        ctx.res().setHeader("X-Content-Type-Options", "nosniff");
        ctx.res().setHeader("X-Frame-Options", "DENY");
        ctx.res().setHeader("Referrer-Policy", "same-origin");
    }

    /** 303 See Other: after a POST the browser GETs the result. */
    private static void redirect(Context ctx, String location) {
        ctx.res().setHeader("Location", location);
        ctx.res().setHeader("Cache-Control", "no-store");
        ctx.res().setContentType("text/plain; charset=utf-8");
        Responses.send(ctx, 303, new byte[0]);
    }

    private static void setCookie(Context ctx, String name, String value, Duration maxAge) {
        StringBuilder c = new StringBuilder(name).append('=').append(value).append("; Path=/ui; HttpOnly; SameSite=Strict");
        if (maxAge != null) {
            c.append("; Max-Age=").append(maxAge.toSeconds());
        }
        String proto = ctx.header("X-Forwarded-Proto");
        if ("https".equalsIgnoreCase(ctx.scheme()) || "https".equalsIgnoreCase(proto)) {
            c.append("; Secure");
        }
        ctx.res().addHeader("Set-Cookie", c.toString());
    }

    // ---------------------------------------------------------------- small helpers

    private List<String> projectNames() {
        return builds.projects().stream().map(BuildProject::name).toList();
    }

    private static long buildId(Context ctx) {
        String s = ctx.pathParam("id");
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw HttpError.notFound("no build '" + s + "'");
        }
    }

    private static int parsePriority(String s) {
        if (s.isEmpty()) {
            return 0;
        }
        try {
            int p = Integer.parseInt(s);
            if (p < -1000 || p > 1000) {
                throw new NumberFormatException();
            }
            return p;
        } catch (NumberFormatException e) {
            throw PackyardException.config("priority: expected a whole number from -1000 to 1000, got '" + s + "'");
        }
    }

    private static Duration parseDays(String s) {
        try {
            int d = Integer.parseInt(s);
            if (d < 1 || d > 3650) {
                throw new NumberFormatException();
            }
            return Duration.ofDays(d);
        } catch (NumberFormatException e) {
            throw PackyardException.config("expires: expected a number of days from 1 to 3650, got '" + s + "'");
        }
    }

    /** Only a page of the UI itself: never an open redirect. */
    private static String safeNext(String next) {
        if (next == null || !NEXT.matcher(next).matches() || next.contains("//") || next.startsWith("/ui/login")) {
            return "/ui/";
        }
        return next;
    }

    private static String baseName(String filename) {
        String n = filename.replace('\\', '/');
        return n.substring(n.lastIndexOf('/') + 1).strip();
    }

    private static void copyLimited(InputStream in, Path target, long limit) throws IOException {
        try (in; OutputStream out = Files.newOutputStream(target)) {
            byte[] buf = new byte[1 << 16];
            long total = 0;
            for (int n; (n = in.read(buf)) > 0; ) {
                total += n;
                if (total > limit) {
                    throw new HttpError(413, "the source archive is larger than " + (limit >> 20) + " MiB");
                }
                out.write(buf, 0, n);
            }
        }
    }

    private static String oneLine(String message) {
        return message == null ? "error" : message.lines().findFirst().orElse("error");
    }
}
