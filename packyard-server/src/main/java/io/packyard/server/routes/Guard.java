package io.packyard.server.routes;

import io.javalin.http.Context;
import io.packyard.repository.Repository;
import io.packyard.repository.auth.Access;
import io.packyard.repository.auth.ApiToken;
import io.packyard.repository.auth.Permission;
import io.packyard.repository.auth.Tokens;
import io.packyard.repository.index.IndexConfig;
import io.packyard.server.http.Credentials;
import io.packyard.server.http.HttpError;
import java.util.Map;
import java.util.Optional;

/**
 * The checks every route starts with: the index exists, the request's token is valid, and it
 * allows the action ({@link Access} holds the rules). Failures are {@link HttpError}s: 404 for an
 * unknown index, 401 (with {@code WWW-Authenticate}) when a token is needed, 403 for a bad or
 * insufficient one.
 */
public final class Guard {

    /** Request attribute: the authenticated token's public id, for the request log. */
    public static final String TOKEN_ID = "packyard.tokenId";
    private static final String TOKEN = "packyard.token";

    private final Repository repo;

    public Guard(Repository repo) {
        this.repo = repo;
    }

    /** The index named by the {@code index} path parameter. */
    public IndexConfig index(Context ctx) {
        String name = ctx.pathParam("index");
        return repo.indexes().find(name).orElseThrow(() -> HttpError.notFound("index '" + name + "' does not exist"));
    }

    /** The request's token, checked (empty when none was sent). */
    public Optional<ApiToken> token(Context ctx) {
        Object cached = ctx.attribute(TOKEN);
        if (cached instanceof Optional<?> o) {
            @SuppressWarnings("unchecked")
            Optional<ApiToken> t = (Optional<ApiToken>) o;
            return t;
        }
        Optional<String> presented = Credentials.token(ctx.header("Authorization"));
        Optional<ApiToken> token;
        try {
            token = presented.map(p -> repo.tokens().authenticate(p));
        } catch (Tokens.InvalidTokenException e) {
            throw new HttpError(403, e.getMessage());
        }
        ctx.attribute(TOKEN, token);
        token.ifPresent(t -> ctx.attribute(TOKEN_ID, t.publicId()));
        return token;
    }

    /** Fails unless the request may read the index. */
    public void read(Context ctx, IndexConfig index) {
        enforce(Access.read(index, token(ctx)), index);
    }

    /** Fails unless the request may do {@code needed} on {@code project} (normalized) of the index. */
    public ApiToken write(Context ctx, IndexConfig index, Permission needed, String project) {
        Optional<ApiToken> t = token(ctx);
        enforce(Access.write(index, t, needed, project), index);
        return t.orElseThrow();
    }

    static void enforce(Access.Decision d, IndexConfig index) {
        if (d instanceof Access.Decision.Unauthenticated u) {
            throw new HttpError(401, u.reason(), Map.of("WWW-Authenticate", "Basic realm=\"packyard " + index.name() + "\""));
        }
        if (d instanceof Access.Decision.Forbidden f) {
            throw new HttpError(403, f.reason());
        }
    }

    /**
     * Fails unless the request carries a token that may drive the build service: permission
     * upload or maintain (on any index); a token limited to a project only for the build project
     * of that name ({@code buildProject} empty: an operation on no single project, refused to
     * project-limited tokens).
     */
    public ApiToken builds(Context ctx, Optional<String> buildProject) {
        ApiToken t = token(ctx).orElseThrow(() -> new HttpError(401,
                "an API token is needed (HTTP Basic user __token__, or Authorization: Bearer)",
                Map.of("WWW-Authenticate", "Basic realm=\"packyard builds\"")));
        if (!t.permission().includes(Permission.UPLOAD)) {
            throw new HttpError(403, "API token " + t.publicId() + " may only read; the build service needs upload or maintain");
        }
        if (t.project().isPresent() && !buildProject.equals(t.project())) {
            throw new HttpError(403, "API token " + t.publicId() + " is limited to project '" + t.project().get() + "'");
        }
        return t;
    }
}
