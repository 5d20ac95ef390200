package io.packyard.server.routes;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.packyard.builds.BuildRequest;
import io.packyard.builds.BuildService;
import io.packyard.builds.ProjectSpec;
import io.packyard.builds.model.Artifact;
import io.packyard.builds.model.Build;
import io.packyard.builds.model.LogChunk;
import io.packyard.python.json.Json;
import io.packyard.server.http.HttpError;
import io.packyard.server.http.MultipartReader;
import io.packyard.server.http.Responses;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The build service's REST API under {@code /api/builds} and {@code /api/build-projects}
 * (described by {@link BuildOpenApi} at {@code /api/openapi.json}). Reads are public; writes
 * need a token ({@link Guard#builds}).
 */
public final class BuildRoutes {

    /** How long one log stream stays open; EventSource reconnects with Last-Event-ID and goes on. */
    static final long STREAM_MILLIS = 25_000;

    private final BuildService builds;
    private final Guard guard;

    BuildRoutes(BuildService builds, Guard guard) {
        this.builds = builds;
        this.guard = guard;
    }

    public void register(RoutesConfig r) {
        r.get("/api/openapi.json", ctx -> Responses.json(ctx, 200, BuildOpenApi.document()));
        r.get("/api/build-projects", ctx -> Responses.json(ctx, 200,
                builds.projects().stream().map(BuildJson::project).toList()));
        r.put("/api/build-projects/{name}", this::saveProject);
        r.get("/api/builds", this::list);
        r.post("/api/builds", this::start);
        r.post("/api/builds/upload", this::upload);
        r.get("/api/builds/{id}", this::show);
        r.post("/api/builds/{id}/cancel", this::cancel);
        r.post("/api/builds/{id}/rerun", this::rerun);
        r.get("/api/builds/{id}/artifacts", ctx -> Responses.json(ctx, 200,
                builds.artifacts(build(ctx).id()).stream().map(BuildJson::artifact).toList()));
        r.get("/api/builds/{id}/artifacts/{filename}", this::artifact);
        r.get("/api/builds/{id}/log", this::log);
        r.get("/api/builds/{id}/log/stream", this::stream);
    }

    private Instant now() {
        return builds.repository().clock().instant();
    }

    private Build build(Context ctx) {
        long id;
        try {
            id = Long.parseLong(ctx.pathParam("id"));
        } catch (NumberFormatException e) {
            throw HttpError.notFound("'" + ctx.pathParam("id") + "' is not a build id");
        }
        return builds.build(id).orElseThrow(() -> HttpError.notFound("no build " + id));
    }

    private static Map<String, Object> body(Context ctx) {
        try {
            return Json.parseObject(ctx.body(), "request body");
        } catch (RuntimeException e) {
            throw HttpError.badRequest("request body: " + e.getMessage());
        }
    }

    private static Optional<String> str(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (!(v instanceof String s)) {
            throw HttpError.badRequest("request body: '" + key + "' must be a string");
        }
        return s.isBlank() ? Optional.empty() : Optional.of(s.strip());
    }

    private static Optional<Integer> integer(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
            throw HttpError.badRequest("request body: '" + key + "' must be an integer");
        }
        return Optional.of(n.intValue());
    }

    private static List<String> strings(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof List<?> l) || !l.stream().allMatch(String.class::isInstance)) {
            throw HttpError.badRequest("request body: '" + key + "' must be an array of strings");
        }
        return l.stream().map(String.class::cast).toList();
    }

    private void saveProject(Context ctx) {
        String name = ctx.pathParam("name");
        guard.builds(ctx, Optional.of(name));
        Map<String, Object> m = body(ctx);
        ProjectSpec.Builder b = ProjectSpec.builder(name);
        Optional<String> git = str(m, "git_url");
        git.ifPresent(u -> b.git(u, str(m, "git_ref").orElse("main")));
        str(m, "follow_refs").ifPresent(b::followRefs);
        str(m, "webhook_secret").or(() -> builds.project(name).flatMap(p -> p.webhookSecret())).ifPresent(b::webhookSecret);
        List<String> targets = strings(m, "targets");
        if (!targets.isEmpty()) {
            b.targets(targets.toArray(String[]::new));
        }
        List<String> formats = strings(m, "formats");
        if (!formats.isEmpty()) {
            b.formats(formats.toArray(String[]::new));
        }
        b.buildArgs(strings(m, "build_args").toArray(String[]::new));
        str(m, "smoke_command").ifPresent(b::smokeCommand);
        Optional<String> repo = str(m, "publish_repo");
        repo.ifPresent(rp -> b.publishTo(rp, str(m, "publish_channel").orElse("stable")));
        str(m, "publish_index").ifPresent(b::publishToIndex);
        Optional<String> indexUrl = str(m, "publish_index_url");
        Optional<String> tokenFile = str(m, "publish_index_token_file");
        if (indexUrl.isPresent() || tokenFile.isPresent()) {
            b.publishToUpstream(indexUrl.orElse(null), tokenFile.orElse(null));
        }
        str(m, "schedule").ifPresent(b::schedule);
        integer(m, "max_concurrent").ifPresent(b::maxConcurrent);
        integer(m, "time_limit_seconds").ifPresent(b::timeLimitSeconds);
        integer(m, "disk_limit_mb").ifPresent(b::diskLimitMb);
        Responses.json(ctx, 200, BuildJson.project(builds.saveProject(b.build())));
    }

    private void list(Context ctx) {
        Optional<String> project = Optional.ofNullable(ctx.queryParam("project")).filter(s -> !s.isBlank());
        int limit = 50;
        String l = ctx.queryParam("limit");
        if (l != null) {
            try {
                limit = Math.max(1, Math.min(1000, Integer.parseInt(l)));
            } catch (NumberFormatException e) {
                throw HttpError.badRequest("limit: expected a number, got '" + l + "'");
            }
        }
        Instant now = now();
        Responses.json(ctx, 200, builds.builds(project, limit).stream().map(b -> BuildJson.build(b, now)).toList());
    }

    /** The build with its jobs and artifacts. */
    Map<String, Object> detail(Build b) {
        Map<String, Object> m = new LinkedHashMap<>(BuildJson.build(b, now()));
        m.put("jobs", builds.jobs(b.id()).stream().map(BuildJson::job).toList());
        m.put("artifacts", builds.artifacts(b.id()).stream().map(BuildJson::artifact).toList());
        return m;
    }

    private void show(Context ctx) {
        Responses.json(ctx, 200, detail(build(ctx)));
    }

    private void start(Context ctx) {
        Map<String, Object> m = body(ctx);
        String project = str(m, "project").orElseThrow(() -> HttpError.badRequest("request body: 'project' is required"));
        guard.builds(ctx, Optional.of(project));
        BuildRequest req = new BuildRequest(project, new BuildRequest.Git(str(m, "git_url"), str(m, "ref")), "api",
                integer(m, "priority").orElse(0), Optional.empty());
        Optional<String> at = str(m, "not_before");
        if (at.isPresent()) {
            try {
                req = req.notBefore(Instant.parse(at.get()));
            } catch (DateTimeParseException e) {
                throw HttpError.badRequest("request body: 'not_before': expected an ISO-8601 time such as 2026-11-22T03:00:00Z");
            }
        }
        Build b = builds.submit(req);
        ctx.header("Location", "/api/builds/" + b.id());
        Responses.json(ctx, 201, detail(b));
    }

    private void upload(Context ctx) {
        Path tmp = null;
        try {
            MultipartReader reader = MultipartReader.open(ctx.req().getInputStream(), ctx.header("Content-Type"));
            Map<String, String> fields = new LinkedHashMap<>();
            String filename = null;
            Optional<MultipartReader.Part> next;
            while ((next = reader.next()).isPresent()) {
                MultipartReader.Part part = next.get();
                if (part.name().equals("source")) {
                    String project = fields.get("project");
                    if (project == null) {
                        throw HttpError.badRequest("the 'project' field must come before the 'source' file");
                    }
                    guard.builds(ctx, Optional.of(project));
                    filename = part.filename().map(f -> f.substring(Math.max(f.lastIndexOf('/'), f.lastIndexOf('\\')) + 1))
                            .filter(f -> !f.isBlank()).orElse("source.tar.gz");
                    Path dir = builds.repository().dataDir().resolve("tmp");
                    Files.createDirectories(dir);
                    tmp = Files.createTempFile(dir, "upload-", ".part");
                    try (InputStream in = part.body()) {
                        long n = copyAtMost(in, tmp, BuildService.MAX_SOURCE_BYTES);
                        if (n < 0) {
                            throw new HttpError(413, "source archive " + filename + ": larger than "
                                    + (BuildService.MAX_SOURCE_BYTES >> 20) + " MiB");
                        }
                    }
                } else {
                    fields.put(part.name(), part.text(4096));
                }
            }
            if (tmp == null) {
                throw HttpError.badRequest("the upload has no 'source' file");
            }
            String project = fields.get("project");
            int priority = 0;
            if (fields.containsKey("priority") && !fields.get("priority").isBlank()) {
                try {
                    priority = Integer.parseInt(fields.get("priority").strip());
                } catch (NumberFormatException e) {
                    throw HttpError.badRequest("priority: expected a number");
                }
            }
            Build b = builds.submit(new BuildRequest(project, new BuildRequest.Archive(filename, tmp), "upload", priority,
                    Optional.empty()));
            ctx.header("Location", "/api/builds/" + b.id());
            Responses.json(ctx, 201, detail(b));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // a leftover temp file is removed with the data dir's tmp
                }
            }
        }
    }

    /** Copies at most {@code max} bytes; -1 when there was more. */
    static long copyAtMost(InputStream in, Path to, long max) throws IOException {
        long total = 0;
        try (OutputStream out = Files.newOutputStream(to)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                total += n;
                if (total > max) {
                    return -1;
                }
                out.write(buf, 0, n);
            }
        }
        return total;
    }

    private void cancel(Context ctx) {
        Build b = build(ctx);
        var token = guard.builds(ctx, Optional.of(b.project()));
        if (!builds.cancel(b.id(), "token " + token.publicId() + " (" + token.user() + ")")) {
            throw new HttpError(409, "build " + b.id() + " is already " + b.state().id());
        }
        Responses.json(ctx, 200, detail(builds.requireBuild(b.id())));
    }

    private void rerun(Context ctx) {
        Build b = build(ctx);
        guard.builds(ctx, Optional.of(b.project()));
        Build again = builds.rerun(b.id());
        ctx.header("Location", "/api/builds/" + again.id());
        Responses.json(ctx, 201, detail(again));
    }

    private void artifact(Context ctx) {
        Build b = build(ctx);
        String name = ctx.pathParam("filename");
        Artifact a = builds.artifact(b.id(), name)
                .orElseThrow(() -> HttpError.notFound("build " + b.id() + " has no artifact '" + name + "'"));
        Path file = builds.repository().blobs().find(a.sha256())
                .orElseThrow(() -> new HttpError(500, "artifact " + name + ": its blob is missing (run packyard fsck)"));
        ctx.header("Content-Disposition", "attachment; filename=\"" + a.filename() + "\"");
        Responses.file(ctx, file, a.sha256(), "application/octet-stream", false);
    }

    private static long after(Context ctx) {
        String s = ctx.queryParam("after");
        if (s == null) {
            s = ctx.header("Last-Event-ID");
        }
        if (s == null || s.isBlank()) {
            return 0;
        }
        try {
            return Long.parseLong(s.strip());
        } catch (NumberFormatException e) {
            throw HttpError.badRequest("after: expected a log chunk id, got '" + s + "'");
        }
    }

    private void log(Context ctx) {
        Build b = build(ctx);
        long after = after(ctx);
        List<LogChunk> chunks = builds.log(b.id(), after, 1000);
        boolean finished = builds.requireBuild(b.id()).state().finished();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("chunks", chunks.stream().map(BuildJson::logChunk).toList());
        m.put("next", chunks.isEmpty() ? after : chunks.getLast().id());
        // finished only once everything up to the end was delivered
        m.put("finished", finished && chunks.size() < 1000);
        m.put("state", builds.requireBuild(b.id()).state().id());
        Responses.json(ctx, 200, m);
    }

    /** Server-sent events: the log as it grows, then "end" with the build's state. */
    private void stream(Context ctx) throws IOException, InterruptedException {
        Build b = build(ctx);
        long after = after(ctx);
        ctx.res().setStatus(200);
        ctx.res().setContentType("text/event-stream; charset=utf-8");
        ctx.res().setHeader("Cache-Control", "no-store");
        ctx.res().setHeader("X-Accel-Buffering", "no");
        OutputStream out = ctx.res().getOutputStream();
        long sent = 0;
        long until = System.currentTimeMillis() + STREAM_MILLIS;
        out.write("retry: 1000\n\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
        while (true) {
            boolean finished = builds.requireBuild(b.id()).state().finished();
            List<LogChunk> chunks = builds.log(b.id(), after, 500);
            StringBuilder events = new StringBuilder();
            for (LogChunk c : chunks) {
                events.append("id: ").append(c.id()).append("\nevent: log\ndata: ")
                        .append(Json.write(BuildJson.logChunk(c))).append("\n\n");
                after = c.id();
            }
            if (finished && chunks.size() < 500) {
                Map<String, Object> end = new LinkedHashMap<>();
                end.put("state", builds.requireBuild(b.id()).state().id());
                events.append("event: end\ndata: ").append(Json.write(end)).append("\n\n");
            }
            if (!events.isEmpty()) {
                byte[] bytes = events.toString().getBytes(StandardCharsets.UTF_8);
                out.write(bytes);
                out.flush();
                sent += bytes.length;
            }
            if ((finished && chunks.size() < 500) || System.currentTimeMillis() > until) {
                break;
            }
            if (chunks.isEmpty()) {
                Thread.sleep(250);
            }
        }
        ctx.attribute(Responses.BYTES_SENT, sent);
    }
}
