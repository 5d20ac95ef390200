package io.packyard.repository.yum;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An RPM header structure (the signature header or the main header): magic
 * {@code 8e ad e8 01}, four reserved bytes, the index entry count and data length (big-endian),
 * the 16-byte index entries (tag, type, offset, count) and the data store. Parsing checks the
 * bounds rpm checks; {@link #build} writes a signature header the way rpm does (region tag first,
 * its trailer at the end of the data, entries sorted by tag, data aligned by type).
 */
final class RpmHeader {
    static final int NULL = 0;
    static final int CHAR = 1;
    static final int INT8 = 2;
    static final int INT16 = 3;
    static final int INT32 = 4;
    static final int INT64 = 5;
    static final int STRING = 6;
    static final int BIN = 7;
    static final int STRING_ARRAY = 8;
    static final int I18NSTRING = 9;

    static final int HEADER_SIGNATURES = 62;
    static final int HEADER_IMMUTABLE = 63;

    private static final byte[] MAGIC = {(byte) 0x8e, (byte) 0xad, (byte) 0xe8, 0x01};
    /** rpm's limits: at most 0xffff entries, 256 MiB of data. */
    private static final int MAX_ENTRIES = 0xffff;
    private static final int MAX_DATA = 256 << 20;

    /** An index entry. */
    record Entry(int tag, int type, int offset, int count) {}

    private final byte[] bytes;
    private final int dataStart;
    private final int dataLength;
    private final Map<Integer, Entry> entries;
    private final List<Entry> order;

    private RpmHeader(byte[] bytes, int dataStart, int dataLength, List<Entry> order) {
        this.bytes = bytes;
        this.dataStart = dataStart;
        this.dataLength = dataLength;
        this.order = List.copyOf(order);
        this.entries = new LinkedHashMap<>();
        for (Entry e : order) {
            entries.putIfAbsent(e.tag(), e);
        }
    }

    /** Reads the 16-byte intro and returns the total length of the header structure that starts with it. */
    static long lengthFromIntro(byte[] intro) {
        if (intro.length < 16 || !startsWithMagic(intro)) {
            throw new IllegalArgumentException("bad header magic");
        }
        ByteBuffer b = ByteBuffer.wrap(intro);
        long il = Integer.toUnsignedLong(b.getInt(8));
        long dl = Integer.toUnsignedLong(b.getInt(12));
        if (il < 1 || il > MAX_ENTRIES || dl > MAX_DATA) {
            throw new IllegalArgumentException("header size out of range (" + il + " entries, " + dl + " bytes of data)");
        }
        return 16 + il * 16 + dl;
    }

    private static boolean startsWithMagic(byte[] b) {
        return b[0] == MAGIC[0] && b[1] == MAGIC[1] && b[2] == MAGIC[2] && b[3] == MAGIC[3];
    }

