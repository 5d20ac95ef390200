package io.packyard.bundle;

import java.util.List;
import java.util.Objects;

/**
 * How the .rpm is written ({@code [tool.packyard.rpm]} besides {@code requires}); every key is
 * documented once in docs/config.md.
 *
 * @param compression the payload's compression: zstd (level 9; what rpmbuild writes on Fedora
 *     and RHEL 9, read by rpm 4.14 and later) or xz (preset 6, read by every rpm since 4.7,
 *     about a fifth smaller and several times slower to write)
 */
public record RpmOptions(Compression compression) {

    /** The payload compressions offered. */
    public static final List<Compression> COMPRESSIONS = List.of(Compression.ZSTD, Compression.XZ);

    public RpmOptions {
        Objects.requireNonNull(compression, "compression");
        if (!COMPRESSIONS.contains(compression)) {
            throw new IllegalArgumentException("an .rpm payload cannot use " + compression.id());
        }
    }

    public static RpmOptions defaults() {
        return new RpmOptions(Compression.ZSTD);
    }
}
