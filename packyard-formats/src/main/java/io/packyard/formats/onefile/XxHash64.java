package io.packyard.formats.onefile;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * XXH64 with seed 0, as specified in xxHash's {@code doc/xxhash_spec.md}: the checksum the onefile
 * stub ({@code onefile/stub.c}) computes over every file it unpacks and over the manifest. Not a
 * cryptographic hash: it detects damage (a truncated download, a flipped byte), which is all the
 * stub needs it for; the cache directory is named by a SHA-256 digest.
 */
public final class XxHash64 {
    private static final long P1 = 0x9E3779B185EBCA87L;
    private static final long P2 = 0xC2B2AE3D27D4EB4FL;
    private static final long P3 = 0x165667B19E3779F9L;
    private static final long P4 = 0x85EBCA77C2B2AE63L;
    private static final long P5 = 0x27D4EB2F165667C5L;
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private long v1 = P1 + P2;
    private long v2 = P2;
    private long v3 = 0;
    private long v4 = -P1;
    private long total;
    private final byte[] mem = new byte[32];
    private int memSize;

    /** The hash of {@code data}. */
    public static long hash(byte[] data) {
        return hash(data, 0, data.length);
    }

    public static long hash(byte[] data, int off, int len) {
        XxHash64 h = new XxHash64();
        h.update(data, off, len);
        return h.digest();
    }

    public void update(byte[] b, int off, int len) {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        total += len;
        if (memSize + len < 32) {
            System.arraycopy(b, off, mem, memSize, len);
            memSize += len;
            return;
        }
        if (memSize > 0) {
            int k = 32 - memSize;
            System.arraycopy(b, off, mem, memSize, k);
            v1 = round(v1, (long) LONG.get(mem, 0));
            v2 = round(v2, (long) LONG.get(mem, 8));
            v3 = round(v3, (long) LONG.get(mem, 16));
            v4 = round(v4, (long) LONG.get(mem, 24));
            off += k;
            len -= k;
            memSize = 0;
        }
        long a = v1;
        long c = v2;
        long d = v3;
        long e = v4;
        int end = off + len - 32;
        while (off <= end) {
            a = round(a, (long) LONG.get(b, off));
            c = round(c, (long) LONG.get(b, off + 8));
            d = round(d, (long) LONG.get(b, off + 16));
            e = round(e, (long) LONG.get(b, off + 24));
            off += 32;
            len -= 32;
        }
        v1 = a;
        v2 = c;
        v3 = d;
        v4 = e;
        System.arraycopy(b, off, mem, 0, len);
        memSize = len;
    }

    /** The hash of everything given to {@link #update} so far (the state is not changed). */
    public long digest() {
        long h;
        if (total >= 32) {
            h = Long.rotateLeft(v1, 1) + Long.rotateLeft(v2, 7) + Long.rotateLeft(v3, 12) + Long.rotateLeft(v4, 18);
            h = merge(h, v1);
            h = merge(h, v2);
            h = merge(h, v3);
            h = merge(h, v4);
        } else {
            h = P5;
        }
        h += total;
        int p = 0;
        int n = memSize;
        while (n >= 8) {
            h = Long.rotateLeft(h ^ round(0, (long) LONG.get(mem, p)), 27) * P1 + P4;
            p += 8;
            n -= 8;
        }
        if (n >= 4) {
            h = Long.rotateLeft(h ^ (Integer.toUnsignedLong((int) INT.get(mem, p)) * P1), 23) * P2 + P3;
            p += 4;
            n -= 4;
        }
        while (n-- > 0) {
            h = Long.rotateLeft(h ^ ((mem[p++] & 0xFFL) * P5), 11) * P1;
        }
        h ^= h >>> 33;
        h *= P2;
        h ^= h >>> 29;
        h *= P3;
        h ^= h >>> 32;
        return h;
    }

    private static long round(long acc, long input) {
        return Long.rotateLeft(acc + input * P2, 31) * P1;
    }

    private static long merge(long acc, long v) {
        return (acc ^ round(0, v)) * P1 + P4;
    }
}
