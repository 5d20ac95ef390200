package io.packyard.formats.linux;

import java.io.IOException;
import java.io.OutputStream;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

/**
 * A gzip stream (RFC 1952) with a fixed header: no file name, modification time 0, operating
 * system 255 ("unknown") whatever machine builds it, and the XFL byte {@code gzip -9} writes
 * (lintian checks it). The compressed bytes depend only on the input and the zlib version.
 */
public final class ReproducibleGzip extends OutputStream {
    private final OutputStream out;
    private final Deflater deflater;
    private final DeflaterOutputStream deflate;
    private final CRC32 crc = new CRC32();
    private long size;
    private boolean closed;

    /** @param level 1 (fastest) to 9 (best compression) */
    public ReproducibleGzip(OutputStream out, int level) throws IOException {
        if (level < 1 || level > 9) {
            throw new IllegalArgumentException("gzip level must be 1 to 9: " + level);
        }
        this.out = out;
        this.deflater = new Deflater(level, true);
        this.deflate = new DeflaterOutputStream(out, deflater, 1 << 16);
        out.write(header(level));
    }

    /**
     * The 10-byte member header: deflate, no flags, mtime 0, the XFL byte {@code gzip} writes at
     * this level, OS 255.
     */
    static byte[] header(int level) {
        int xfl = level == 9 ? 2 : level == 1 ? 4 : 0;
        return new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, (byte) xfl, (byte) 255};
    }

    /** The 8-byte member trailer: CRC-32 and ISIZE (the length modulo 2^32), little-endian. */
    static byte[] trailer(long crc32, long length) {
        int c = (int) crc32;
        int s = (int) length;
        return new byte[] {(byte) c, (byte) (c >>> 8), (byte) (c >>> 16), (byte) (c >>> 24),
            (byte) s, (byte) (s >>> 8), (byte) (s >>> 16), (byte) (s >>> 24)};
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        deflate.write(b, off, len);
        crc.update(b, off, len);
        size += len;
    }

    /** Finishes the stream and closes the underlying one. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            deflate.finish();
            out.write(trailer(crc.getValue(), size));
            out.close();
        } finally {
            deflater.end();
        }
    }
}
