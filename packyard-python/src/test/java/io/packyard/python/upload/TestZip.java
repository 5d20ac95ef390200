package io.packyard.python.upload;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Writes zip files byte by byte, the way Python's zipfile does for a seekable file (no data
 * descriptors), with hooks to break any field: tests craft malformed archives with it.
 */
final class TestZip {

    /** One member; the public fields can be altered before {@link #toBytes()} to craft defects. */
    static final class Member {
        String name;
        byte[] nameBytes;
        byte[] stored; // the bytes written as data (compressed if method 8)
        int method;
        int flags = 0x800;
        long crc;
        long size;
        long compressedSize;
        /** Overrides for the local header only (null: same as the central directory). */
        Long localSize;
        Long localCompressedSize;
        Integer localFlags;
        byte[] centralComment = new byte[0];
        byte[] extra = new byte[0];
        int unixMode = 0100644;
        /** When set, the central directory record points here instead of the real local header. */
        Long offsetOverride;

        Member(String name, byte[] data, int method) {
            this.name = name;
            this.nameBytes = name.getBytes(StandardCharsets.UTF_8);
            this.method = method;
            CRC32 c = new CRC32();
            c.update(data);
            this.crc = c.getValue();
            this.size = data.length;
            this.stored = method == 8 ? deflate(data) : data.clone();
            this.compressedSize = stored.length;
        }
    }

    final List<Member> members = new ArrayList<>();
    byte[] prefix = new byte[0];
    byte[] trailer = new byte[0];
    byte[] eocdComment = new byte[0];
    /** Written between the last local entry and the central directory. */
    byte[] gap = new byte[0];
    /** Entries written in the central directory a second time (duplicates). */
    final List<Member> duplicateCentral = new ArrayList<>();

    Member add(String name, byte[] data) {
        Member m = new Member(name, data, 8);
        members.add(m);
        return m;
    }

    Member add(String name, String text) {
        return add(name, text.getBytes(StandardCharsets.UTF_8));
    }

    Member addStored(String name, byte[] data) {
        Member m = new Member(name, data, 0);
        members.add(m);
        return m;
    }

    Member member(String name) {
        for (Member m : members) {
            if (m.name.equals(name)) {
                return m;
            }
        }
        throw new IllegalArgumentException(name);
    }

    static byte[] deflate(byte[] data) {
        Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        d.setInput(data);
        d.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        while (!d.finished()) {
            int n = d.deflate(buf);
            out.write(buf, 0, n);
        }
        d.end();
        return out.toByteArray();
    }

    byte[] toBytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(prefix);
        List<Long> offsets = new ArrayList<>();
        for (Member m : members) {
            offsets.add((long) out.size());
            ByteBuffer h = le(30);
            h.putInt(0x04034b50).putShort((short) 20).putShort((short) (m.localFlags != null ? m.localFlags : m.flags))
                    .putShort((short) m.method).putShort((short) 0).putShort((short) 0x21)
                    .putInt((int) m.crc)
                    .putInt((int) (m.localCompressedSize != null ? m.localCompressedSize : m.compressedSize))
                    .putInt((int) (m.localSize != null ? m.localSize : m.size))
                    .putShort((short) m.nameBytes.length).putShort((short) m.extra.length);
            out.writeBytes(h.array());
            out.writeBytes(m.nameBytes);
            out.writeBytes(m.extra);
            out.writeBytes(m.stored);
        }
        out.writeBytes(gap);
        long cdStart = out.size();
        int records = 0;
        List<Member> all = new ArrayList<>(members);
        all.addAll(duplicateCentral);
        for (int i = 0; i < all.size(); i++) {
            Member m = all.get(i);
            long off = m.offsetOverride != null ? m.offsetOverride : offsets.get(members.indexOf(m));
            ByteBuffer c = le(46);
            c.putInt(0x02014b50).putShort((short) (0x0300 | 20)).putShort((short) 20).putShort((short) m.flags)
                    .putShort((short) m.method).putShort((short) 0).putShort((short) 0x21)
                    .putInt((int) m.crc).putInt((int) m.compressedSize).putInt((int) m.size)
                    .putShort((short) m.nameBytes.length).putShort((short) m.extra.length)
                    .putShort((short) m.centralComment.length).putShort((short) 0).putShort((short) 0)
                    .putInt(m.unixMode << 16).putInt((int) off);
            out.writeBytes(c.array());
            out.writeBytes(m.nameBytes);
            out.writeBytes(m.extra);
            out.writeBytes(m.centralComment);
            records++;
        }
        long cdSize = out.size() - cdStart;
        ByteBuffer e = le(22);
        e.putInt(0x06054b50).putShort((short) 0).putShort((short) 0).putShort((short) records)
                .putShort((short) records).putInt((int) cdSize).putInt((int) cdStart)
                .putShort((short) eocdComment.length);
        out.writeBytes(e.array());
        out.writeBytes(eocdComment);
        out.writeBytes(trailer);
        return out.toByteArray();
    }

    private static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }
}
