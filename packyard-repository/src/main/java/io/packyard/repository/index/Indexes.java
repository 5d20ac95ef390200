package io.packyard.repository.index;

import io.packyard.python.PackyardException;
import io.packyard.python.names.ProjectName;
import io.packyard.repository.db.Database;
import io.packyard.repository.db.IndexDao;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Creating, listing and looking up indexes, with the rules an index configuration must follow.
 * Look-ups are cached for a couple of seconds (every request resolves its index), so a change made
 * by another process ({@code packyard index create} while the server runs) shows within that time.
 */
public final class Indexes {

    /** Index names: lower case, digits, {@code .-_}, starting with a letter or digit; at most 64 characters. */
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    /** Names that would clash with the server's own routes. */
    private static final Set<String> RESERVED = Set.of("api", "simple", "files", "static", "health", "favicon.ico",
            "robots.txt", "legacy");
    private static final Duration CACHE_TIME = Duration.ofSeconds(2);

    private final Database db;
    private final Clock clock;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    private record Cached(IndexConfig config, Instant until) {}

    public Indexes(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    /** Creates an index; fails with a one-line message naming the problem. */
    public IndexConfig create(IndexSpec spec) {
        String name = spec.name().strip();
        if (!NAME.matcher(name).matches()) {
            throw PackyardException.config("index name '" + spec.name() + "': use lower-case letters, digits, '.', '-'"
                    + " and '_', starting with a letter or digit, at most 64 characters");
        }
        if (RESERVED.contains(name)) {
            throw PackyardException.config("index name '" + name + "' is reserved");
        }
        Optional<URI> upstream = Optional.empty();
        List<Long> memberIds = new ArrayList<>();
        Set<String> allow = new TreeSet<>();
        switch (spec.kind()) {
            case HOSTED -> {
                if (spec.upstream().isPresent() || !spec.members().isEmpty() || !spec.allowUpstream().isEmpty()) {
                    throw PackyardException.config("index '" + name + "': a hosted index takes no upstream, members or allow-list");
                }
                spec.maxUploadBytes().ifPresent(b -> {
                    if (b <= 0) {
                        throw PackyardException.config("index '" + name + "': the upload limit must be positive");
                    }
                });
            }
            case MIRROR -> {
                URI u = spec.upstream().orElseThrow(() -> PackyardException.config("index '" + name
                        + "': a mirror needs an upstream URL (e.g. https://pypi.org/simple/)"));
                String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
                if (!scheme.equals("http") && !scheme.equals("https") || u.getHost() == null) {
                    throw PackyardException.config("index '" + name + "': upstream: expected an http(s) URL, got '" + u + "'");
                }
                if (u.getFragment() != null || u.getQuery() != null) {
                    throw PackyardException.config("index '" + name + "': upstream: no query or fragment allowed in '" + u + "'");
                }
                upstream = Optional.of(u.getPath().endsWith("/") ? u : URI.create(u + "/"));
                if (!spec.members().isEmpty() || !spec.allowUpstream().isEmpty()) {
                    throw PackyardException.config("index '" + name + "': a mirror takes no members or allow-list");
                }
                spec.pageTtl().ifPresent(t -> {
                    if (t.isNegative() || t.toSeconds() > Integer.MAX_VALUE) {
                        throw PackyardException.config("index '" + name + "': page TTL out of range");
                    }
                });
            }
            case GROUP -> {
                if (spec.members().isEmpty()) {
                    throw PackyardException.config("index '" + name + "': a group needs at least one member");
                }
                if (spec.upstream().isPresent()) {
                    throw PackyardException.config("index '" + name + "': a group takes no upstream; add a mirror as a member");
                }
                Set<String> seen = new HashSet<>();
                for (String m : spec.members()) {
                    String mn = m.strip();
                    if (!seen.add(mn)) {
                        throw PackyardException.config("index '" + name + "': member '" + mn + "' is listed twice");
                    }
                    IndexConfig member = find(mn).orElseThrow(() -> PackyardException.config("index '" + name
                            + "': member '" + mn + "' does not exist"));
                    if (member.isGroup()) {
                        throw PackyardException.config("index '" + name + "': member '" + mn
                                + "' is a group; groups contain hosted and mirror indexes only");
                    }
                    memberIds.add(member.id());
                }
                for (String p : spec.allowUpstream()) {
                    if (!ProjectName.isValid(p.strip())) {
                        throw PackyardException.config("index '" + name + "': allow-upstream: '" + p + "' is not a project name");
                    }
                    allow.add(ProjectName.normalize(p.strip()));
                }
            }
            default -> throw new IllegalStateException();
        }
        Optional<URI> up = upstream;
        Instant now = clock.instant();
        try {
            db.jdbi().useTransaction(h -> {
                long id = IndexDao.insert(h, name, spec.kind(), spec.privateRead(), up,
                        spec.kind() == IndexKind.MIRROR ? spec.pageTtl() : Optional.empty(),
                        spec.kind() == IndexKind.HOSTED ? spec.maxUploadBytes() : java.util.OptionalLong.empty(), now);
                if (spec.kind() == IndexKind.GROUP) {
                    IndexDao.setMembers(h, id, memberIds);
                    IndexDao.setAllowUpstream(h, id, allow);
                }
            });
        } catch (RuntimeException e) {
            if (Database.isUniqueViolation(e)) {
                throw PackyardException.config("index '" + name + "' already exists");
            }
            throw e;
        }
        cache.remove(name);
        return require(name);
    }

    /** Changes whether reads of an index need a token. */
    public IndexConfig setPrivateRead(String name, boolean privateRead) {
        IndexConfig c = require(name);
        db.jdbi().useHandle(h -> IndexDao.update(h, c.id(), privateRead, c.upstream(),
                c.isMirror() ? Optional.of(c.pageTtl()) : Optional.empty(), c.maxUploadBytes()));
        cache.remove(name);
        return require(name);
    }

    /** Replaces a group's allow-list (projects whose mirror files are merged despite a hosted name). */
    public IndexConfig setAllowUpstream(String name, Set<String> projects) {
        IndexConfig c = require(name);
        if (!c.isGroup()) {
            throw PackyardException.config("index '" + name + "' is not a group");
        }
        Set<String> norm = new TreeSet<>();
        for (String p : projects) {
            if (!ProjectName.isValid(p.strip())) {
                throw PackyardException.config("index '" + name + "': allow-upstream: '" + p + "' is not a project name");
            }
            norm.add(ProjectName.normalize(p.strip()));
        }
        db.jdbi().useTransaction(h -> IndexDao.setAllowUpstream(h, c.id(), norm));
        cache.remove(name);
        return require(name);
    }

    /** Every index, sorted by name (not cached). */
    public List<IndexConfig> list() {
        return db.jdbi().withHandle(IndexDao::list);
    }

    /** An index by name (cached for a couple of seconds). */
    public Optional<IndexConfig> find(String name) {
        Instant now = clock.instant();
        Cached c = cache.get(name);
        if (c != null && now.isBefore(c.until)) {
            return Optional.of(c.config);
        }
        Optional<IndexConfig> found = db.jdbi().withHandle(h -> IndexDao.findByName(h, name));
        found.ifPresentOrElse(f -> cache.put(name, new Cached(f, now.plus(CACHE_TIME))), () -> cache.remove(name));
        return found;
    }

    /** An index by name, or a {@link PackyardException} saying it does not exist. */
    public IndexConfig require(String name) {
        return find(name).orElseThrow(() -> PackyardException.config("index '" + name + "' does not exist"));
    }

    /** The member indexes of a group, in order. */
    public List<IndexConfig> members(IndexConfig group) {
        List<IndexConfig> out = new ArrayList<>();
        for (String m : group.members()) {
            find(m).ifPresent(out::add);
        }
        return out;
    }
}
