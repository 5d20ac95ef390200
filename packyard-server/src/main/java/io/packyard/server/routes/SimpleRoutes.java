package io.packyard.server.routes;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.packyard.python.names.ProjectName;
import io.packyard.repository.Repository;
import io.packyard.repository.index.IndexConfig;
import io.packyard.repository.index.ProjectPage;
import io.packyard.server.http.HttpError;
import io.packyard.server.http.Negotiation;
import io.packyard.server.http.Responses;
import java.util.Map;

/**
 * The simple repository API of every index:
 * <pre>
 *   GET /{index}/simple/             project list
 *   GET /{index}/simple/{project}/   project page (a non-normalized name: 301 to the normalized one)
 * </pre>
 * Content negotiation (PEP 691) on {@code Accept} with {@code Vary: Accept}; 406 when neither JSON
 * nor HTML is acceptable. Pages carry a strong ETag (304 on {@code If-None-Match}), are gzipped
 * for clients that accept it and must be revalidated ({@code max-age=0}) so that a new upload
 * shows at once. Rendered pages of hosted projects are cached until the project changes.
 */
public final class SimpleRoutes {

    static final String PAGE_CACHE_CONTROL = "max-age=0, must-revalidate";
    static final String VARY = "Accept, Accept-Encoding, Authorization";
    private final Repository repo;
    private final Guard guard;
    private final PageCache cache;

    SimpleRoutes(Repository repo, Guard guard, PageCache cache) {
        this.repo = repo;
        this.guard = guard;
        this.cache = cache;
    }

    public void register(RoutesConfig r) {
        r.get("/{index}/simple/", this::projectList);
        r.head("/{index}/simple/", this::projectList);
        r.get("/{index}/simple", ctx -> redirect(ctx, "simple/"));
        r.head("/{index}/simple", ctx -> redirect(ctx, "simple/"));
        r.get("/{index}/simple/{project}/", this::projectPage);
        r.head("/{index}/simple/{project}/", this::projectPage);
        r.get("/{index}/simple/{project}", this::projectWithoutSlash);
        r.head("/{index}/simple/{project}", this::projectWithoutSlash);
    }

    private void projectList(Context ctx) {
        IndexConfig index = guard.index(ctx);
        guard.read(ctx, index);
        Negotiation.Format format = format(ctx);
        var projects = repo.catalog().projects(index);
        String text = format == Negotiation.Format.JSON ? SimpleRenderer.listJson(projects) : SimpleRenderer.listHtml(projects);
        Responses.page(ctx, Responses.Page.of(text, format.contentType()), cacheControl(index), VARY);
    }

    private void projectWithoutSlash(Context ctx) {
        String project = ctx.pathParam("project");
        redirect(ctx, encode(normalized(project)) + "/");
    }

    private void projectPage(Context ctx) {
        IndexConfig index = guard.index(ctx);
        String raw = ctx.pathParam("project");
        String project = normalized(raw);
        if (!project.equals(raw)) {
            redirect(ctx, "../" + encode(project) + "/");
            return;
        }
        guard.read(ctx, index);
        Negotiation.Format format = format(ctx);
        Responses.page(ctx, render(index, project, format), cacheControl(index), VARY);
    }

    private Responses.Page render(IndexConfig index, String project, Negotiation.Format format) {
        return cache.get(index.id(), project, format, () -> repo.catalog().changeStamp(index, project), () -> {
            ProjectPage page = repo.catalog().page(index, project)
                    .orElseThrow(() -> HttpError.notFound("project '" + project + "' is not in index '" + index.name() + "'"));
            String text = format == Negotiation.Format.JSON ? SimpleRenderer.projectJson(page) : SimpleRenderer.projectHtml(page);
            return Responses.Page.of(text, format.contentType());
        });
    }

    private static Negotiation.Format format(Context ctx) {
        return Negotiation.choose(ctx.header("Accept")).orElseThrow(() -> new HttpError(406,
                "none of the requested content types is available; this index serves " + Negotiation.OFFERED,
                Map.of("Vary", VARY)));
    }

    static String cacheControl(IndexConfig index) {
        return (index.privateRead() ? "private, " : "public, ") + PAGE_CACHE_CONTROL;
    }

    private static String normalized(String raw) {
        if (!ProjectName.isValid(raw)) {
            throw HttpError.notFound("'" + raw + "' is not a valid project name");
        }
        return ProjectName.normalize(raw);
    }

    private static String encode(String segment) {
        return SimpleRenderer.encodeSegment(segment);
    }

    /** A permanent redirect to a URL relative to the request's. */
    private static void redirect(Context ctx, String location) {
        ctx.res().setHeader("Location", location);
        Responses.text(ctx, 301, "moved to " + location);
    }
}
