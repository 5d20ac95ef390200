package io.packyard.msi.cab;

import java.util.zip.Deflater;

/**
 * Encodes one CFDATA block. Pure function of (compression, level, data, dictionary): the same
 * inputs give the same bytes on any thread, which is what makes parallel compression reproducible.
 */
final class BlockEncoder {
    /** Uncompressed bytes per CFDATA block; MSZIP's window and frame size. */
    static final int BLOCK_SIZE = 32768;
    /** [MS-MCI]: an MSZIP block ("CK" included) is at most 32 KiB + 12 bytes. */
    static final int MAX_MSZIP_BLOCK = BLOCK_SIZE + 12;
    /** "CK" + one stored deflate block header (BFINAL/BTYPE byte, LEN, NLEN). */
    private static final int STORED_OVERHEAD = 2 + 5;

    private BlockEncoder() {}

    /** One encoded block: {@code payload[0, length)} is CFDATA.ab. */
    record Encoded(byte[] payload, int length, int uncompressedLength, int checksum) {}

    /** A block stored as it is (Compression.NONE); the data array becomes the payload. */
    static Encoded none(byte[] data, int len) {
        return new Encoded(data, len, len, CabChecksum.block(data, len, len));
    }

    /**
     * An MSZIP block: "CK" and a complete raw deflate stream (last block marked final) of
     * {@code data[0, len)}, with {@code dictionary} (the previous block's uncompressed data, or
     * null for the first block of a folder) as preset history. Falls back to a single stored
     * deflate block when deflate would not make the data smaller than that, which keeps every
     * block within MSZIP's 32 KiB + 12 bytes limit.
     */
    static Encoded mszip(Deflater deflater, byte[] data, int len, byte[] dictionary) {
        int storedLength = STORED_OVERHEAD + len;
        byte[] out = new byte[storedLength + 64];
        out[0] = 'C';
        out[1] = 'K';
        deflater.reset();
        if (dictionary != null) {
            deflater.setDictionary(dictionary, 0, dictionary.length);
        }
        deflater.setInput(data, 0, len);
        deflater.finish();
        int pos = 2;
        while (!deflater.finished() && pos < out.length) {
            int n = deflater.deflate(out, pos, out.length - pos);
            if (n == 0 && !deflater.finished()) {
                throw new IllegalStateException("deflate made no progress at output offset " + pos);
            }
            pos += n;
        }
        if (!deflater.finished() || pos >= storedLength) {
            pos = stored(out, data, len);
        }
        if (pos > MAX_MSZIP_BLOCK) {
            throw new IllegalStateException("MSZIP block of " + pos + " bytes exceeds " + MAX_MSZIP_BLOCK);
        }
        return new Encoded(out, pos, len, CabChecksum.block(out, pos, len));
    }

    /** Writes "CK" + one final stored deflate block of {@code data[0, len)} into {@code out}; returns its length. */
    private static int stored(byte[] out, byte[] data, int len) {
        out[0] = 'C';
        out[1] = 'K';
        out[2] = 0x01; // BFINAL = 1, BTYPE = 00 (no compression), padded to the byte boundary
        out[3] = (byte) len;
        out[4] = (byte) (len >>> 8);
        out[5] = (byte) ~len;
        out[6] = (byte) (~len >>> 8);
        System.arraycopy(data, 0, out, STORED_OVERHEAD, len);
        return STORED_OVERHEAD + len;
    }
}