    /** Parses a whole header structure ({@link #lengthFromIntro} bytes). */
    static RpmHeader parse(byte[] bytes) {
        if (bytes.length < 16 || !startsWithMagic(bytes)) {
            throw new IllegalArgumentException("bad header magic");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        int il = b.getInt(8);
        int dl = b.getInt(12);
        if (il < 1 || il > MAX_ENTRIES || dl < 0 || dl > MAX_DATA || bytes.length != 16 + il * 16 + dl) {
            throw new IllegalArgumentException("header size out of range");
        }
        int dataStart = 16 + il * 16;
        List<Entry> list = new ArrayList<>(il);
        for (int i = 0; i < il; i++) {
            int p = 16 + i * 16;
            Entry e = new Entry(b.getInt(p), b.getInt(p + 4), b.getInt(p + 8), b.getInt(p + 12));
            if (e.type() < NULL || e.type() > I18NSTRING || e.offset() < 0 || e.offset() > dl || e.count() < 0 || e.count() > MAX_DATA) {
                throw new IllegalArgumentException("index entry " + i + " (tag " + e.tag() + ") out of range");
            }
            list.add(e);
        }
        RpmHeader h = new RpmHeader(bytes, dataStart, dl, list);
        for (Entry e : list) {
            if (e.tag() != HEADER_SIGNATURES && e.tag() != HEADER_IMMUTABLE && h.dataEnd(e) > dl) {
                throw new IllegalArgumentException("data of tag " + e.tag() + " runs past the header");
            }
        }
        return h;
    }

    byte[] bytes() {
        return bytes;
    }

    List<Entry> entries() {
        return order;
    }

    boolean has(int tag) {
        return entries.containsKey(tag);
    }

    /** The first entry is the region tag {@code tag} (rpm v4 headers: 63 main, 62 signature). */
    boolean hasRegion(int tag) {
        return !order.isEmpty() && order.get(0).tag() == tag && order.get(0).type() == BIN && order.get(0).count() == 16;
    }

    /** The offset in the data store just after an entry's data. */
    private int dataEnd(Entry e) {
        int p = e.offset();
        return switch (e.type()) {
            case NULL -> p;
            case CHAR, INT8, BIN -> p + e.count();
            case INT16 -> p + 2 * e.count();
            case INT32 -> p + 4 * e.count();
            case INT64 -> p + 8 * e.count();
            case STRING -> stringEnd(p) + 1;
            case STRING_ARRAY, I18NSTRING -> {
                int q = p;
                for (int i = 0; i < e.count(); i++) {
                    q = stringEnd(q) + 1;
                }
                yield q;
            }
            default -> throw new IllegalArgumentException("unknown type " + e.type());
        };
    }

    private int stringEnd(int p) {
        int q = p;
        while (q < dataLength && bytes[dataStart + q] != 0) {
            q++;
        }
        if (q >= dataLength) {
            throw new IllegalArgumentException("unterminated string in header");
        }
        return q;
    }

    /** The raw bytes of an entry's data. */
    byte[] raw(Entry e) {
        int end = dataEnd(e);
        byte[] out = new byte[end - e.offset()];
        System.arraycopy(bytes, dataStart + e.offset(), out, 0, out.length);
        return out;
    }

    /** A STRING or the first of a STRING_ARRAY / I18NSTRING; null when absent. */
    String string(int tag) {
        Entry e = entries.get(tag);
        if (e == null || !(e.type() == STRING || e.type() == STRING_ARRAY || e.type() == I18NSTRING) || e.count() < 1) {
            return null;
        }
        int end = stringEnd(e.offset());
        return new String(bytes, dataStart + e.offset(), end - e.offset(), StandardCharsets.UTF_8);
    }

    /** All strings of a STRING_ARRAY (or the one STRING); empty when absent. */
    List<String> strings(int tag) {
        Entry e = entries.get(tag);
        List<String> out = new ArrayList<>();
        if (e == null) {
            return out;
        }
        if (e.type() == STRING) {
            out.add(string(tag));
            return out;
        }
        if (e.type() != STRING_ARRAY && e.type() != I18NSTRING) {
            throw new IllegalArgumentException("tag " + tag + " is not a string array");
        }
        int p = e.offset();
        for (int i = 0; i < e.count(); i++) {
            int end = stringEnd(p);
            out.add(new String(bytes, dataStart + p, end - p, StandardCharsets.UTF_8));
            p = end + 1;
        }
        return out;
    }

    /** Integers of an INT8/16/32/64 entry (unsigned for 8, 16 and 32 bits); empty when absent. */
    long[] numbers(int tag) {
        Entry e = entries.get(tag);
        if (e == null) {
            return new long[0];
        }
        ByteBuffer b = ByteBuffer.wrap(bytes, 0, bytes.length);
        long[] out = new long[e.count()];
        int base = dataStart + e.offset();
        for (int i = 0; i < e.count(); i++) {
            out[i] = switch (e.type()) {
                case CHAR, INT8 -> bytes[base + i] & 0xffL;
                case INT16 -> b.getShort(base + 2 * i) & 0xffffL;
                case INT32 -> Integer.toUnsignedLong(b.getInt(base + 4 * i));
                case INT64 -> b.getLong(base + 8 * i);
                default -> throw new IllegalArgumentException("tag " + tag + " is not numeric");
            };
        }
        return out;
    }

    /** The first integer of a numeric entry, or null when absent. */
    Long number(int tag) {
        long[] n = numbers(tag);
        return n.length == 0 ? null : n[0];
    }

    byte[] binary(int tag) {
        Entry e = entries.get(tag);
        return e == null ? null : raw(e);
    }

    /** An entry to write: tag, type, count and its encoded data. */
    record NewEntry(int tag, int type, int count, byte[] data) {
        static NewEntry bin(int tag, byte[] data) {
            return new NewEntry(tag, BIN, data.length, data);
        }

        static NewEntry string(int tag, String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            byte[] d = new byte[b.length + 1];
            System.arraycopy(b, 0, d, 0, b.length);
            return new NewEntry(tag, STRING, 1, d);
        }
    }

    /**
     * Writes a header with region {@code regionTag}: the region entry first, then {@code list}
     * sorted by tag, data aligned as rpm aligns it (INT16 to 2, INT32 to 4, INT64 to 8 bytes) and
     * the 16-byte region trailer last.
     */
    static byte[] build(int regionTag, List<NewEntry> list) {
        List<NewEntry> sorted = new ArrayList<>(list);
        sorted.sort(Comparator.comparingInt(NewEntry::tag));
        int il = sorted.size() + 1;
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        int[] offsets = new int[sorted.size()];
        for (int i = 0; i < sorted.size(); i++) {
            NewEntry e = sorted.get(i);
            int align = switch (e.type()) {
                case INT16 -> 2;
                case INT32 -> 4;
                case INT64 -> 8;
                default -> 1;
            };
            while (data.size() % align != 0) {
                data.write(0);
            }
            offsets[i] = data.size();
            data.writeBytes(e.data());
        }
        int trailerOffset = data.size();
        ByteBuffer trailer = ByteBuffer.allocate(16);
        trailer.putInt(regionTag).putInt(BIN).putInt(-(il * 16)).putInt(16);
        data.writeBytes(trailer.array());
        byte[] d = data.toByteArray();
        ByteBuffer out = ByteBuffer.allocate(16 + il * 16 + d.length);
        out.put(MAGIC).putInt(0).putInt(il).putInt(d.length);
        out.putInt(regionTag).putInt(BIN).putInt(trailerOffset).putInt(16);
        for (int i = 0; i < sorted.size(); i++) {
            NewEntry e = sorted.get(i);
            out.putInt(e.tag()).putInt(e.type()).putInt(offsets[i]).putInt(e.count());
        }
        out.put(d);
        return out.array();
    }
}
