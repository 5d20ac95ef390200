package io.packyard.repository.auth;

import io.packyard.repository.index.IndexConfig;
import java.util.Optional;

/**
 * Who may do what, in one place:
 * <ul>
 *   <li>reading a public index: anyone; a private index: any valid token scoped to that index
 *       (a project limit does not restrict reads, so that dependencies resolve);</li>
 *   <li>uploading: a token with {@link Permission#UPLOAD} or more on that (hosted) index, and,
 *       when the token is limited to a project, only that project;</li>
 *   <li>yanking, un-yanking, deleting: {@link Permission#MAINTAIN} likewise.</li>
 * </ul>
 * No token where one is needed is "unauthenticated" (HTTP 401, the client may retry with
 * credentials); a token that does not grant the action is "forbidden" (HTTP 403).
 */
public final class Access {

    private Access() {}

    /** The outcome of a check. */
    public sealed interface Decision {
        /** Allowed. */
        record Allowed() implements Decision {}

        /** Credentials are needed. */
        record Unauthenticated(String reason) implements Decision {}

        /** The credentials given do not allow it. */
        record Forbidden(String reason) implements Decision {}
    }

    private static final Decision ALLOWED = new Decision.Allowed();

    /** May the holder of {@code token} (empty: anonymous) read {@code index}? */
    public static Decision read(IndexConfig index, Optional<ApiToken> token) {
        if (!index.privateRead()) {
            return ALLOWED;
        }
        if (token.isEmpty()) {
            return new Decision.Unauthenticated("index '" + index.name() + "' is private: an API token is needed");
        }
        if (token.get().indexId() != index.id()) {
            return new Decision.Forbidden("this API token is for index '" + token.get().index() + "', not '"
                    + index.name() + "'");
        }
        return ALLOWED;
    }

    /**
     * May the holder of {@code token} do something needing {@code needed} on {@code project}
     * (normalized) of {@code index}?
     */
    public static Decision write(IndexConfig index, Optional<ApiToken> token, Permission needed, String project) {
        if (token.isEmpty()) {
            return new Decision.Unauthenticated("an API token is needed to " + verb(needed) + " '" + index.name()
                    + "' (HTTP Basic, user __token__, the token as password)");
        }
        ApiToken t = token.get();
        if (t.indexId() != index.id()) {
            return new Decision.Forbidden("this API token is for index '" + t.index() + "', not '" + index.name() + "'");
        }
        if (!t.permission().includes(needed)) {
            return new Decision.Forbidden("this API token may only " + t.permission().id() + " on '" + index.name()
                    + "'; " + verb(needed) + " needs a '" + needed.id() + "' token");
        }
        if (t.project().isPresent() && !t.project().get().equals(project)) {
            return new Decision.Forbidden("this API token is limited to project '" + t.project().get() + "', not '"
                    + project + "'");
        }
        return ALLOWED;
    }

    /**
     * The part of {@link #write} that does not depend on the project: checked before an upload's
     * body is read, so that a token that can never upload here is refused at once.
     */
    public static Decision writeAnyProject(IndexConfig index, Optional<ApiToken> token, Permission needed) {
        if (token.isEmpty()) {
            return write(index, token, needed, "");
        }
        return write(index, token, needed, token.get().project().orElse(""));
    }

    private static String verb(Permission p) {
        return switch (p) {
            case READ -> "read";
            case UPLOAD -> "upload to";
            case MAINTAIN -> "maintain files of";
        };
    }
}
