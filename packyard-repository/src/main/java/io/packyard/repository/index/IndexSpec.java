package io.packyard.repository.index;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * What {@link Indexes#create} needs to create an index. Only the fields of its kind apply:
 * {@code upstream}/{@code pageTtl} for mirrors, {@code members}/{@code allowUpstream} for groups,
 * {@code maxUploadBytes} for hosted indexes.
 */
public record IndexSpec(
        String name,
        IndexKind kind,
        boolean privateRead,
        Optional<URI> upstream,
        Optional<Duration> pageTtl,
        OptionalLong maxUploadBytes,
        List<String> members,
        Set<String> allowUpstream) {

    public IndexSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        members = List.copyOf(members);
        allowUpstream = Set.copyOf(allowUpstream);
    }

    public static IndexSpec hosted(String name) {
        return new IndexSpec(name, IndexKind.HOSTED, false, Optional.empty(), Optional.empty(), OptionalLong.empty(),
                List.of(), Set.of());
    }

    public static IndexSpec mirror(String name, URI upstream) {
        return new IndexSpec(name, IndexKind.MIRROR, false, Optional.of(upstream), Optional.empty(),
                OptionalLong.empty(), List.of(), Set.of());
    }

    public static IndexSpec group(String name, List<String> members) {
        return new IndexSpec(name, IndexKind.GROUP, false, Optional.empty(), Optional.empty(), OptionalLong.empty(),
                members, Set.of());
    }

    public IndexSpec withPrivateRead(boolean p) {
        return new IndexSpec(name, kind, p, upstream, pageTtl, maxUploadBytes, members, allowUpstream);
    }

    public IndexSpec withPageTtl(Duration ttl) {
        return new IndexSpec(name, kind, privateRead, upstream, Optional.of(ttl), maxUploadBytes, members, allowUpstream);
    }

    public IndexSpec withMaxUploadBytes(long bytes) {
        return new IndexSpec(name, kind, privateRead, upstream, pageTtl, OptionalLong.of(bytes), members, allowUpstream);
    }

    public IndexSpec withAllowUpstream(Set<String> projects) {
        return new IndexSpec(name, kind, privateRead, upstream, pageTtl, maxUploadBytes, members, projects);
    }
}
