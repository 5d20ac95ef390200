package io.packyard.python.index;

import java.net.URI;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One file of a project as a wheel source lists it (a PEP 503/691 index entry, a find-links
 * file, a locked file).
 *
 * @param filename     the file name, for example {@code foo-1.0-py3-none-any.whl}
 * @param url          where the file is: an absolute {@code http}, {@code https} or {@code file} URL
 *                     without the hash fragment
 * @param hashes       hash algorithm (lower case, e.g. {@code sha256}) to lower-case hex digest;
 *                     possibly empty when the source advertised none
 * @param requiresPython the file's {@code Requires-Python} specifier text, when given
 * @param yanked       present when the file is yanked (PEP 592): the reason, or {@code ""} when
 *                     yanked without a reason
 * @param coreMetadata present when the source serves the file's core metadata separately (PEP
 *                     658/714): the metadata file's hashes, possibly empty
 */
public record DistributionFile(
        String filename,
        URI url,
        Map<String, String> hashes,
        Optional<String> requiresPython,
        Optional<String> yanked,
        Optional<Map<String, String>> coreMetadata) {

    public DistributionFile {
        Objects.requireNonNull(filename, "filename");
        Objects.requireNonNull(url, "url");
        hashes = normalizeHashes(hashes);
        requiresPython = Objects.requireNonNull(requiresPython, "requiresPython")
                .map(String::strip)
                .filter(s -> !s.isEmpty());
        Objects.requireNonNull(yanked, "yanked");
        coreMetadata = Objects.requireNonNull(coreMetadata, "coreMetadata").map(DistributionFile::normalizeHashes);
    }

    /** A file that is neither yanked nor has separately served metadata. */
    public static DistributionFile of(String filename, URI url, Map<String, String> hashes) {
        return new DistributionFile(filename, url, hashes, Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** The SHA-256 digest (lower-case hex) the source advertised, if any. */
    public Optional<String> sha256() {
        return Optional.ofNullable(hashes.get("sha256"));
    }

    /** True when the file is yanked (PEP 592). */
    public boolean isYanked() {
        return yanked.isPresent();
    }

    /** True when the file name ends with {@code .whl}. */
    public boolean isWheel() {
        return filename.toLowerCase(Locale.ROOT).endsWith(".whl");
    }

    /** The same file with other hashes (used when a local file's digest is computed). */
    public DistributionFile withHashes(Map<String, String> newHashes) {
        return new DistributionFile(filename, url, newHashes, requiresPython, yanked, coreMetadata);
    }

    @Override
    public String toString() {
        return filename;
    }

    private static Map<String, String> normalizeHashes(Map<String, String> in) {
        TreeMap<String, String> out = new TreeMap<>();
        if (in != null) {
            in.forEach((k, v) -> {
                if (k != null && v != null && !v.isBlank()) {
                    out.put(k.strip().toLowerCase(Locale.ROOT), v.strip().toLowerCase(Locale.ROOT));
                }
            });
        }
        return Collections.unmodifiableSortedMap(out);
    }
}
