package io.packyard.bundle;

import java.util.List;
import java.util.Objects;

/**
 * How the .deb is written ({@code [tool.packyard.deb]} besides {@code depends}); every key is
 * documented once in docs/config.md.
 *
 * @param compression the compression of the package's {@code control.tar} and {@code data.tar}:
 *     xz (preset 6, as {@code dpkg-deb} writes by default: the smallest packages) or gzip
 *     (level 9, as {@code dpkg-deb -Zgzip}: about 45 % larger, decoded several times faster)
 */
public record DebOptions(Compression compression) {

    /**
     * The compressions every dpkg reads and lintian accepts. zstd (Ubuntu's dpkg-deb default,
     * read by Debian's dpkg since 12) is not one: lintian reports a zstd member as a malformed
     * archive, an error.
     */
    public static final List<Compression> COMPRESSIONS = List.of(Compression.XZ, Compression.GZIP);

    public DebOptions {
        Objects.requireNonNull(compression, "compression");
        if (!COMPRESSIONS.contains(compression)) {
            throw new IllegalArgumentException("a .deb cannot use " + compression.id());
        }
    }

    public static DebOptions defaults() {
        return new DebOptions(Compression.XZ);
    }
}
