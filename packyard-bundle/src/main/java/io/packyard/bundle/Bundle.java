package io.packyard.bundle;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The staged application: a file tree on disk plus the metadata every package format consumes.
 * This is the one model between staging and the format writers; a writer reads nothing else.
 *
 * <p>Entries are listed in byte order of their paths, directories before their contents. Modes are
 * normalized (0755 for directories and executables, 0644 for other files and for shared
 * libraries), owners are root and
 * every timestamp is {@link #sourceDateEpoch()}, so the same inputs give the same archive bytes.
 */
public final class Bundle {
    private final BundleMetadata metadata;
    private final Path root;
    private final long sourceDateEpoch;
    private final List<BundleEntry> entries;
    private final Path projectWheel;
    private final Path projectSdist;

    private Bundle(BundleMetadata metadata, Path root, long sourceDateEpoch, List<BundleEntry> entries,
            Path projectWheel, Path projectSdist) {
        this.metadata = metadata;
        this.root = root;
        this.sourceDateEpoch = sourceDateEpoch;
        this.entries = List.copyOf(entries);
        this.projectWheel = projectWheel;
        this.projectSdist = projectSdist;
    }

    public BundleMetadata metadata() {
        return metadata;
    }

    /** The directory holding the staged tree. */
    public Path root() {
        return root;
    }

    /** Seconds since the epoch used for every timestamp written (SOURCE_DATE_EPOCH). */
    public long sourceDateEpoch() {
        return sourceDateEpoch;
    }

    /** Every directory, file and symlink under the root, sorted by path, the root itself excluded. */
    public List<BundleEntry> entries() {
        return entries;
    }

    /**
     * The project's own wheel, as its PEP 517 backend built it (the one installed into the tree);
     * the {@code wheel} format publishes it as is. Empty for bundles not made by the pipeline.
     */
    public java.util.Optional<Path> projectWheel() {
        return java.util.Optional.ofNullable(projectWheel);
    }

    /**
     * The project's source distribution from its backend's {@code build_sdist}, built only when a
     * format asks for it (the {@code sdist} format); empty otherwise.
     */
    public java.util.Optional<Path> projectSdist() {
        return java.util.Optional.ofNullable(projectSdist);
    }

    /** Sum of the sizes of the regular files, in bytes. */
    public long installedSize() {
        return entries.stream().filter(BundleEntry::isFile).mapToLong(BundleEntry::size).sum();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Shared libraries and extension modules are not programs: mode 0644, as Debian policy asks. */
    private static final java.util.regex.Pattern SHARED_LIBRARY = java.util.regex.Pattern.compile(".*\\.so(\\.[0-9]+)*");

    /** Builds a {@link Bundle} by scanning a staged directory. */
    public static final class Builder {
        private BundleMetadata metadata;
        private Path root;
        private long sourceDateEpoch = 315532800L; // 1980-01-01, the earliest time a zip can hold
        private Path projectWheel;
        private Path projectSdist;

        public Builder metadata(BundleMetadata metadata) {
            this.metadata = metadata;
            return this;
        }

        public Builder root(Path root) {
            this.root = root;
            return this;
        }

        public Builder sourceDateEpoch(long sourceDateEpoch) {
            this.sourceDateEpoch = sourceDateEpoch;
            return this;
        }

        /** The project's own wheel file (see {@link Bundle#projectWheel()}). */
        public Builder projectWheel(Path wheel) {
            this.projectWheel = wheel;
            return this;
        }

        /** The project's sdist file (see {@link Bundle#projectSdist()}). */
        public Builder projectSdist(Path sdist) {
            this.projectSdist = sdist;
            return this;
        }

        public Bundle build() {
            Objects.requireNonNull(metadata, "metadata");
            Objects.requireNonNull(root, "root");
            List<BundleEntry> entries = scan(root);
            if (metadata.target().os() == Target.Os.WINDOWS) {
                WindowsPaths.check(entries,
                        WindowsPaths.typicalInstallDir(metadata.windows(), metadata.company(), metadata.product()));
            }
            return new Bundle(metadata, root, sourceDateEpoch, entries, projectWheel, projectSdist);
        }

        private static List<BundleEntry> scan(Path root) {
            List<BundleEntry> out = new ArrayList<>();
            try {
                Files.walkFileTree(root, new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                        if (!dir.equals(root)) {
                            out.add(new BundleEntry(rel(root, dir), BundleEntry.Kind.DIRECTORY, 0755, dir, null, 0));
                        }
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                        if (attrs.isSymbolicLink()) {
                            String target = Files.readSymbolicLink(file).toString().replace('\\', '/');
                            out.add(new BundleEntry(rel(root, file), BundleEntry.Kind.SYMLINK, 0777, file, target, 0));
                        } else if (attrs.isRegularFile()) {
                            int mode = executable(file) && !SHARED_LIBRARY.matcher(file.getFileName().toString()).matches()
                                    ? 0755 : 0644;
                            out.add(new BundleEntry(rel(root, file), BundleEntry.Kind.FILE, mode, file, null, attrs.size()));
                        } else {
                            throw new IOException("not a regular file, directory or symlink: " + file);
                        }
                        return FileVisitResult.CONTINUE;
                    }
                });
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            out.sort(Comparator.comparing(BundleEntry::path, Bundle::comparePaths));
            return out;
        }

        private static boolean executable(Path file) throws IOException {
            try {
                Set<PosixFilePermission> p = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
                return p.contains(PosixFilePermission.OWNER_EXECUTE);
            } catch (UnsupportedOperationException e) {
                return Files.isExecutable(file);
            }
        }

        private static String rel(Path root, Path p) {
            return root.relativize(p).toString().replace('\\', '/');
        }
    }

    /** Orders paths segment by segment, so that a directory's contents follow it directly. */
    static int comparePaths(String a, String b) {
        String[] x = a.split("/");
        String[] y = b.split("/");
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            int c = x[i].compareTo(y[i]);
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(x.length, y.length);
    }
}
