package io.packyard.formats.zip;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Test helper: reads a ZIP file's records as written, without a ZIP library (which would hide
 * what the headers hold): the end records and every central and local header.
 */
final class ZipStructure {
    private ZipStructure() {}

    /** A central directory header and the local header it points to. */
    record Entry(String name, int madeBy, int versionNeeded, int flags, int method, int dosTime, int dosDate, long crc,
            long compressedSize, long size, int externalAttributes, long offset, byte[] centralExtra,
            int localVersionNeeded, int localFlags, int localMethod, int localDosTime, int localDosDate, long localCrc,
            long localCompressedSize, long localSize, byte[] localExtra) {}

    record Archive(List<Entry> entries, boolean zip64End, long entryCount, byte[] comment) {}

    static Archive read(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        int eocd = -1;
        for (int i = b.limit() - 22; i >= Math.max(0, b.limit() - 22 - 65535); i--) {
            if (b.getInt(i) == 0x06054b50) {
                eocd = i;
                break;
            }
        }
        if (eocd < 0) {
            throw new IOException("no end of central directory record");
        }
        long count = b.getShort(eocd + 10) & 0xFFFF;
        long cdOffset = b.getInt(eocd + 16) & 0xFFFFFFFFL;
        int commentLength = b.getShort(eocd + 20) & 0xFFFF;
        byte[] comment = new byte[commentLength];
        b.get(eocd + 22, comment);
        boolean zip64 = eocd >= 20 && b.getInt(eocd - 20) == 0x07064b50;
        if (zip64) {
            int z = (int) b.getLong(eocd - 20 + 8);
            if (b.getInt(z) != 0x06064b50) {
                throw new IOException("zip64 locator points to no zip64 end record");
            }
            count = b.getLong(z + 32);
            cdOffset = b.getLong(z + 48);
        }
        List<Entry> out = new ArrayList<>();
        int p = (int) cdOffset;
        for (long i = 0; i < count; i++) {
            if (b.getInt(p) != 0x02014b50) {
                throw new IOException("no central header at " + p);
            }
            int nameLen = b.getShort(p + 28) & 0xFFFF;
            int extraLen = b.getShort(p + 30) & 0xFFFF;
            int commentLen = b.getShort(p + 32) & 0xFFFF;
            byte[] name = new byte[nameLen];
            b.get(p + 46, name);
            byte[] extra = new byte[extraLen];
            b.get(p + 46 + nameLen, extra);
            long size = b.getInt(p + 24) & 0xFFFFFFFFL;
            long csize = b.getInt(p + 20) & 0xFFFFFFFFL;
            long offset = b.getInt(p + 42) & 0xFFFFFFFFL;
            if (extraLen >= 4 && (extra[0] == 1 && extra[1] == 0)) {
                ByteBuffer x = ByteBuffer.wrap(extra, 4, extraLen - 4).order(ByteOrder.LITTLE_ENDIAN);
                if (size == 0xFFFFFFFFL) {
                    size = x.getLong();
                }
                if (csize == 0xFFFFFFFFL) {
                    csize = x.getLong();
                }
                if (offset == 0xFFFFFFFFL) {
                    offset = x.getLong();
                }
            }
            int l = (int) offset;
            if (b.getInt(l) != 0x04034b50) {
                throw new IOException("no local header at " + l);
            }
            int lNameLen = b.getShort(l + 26) & 0xFFFF;
            int lExtraLen = b.getShort(l + 28) & 0xFFFF;
            byte[] lExtra = new byte[lExtraLen];
            b.get(l + 30 + lNameLen, lExtra);
            long lSize = b.getInt(l + 22) & 0xFFFFFFFFL;
            long lCsize = b.getInt(l + 18) & 0xFFFFFFFFL;
            if (lExtraLen >= 20 && lExtra[0] == 1 && lExtra[1] == 0) {
                ByteBuffer x = ByteBuffer.wrap(lExtra, 4, 16).order(ByteOrder.LITTLE_ENDIAN);
                lSize = x.getLong();
                lCsize = x.getLong();
            }
            out.add(new Entry(new String(name, StandardCharsets.UTF_8),
                    b.getShort(p + 4) & 0xFFFF, b.getShort(p + 6) & 0xFFFF, b.getShort(p + 8) & 0xFFFF,
                    b.getShort(p + 10) & 0xFFFF, b.getShort(p + 12) & 0xFFFF, b.getShort(p + 14) & 0xFFFF,
                    b.getInt(p + 16) & 0xFFFFFFFFL, csize, size, b.getInt(p + 38), offset, extra,
                    b.getShort(l + 4) & 0xFFFF, b.getShort(l + 6) & 0xFFFF, b.getShort(l + 8) & 0xFFFF,
                    b.getShort(l + 10) & 0xFFFF, b.getShort(l + 12) & 0xFFFF, b.getInt(l + 14) & 0xFFFFFFFFL,
                    lCsize, lSize, lExtra));
            p += 46 + nameLen + extraLen + commentLen;
        }
        return new Archive(out, zip64, count, comment);
    }
}
