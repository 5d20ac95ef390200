package io.packyard.server.http;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Read-only memory mappings of blobs, shared by the requests that download them. Blobs never
 * change (their name is their hash), so a mapping stays valid; keeping one per popular file saves
 * an mmap per request, and bounding them keeps the process's mapping count low (an unmapped
 * buffer is only released by the garbage collector).
 */
final class MappedFiles {

    /** Files larger than this are streamed, not mapped. */
    static final long MAX_FILE = 256L << 20;
    private static final long MAX_TOTAL = 2L << 30;
    private static final int MAX_ENTRIES = 1024;

    private static final Map<String, ByteBuffer> MAPS = new ConcurrentHashMap<>();
    private static final AtomicLong TOTAL = new AtomicLong();

    private MappedFiles() {}

    /** The whole file, mapped (a new read-only view for the caller to position and limit). */
    static ByteBuffer get(String key, Path file, long size) throws IOException {
        ByteBuffer m = MAPS.get(key);
        if (m == null || m.capacity() != size) {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                m = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
            }
            if (MAPS.size() >= MAX_ENTRIES || TOTAL.get() + size > MAX_TOTAL) {
                MAPS.clear();
                TOTAL.set(0);
            }
            if (MAPS.putIfAbsent(key, m) == null) {
                TOTAL.addAndGet(size);
            }
        }
        return m.asReadOnlyBuffer();
    }
}
