package io.packyard.msi.cab;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The CFDATA checksum ([MS-CAB] 2.5, CSUMCompute): XOR of the data read as little-endian 32-bit
 * words; the 1 to 3 bytes left over are packed with the FIRST of them in the HIGHEST position
 * (so the tail is not simply a short little-endian word). The block checksum is that of the
 * payload, then continued over the 4 bytes cbData, cbUncomp (both little-endian 16-bit).
 */
final class CabChecksum {
    private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private CabChecksum() {}

    /** CSUMCompute over {@code data[off, off + len)} starting from {@code seed}. */
    static int compute(byte[] data, int off, int len, int seed) {
        int csum = seed;
        int end = off + (len & ~3);
        int i = off;
        for (; i < end; i += 4) {
            csum ^= (int) INT_LE.get(data, i);
        }
        // the 1-3 trailing bytes, first byte highest: b0 << 16 | b1 << 8 | b2
        int tail = 0;
        for (int k = 0, rem = len & 3; k < rem; k++) {
            tail = (tail << 8) | (data[i + k] & 0xFF);
        }
        return csum ^ tail;
    }

    /** The CFDATA.csum of a block whose payload is {@code payload[0, cbData)} and expands to cbUncomp bytes. */
    static int block(byte[] payload, int cbData, int cbUncomp) {
        int dataSum = compute(payload, 0, cbData, 0);
        // the 4 header bytes cbData (LE16), cbUncomp (LE16) form exactly one little-endian word
        return dataSum ^ ((cbData & 0xFFFF) | ((cbUncomp & 0xFFFF) << 16));
    }
}
