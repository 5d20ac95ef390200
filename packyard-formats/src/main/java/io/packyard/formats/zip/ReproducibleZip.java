package io.packyard.formats.zip;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.LongConsumer;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * A ZIP writer (PKWARE APPNOTE 6.3) whose bytes depend only on what is added, in the order it
 * is added:
 *
 * <ul>
 *   <li>one DOS date and time for every entry: SOURCE_DATE_EPOCH's UTC calendar fields (DOS
 *       time has no time zone; Python's zipfile and reproducible-builds tools read it the same
 *       way), rounded down to the 2 seconds DOS time can hold and clamped to 1980..2107;
 *   <li>no extra fields (no extended timestamp, no Unix uid/gid, no NTFS times) except Zip64
 *       ones where sizes, offsets or the entry count need them;
 *   <li>"version made by" Unix, as Info-ZIP's zip and Python's zipfile write it on Linux: the
 *       external attributes hold the Unix mode ({@code 0755} for directories and programs,
 *       {@code 0644} for other files) above the MS-DOS directory bit, which is what Windows
 *       reads. (Info-ZIP's unzip takes the names of MS-DOS-made entries for OEM code page text
 *       and garbles UTF-8 ones; Windows, 7-Zip and Python read either the same way.)
 *   <li>names in UTF-8 with the language encoding flag (bit 11) set on every entry;
 *   <li>raw deflate at a fixed level, or "stored" when deflate would not make the entry smaller
 *       (and, without trying, for names that are compressed already: .zip, .whl, .gz, .png ...);
 *       the compressed bytes then depend on the input and the zlib version only;
 *   <li>sizes and CRC in the local headers (no data descriptors), comments empty.
 * </ul>
 *
 * <p>Files up to {@value #PARALLEL_MAX_SIZE} bytes are read and compressed on a pool of threads
 * (a bundle is mostly small files); larger ones stream through the writing thread and their
 * header is completed afterwards. Either way the output is the same whatever the thread count.
 */
public final class ReproducibleZip implements AutoCloseable {
    /** Files up to this size are compressed in memory on the pool. */
    static final int PARALLEL_MAX_SIZE = 8 << 20;
    /** Uncompressed bytes queued for the pool at most. */
    private static final long IN_FLIGHT_BYTES = 32L << 20;
    private static final int IN_FLIGHT_ENTRIES = 4096;
    private static final int BUFFER = 1 << 20;

    private static final int LOCAL_HEADER = 0x04034b50;
    private static final int CENTRAL_HEADER = 0x02014b50;
    private static final int END_OF_CENTRAL_DIRECTORY = 0x06054b50;
    private static final int ZIP64_END_OF_CENTRAL_DIRECTORY = 0x06064b50;
    private static final int ZIP64_LOCATOR = 0x07064b50;
    private static final short ZIP64_EXTRA = 0x0001;
    private static final int FLAG_UTF8 = 1 << 11;
    private static final int STORED = 0;
    private static final int DEFLATED = 8;
    /** Unix host in the upper byte of "version made by". */
    private static final int HOST_UNIX = 3;
    private static final int ATTRIBUTE_DIRECTORY = 0x10;

    /** Extensions of formats that are compressed already: stored without trying deflate. */
    private static final Set<String> COMPRESSED = Set.of(
            "zip", "whl", "egg", "jar", "gz", "tgz", "bz2", "xz", "txz", "lz", "lzma", "zst", "7z", "rar", "cab",
            "png", "jpg", "jpeg", "gif", "webp", "ico", "mp3", "mp4", "ogg", "woff", "woff2", "docx", "xlsx", "pptx");

    private final FileChannel ch;
    private final ByteBuffer buf = ByteBuffer.allocate(BUFFER).order(ByteOrder.LITTLE_ENDIAN);
    private final int dosTime;
    private final int dosDate;
    private final int level;
    private final long sizeLimit;
    private final int countLimit;
    private final ExecutorService pool;
    private final Deque<Future<Prepared>> pending = new ArrayDeque<>();
    private long pendingBytes;
    private final List<Central> central = new ArrayList<>();
    private final Set<String> names = new HashSet<>();
    private final LongConsumer contentDone;
    private long done;
    private boolean finished;
    private boolean closed;

    /** An entry ready to write: its data (compressed or not) and what the headers say of it. */
    private record Prepared(byte[] name, boolean directory, int mode, int method, long crc, long size, byte[] data,
            long contentBytes) {}

    /** What the central directory records of a written entry. */
    private record Central(byte[] name, boolean directory, int mode, int method, long crc, long compressedSize,
            long size, long offset) {}

    /**
     * @param out the file to create (it must not exist)
     * @param sourceDateEpoch seconds since the epoch for every entry's time
     * @param level deflate level, 1 (fastest) to 9 (smallest)
     * @param threads how many files are compressed at a time (1: everything on the calling thread)
     * @param contentDone told the running total of file content bytes written
     */
    public ReproducibleZip(Path out, long sourceDateEpoch, int level, int threads, LongConsumer contentDone)
            throws IOException {
        this(out, sourceDateEpoch, level, threads, contentDone, 0xFFFFFFFFL, 0xFFFF);
    }

    /** With the Zip64 thresholds lowered, so that tests reach the Zip64 paths with small archives. */
    ReproducibleZip(Path out, long sourceDateEpoch, int level, int threads, LongConsumer contentDone,
            long sizeLimit, int countLimit) throws IOException {
        if (level < 1 || level > 9) {
            throw new IllegalArgumentException("deflate level must be 1 to 9: " + level);
        }
        this.ch = FileChannel.open(out, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.READ);
        this.level = level;
        this.sizeLimit = sizeLimit;
        this.countLimit = countLimit;
        this.contentDone = contentDone == null ? n -> {} : contentDone;
        this.pool = threads > 1 ? Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "packyard-zip");
            t.setDaemon(true);
            return t;
        }) : null;
        LocalDateTime t = dosRange(sourceDateEpoch);
        this.dosTime = (t.getHour() << 11) | (t.getMinute() << 5) | (t.getSecond() / 2);
        this.dosDate = ((t.getYear() - 1980) << 9) | (t.getMonthValue() << 5) | t.getDayOfMonth();
    }

    /** The UTC calendar time a DOS timestamp can hold nearest to {@code epochSecond}. */
    static LocalDateTime dosRange(long epochSecond) {
        LocalDateTime min = LocalDateTime.of(1980, 1, 1, 0, 0, 0);
        LocalDateTime max = LocalDateTime.of(2107, 12, 31, 23, 59, 58);
        LocalDateTime t = LocalDateTime.ofEpochSecond(epochSecond, 0, ZoneOffset.UTC);
        if (t.isBefore(min)) {
            return min;
        }
        if (t.isAfter(max)) {
            return max;
        }
        return t.withSecond(t.getSecond() & ~1);
    }

    /** A directory entry; {@code name} ends with {@code /}. */
    public void directory(String name) throws IOException {
        if (!name.endsWith("/")) {
            throw new IllegalArgumentException("directory name must end with /: " + name);
        }
        byte[] n = name(name);
        enqueue(CompletableFuture.completedFuture(new Prepared(n, true, 0755, STORED, 0, 0, new byte[0], 0)), 0);
    }

    /** A file with the given content and permission bits ({@code 0644}, {@code 0755}). */
    public void file(String name, int mode, byte[] content) throws IOException {
        byte[] n = name(name);
        enqueue(CompletableFuture.completedFuture(compress(n, mode, content, content.length, storeAsIs(name))),
                content.length);
    }

    /**
     * A file whose content is read from {@code source}, which must hold exactly {@code size}
     * bytes (the size the bundle recorded when it was scanned).
     */
    public void file(String name, int mode, Path source, long size) throws IOException {
        byte[] n = name(name);
        boolean asIs = storeAsIs(name);
        if (size > PARALLEL_MAX_SIZE) {
            drain(-1);
            writeStreamed(n, mode, source, size, asIs);
            return;
        }
        if (pool == null) {
            enqueue(CompletableFuture.completedFuture(readAndCompress(n, mode, source, size, asIs)), size);
        } else {
            enqueue(pool.submit(() -> readAndCompress(n, mode, source, size, asIs)), size);
        }
    }

    /** Writes the pending entries and the central directory. The file stays open until {@link #close()}. */
    public void finish() throws IOException {
        if (finished) {
            return;
        }
        drain(-1);
        finished = true;
        long cdOffset = position();
        for (Central c : central) {
            writeCentral(c);
        }
        long cdSize = position() - cdOffset;
        long count = central.size();
        if (count >= countLimit || cdSize >= sizeLimit || cdOffset >= sizeLimit) {
            long zip64End = position();
            putInt(ZIP64_END_OF_CENTRAL_DIRECTORY);
            putLong(44);
            putShort(45 | HOST_UNIX << 8);
            putShort(45);
            putInt(0);
            putInt(0);
            putLong(count);
            putLong(count);
            putLong(cdSize);
            putLong(cdOffset);
            putInt(ZIP64_LOCATOR);
            putInt(0);
            putLong(zip64End);
            putInt(1);
        }
        putInt(END_OF_CENTRAL_DIRECTORY);
        putShort(0);
        putShort(0);
        putShort((int) Math.min(count, 0xFFFF));
        putShort((int) Math.min(count, 0xFFFF));
        putInt(cdSize >= sizeLimit ? 0xFFFFFFFFL : cdSize);
        putInt(cdOffset >= sizeLimit ? 0xFFFFFFFFL : cdOffset);
        putShort(0);
        flush();
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (pool != null) {
                pool.shutdownNow();
            }
        } finally {
            ch.close();
        }
    }

    private byte[] name(String name) {
        if (finished) {
            throw new IllegalStateException("zip already finished; cannot add " + name);
        }
        if (name.isEmpty() || name.startsWith("/") || name.contains("\\") || name.contains("\0")) {
            throw new IllegalArgumentException("bad zip entry name: " + name);
        }
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        if (n.length > 0xFFFF) {
            throw new IllegalArgumentException("zip entry name longer than 65535 bytes: " + name);
        }
        if (!names.add(name)) {
            throw new IllegalArgumentException("duplicate zip entry: " + name);
        }
        return n;
    }

    private static boolean storeAsIs(String name) {
        int dot = name.lastIndexOf('.');
        int slash = name.lastIndexOf('/');
        return dot > slash && COMPRESSED.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    private void enqueue(Future<Prepared> f, long bytes) throws IOException {
        drain(bytes);
        pending.addLast(f);
        pendingBytes += bytes;
    }

    /**
     * Writes queued entries, oldest first: all of them when {@code room} is negative, else until
     * {@code room} more bytes fit in the queue.
     */
    private void drain(long room) throws IOException {
        while (!pending.isEmpty()) {
            if (room >= 0 && pendingBytes + room <= IN_FLIGHT_BYTES && pending.size() < IN_FLIGHT_ENTRIES) {
                break;
            }
            Future<Prepared> f = pending.removeFirst();
            Prepared p;
            try {
                p = f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while compressing");
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof UncheckedIOException u) {
                    throw u.getCause();
                }
                if (c instanceof IOException io) {
                    throw io;
                }
                if (c instanceof RuntimeException r) {
                    throw r;
                }
                throw new IOException(c);
            }
            pendingBytes -= p.size();
            writePrepared(p);
        }
    }

    private Prepared readAndCompress(byte[] name, int mode, Path source, long size, boolean asIs) throws IOException {
        byte[] content;
        try (InputStream in = Files.newInputStream(source)) {
            content = in.readNBytes((int) size);
            if (content.length != size || in.read() != -1) {
                throw new IOException(source + ": the file changed size while it was being archived");
            }
        }
        return compress(name, mode, content, size, asIs);
    }

    private Prepared compress(byte[] name, int mode, byte[] content, long size, boolean asIs) {
        CRC32 crc = new CRC32();
        crc.update(content);
        if (!asIs && content.length > 0) {
            Deflater d = new Deflater(level, true);
            try {
                d.setInput(content);
                d.finish();
                ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, content.length / 2));
                byte[] chunk = new byte[Math.min(1 << 16, Math.max(64, content.length))];
                while (!d.finished()) {
                    int n = d.deflate(chunk);
                    out.write(chunk, 0, n);
                    if (out.size() >= content.length) {
                        break; // no gain: store
                    }
                }
                if (d.finished() && out.size() < content.length) {
                    return new Prepared(name, false, mode, DEFLATED, crc.getValue(), size, out.toByteArray(), size);
                }
            } finally {
                d.end();
            }
        }
        return new Prepared(name, false, mode, STORED, crc.getValue(), size, content, size);
    }

    private void writePrepared(Prepared p) throws IOException {
        long offset = position();
        writeLocal(p.name(), p.directory(), p.method(), p.crc(), p.data().length, p.size(), offset);
        put(p.data(), 0, p.data().length);
        central.add(new Central(p.name(), p.directory(), p.mode(), p.method(), p.crc(), p.data().length, p.size(),
                offset));
        advance(p.contentBytes());
    }

    /** A large file: header first (sizes patched afterwards), data streamed through the deflater. */
    private void writeStreamed(byte[] name, int mode, Path source, long size, boolean asIs) throws IOException {
        long offset = position();
        int method = asIs ? STORED : DEFLATED;
        writeLocal(name, false, method, 0, method == STORED ? size : 0, size, offset);
        long dataStart = position();
        long startDone = done;
        long[] crcAndSize = stream(source, size, method, dataStart);
        if (method == DEFLATED && crcAndSize[1] >= size) {
            // deflate did not help: start the entry over, stored
            flush();
            ch.truncate(offset);
            ch.position(offset);
            done = startDone;
            method = STORED;
            writeLocal(name, false, method, 0, size, size, offset);
            crcAndSize = stream(source, size, method, position());
        }
        long crc = crcAndSize[0];
        long compressed = crcAndSize[1];
        flush();
        boolean zip64Local = size >= sizeLimit || compressed >= sizeLimit;
        ByteBuffer patch = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        patch.putInt((int) crc).flip();
        writeAt(patch, offset + 14);
        if (zip64Local) {
            patch.clear();
            patch.putLong(compressed).flip();
            writeAt(patch, offset + 30 + name.length + 4 + 8);
        } else {
            patch.clear();
            patch.putInt((int) compressed).flip();
            writeAt(patch, offset + 18);
        }
        central.add(new Central(name, false, mode, method, crc, compressed, size, offset));
    }

    /** Streams {@code size} bytes of {@code source}; returns {CRC-32, bytes written}. */
    private long[] stream(Path source, long size, int method, long dataStart) throws IOException {
        CRC32 crc = new CRC32();
        byte[] in = new byte[1 << 16];
        byte[] out = new byte[1 << 16];
        Deflater d = method == DEFLATED ? new Deflater(level, true) : null;
        long left = size;
        try (InputStream s = Files.newInputStream(source)) {
            while (left > 0) {
                int n = s.read(in, 0, (int) Math.min(in.length, left));
                if (n < 0) {
                    throw new IOException(source + ": the file changed size while it was being archived");
                }
                crc.update(in, 0, n);
                left -= n;
                if (d == null) {
                    put(in, 0, n);
                } else {
                    d.setInput(in, 0, n);
                    while (!d.needsInput()) {
                        int c = d.deflate(out);
                        put(out, 0, c);
                    }
                    if (position() - dataStart >= size) {
                        return new long[] {crc.getValue(), position() - dataStart}; // no gain: the caller stores
                    }
                }
                advance(n);
            }
            if (s.read() != -1) {
                throw new IOException(source + ": the file changed size while it was being archived");
            }
            if (d != null) {
                d.finish();
                while (!d.finished()) {
                    int c = d.deflate(out);
                    put(out, 0, c);
                }
            }
        } finally {
            if (d != null) {
                d.end();
            }
        }
        return new long[] {crc.getValue(), position() - dataStart};
    }

    private void writeLocal(byte[] name, boolean directory, int method, long crc, long compressed, long size, long offset)
            throws IOException {
        boolean zip64 = size >= sizeLimit || compressed >= sizeLimit;
        putInt(LOCAL_HEADER);
        putShort(versionNeeded(directory, method, zip64 || offset >= sizeLimit));
        putShort(FLAG_UTF8);
        putShort(method);
        putShort(dosTime);
        putShort(dosDate);
        putInt(crc);
        putInt(zip64 ? 0xFFFFFFFFL : compressed);
        putInt(zip64 ? 0xFFFFFFFFL : size);
        putShort(name.length);
        putShort(zip64 ? 20 : 0);
        put(name, 0, name.length);
        if (zip64) {
            putShort(ZIP64_EXTRA);
            putShort(16);
            putLong(size);
            putLong(compressed);
        }
    }

    private void writeCentral(Central c) throws IOException {
        boolean bigSize = c.size() >= sizeLimit;
        boolean bigCompressed = c.compressedSize() >= sizeLimit;
        boolean bigOffset = c.offset() >= sizeLimit;
        int extra = (bigSize ? 8 : 0) + (bigCompressed ? 8 : 0) + (bigOffset ? 8 : 0);
        boolean zip64 = bigSize || bigCompressed || bigOffset;
        int needed = versionNeeded(c.directory(), c.method(), zip64);
        putInt(CENTRAL_HEADER);
        putShort(Math.max(20, needed) | HOST_UNIX << 8);
        putShort(needed);
        putShort(FLAG_UTF8);
        putShort(c.method());
        putShort(dosTime);
        putShort(dosDate);
        putInt(c.crc());
        putInt(bigCompressed ? 0xFFFFFFFFL : c.compressedSize());
        putInt(bigSize ? 0xFFFFFFFFL : c.size());
        putShort(c.name().length);
        putShort(zip64 ? 4 + extra : 0);
        putShort(0); // comment
        putShort(0); // disk number start
        putShort(0); // internal attributes
        int unixMode = (c.directory() ? 0040000 : 0100000) | (c.mode() & 07777);
        putInt((long) unixMode << 16 | (c.directory() ? ATTRIBUTE_DIRECTORY : 0));
        putInt(bigOffset ? 0xFFFFFFFFL : c.offset());
        put(c.name(), 0, c.name().length);
        if (zip64) {
            putShort(ZIP64_EXTRA);
            putShort(extra);
            if (bigSize) {
                putLong(c.size());
            }
            if (bigCompressed) {
                putLong(c.compressedSize());
            }
            if (bigOffset) {
                putLong(c.offset());
            }
        }
    }

    /** 1.0 for stored files, 2.0 for directories and deflate, 4.5 with Zip64 fields (APPNOTE 4.4.3.2). */
    private static int versionNeeded(boolean directory, int method, boolean zip64) {
        if (zip64) {
            return 45;
        }
        return directory || method == DEFLATED ? 20 : 10;
    }

    private void advance(long n) {
        if (n > 0) {
            done += n;
            contentDone.accept(done);
        }
    }

    // --- output: a buffer in front of the channel, which sits at the end of what is flushed ---

    private long position() throws IOException {
        return ch.position() + buf.position();
    }

    private void flush() throws IOException {
        buf.flip();
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
        buf.clear();
    }

    private void writeAt(ByteBuffer b, long at) throws IOException {
        while (b.hasRemaining()) {
            at += ch.write(b, at);
        }
    }

    private void room(int n) throws IOException {
        if (buf.remaining() < n) {
            flush();
        }
    }

    private void putShort(int v) throws IOException {
        room(2);
        buf.putShort((short) v);
    }

    private void putInt(long v) throws IOException {
        room(4);
        buf.putInt((int) v);
    }

    private void putLong(long v) throws IOException {
        room(8);
        buf.putLong(v);
    }

    private void put(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            if (!buf.hasRemaining()) {
                flush();
            }
            int n = Math.min(len, buf.remaining());
            buf.put(b, off, n);
            off += n;
            len -= n;
        }
    }
}
