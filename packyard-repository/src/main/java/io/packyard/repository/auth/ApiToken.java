package io.packyard.repository.auth;

import java.time.Instant;
import java.util.Optional;

/**
 * An API token as stored (the secret itself is never stored, only its SHA-256).
 *
 * @param publicId   the non-secret part of the token, shown by {@code packyard token list}
 * @param user       the user the token belongs to
 * @param index      the index it is scoped to
 * @param project    the normalized project it is limited to, for writes
 */
public record ApiToken(
        long id,
        String publicId,
        String user,
        String index,
        long indexId,
        Optional<String> project,
        Permission permission,
        Optional<String> description,
        Instant created,
        Optional<Instant> expires,
        Optional<Instant> revoked,
        Optional<Instant> lastUsed) {

    /** True when neither revoked nor expired at {@code now}. */
    public boolean isActive(Instant now) {
        return revoked.isEmpty() && expires.map(now::isBefore).orElse(true);
    }
}
