package io.packyard.python.lock;

import java.net.URI;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * One file a lock allows for a package.
 *
 * <p>A {@code pylock.toml} wheel has a location ({@code url} and/or {@code path}) and a file name;
 * a requirements.txt {@code --hash} has neither: it only says which digest a file found in the
 * wheel sources must have.
 *
 * @param filename the wheel's file name (from {@code name}, or the last segment of url/path)
 * @param url      where to download it
 * @param path     where it is on disk, relative to the lock file's directory unless absolute
 * @param size     its size in bytes, when the lock gives it
 * @param hashes   algorithm (lower case) to lower-case hex digest; never empty
 */
public record LockedFile(Optional<String> filename, Optional<URI> url, Optional<Path> path, OptionalLong size,
        Map<String, String> hashes) {

    public LockedFile {
        Objects.requireNonNull(filename, "filename");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(size, "size");
        TreeMap<String, String> h = new TreeMap<>();
        hashes.forEach((k, v) -> h.put(k.toLowerCase(Locale.ROOT), v.toLowerCase(Locale.ROOT)));
        hashes = Collections.unmodifiableSortedMap(h);
    }

    /** A hash-only entry (requirements.txt {@code --hash=alg:hex}). */
    public static LockedFile hashOnly(String algorithm, String hex) {
        return new LockedFile(Optional.empty(), Optional.empty(), Optional.empty(), OptionalLong.empty(),
                Map.of(algorithm, hex));
    }

    /** True when the entry says where the file is (pylock.toml), false for a bare hash. */
    public boolean hasLocation() {
        return url.isPresent() || path.isPresent();
    }
}
