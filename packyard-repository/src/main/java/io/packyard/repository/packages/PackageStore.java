package io.packyard.repository.packages;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The files of the APT and YUM repositories: a tree of paths such as
 * {@code apt/acme/dists/stable/InRelease}, written whole and replaced atomically.
 *
 * <p>Two areas share one store. {@link #PUBLIC_PREFIXES} ({@code apt/}, {@code yum/},
 * {@code keys/}, {@code downloads/}) is what HTTP serves, byte for byte, at the same path; {@code state/} is the
 * repositories' own bookkeeping (one record per published package, the by-hash ledger, locks) and
 * is never served.
 *
 * <p>Contract every implementation keeps, because clients depend on it:
 * <ul>
 * <li>{@link #put} and {@link #putFile} are atomic: a reader sees the old content or the new
 * content, never a mix, and once the call returns the new content is durable (on disk: written to
 * a temporary name, fsynced, renamed, directory fsynced).</li>
 * <li>Writes become visible in the order they were made. The repositories rely on this to publish
 * without a window in which an index does not match its Release or repomd.xml.</li>
 * </ul>
 * Paths are relative, '/'-separated, without {@code .} or {@code ..} segments.
 */
public interface PackageStore {

    /** The path prefixes HTTP may serve; everything else (the {@code state/} area) stays private. */
    List<String> PUBLIC_PREFIXES = List.of("apt/", "yum/", "keys/", "downloads/");

    /** Opens a file for reading, or empty when it does not exist. */
    Optional<InputStream> open(String path) throws IOException;

    /** Reads a whole file, or empty when it does not exist. */
    Optional<byte[]> read(String path) throws IOException;

    boolean exists(String path) throws IOException;

    /** Size in bytes of an existing file. */
    long size(String path) throws IOException;

    /** Creates or replaces a file atomically and durably. */
    void put(String path, byte[] content) throws IOException;

    /** Creates or replaces a file with a copy of {@code source}, atomically and durably. */
    void putFile(String path, Path source) throws IOException;

    /** Deletes a file; nothing happens when it does not exist. */
    void delete(String path) throws IOException;

    /**
     * The files (not directories) under {@code directory}, recursively, as full store paths,
     * sorted; empty when the directory does not exist.
     */
    List<String> list(String directory) throws IOException;

    /**
     * The names of the sub-directories of {@code directory} that hold at least one file, sorted
     * (e.g. the suites or channels a repository keeps state for).
     */
    default List<String> children(String directory) throws IOException {
        java.util.TreeSet<String> out = new java.util.TreeSet<>();
        String prefix = directory.endsWith("/") ? directory : directory + "/";
        for (String p : list(directory)) {
            String rest = p.substring(prefix.length());
            if (rest.indexOf('/') > 0) {
                out.add(rest.substring(0, rest.indexOf('/')));
            }
        }
        return new java.util.ArrayList<>(out);
    }

    /**
     * Takes the exclusive lock called {@code name}, waiting for it. Publishing into one repository
     * holds its lock, so concurrent publishes (threads or processes sharing the store) serialize.
     */
    Lock lock(String name) throws IOException;

    /** A held lock; closing releases it. */
    interface Lock extends AutoCloseable {
        @Override
        void close() throws IOException;
    }

    /** True when HTTP may serve {@code path}. */
    static boolean isPublic(String path) {
        return StorePaths.isValid(path) && PUBLIC_PREFIXES.stream().anyMatch(path::startsWith);
    }
}
