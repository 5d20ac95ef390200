package io.packyard.repository.packages;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/** A store that records its writes ("put path", "delete path") in order, for ordering proofs. */
public final class RecordingStore implements PackageStore {
    private final PackageStore delegate;
    private final List<String> log = Collections.synchronizedList(new ArrayList<>());

    public RecordingStore(PackageStore delegate) {
        this.delegate = delegate;
    }

    public List<String> log() {
        synchronized (log) {
            return List.copyOf(log);
        }
    }

    public void clear() {
        log.clear();
    }

    @Override
    public Optional<InputStream> open(String path) throws IOException {
        return delegate.open(path);
    }

    @Override
    public Optional<byte[]> read(String path) throws IOException {
        return delegate.read(path);
    }

    @Override
    public boolean exists(String path) throws IOException {
        return delegate.exists(path);
    }

    @Override
    public long size(String path) throws IOException {
        return delegate.size(path);
    }

    @Override
    public void put(String path, byte[] content) throws IOException {
        log.add("put " + path);
        delegate.put(path, content);
    }

    @Override
    public void putFile(String path, Path source) throws IOException {
        log.add("put " + path);
        delegate.putFile(path, source);
    }

    @Override
    public void delete(String path) throws IOException {
        if (delegate.exists(path)) {
            log.add("delete " + path);
        }
        delegate.delete(path);
    }

    @Override
    public List<String> list(String directory) throws IOException {
        return delegate.list(directory);
    }

    @Override
    public Lock lock(String name) throws IOException {
        return delegate.lock(name);
    }
}
