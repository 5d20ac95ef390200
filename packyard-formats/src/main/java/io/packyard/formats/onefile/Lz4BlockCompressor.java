package io.packyard.formats.onefile;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * An LZ4 block compressor (the block format of lz4's {@code doc/lz4_Block_format.md}), with a
 * hash-chain match finder and lazy matching in the manner of LZ4HC: slower to compress than
 * LZ4's fast mode, about 20% smaller output, and the same decoding speed. The onefile stub
 * decodes these blocks.
 *
 * <p>Deterministic: the output depends only on the input and {@code maxAttempts}. Not
 * thread-safe; one instance per thread.
 */
public final class Lz4BlockCompressor {
    static final int MIN_MATCH = 4;
    /** The last 5 bytes of a block are always literals. */
    private static final int LAST_LITERALS = 5;
    /** The last match starts at least 12 bytes before the end of the block. */
    private static final int MF_LIMIT = 12;
    private static final int MAX_DISTANCE = 65535;
    private static final int HASH_LOG = 16;
    private static final int WINDOW_MASK = 0xFFFF;
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private final int maxAttempts;
    private final int[] head = new int[1 << HASH_LOG];
    private final int[] chain = new int[WINDOW_MASK + 1];
    private int nextInsert;
    private int base;

    /**
     * @param maxAttempts how many earlier positions with the same 4-byte hash are compared at
     *     each position (more: smaller output, slower compression)
     */
    public Lz4BlockCompressor(int maxAttempts) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be positive");
        }
        this.maxAttempts = maxAttempts;
    }

    /** The largest compressed size of {@code n} bytes. */
    public static int maxCompressedLength(int n) {
        return n + n / 255 + 16;
    }

    /**
     * Compresses {@code src[off, off + len)} into {@code dst} from index 0 and returns the
     * compressed length; {@code dst} holds at least {@link #maxCompressedLength(int)} bytes.
     */
    public int compress(byte[] src, int off, int len, byte[] dst) {
        java.util.Objects.checkFromIndexSize(off, len, src.length);
        if (dst.length < maxCompressedLength(len)) {
            throw new IllegalArgumentException("dst too small");
        }
        int end = off + len;
        int dp = 0;
        int anchor = off;
        if (len >= MF_LIMIT + 1) {
            Arrays.fill(head, Integer.MIN_VALUE);
            base = off;
            nextInsert = off;
            int mfLimit = end - MF_LIMIT;
            int matchLimit = end - LAST_LITERALS;
            int ip = off;
            while (ip <= mfLimit) {
                long m = bestMatch(src, ip, off, matchLimit);
                int ml = (int) (m >>> 32);
                if (ml < MIN_MATCH) {
                    ip++;
                    continue;
                }
                int ref = (int) m;
                // lazy matching: a longer match starting one byte later wins, that byte becoming a literal
                while (ip + 1 <= mfLimit) {
                    long m2 = bestMatch(src, ip + 1, off, matchLimit);
                    int ml2 = (int) (m2 >>> 32);
                    if (ml2 <= ml) {
                        break;
                    }
                    ip++;
                    ml = ml2;
                    ref = (int) m2;
                }
                dp = sequence(src, anchor, ip - anchor, ip - ref, ml, dst, dp);
                ip += ml;
                anchor = ip;
            }
        }
        return lastLiterals(src, anchor, end - anchor, dst, dp);
    }

    /** The longest earlier match at {@code ip}: length in the high 32 bits, position in the low. */
    private long bestMatch(byte[] src, int ip, int start, int matchLimit) {
        insertUpTo(src, ip);
        int first = (int) INT.get(src, ip);
        int ref = head[hash(first)];
        int lowest = Math.max(start, ip - MAX_DISTANCE);
        int best = MIN_MATCH - 1;
        int bestRef = 0;
        int maxLen = matchLimit - ip;
        for (int attempts = maxAttempts; attempts > 0 && ref >= lowest; attempts--) {
            if (src[ref + best] == src[ip + best] && (int) INT.get(src, ref) == first) {
                int mismatch = Arrays.mismatch(src, ip + MIN_MATCH, matchLimit, src, ref + MIN_MATCH,
                        ref + MIN_MATCH + (matchLimit - ip - MIN_MATCH));
                int l = mismatch < 0 ? maxLen : MIN_MATCH + mismatch;
                if (l > best) {
                    best = l;
                    bestRef = ref;
                    if (l == maxLen) {
                        break;
                    }
                }
            }
            ref = chain[ref & WINDOW_MASK];
        }
        return best >= MIN_MATCH ? ((long) best << 32) | (bestRef & 0xFFFFFFFFL) : 0;
    }

    private void insertUpTo(byte[] src, int ip) {
        for (int p = nextInsert; p < ip; p++) {
            int h = hash((int) INT.get(src, p));
            chain[p & WINDOW_MASK] = head[h];
            head[h] = p;
        }
        nextInsert = Math.max(nextInsert, ip);
    }

    private static int hash(int fourBytes) {
        return (fourBytes * -1640531535) >>> (32 - HASH_LOG);
    }

    private static int sequence(byte[] src, int lit, int litLen, int offset, int matchLen, byte[] dst, int dp) {
        int tokenPos = dp++;
        int token;
        if (litLen >= 15) {
            token = 15 << 4;
            dp = length(litLen - 15, dst, dp);
        } else {
            token = litLen << 4;
        }
        System.arraycopy(src, lit, dst, dp, litLen);
        dp += litLen;
        dst[dp++] = (byte) offset;
        dst[dp++] = (byte) (offset >>> 8);
        int ml = matchLen - MIN_MATCH;
        if (ml >= 15) {
            token |= 15;
            dp = length(ml - 15, dst, dp);
        } else {
            token |= ml;
        }
        dst[tokenPos] = (byte) token;
        return dp;
    }

    private static int lastLiterals(byte[] src, int lit, int litLen, byte[] dst, int dp) {
        if (litLen >= 15) {
            dst[dp++] = (byte) (15 << 4);
            dp = length(litLen - 15, dst, dp);
        } else {
            dst[dp++] = (byte) (litLen << 4);
        }
        System.arraycopy(src, lit, dst, dp, litLen);
        return dp + litLen;
    }

    private static int length(int rest, byte[] dst, int dp) {
        while (rest >= 255) {
            dst[dp++] = (byte) 255;
            rest -= 255;
        }
        dst[dp++] = (byte) rest;
        return dp;
    }
}
