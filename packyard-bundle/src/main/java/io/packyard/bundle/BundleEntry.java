package io.packyard.bundle;

import java.nio.file.Path;

/**
 * One node of a staged application: a directory, a regular file or a symbolic link. Paths are
 * relative to the bundle root, '/'-separated, without a leading or trailing slash. Owner is always
 * root:root (uid 0) and the modification time is the bundle's SOURCE_DATE_EPOCH, so writers need
 * nothing else to produce reproducible archives.
 */
public record BundleEntry(String path, Kind kind, int mode, Path source, String linkTarget, long size) {

    public enum Kind {
        DIRECTORY,
        FILE,
        SYMLINK
    }

    public boolean isDirectory() {
        return kind == Kind.DIRECTORY;
    }

    public boolean isFile() {
        return kind == Kind.FILE;
    }

    public boolean isSymlink() {
        return kind == Kind.SYMLINK;
    }

    /** True for a regular file with any execute bit set. */
    public boolean isExecutable() {
        return kind == Kind.FILE && (mode & 0111) != 0;
    }

    /** The last path segment. */
    public String fileName() {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? path : path.substring(slash + 1);
    }
}
