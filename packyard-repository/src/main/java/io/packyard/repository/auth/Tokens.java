package io.packyard.repository.auth;

import io.packyard.python.PackyardException;
import io.packyard.python.names.ProjectName;
import io.packyard.repository.db.Database;
import io.packyard.repository.db.TokenDao;
import io.packyard.repository.index.IndexConfig;
import io.packyard.repository.index.Indexes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Users and API tokens: creating (the token text is returned once and never stored), listing,
 * revoking, and checking a token a client presents.
 */
public final class Tokens {

    private static final Pattern USER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,99}");
    /** {@code last_used_at} is written at most this often per token. */
    private static final Duration TOUCH_INTERVAL = Duration.ofMinutes(1);

    private final Database db;
    private final Indexes indexes;
    private final Clock clock;

    public Tokens(Database db, Indexes indexes, Clock clock) {
        this.db = db;
        this.indexes = indexes;
        this.clock = clock;
    }

    /** A new token: its record and the token text, to show the user once. */
    public record Created(ApiToken token, String secret) {}

    /** Why a presented token was not accepted. */
    public static final class InvalidTokenException extends RuntimeException {
        public InvalidTokenException(String message) {
            super(message);
        }
    }

    /**
     * Creates a token for {@code user} (created when new) on an index.
     *
     * @param project   limits uploads and maintenance to this project (any spelling; stored normalized)
     * @param expiresIn how long the token is valid; empty for no expiry
     */
    public Created create(String user, String index, Optional<String> project, Permission permission,
            Optional<Duration> expiresIn, Optional<String> description) {
        if (!USER.matcher(user).matches()) {
            throw PackyardException.config("user '" + user + "': use letters, digits and . _ @ -, at most 100 characters");
        }
        IndexConfig idx = indexes.require(index);
        Optional<String> proj = project.map(String::strip).filter(p -> !p.isEmpty());
        if (proj.isPresent() && !ProjectName.isValid(proj.get())) {
            throw PackyardException.config("--project: '" + proj.get() + "' is not a valid project name");
        }
        if (idx.isGroup() && permission != Permission.READ) {
            throw PackyardException.config("index '" + index + "' is a group: only read tokens apply to it (upload to a hosted member)");
        }
        if (idx.isMirror() && permission != Permission.READ) {
            throw PackyardException.config("index '" + index + "' is a mirror: only read tokens apply to it");
        }
        if (expiresIn.isPresent() && (expiresIn.get().isNegative() || expiresIn.get().isZero())) {
            throw PackyardException.config("--expires: must be in the future");
        }
        Instant now = clock.instant();
        TokenSecrets.Generated g = TokenSecrets.generate();
        Optional<String> normalizedProject = proj.map(ProjectName::normalize);
        db.jdbi().useTransaction(h -> {
            long userId = TokenDao.findUser(h, user).orElseGet(() -> TokenDao.insertUser(h, user, now));
            TokenDao.insertToken(h, g.publicId(), g.secretSha256(), userId, idx.id(), normalizedProject, permission,
                    description.map(String::strip).filter(d -> !d.isEmpty()), now, expiresIn.map(now::plus));
        });
        ApiToken t = db.jdbi().withHandle(h -> TokenDao.findByPublicId(h, g.publicId())).orElseThrow().token();
        return new Created(t, g.token());
    }

    /** Every token (revoked and expired ones too), oldest first. */
    public List<ApiToken> list() {
        return db.jdbi().withHandle(TokenDao::list);
    }

    /**
     * Revokes a token by its public id or its full text.
     *
     * @throws PackyardException when no active token matches
     */
    public ApiToken revoke(String idOrToken) {
        String id = TokenSecrets.parse(idOrToken).map(TokenSecrets.Parsed::publicId).orElse(idOrToken.strip());
        int n = db.jdbi().withHandle(h -> TokenDao.revoke(h, id, clock.instant()));
        Optional<TokenDao.Stored> s = db.jdbi().withHandle(h -> TokenDao.findByPublicId(h, id));
        if (s.isEmpty()) {
            throw PackyardException.config("no token with id '" + id + "'");
        }
        if (n == 0) {
            throw PackyardException.config("token '" + id + "' was already revoked");
        }
        return s.get().token();
    }

    /**
     * Checks a token a client presented.
     *
     * @throws InvalidTokenException when it is malformed, unknown, revoked or expired
     */
    public ApiToken authenticate(String presented) {
        TokenSecrets.Parsed p = TokenSecrets.parse(presented)
                .orElseThrow(() -> new InvalidTokenException("invalid API token (expected a pyd_ token)"));
        Optional<TokenDao.Stored> s = db.jdbi().withHandle(h -> TokenDao.findByPublicId(h, p.publicId()));
        // compare even when the row is missing, so that timing does not tell ids apart
        String stored = s.map(TokenDao.Stored::secretSha256).orElse("0".repeat(64));
        boolean ok = TokenSecrets.matches(p.secret(), stored);
        if (s.isEmpty() || !ok) {
            throw new InvalidTokenException("invalid API token");
        }
        ApiToken t = s.get().token();
        Instant now = clock.instant();
        if (t.revoked().isPresent()) {
            throw new InvalidTokenException("API token " + t.publicId() + " was revoked");
        }
        if (t.expires().isPresent() && !now.isBefore(t.expires().get())) {
            throw new InvalidTokenException("API token " + t.publicId() + " expired at " + t.expires().get());
        }
        if (t.lastUsed().map(u -> u.plus(TOUCH_INTERVAL).isBefore(now)).orElse(true)) {
            try {
                db.jdbi().useHandle(h -> TokenDao.touch(h, t.id(), now));
            } catch (RuntimeException e) {
                // last-used is informational
            }
        }
        return t;
    }
}
