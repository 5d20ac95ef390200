package io.packyard.server.routes;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.packyard.python.json.Json;
import io.packyard.python.names.ProjectName;
import io.packyard.repository.Repository;
import io.packyard.repository.auth.Access;
import io.packyard.repository.auth.ApiToken;
import io.packyard.repository.auth.Permission;
import io.packyard.repository.index.HostedFile;
import io.packyard.repository.index.IndexConfig;
import io.packyard.server.http.HttpError;
import io.packyard.server.http.Responses;
import java.nio.charset.StandardCharsets;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The JSON maintenance API (token-protected writes; answers and errors are JSON):
 * <pre>
 *   GET    /api/health
 *   GET    /api/indexes                                                  indexes you may read
 *   GET    /api/indexes/{index}/projects/{project}                       a hosted project's files
 *   POST   /api/indexes/{index}/projects/{project}/files/{filename}/yank     {"reason": "..."}
 *   POST   /api/indexes/{index}/projects/{project}/files/{filename}/unyank
 *   DELETE /api/indexes/{index}/projects/{project}/files/{filename}          for good (tombstone)
 *   POST   /api/indexes/{index}/projects/{project}/versions/{version}/yank   {"reason": "..."}
 *   POST   /api/indexes/{index}/projects/{project}/versions/{version}/unyank
 * </pre>
 * Yank, un-yank and delete need a token with the {@code maintain} permission on the index (and
 * the project, for project-limited tokens).
 */
public final class AdminRoutes {

    private static final int MAX_BODY = 64 << 10;

    private final Repository repo;
    private final Guard guard;
    private final PageCache pages;

    AdminRoutes(Repository repo, Guard guard, PageCache pages) {
        this.repo = repo;
        this.guard = guard;
        this.pages = pages;
    }

    public void register(RoutesConfig r) {
        r.get("/api/health", ctx -> Responses.json(ctx, 200, Map.of("status", "ok")));
        r.get("/api/indexes", this::indexes);
        r.get("/api/indexes/{index}/projects/{project}", this::project);
        r.post("/api/indexes/{index}/projects/{project}/files/{filename}/yank", ctx -> yankFile(ctx, true));
        r.post("/api/indexes/{index}/projects/{project}/files/{filename}/unyank", ctx -> yankFile(ctx, false));
        r.delete("/api/indexes/{index}/projects/{project}/files/{filename}", this::deleteFile);
        r.post("/api/indexes/{index}/projects/{project}/versions/{version}/yank", ctx -> yankVersion(ctx, true));
        r.post("/api/indexes/{index}/projects/{project}/versions/{version}/unyank", ctx -> yankVersion(ctx, false));
    }

    private void indexes(Context ctx) {
        Optional<ApiToken> token = guard.token(ctx);
        List<Map<String, Object>> out = repo.indexes().list().stream()
                .filter(i -> Access.read(i, token) instanceof Access.Decision.Allowed)
                .map(AdminRoutes::describe).toList();
        Responses.json(ctx, 200, Map.of("indexes", out));
    }

    static Map<String, Object> describe(IndexConfig i) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", i.name());
        m.put("kind", i.kind().id());
        m.put("private", i.privateRead());
        i.upstream().ifPresent(u -> m.put("upstream", u.toString()));
        if (i.isMirror()) {
            m.put("page-ttl-seconds", i.pageTtl().toSeconds());
        }
        if (i.isGroup()) {
            m.put("members", i.members());
            m.put("allow-upstream", i.allowUpstream().stream().sorted().toList());
        }
        return m;
    }

    private void project(Context ctx) {
        IndexConfig index = guard.index(ctx);
        guard.read(ctx, index);
        String project = project(ctx.pathParam("project"));
        List<HostedFile> files = repo.hostedFiles().files(index, project);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("index", index.name());
        m.put("project", project);
        m.put("files", files.stream().map(AdminRoutes::describe).toList());
        Responses.json(ctx, 200, m);
    }

    private void yankFile(Context ctx, boolean yank) {
        IndexConfig index = guard.index(ctx);
        String project = project(ctx.pathParam("project"));
        guard.write(ctx, index, Permission.MAINTAIN, project);
        Optional<String> reason = yank ? Optional.of(reason(ctx)) : Optional.empty();
        HostedFile f = repo.hostedFiles().setYanked(index, project, ctx.pathParam("filename"), reason);
        pages.invalidate(index.id(), project);
        Responses.json(ctx, 200, describe(f));
    }

    private void yankVersion(Context ctx, boolean yank) {
        IndexConfig index = guard.index(ctx);
        String project = project(ctx.pathParam("project"));
        guard.write(ctx, index, Permission.MAINTAIN, project);
        Optional<String> reason = yank ? Optional.of(reason(ctx)) : Optional.empty();
        List<HostedFile> files = repo.hostedFiles().setVersionYanked(index, project, ctx.pathParam("version"), reason);
        pages.invalidate(index.id(), project);
        Responses.json(ctx, 200, Map.of("files", files.stream().map(AdminRoutes::describe).toList()));
    }

    private void deleteFile(Context ctx) {
        IndexConfig index = guard.index(ctx);
        String project = project(ctx.pathParam("project"));
        guard.write(ctx, index, Permission.MAINTAIN, project);
        HostedFile f = repo.hostedFiles().delete(index, project, ctx.pathParam("filename"));
        pages.invalidate(index.id(), project);
        Map<String, Object> m = describe(f);
        m.put("deleted", true);
        Responses.json(ctx, 200, m);
    }

    static Map<String, Object> describe(HostedFile f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("filename", f.filename());
        m.put("version", f.version());
        m.put("packagetype", f.packagetype());
        m.put("sha256", f.sha256());
        m.put("size", f.size());
        m.put("upload-time", DateTimeFormatter.ISO_INSTANT.format(f.uploadTime()));
        m.put("yanked", f.yanked().isPresent());
        f.yanked().ifPresent(y -> m.put("yanked-reason", y));
        return m;
    }

    private static String project(String raw) {
        if (!ProjectName.isValid(raw)) {
            throw HttpError.notFound("'" + raw + "' is not a valid project name");
        }
        return ProjectName.normalize(raw);
    }

    /** The {@code reason} of a yank: from a JSON body {@code {"reason": "..."}}; empty body means no reason. */
    private static String reason(Context ctx) {
        byte[] body;
        try {
            body = ctx.req().getInputStream().readNBytes(MAX_BODY + 1);
        } catch (java.io.IOException e) {
            throw HttpError.badRequest("cannot read the request body: " + e.getMessage());
        }
        if (body.length > MAX_BODY) {
            throw HttpError.badRequest("request body larger than " + MAX_BODY + " bytes");
        }
        String text = new String(body, StandardCharsets.UTF_8).strip();
        if (text.isEmpty()) {
            return "";
        }
        Object parsed;
        try {
            parsed = Json.parse(text);
        } catch (IllegalArgumentException e) {
            throw HttpError.badRequest("expected a JSON object like {\"reason\": \"...\"}: " + e.getMessage());
        }
        if (!(parsed instanceof Map<?, ?> m)) {
            throw HttpError.badRequest("expected a JSON object like {\"reason\": \"...\"}");
        }
        Object r = m.get("reason");
        if (r == null) {
            return "";
        }
        if (!(r instanceof String s)) {
            throw HttpError.badRequest("reason: expected a string");
        }
        if (s.length() > 2000) {
            throw HttpError.badRequest("reason: at most 2000 characters");
        }
        return s.strip();
    }
}
