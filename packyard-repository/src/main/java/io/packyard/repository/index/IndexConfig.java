package io.packyard.repository.index;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * An index as configured.
 *
 * @param id              database id
 * @param name            the name in URLs ({@code /<name>/simple/})
 * @param kind            hosted, mirror or group
 * @param privateRead     reads need a token scoped to this index (writes always do)
 * @param upstream        mirror only: the upstream simple API's base URL (ending with {@code /})
 * @param pageTtl         mirror only: how long a fetched upstream page is served before revalidation
 * @param maxUploadBytes  hosted only: the upload size limit, when it differs from the server's default
 * @param members         group only: member index names in lookup order
 * @param allowUpstream   group only: normalized project names whose mirror files are merged even
 *                        though a hosted member has the name
 * @param created         creation time
 */
public record IndexConfig(
        long id,
        String name,
        IndexKind kind,
        boolean privateRead,
        Optional<URI> upstream,
        Duration pageTtl,
        OptionalLong maxUploadBytes,
        List<String> members,
        Set<String> allowUpstream,
        Instant created) {

    /** The default time a mirror serves an upstream page before asking upstream again. */
    public static final Duration DEFAULT_PAGE_TTL = Duration.ofMinutes(10);

    public IndexConfig {
        Objects.requireNonNull(name);
        Objects.requireNonNull(kind);
        members = List.copyOf(members);
        allowUpstream = Set.copyOf(allowUpstream);
    }

    public boolean isHosted() {
        return kind == IndexKind.HOSTED;
    }

    public boolean isMirror() {
        return kind == IndexKind.MIRROR;
    }

    public boolean isGroup() {
        return kind == IndexKind.GROUP;
    }
}
