package io.packyard.formats.linux;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.Callable;
import java.util.zip.CRC32;

/**
 * An .xz writer that compresses fixed-size blocks on several threads, as {@code xz -T} does: one
 * xz stream made of independent LZMA2 blocks, each with its compressed and uncompressed sizes in
 * its header, followed by the index (the .xz file format 1.1.0). Any xz decoder (liblzma, dpkg,
 * rpm, XZ for Java) reads it. Block boundaries depend only on the input (its bytes and, when the
 * caller knows it, its total size), never on the thread count, the machine or timing, so the
 * output is reproducible; {@link #blockSize(int, long)} is the rule.
 *
 * <p>XZ for Java has no multi-threaded encoder; this class writes the container itself and has
 * an {@link Lzma2Encoder} (XZ for Java's or liblzma's) compress each block's data.
 */
public final class ParallelXzOutputStream extends ParallelBlockOutputStream<ParallelXzOutputStream.Block> {
    private static final byte[] HEADER_MAGIC = {(byte) 0xFD, '7', 'z', 'X', 'Z', 0};
    private static final byte[] FOOTER_MAGIC = {'Y', 'Z'};
    /** Stream flags: check type CRC32 (0x01). */
    private static final byte CHECK_CRC32 = 0x01;
    private static final int CHECK_SIZE = 4;
    private static final long LZMA2_FILTER_ID = 0x21;

    private final Lzma2Encoder encoder;
    private final ByteArrayOutputStream index = new ByteArrayOutputStream();
    private long records;

    /** A compressed block and what the index records of it. */
    record Block(byte[] bytes, long unpaddedSize, long uncompressedSize) {}

    /**
     * @param out where the .xz stream goes (not closed by {@link #finish()}, closed by {@link #close()})
     * @param encoder compresses each block (its preset and dictionary size decide the blocks)
     * @param threads how many blocks are compressed at a time; does not change the output
     * @param totalSize how many bytes will be written, or -1 if unknown; when known the blocks
     *     are cut to equal sizes ({@link #blockSize(int, long)}); a wrong figure costs balance,
     *     never correctness
     */
    public ParallelXzOutputStream(OutputStream out, Lzma2Encoder encoder, int threads, long totalSize) throws IOException {
        super(out, blockSize(encoder.dictSize(), totalSize), threads, "packyard-xz");
        this.encoder = encoder;
        writeStreamHeader();
    }

    /** XZ for Java's encoder at {@code preset} (0–9). */
    public ParallelXzOutputStream(OutputStream out, int preset, int threads, long totalSize) throws IOException {
        this(out, Lzma2Encoder.java(preset), threads, totalSize);
    }

    /** For input of unknown size: blocks of {@link #blockSize(int, long) blockSize(dictSize, -1)}. */
    public ParallelXzOutputStream(OutputStream out, int preset, int threads) throws IOException {
        this(out, preset, threads, -1);
    }

    /** Uses every available processor, for input of unknown size. */
    public ParallelXzOutputStream(OutputStream out, int preset) throws IOException {
        this(out, preset, Runtime.getRuntime().availableProcessors(), -1);
    }

    /** Uses every available processor, for {@code totalSize} bytes of input (-1: unknown). */
    public ParallelXzOutputStream(OutputStream out, int preset, long totalSize) throws IOException {
        this(out, preset, Runtime.getRuntime().availableProcessors(), totalSize);
    }

