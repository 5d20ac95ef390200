package io.packyard.formats.onefile;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a onefile the way the stub does, independently of the writer's code: trailer, manifest,
 * and the data blocks decoded with a separate LZ4 decoder written from the block format
 * specification. Test support.
 */
final class OnefileReader {
    record Entry(int kind, int mode, String path, long size, long xxh64, String target) {}

    record Command(String name, String launcher) {}

    final byte[] file;
    final long manifestOffset;
    final long manifestLength;
    final long dataOffset;
    final long dataLength;
    final String id;
    final long mtime;
    final long total;
    final int blockSize;
    final int blocks;
    final String name;
    final String version;
    final String target;
    final List<Command> commands = new ArrayList<>();
    final List<Entry> entries = new ArrayList<>();
    /** Block i: its stored size and whether it was stored uncompressed. */
    final List<int[]> blockInfo = new ArrayList<>();

    OnefileReader(Path path) throws IOException {
        this(Files.readAllBytes(path));
    }

    OnefileReader(byte[] file) {
        this.file = file;
        ByteBuffer t = ByteBuffer.wrap(file, file.length - 48, 48).order(ByteOrder.LITTLE_ENDIAN);
        manifestOffset = t.getLong();
        manifestLength = t.getLong();
        dataOffset = t.getLong();
        dataLength = t.getLong();
        long manifestHash = t.getLong();
        byte[] magic = new byte[8];
        t.get(magic);
        if (!Arrays.equals(magic, "PKYONEF1".getBytes(StandardCharsets.US_ASCII))) {
            throw new IllegalArgumentException("no trailer magic");
        }
        if (XxHash64.hash(file, (int) manifestOffset, (int) manifestLength) != manifestHash) {
            throw new IllegalArgumentException("manifest hash mismatch");
        }
        ByteBuffer m = ByteBuffer.wrap(file, (int) manifestOffset, (int) manifestLength).order(ByteOrder.LITTLE_ENDIAN);
        byte[] mm = new byte[8];
        m.get(mm);
        if (!new String(mm, StandardCharsets.US_ASCII).equals("PKYMAN01") || m.getInt() != 1 || m.getInt() != 0) {
            throw new IllegalArgumentException("bad manifest header");
        }
        byte[] idBytes = new byte[16];
        m.get(idBytes);
        id = HexFormat.of().formatHex(idBytes);
        mtime = m.getLong();
        total = m.getLong();
        blockSize = m.getInt();
        blocks = m.getInt();
        int n = m.getInt();
        int ncommands = m.getInt();
        name = str(m);
        version = str(m);
        target = str(m);
        for (int i = 0; i < ncommands; i++) {
            commands.add(new Command(str(m), str(m)));
        }
        for (int i = 0; i < n; i++) {
            int kind = m.get();
            int mode = m.getInt();
            String path = str(m);
            long size = 0;
            long hash = 0;
            String tgt = null;
            if (kind == 2) {
                size = m.getLong();
                hash = m.getLong();
            } else if (kind == 3) {
                tgt = str(m);
            }
            entries.add(new Entry(kind, mode, path, size, hash, tgt));
        }
        if (m.hasRemaining()) {
            throw new IllegalArgumentException("bytes after the last manifest entry");
        }
    }

    private static String str(ByteBuffer b) {
        int len = Short.toUnsignedInt(b.getShort());
        byte[] s = new byte[len];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }

    /** The decoded data: every file's content by path, in manifest order. */
    Map<String, byte[]> files() {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        long pos = dataOffset;
        long left = total;
        blockInfo.clear();
        for (int i = 0; i < blocks; i++) {
            int raw = (int) Math.min(blockSize, left);
            int word = ByteBuffer.wrap(file, (int) pos, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
            int clen = word & 0x7FFFFFFF;
            boolean stored = (word & 0x80000000) != 0;
            blockInfo.add(new int[] {clen, stored ? 1 : 0});
            pos += 4;
            byte[] out = stored ? Arrays.copyOfRange(file, (int) pos, (int) pos + clen)
                    : decode(Arrays.copyOfRange(file, (int) pos, (int) pos + clen), raw);
            if (out.length != raw) {
                throw new IllegalArgumentException("block " + i + ": " + out.length + " bytes, expected " + raw);
            }
            all.writeBytes(out);
            pos += clen;
            left -= raw;
        }
        if (pos != dataOffset + dataLength) {
            throw new IllegalArgumentException("data length mismatch");
        }
        byte[] data = all.toByteArray();
        Map<String, byte[]> files = new LinkedHashMap<>();
        int at = 0;
        for (Entry e : entries) {
            if (e.kind() == 2) {
                files.put(e.path(), Arrays.copyOfRange(data, at, at + (int) e.size()));
                at += (int) e.size();
            }
        }
        return files;
    }

    /** An LZ4 block decoder, straight from lz4's doc/lz4_Block_format.md. */
    static byte[] decode(byte[] src, int expected) {
        byte[] dst = new byte[expected];
        int ip = 0;
        int op = 0;
        while (true) {
            int token = src[ip++] & 0xFF;
            int lit = token >>> 4;
            if (lit == 15) {
                int b;
                do {
                    b = src[ip++] & 0xFF;
                    lit += b;
                } while (b == 255);
            }
            System.arraycopy(src, ip, dst, op, lit);
            ip += lit;
            op += lit;
            if (ip == src.length) {
                break;
            }
            int offset = (src[ip] & 0xFF) | (src[ip + 1] & 0xFF) << 8;
            ip += 2;
            if (offset == 0 || offset > op) {
                throw new IllegalArgumentException("bad offset " + offset + " at output " + op);
            }
            int ml = token & 15;
            if (ml == 15) {
                int b;
                do {
                    b = src[ip++] & 0xFF;
                    ml += b;
                } while (b == 255);
            }
            ml += 4;
            for (int k = 0; k < ml; k++) {
                dst[op] = dst[op - offset];
                op++;
            }
        }
        if (op != expected) {
            throw new IllegalArgumentException("decoded " + op + " bytes, expected " + expected);
        }
        return dst;
    }
}
