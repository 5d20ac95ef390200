package io.packyard.server.ui;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The web UI's logins, kept in memory on this server node: the browser holds only a random
 * session id (an HttpOnly, SameSite=Strict cookie), never the API token. The session keeps the
 * token text so that every request authenticates it again: a revoked or expired token ends its
 * sessions at once. Sessions end after {@link #IDLE} without a request, or when the server
 * restarts (the user logs in again). Each session has its own CSRF value, which every form
 * carries in a hidden field.
 */
public final class UiSessions {

    /** A session ends after this long without a request. */
    public static final Duration IDLE = Duration.ofHours(8);
    /** At most this many sessions are kept; the least recently used go first. */
    static final int MAX_SESSIONS = 10_000;

    private static final SecureRandom RANDOM = new SecureRandom();

    /** One login. */
    public static final class Session {
        private final String id;
        private final String csrf;
        private final String token;
        private volatile Instant lastUsed;

        Session(String id, String csrf, String token, Instant now) {
            this.id = id;
            this.csrf = csrf;
            this.token = token;
            this.lastUsed = now;
        }

        public String id() {
            return id;
        }

        /** The value every form of this session must send back. */
        public String csrf() {
            return csrf;
        }

        /** The API token the user logged in with. */
        public String token() {
            return token;
        }
    }

    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final Clock clock;

    public UiSessions(Clock clock) {
        this.clock = clock;
    }

    /** A new session for an API token (already checked by the caller). */
    public Session create(String token) {
        Instant now = clock.instant();
        if (sessions.size() >= MAX_SESSIONS) {
            sessions.values().removeIf(s -> expired(s, now));
            while (sessions.size() >= MAX_SESSIONS) {
                sessions.values().stream().min((a, b) -> a.lastUsed.compareTo(b.lastUsed))
                        .ifPresent(s -> sessions.remove(s.id));
            }
        }
        Session s = new Session(random(), random(), token, now);
        sessions.put(s.id, s);
        return s;
    }

    /** The live session of that id (and marks it used). */
    public Optional<Session> find(String id) {
        if (id == null || id.isEmpty()) {
            return Optional.empty();
        }
        Session s = sessions.get(id);
        Instant now = clock.instant();
        if (s == null) {
            return Optional.empty();
        }
        if (expired(s, now)) {
            sessions.remove(id);
            return Optional.empty();
        }
        s.lastUsed = now;
        return Optional.of(s);
    }

    public void remove(String id) {
        if (id != null) {
            sessions.remove(id);
        }
    }

    private static boolean expired(Session s, Instant now) {
        return s.lastUsed.plus(IDLE).isBefore(now);
    }

    /** 256 random bits, URL-safe. */
    public static String random() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** Compares two secrets in time independent of where they differ. */
    public static boolean same(String a, String b) {
        if (a == null || b == null) {
            return false;
        }
        return java.security.MessageDigest.isEqual(a.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                b.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