    /**
     * The uncompressed size of every block but the last, from the dictionary size and the total
     * input size only (never the thread count, so every machine writes the same bytes).
     *
     * <p>{@code xz -T} cuts blocks of three times the dictionary (24 MiB at preset 6). The
     * nominal block here is half that, 1.5 × the dictionary (12 MiB at preset 6): about 1 %
     * larger output, but the tens of megabytes a bundle holds no longer make a few big blocks
     * that leave CPUs idle (three 24 MiB blocks on two CPUs: one runs alone). With the total
     * known, the input is cut into {@code n} blocks of equal size (the last one shorter by less
     * than {@code n} bytes) instead of nominal blocks and a remainder, with
     * {@code n = ceil(total / nominal)} made even, so that two CPUs, the commonest runner, get
     * equal shares (four do when {@code n} is a multiple of four): 30 MiB makes four blocks of
     * 7.5 MiB (not 12 + 12 + 6), 70.7 MiB six of 11.8 MiB. {@code n} is not made even when that
     * would cut blocks below half the dictionary (4 MiB at preset 6), where the size cost grows;
     * inputs under one dictionary are one block (and no block is cut below half the dictionary,
     * should the total be understated). Unknown total ({@code totalSize < 0}): nominal blocks.
     */
    public static int blockSize(int dictSize, long totalSize) {
        long nominal = Math.min(Integer.MAX_VALUE - 64, 3L * dictSize / 2);
        if (totalSize < 0) {
            return (int) nominal;
        }
        long min = Math.max(1, dictSize / 2);
        long n = Math.max(1, ceilDiv(totalSize, nominal));
        if (n % 2 == 1 && totalSize / (n + 1) >= min) {
            n++;
        }
        return (int) Math.max(min, ceilDiv(totalSize, n));
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    @Override
    protected Callable<Block> encoder(byte[] data, int size) {
        return () -> compress(data, size);
    }

    @Override
    protected void emit(Block block) throws IOException {
        out.write(block.bytes());
        writeVli(index, block.unpaddedSize());
        writeVli(index, block.uncompressedSize());
        records++;
    }

    @Override
    protected void writeTrailer() throws IOException {
        writeIndexAndFooter();
    }

    /** Block header, LZMA2 data, padding and CRC32 check of one block. */
    private Block compress(byte[] data, int size) throws IOException {
        byte[] payload = encoder.encode(data, size);

        ByteArrayOutputStream header = new ByteArrayOutputStream(32);
        header.write(0); // size, filled in below
        header.write(0x40 | 0x80); // one filter; compressed and uncompressed sizes present
        writeVli(header, payload.length);
        writeVli(header, size);
        writeVli(header, LZMA2_FILTER_ID);
        writeVli(header, 1); // size of the filter properties
        header.write(dictSizeProperty(encoder.dictSize()));
        while ((header.size() + 4) % 4 != 0) {
            header.write(0);
        }
        byte[] h = header.toByteArray();
        h[0] = (byte) ((h.length + 4) / 4 - 1);
        CRC32 crc = new CRC32();
        crc.update(h);

        ByteArrayOutputStream block = new ByteArrayOutputStream(h.length + payload.length + 12);
        block.write(h);
        writeInt32(block, crc.getValue());
        block.write(payload);
        for (int pad = (4 - payload.length % 4) % 4; pad > 0; pad--) {
            block.write(0);
        }
        CRC32 check = new CRC32();
        check.update(data, 0, size);
        writeInt32(block, check.getValue());
        long unpadded = h.length + 4L + payload.length + CHECK_SIZE;
        return new Block(block.toByteArray(), unpadded, size);
    }

    private void writeStreamHeader() throws IOException {
        out.write(HEADER_MAGIC);
        byte[] flags = {0, CHECK_CRC32};
        out.write(flags);
        CRC32 crc = new CRC32();
        crc.update(flags);
        writeInt32(out, crc.getValue());
    }

    private void writeIndexAndFooter() throws IOException {
        ByteArrayOutputStream idx = new ByteArrayOutputStream(index.size() + 16);
        idx.write(0); // index indicator
        writeVli(idx, records);
        index.writeTo(idx);
        while (idx.size() % 4 != 0) {
            idx.write(0);
        }
        CRC32 crc = new CRC32();
        crc.update(idx.toByteArray());
        writeInt32(idx, crc.getValue());
        byte[] indexBytes = idx.toByteArray();
        out.write(indexBytes);

        ByteArrayOutputStream footer = new ByteArrayOutputStream(12);
        writeInt32(footer, indexBytes.length / 4 - 1); // backward size
        footer.write(0);
        footer.write(CHECK_CRC32);
        byte[] f = footer.toByteArray();
        CRC32 fcrc = new CRC32();
        fcrc.update(f);
        writeInt32(out, fcrc.getValue());
        out.write(f);
        out.write(FOOTER_MAGIC);
    }

    /** The LZMA2 dictionary-size property byte: the smallest encoded size not below {@code dictSize}. */
    static int dictSizeProperty(int dictSize) {
        for (int p = 0; p < 40; p++) {
            long size = (2L | (p & 1)) << (p / 2 + 11);
            if (size >= dictSize) {
                return p;
            }
        }
        return 40;
    }

    private static void writeVli(OutputStream o, long v) throws IOException {
        while (v >= 0x80) {
            o.write((int) (v & 0x7F) | 0x80);
            v >>>= 7;
        }
        o.write((int) v);
    }

    private static void writeInt32(OutputStream o, long v) throws IOException {
        o.write((int) v);
        o.write((int) (v >>> 8));
        o.write((int) (v >>> 16));
        o.write((int) (v >>> 24));
    }
}
