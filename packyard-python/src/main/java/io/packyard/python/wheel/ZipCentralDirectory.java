package io.packyard.python.wheel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the central directory of a zip file for what {@link java.util.zip.ZipEntry} does not
 * expose: the host system that made each entry and its external attributes (the Unix mode).
 * Names are decoded as UTF-8, the way {@link java.util.zip.ZipFile} decodes them by default.
 */
final class ZipCentralDirectory {

    /** One central directory record. */
    record Record(String name, int madeBy, long externalAttributes) {

        /** The Unix mode (st_mode) when the entry was made on Unix, else 0. */
        int unixMode() {
            return (madeBy >> 8) == 3 ? (int) ((externalAttributes >>> 16) & 0xFFFF) : 0;
        }

        /** True when the entry was made on Unix with any executable bit set. */
        boolean executable() {
            return (unixMode() & 0111) != 0;
        }
    }

    private static final int EOCD = 0x06054b50;
    private static final int ZIP64_LOCATOR = 0x07064b50;
    private static final int ZIP64_EOCD = 0x06064b50;
    private static final int CEN = 0x02014b50;

    private ZipCentralDirectory() {}

    static List<Record> read(Path zip) throws IOException {
        try (FileChannel ch = FileChannel.open(zip, StandardOpenOption.READ)) {
            long size = ch.size();
            int tailLen = (int) Math.min(size, 22 + 65535);
            ByteBuffer tail = readAt(ch, size - tailLen, tailLen);
            int eocd = -1;
            for (int i = tailLen - 22; i >= 0; i--) {
                if (tail.getInt(i) == EOCD) {
                    eocd = i;
                    break;
                }
            }
            if (eocd < 0) {
                throw new IOException("not a zip file: end of central directory not found");
            }
            long entries = tail.getShort(eocd + 10) & 0xFFFFL;
            long cenSize = tail.getInt(eocd + 12) & 0xFFFFFFFFL;
            long cenOffset = tail.getInt(eocd + 16) & 0xFFFFFFFFL;
            long eocdPos = size - tailLen + eocd;
            if (entries == 0xFFFF || cenSize == 0xFFFFFFFFL || cenOffset == 0xFFFFFFFFL) {
                if (eocdPos >= 20) {
                    ByteBuffer loc = readAt(ch, eocdPos - 20, 20);
                    if (loc.getInt(0) == ZIP64_LOCATOR) {
                        long z64 = loc.getLong(8);
                        ByteBuffer rec = readAt(ch, z64, 56);
                        if (rec.getInt(0) != ZIP64_EOCD) {
                            throw new IOException("corrupt zip64 end of central directory");
                        }
                        entries = rec.getLong(32);
                        cenSize = rec.getLong(40);
                        cenOffset = rec.getLong(48);
                    }
                }
            }
            if (cenOffset + cenSize > size || cenSize > Integer.MAX_VALUE) {
                throw new IOException("corrupt central directory");
            }
            ByteBuffer cen = readAt(ch, cenOffset, (int) cenSize);
            List<Record> records = new ArrayList<>();
            int pos = 0;
            for (long i = 0; i < entries; i++) {
                if (pos + 46 > cen.limit() || cen.getInt(pos) != CEN) {
                    throw new IOException("corrupt central directory entry " + i);
                }
                int madeBy = cen.getShort(pos + 4) & 0xFFFF;
                int nameLen = cen.getShort(pos + 28) & 0xFFFF;
                int extraLen = cen.getShort(pos + 30) & 0xFFFF;
                int commentLen = cen.getShort(pos + 32) & 0xFFFF;
                long external = cen.getInt(pos + 38) & 0xFFFFFFFFL;
                if (pos + 46 + nameLen > cen.limit()) {
                    throw new IOException("corrupt central directory entry " + i);
                }
                byte[] name = new byte[nameLen];
                cen.get(pos + 46, name);
                records.add(new Record(new String(name, StandardCharsets.UTF_8), madeBy, external));
                pos += 46 + nameLen + extraLen + commentLen;
            }
            return records;
        }
    }

    private static ByteBuffer readAt(FileChannel ch, long position, int length) throws IOException {
        if (position < 0) {
            throw new IOException("corrupt zip file");
        }
        ByteBuffer buf = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (buf.hasRemaining()) {
            int n = ch.read(buf, position + buf.position());
            if (n < 0) {
                throw new IOException("unexpected end of zip file");
            }
        }
        buf.flip();
        return buf;
    }
}
