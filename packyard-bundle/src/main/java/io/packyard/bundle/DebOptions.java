package io.packyard.bundle;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * How the .deb is written ({@code [tool.packyard.deb]} besides {@code depends}); every key is
 * documented once in docs/config.md.
 *
 * @param compression the compression of the package's {@code control.tar} and {@code data.tar}
 */
public record DebOptions(Compression compression) {

    /**
     * The compressions every dpkg reads and lintian accepts. zstd (Ubuntu's dpkg-deb default,
     * read by Debian's dpkg since 12) is not offered: lintian reports a zstd member as a
     * malformed archive, an error.
     */
    public enum Compression {
        /** xz preset 6, as {@code dpkg-deb} writes by default: the smallest packages. */
        XZ("xz", "xz"),
        /** gzip level 9, as {@code dpkg-deb -Zgzip}: about 45 % larger, decoded several times faster. */
        GZIP("gzip", "gz");

        private final String id;
        private final String suffix;

        Compression(String id, String suffix) {
            this.id = id;
            this.suffix = suffix;
        }

        /** The name in pyproject.toml ({@code "xz"}, {@code "gzip"}). */
        public String id() {
            return id;
        }

        /** The archive member suffix: {@code data.tar.<suffix>}. */
        public String suffix() {
            return suffix;
        }

        public static Optional<Compression> byId(String id) {
            return Arrays.stream(values()).filter(c -> c.id.equals(id.toLowerCase(Locale.ROOT))).findFirst();
        }

        /** {@code "xz", "gzip"}, for error messages. */
        public static String known() {
            return Arrays.stream(values()).map(c -> "\"" + c.id + "\"").collect(Collectors.joining(", "));
        }
    }

    public DebOptions {
        Objects.requireNonNull(compression, "compression");
    }

    public static DebOptions defaults() {
        return new DebOptions(Compression.XZ);
    }
}
