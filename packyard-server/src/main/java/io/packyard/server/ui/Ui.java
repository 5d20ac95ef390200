package io.packyard.server.ui;

import io.packyard.repository.auth.ApiToken;
import java.util.Optional;

/**
 * What every page's layout needs: who is logged in (empty: nobody), the session's CSRF value for
 * the forms, and the static files' URLs (versioned by content hash, so they are cached for good).
 */
public record Ui(Optional<ApiToken> user, String csrf, String cssUrl, String jsUrl, String path) {

    public boolean loggedIn() {
        return user.isPresent();
    }

    /** "alice (upload on main)". */
    public String who() {
        return user.map(t -> t.user() + " (" + t.permission().id() + " on " + t.index()
                + t.project().map(p -> ", project " + p).orElse("") + ")").orElse("");
    }

    /** True when the current page is {@code prefix} or below it (for the navigation). */
    public boolean at(String prefix) {
        return prefix.equals("/ui/") ? path.equals("/ui/") : path.startsWith(prefix);
    }
}
