package io.packyard.repository.storage;

import io.packyard.python.util.FileTrees;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A content-addressed store of immutable files on the local file system.
 *
 * <p>Layout under the root: {@code sha256/<first two hex digits>/<sha256>} for blobs and
 * {@code tmp/<random>.part} for blobs being written. A blob is written to a temporary file,
 * fsynced, renamed to its address and its directory fsynced, so that a blob that is visible under
 * its address is complete and durable. Callers commit the database row that names a blob only
 * after {@link Staged#commit()} returned: an acknowledged upload is never lost, and a crash leaves at
 * worst an unreferenced blob or a temporary file, which {@code packyard fsck --repair} removes.
 *
 * <p>Instances are safe for use by several threads.
 */
public final class BlobStore {

    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private final Path root;
    private final Path blobs;
    private final Path tmp;

    private BlobStore(Path root) {
        this.root = root;
        this.blobs = root.resolve("sha256");
        this.tmp = root.resolve("tmp");
    }

    /** Opens (creating when needed) the store under {@code root}. */
    public static BlobStore open(Path root) {
        BlobStore s = new BlobStore(root.toAbsolutePath().normalize());
        try {
            Files.createDirectories(s.blobs);
            Files.createDirectories(s.tmp);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the blob store " + root + ": " + e.getMessage(), e);
        }
        return s;
    }

    public Path root() {
        return root;
    }

    /** True when {@code s} is a lower-case hex SHA-256. */
    public static boolean isSha256(String s) {
        return s != null && SHA256.matcher(s).matches();
    }

    /** Where the blob with this digest lives (whether or not it exists). */
    public Path pathOf(String sha256) {
        if (!isSha256(sha256)) {
            throw new IllegalArgumentException("not a sha256 digest: " + sha256);
        }
        return blobs.resolve(sha256.substring(0, 2)).resolve(sha256);
    }

    public boolean exists(String sha256) {
        return Files.isRegularFile(pathOf(sha256));
    }

    /** The blob's file, when stored. */
    public Optional<Path> find(String sha256) {
        Path p = pathOf(sha256);
        return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
    }

    /** Opens a stored blob for reading. */
    public InputStream open(String sha256) throws IOException {
        return Files.newInputStream(pathOf(sha256));
    }

    /** Starts writing a new blob of at most {@code maxBytes} bytes. Close or commit the result. */
    public Staged stage(long maxBytes) throws IOException {
        Path file = tmp.resolve(UUID.randomUUID() + ".part");
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        return new Staged(file, ch, maxBytes);
    }

    /** Stores bytes (temp file, fsync, rename). */
    public Blob put(byte[] bytes) throws IOException {
        try (Staged s = stage(Long.MAX_VALUE)) {
            s.write(bytes, 0, bytes.length);
            return s.commit();
        }
    }

    /** Stores a stream's content, failing with {@link BlobTooLargeException} past {@code maxBytes}. */
    public Blob put(InputStream in, long maxBytes) throws IOException {
        try (Staged s = stage(maxBytes)) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                s.write(buf, 0, n);
            }
            return s.commit();
        }
    }

    /** Recomputes a stored blob's SHA-256 (lower-case hex). */
    public String hashOf(String sha256) throws IOException {
        MessageDigest md = newSha256();
        try (InputStream in = open(sha256)) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** Every stored blob's digest (by file name), sorted; files with other names are in {@link #strayFiles()}. */
    public List<String> list() throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(blobs)) {
            for (Path dir : dirs.sorted().toList()) {
                if (!Files.isDirectory(dir)) {
                    continue;
                }
                try (Stream<Path> files = Files.list(dir)) {
                    files.map(p -> p.getFileName().toString())
                            .filter(n -> isSha256(n) && dir.getFileName().toString().equals(n.substring(0, 2)))
                            .sorted()
                            .forEach(out::add);
                }
            }
        }
        return out;
    }

    /** Files under the blob directory that are not blobs at their right address (should not exist). */
    public List<Path> strayFiles() throws IOException {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> all = Files.walk(blobs)) {
            all.filter(Files::isRegularFile).forEach(p -> {
                String n = p.getFileName().toString();
                Path parent = p.getParent();
                boolean ok = isSha256(n) && parent.getParent().equals(blobs)
                        && parent.getFileName().toString().equals(n.substring(0, 2));
                if (!ok) {
                    out.add(p);
                }
            });
        }
        out.sort(null);
        return out;
    }

    /** Temporary files (blobs being written, or left by a crash), sorted. */
    public List<Path> tempFiles() throws IOException {
        try (Stream<Path> s = Files.list(tmp)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }

    /** Deletes temporary files last modified more than {@code age} ago; returns how many. */
    public int deleteTempFilesOlderThan(Duration age) throws IOException {
        Instant cutoff = Instant.now().minus(age);
        int n = 0;
        for (Path p : tempFiles()) {
            try {
                if (age.isZero() || Files.getLastModifiedTime(p).toInstant().isBefore(cutoff)) {
                    Files.deleteIfExists(p);
                    n++;
                }
            } catch (NoSuchFileException e) {
                // finished or removed meanwhile
            }
        }
        return n;
    }

    /** When a blob was last written or re-used (see {@link Staged#commit()}). */
    public Instant lastTouched(String sha256) throws IOException {
        return Files.getLastModifiedTime(pathOf(sha256)).toInstant();
    }

    /** Deletes a blob (callers make sure no row names it). */
    public boolean delete(String sha256) throws IOException {
        Path p = pathOf(sha256);
        boolean deleted = Files.deleteIfExists(p);
        if (deleted) {
            FileTrees.fsyncDirectory(p.getParent());
        }
        return deleted;
    }

    static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A blob being written: write the content, then {@link #commit()}. Closing without committing
     * deletes the temporary file.
     */
    public final class Staged implements AutoCloseable {
        private final Path file;
        private final FileChannel channel;
        private final long maxBytes;
        private final MessageDigest sha256 = newSha256();
        private long size;
        private String digest;
        private boolean done;

        private Staged(Path file, FileChannel channel, long maxBytes) {
            this.file = file;
            this.channel = channel;
            this.maxBytes = maxBytes;
        }

        /** The temporary file (readable before commit, e.g. to validate an archive). */
        public Path tempFile() {
            return file;
        }

        public long size() {
            return size;
        }

        public void write(byte[] b, int off, int len) throws IOException {
            if (done) {
                throw new IllegalStateException("blob already committed or discarded");
            }
            if (digest != null) {
                throw new IllegalStateException("digest already taken");
            }
            if (size + len > maxBytes) {
                throw new BlobTooLargeException(maxBytes);
            }
            sha256.update(b, off, len);
            size += len;
            ByteBuffer buf = ByteBuffer.wrap(b, off, len);
            while (buf.hasRemaining()) {
                channel.write(buf);
            }
        }

        /** An output stream writing into this blob (closing it does not commit). */
        public OutputStream outputStream() {
            return new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    Staged.this.write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    Staged.this.write(b, off, len);
                }
            };
        }

        /** The SHA-256 of what was written (lower-case hex); write no more afterwards. */
        public String sha256() {
            if (digest == null) {
                digest = HexFormat.of().formatHex(sha256.digest());
            }
            return digest;
        }

        /**
         * Makes the blob durable under its address: fsync, rename, directory fsync. When a blob with
         * the same content already exists, the temporary file is dropped and the existing blob's
         * modification time is refreshed (so that a concurrent {@code fsck --repair} with a grace
         * period does not take it for an old orphan).
         */
        public Blob commit() throws IOException {
            String d = sha256();
            channel.force(true);
            channel.close();
            done = true;
            Path target = pathOf(d);
            Path dir = target.getParent();
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir);
                FileTrees.fsyncDirectory(blobs);
            }
            if (Files.isRegularFile(target)) {
                Files.deleteIfExists(file);
                try {
                    Files.setLastModifiedTime(target, FileTime.from(Instant.now()));
                } catch (IOException e) {
                    // the blob stays valid; only the fsck grace period is affected
                }
                return new Blob(d, size);
            }
            try {
                Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(file, target);
            } catch (FileAlreadyExistsException e) {
                Files.deleteIfExists(file);
            }
            FileTrees.fsyncDirectory(dir);
            return new Blob(d, size);
        }

        /** Discards an uncommitted blob (deletes the temporary file). */
        @Override
        public void close() {
            if (!done) {
                done = true;
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // deleting below
                }
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // fsck reports leftover temporary files
                }
            }
        }

        @Override
        public String toString() {
            return "staged blob " + file.getFileName().toString().toLowerCase(Locale.ROOT);
        }
    }
}
