package io.packyard.repository.packages;

import io.packyard.python.util.FileTrees;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * A {@link PackageStore} in a directory: store path {@code a/b/c} is the file {@code <root>/a/b/c}.
 * Files are written to a hidden temporary name ({@code .<name>.<random>.tmp}) in the target
 * directory, fsynced, renamed over the target and the directory fsynced, so replacement is atomic
 * and durable and successive writes reach the disk in order. Temporary names are never listed.
 *
 * <p>Locks combine an in-process lock (threads) with an OS file lock on
 * {@code <root>/state/locks/<name>.lock} (processes sharing the directory).
 */
public final class DirectoryPackageStore implements PackageStore {
    private static final ConcurrentHashMap<Path, ReentrantLock> LOCKS = new ConcurrentHashMap<>();

    private final Path root;

    public DirectoryPackageStore(Path root) throws IOException {
        this.root = root.toAbsolutePath().normalize();
        Files.createDirectories(this.root);
    }

    public Path root() {
        return root;
    }

    /** The file behind a store path (whether or not it exists), e.g. for serving it with sendfile. */
    public Path file(String path) {
        return root.resolve(StorePaths.check(path));
    }

    @Override
    public Optional<InputStream> open(String path) throws IOException {
        try {
            return Optional.of(Files.newInputStream(file(path)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    @Override
    public Optional<byte[]> read(String path) throws IOException {
        try {
            return Optional.of(Files.readAllBytes(file(path)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    @Override
    public boolean exists(String path) {
        return Files.isRegularFile(file(path));
    }

    @Override
    public long size(String path) throws IOException {
        return Files.size(file(path));
    }

    @Override
    public void put(String path, byte[] content) throws IOException {
        Path target = file(path);
        Path tmp = temporary(target);
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                    OutputStream out = java.nio.channels.Channels.newOutputStream(ch)) {
                out.write(content);
                out.flush();
                ch.force(true);
            }
            commit(tmp, target);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    @Override
    public void putFile(String path, Path source) throws IOException {
        Path target = file(path);
        Path tmp = temporary(target);
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                    OutputStream out = java.nio.channels.Channels.newOutputStream(ch)) {
                Files.copy(source, out);
                out.flush();
                ch.force(true);
            }
            commit(tmp, target);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static Path temporary(Path target) throws IOException {
        Files.createDirectories(target.getParent());
        return target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
    }

    private static void commit(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        FileTrees.fsyncDirectory(target.getParent());
    }

    @Override
    public void delete(String path) throws IOException {
        Path p = file(path);
        if (Files.deleteIfExists(p)) {
            FileTrees.fsyncDirectory(p.getParent());
        }
    }

    @Override
    public List<String> list(String directory) throws IOException {
        Path dir = file(directory);
        List<String> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.filter(Files::isRegularFile)
                    .filter(p -> !(p.getFileName().toString().startsWith(".") && p.getFileName().toString().endsWith(".tmp")))
                    .forEach(p -> out.add(root.relativize(p).toString().replace('\\', '/')));
        }
        out.sort(null);
        return out;
    }

    @Override
    public Lock lock(String name) throws IOException {
        Path lockFile = file("state/locks/" + StorePaths.check(name).replace('/', '_') + ".lock");
        Files.createDirectories(lockFile.getParent());
        ReentrantLock local = LOCKS.computeIfAbsent(lockFile, k -> new ReentrantLock());
        local.lock();
        FileChannel ch = null;
        try {
            ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock fileLock = ch.lock();
            FileChannel channel = ch;
            return () -> {
                try {
                    fileLock.release();
                    channel.close();
                } finally {
                    local.unlock();
                }
            };
        } catch (IOException | RuntimeException e) {
            if (ch != null) {
                ch.close();
            }
            local.unlock();
            throw e;
        }
    }
}
