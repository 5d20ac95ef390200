package io.packyard.formats.linux;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * A gzip writer (RFC 1952) that deflates fixed-size blocks on several threads, as {@code pigz}
 * does: one gzip member whose deflate stream is the blocks' deflate data one after the other.
 * Each block is deflated with the last 32 KiB of the block before it as preset dictionary (so
 * matches reach across block boundaries as in a one-thread stream) and ends with a sync flush (an
 * empty stored block, which byte-aligns it); an empty final block, the CRC-32 and the size close
 * the member. Any gzip decoder (zlib, dpkg, {@code gzip -d}) reads it.
 *
 * <p>Reproducible: a block's bytes depend only on its data, its dictionary and the level (and the
 * zlib the JDK carries), never on the thread count or timing; the header is
 * {@link ReproducibleGzip}'s (no name, mtime 0, OS 255).
 */
public final class ParallelGzipOutputStream extends ParallelBlockOutputStream<byte[]> {
    /** Uncompressed bytes per block: large enough that the per-block cost (a sync flush, a fresh
     * deflater) is lost in the noise, small enough that two or more CPUs share any input. */
    public static final int BLOCK_SIZE = 1 << 20;
    /** deflate's window: the dictionary each block gets from the one before. */
    private static final int WINDOW = 32 * 1024;
    /** An empty final block with fixed Huffman codes: BFINAL=1, BTYPE=01, end-of-block. */
    private static final byte[] EMPTY_FINAL_BLOCK = {0x03, 0x00};

    private final int level;
    private final CRC32 crc = new CRC32();
    private long size;
    private byte[] previous;
    private int previousSize;

    /**
     * @param out where the gzip stream goes (not closed by {@link #finish()}, closed by {@link #close()})
     * @param level 1 (fastest) to 9 (best compression)
     * @param threads how many blocks are deflated at a time; does not change the output
     */
    public ParallelGzipOutputStream(OutputStream out, int level, int threads) throws IOException {
        super(out, BLOCK_SIZE, threads, "packyard-gzip");
        if (level < 1 || level > 9) {
            throw new IllegalArgumentException("gzip level must be 1 to 9: " + level);
        }
        this.level = level;
        out.write(ReproducibleGzip.header(level));
    }

    @Override
    protected void consumed(byte[] b, int off, int len) {
        crc.update(b, off, len);
        size += len;
    }

    @Override
    protected Callable<byte[]> encoder(byte[] data, int size) {
        byte[] dictionary = previous == null ? null
                : Arrays.copyOfRange(previous, Math.max(0, previousSize - WINDOW), previousSize);
        previous = data;
        previousSize = size;
        return () -> deflate(level, data, size, dictionary);
    }

    /** Raw deflate data of {@code data[0, size)}, ending with a sync flush (no final block). */
    static byte[] deflate(int level, byte[] data, int size, byte[] dictionary) {
        Deflater deflater = new Deflater(level, true);
        try {
            if (dictionary != null) {
                deflater.setDictionary(dictionary);
            }
            deflater.setInput(data, 0, size);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(size / 3 + 64);
            byte[] buf = new byte[1 << 16];
            while (true) {
                int n = deflater.deflate(buf, 0, buf.length, Deflater.SYNC_FLUSH);
                bytes.write(buf, 0, n);
                // a full buffer may hide more output; otherwise all input is in and flushed
                if (n < buf.length && deflater.needsInput()) {
                    return bytes.toByteArray();
                }
            }
        } finally {
            deflater.end();
        }
    }

    @Override
    protected void emit(byte[] block) throws IOException {
        out.write(block);
    }

    @Override
    protected void writeTrailer() throws IOException {
        out.write(EMPTY_FINAL_BLOCK);
        out.write(ReproducibleGzip.trailer(crc.getValue(), size));
    }
}
