package io.packyard.server.http;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;

/**
 * The API token a request carries: HTTP Basic with the user name {@code __token__} and the token as
 * password (what pip, twine and poetry send), or {@code Authorization: Bearer <token>}.
 */
public final class Credentials {

    /** The Basic-auth user name that marks the password as an API token. */
    public static final String TOKEN_USER = "__token__";

    private Credentials() {}

    /**
     * The presented token, empty when the request has no Authorization header.
     *
     * @throws HttpError 401 for a malformed header, 403 for Basic auth with another user name
     */
    public static Optional<String> token(String authorization) {
        if (authorization == null || authorization.isBlank()) {
            return Optional.empty();
        }
        String h = authorization.strip();
        int sp = h.indexOf(' ');
        if (sp < 0) {
            throw new HttpError(401, "malformed Authorization header");
        }
        String scheme = h.substring(0, sp).toLowerCase(Locale.ROOT);
        String value = h.substring(sp + 1).strip();
        if (scheme.equals("bearer")) {
            return Optional.of(value);
        }
        if (!scheme.equals("basic")) {
            throw new HttpError(401, "unsupported authorization scheme '" + h.substring(0, sp)
                    + "': use HTTP Basic with user __token__ and an API token as password");
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new HttpError(401, "malformed Basic credentials");
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            throw new HttpError(401, "malformed Basic credentials");
        }
        String user = decoded.substring(0, colon);
        String password = decoded.substring(colon + 1);
        if (!user.equals(TOKEN_USER)) {
            throw new HttpError(403, "user '" + user + "' is not accepted: log in with the user name __token__ and an"
                    + " API token as password");
        }
        return Optional.of(password);
    }
}
