package io.packyard.bundle;

import java.util.Arrays;
import java.util.Collection;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/** A compression a Linux package's archive members can use ({@link DebOptions}, {@link RpmOptions}). */
public enum Compression {
    XZ("xz", "xz"),
    GZIP("gzip", "gz"),
    ZSTD("zstd", "zst");

    private final String id;
    private final String suffix;

    Compression(String id, String suffix) {
        this.id = id;
        this.suffix = suffix;
    }

    /** The name in pyproject.toml ({@code "xz"}, {@code "gzip"}, {@code "zstd"}). */
    public String id() {
        return id;
    }

    /** The file name suffix: {@code data.tar.<suffix>}. */
    public String suffix() {
        return suffix;
    }

    public static Optional<Compression> byId(String id) {
        return Arrays.stream(values()).filter(c -> c.id.equals(id.toLowerCase(Locale.ROOT))).findFirst();
    }

    /** {@code "xz", "gzip"}: the names of {@code choices}, for error messages. */
    public static String names(Collection<Compression> choices) {
        return choices.stream().map(c -> "\"" + c.id + "\"").collect(Collectors.joining(", "));
    }
}
