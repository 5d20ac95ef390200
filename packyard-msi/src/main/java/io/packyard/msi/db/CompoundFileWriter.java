package io.packyard.msi.db;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * A write-once compound file (MS-CFB, version 3, 512-byte sectors) with one root storage holding
 * streams, written sequentially to an {@link OutputStream}.
 *
 * <p>Why not Apache POI's POIFS: POI builds the whole file in a heap buffer (a 300 MB cabinet took
 * 1.3 GB of memory and 9 s) or, file-backed, memory-maps every 512-byte sector separately (6 s for
 * 50 MB, and past vm.max_map_count for large files), and it logs through log4j-api, which prints
 * an error on stderr when no provider is configured. This writer plans the whole layout first (all
 * sizes are known), then streams each stream's content once from its source. POI's reader is used
 * by the tests as an independent check, together with libgsf (msitools) and Wine's ole32.
 *
 * <p>Layout, fully determined by the names and sizes: header; regular streams (4096 bytes and more)
 * each in consecutive sectors, in directory order; the mini stream (small streams in 64-byte mini
 * sectors); the mini FAT; the directory; the FAT; the DIFAT sectors beyond the header's 109
 * entries. Timestamps in directory entries are zero. Directory siblings form a balanced binary
 * tree ordered as the format requires (shorter names first, then by upper-cased UTF-16 units), the
 * deepest level red and all others black, which satisfies the red-black invariants.
 */
final class CompoundFileWriter {

    static final int SECTOR = 512;
    static final int MINI_SECTOR = 64;
    static final int MINI_CUTOFF = 4096;
    static final int FREESECT = 0xFFFFFFFF;
    static final int ENDOFCHAIN = 0xFFFFFFFE;
    static final int FATSECT = 0xFFFFFFFD;
    static final int DIFSECT = 0xFFFFFFFC;
    static final int NOSTREAM = 0xFFFFFFFF;
    private static final int HEADER_DIFAT = 109;
    private static final int PER_SECTOR = SECTOR / 4;

    /** A stream to write: its entry name (already encoded), its size and content. */
    record Entry(String name, long size, BinaryValue content) {
    }

    private final byte[] rootClsid;
    private final List<Entry> entries = new ArrayList<>();

    /** @param rootClsid the 16-byte CLSID of the root storage, in its on-disk byte order */
    CompoundFileWriter(byte[] rootClsid) {
        this.rootClsid = rootClsid.clone();
    }

    void add(String name, BinaryValue content) throws IOException {
        if (name.isEmpty() || name.length() > 31) {
            throw new IllegalArgumentException("compound file entry name must have 1 to 31 UTF-16 units: " + name.length());
        }
        long size = content.size();
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("stream " + StreamNames.decode(name) + " is " + size
                    + " bytes; a Windows Installer package holds at most 2 GiB per stream");
        }
        entries.add(new Entry(name, size, content));
    }

    /** The order siblings are compared in: name length first, then upper-cased UTF-16 units. */
    static int compareNames(String a, String b) {
        if (a.length() != b.length()) {
            return Integer.compare(a.length(), b.length());
        }
        for (int i = 0; i < a.length(); i++) {
            char x = Character.toUpperCase(a.charAt(i));
            char y = Character.toUpperCase(b.charAt(i));
            if (x != y) {
                return Integer.compare(x, y);
            }
        }
        return 0;
    }

    void write(OutputStream out) throws IOException {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparing(Entry::name, CompoundFileWriter::compareNames));
        for (int i = 1; i < sorted.size(); i++) {
            if (compareNames(sorted.get(i - 1).name(), sorted.get(i).name()) == 0) {
                throw new IllegalArgumentException("two streams have the same name (ignoring case): "
                        + StreamNames.decode(sorted.get(i).name()));
            }
        }
        int n = sorted.size();

        // --- plan the sectors
        int next = 0;
        int[] start = new int[n];
        long miniSize = 0;
        int[] miniStart = new int[n];
        for (int i = 0; i < n; i++) {
            Entry e = sorted.get(i);
            if (e.size() >= MINI_CUTOFF) {
                start[i] = next;
                next += sectors(e.size(), SECTOR);
            } else if (e.size() > 0) {
                miniStart[i] = (int) (miniSize / MINI_SECTOR);
                start[i] = miniStart[i];
                miniSize += (long) sectors(e.size(), MINI_SECTOR) * MINI_SECTOR;
            } else {
                start[i] = ENDOFCHAIN;
            }
        }
        int miniStreamStart = miniSize > 0 ? next : ENDOFCHAIN;
        int miniStreamSectors = sectors(miniSize, SECTOR);
        next += miniStreamSectors;
        int miniSectorCount = (int) (miniSize / MINI_SECTOR);
        int miniFatSectors = sectors((long) miniSectorCount * 4, SECTOR);
        int miniFatStart = miniFatSectors > 0 ? next : ENDOFCHAIN;
        next += miniFatSectors;
        int dirEntries = n + 1;
        int dirSectors = sectors((long) dirEntries * 128, SECTOR);
        int dirStart = next;
        next += dirSectors;
        int fatSectors = 0;
        int difatSectors = 0;
        while (true) {
            int total = next + fatSectors + difatSectors;
            int needFat = sectors((long) total * 4, SECTOR);
            int needDifat = needFat > HEADER_DIFAT ? sectors(needFat - HEADER_DIFAT, PER_SECTOR - 1) : 0;
            if (needFat == fatSectors && needDifat == difatSectors) {
                break;
            }
            fatSectors = needFat;
            difatSectors = needDifat;
        }
        int fatStart = next;
        int difatStart = fatStart + fatSectors;

        // --- header
        ByteBuffer h = le(SECTOR);
        h.putLong(0xE11AB1A1E011CFD0L); // D0 CF 11 E0 A1 B1 1A E1
        h.put(new byte[16]);
        h.putShort((short) 0x003E);
        h.putShort((short) 0x0003);
        h.putShort((short) 0xFFFE);
        h.putShort((short) 9);
        h.putShort((short) 6);
        h.put(new byte[6]);
        h.putInt(0); // directory sectors (0 in version 3)
        h.putInt(fatSectors);
        h.putInt(dirStart);
        h.putInt(0); // transaction signature
        h.putInt(MINI_CUTOFF);
        h.putInt(miniFatStart);
        h.putInt(miniFatSectors);
        h.putInt(difatSectors > 0 ? difatStart : ENDOFCHAIN);
        h.putInt(difatSectors);
        for (int i = 0; i < HEADER_DIFAT; i++) {
            h.putInt(i < fatSectors ? fatStart + i : FREESECT);
        }
        out.write(h.array());

        // --- regular streams
        byte[] buf = new byte[64 * 1024];
        for (Entry e : sorted) {
            if (e.size() >= MINI_CUTOFF) {
                copy(e, out, buf);
                pad(out, e.size(), SECTOR);
            }
        }
        // --- mini stream
        if (miniSize > 0) {
            for (Entry e : sorted) {
                if (e.size() > 0 && e.size() < MINI_CUTOFF) {
                    copy(e, out, buf);
                    pad(out, e.size(), MINI_SECTOR);
                }
            }
            pad(out, miniSize, SECTOR);
        }
        // --- mini FAT
        if (miniFatSectors > 0) {
            ByteBuffer mf = freeTable(miniFatSectors * SECTOR);
            for (int i = 0; i < n; i++) {
                Entry e = sorted.get(i);
                if (e.size() > 0 && e.size() < MINI_CUTOFF) {
                    chain(mf, miniStart[i], sectors(e.size(), MINI_SECTOR));
                }
            }
            out.write(mf.array());
        }
        // --- directory
        ByteBuffer d = le(dirSectors * SECTOR);
        int[] left = new int[n];
        int[] right = new int[n];
        boolean[] red = new boolean[n];
        Arrays.fill(left, NOSTREAM);
        Arrays.fill(right, NOSTREAM);
        int rootChild = n == 0 ? NOSTREAM : tree(0, n - 1, 0, depthOf(n), left, right, red);
        if (rootChild != NOSTREAM) {
            red[rootChild] = false;
        }
        directoryEntry(d, "Root Entry", 5, false, NOSTREAM, NOSTREAM, rootChild == NOSTREAM ? NOSTREAM : rootChild + 1, rootClsid, miniStreamStart, miniSize);
        for (int i = 0; i < n; i++) {
            Entry e = sorted.get(i);
            int l = left[i] == NOSTREAM ? NOSTREAM : left[i] + 1;
            int r = right[i] == NOSTREAM ? NOSTREAM : right[i] + 1;
            directoryEntry(d, e.name(), 2, red[i], l, r, NOSTREAM, new byte[16], start[i], e.size());
        }
        while (d.hasRemaining()) {
            // unused entries: empty name, siblings and child NOSTREAM
            int base = d.position();
            d.put(new byte[64]);
            d.putShort((short) 0);
            d.put((byte) 0);
            d.put((byte) 0);
            d.putInt(NOSTREAM);
            d.putInt(NOSTREAM);
            d.putInt(NOSTREAM);
            d.position(base + 128);
        }
        out.write(d.array());
        // --- FAT
        ByteBuffer f = freeTable(fatSectors * SECTOR);
        for (int i = 0; i < n; i++) {
            Entry e = sorted.get(i);
            if (e.size() >= MINI_CUTOFF) {
                chain(f, start[i], sectors(e.size(), SECTOR));
            }
        }
        if (miniStreamSectors > 0) {
            chain(f, miniStreamStart, miniStreamSectors);
        }
        if (miniFatSectors > 0) {
            chain(f, miniFatStart, miniFatSectors);
        }
        chain(f, dirStart, dirSectors);
        for (int i = 0; i < fatSectors; i++) {
            f.putInt((fatStart + i) * 4, FATSECT);
        }
        for (int i = 0; i < difatSectors; i++) {
            f.putInt((difatStart + i) * 4, DIFSECT);
        }
        out.write(f.array());
        // --- DIFAT
        if (difatSectors > 0) {
            ByteBuffer x = le(difatSectors * SECTOR);
            int fat = HEADER_DIFAT;
            for (int s = 0; s < difatSectors; s++) {
                for (int k = 0; k < PER_SECTOR - 1; k++) {
                    x.putInt(fat < fatSectors ? fatStart + fat : FREESECT);
                    fat++;
                }
                x.putInt(s + 1 < difatSectors ? difatStart + s + 1 : ENDOFCHAIN);
            }
            out.write(x.array());
        }
    }

    /** Depth (0-based) of the deepest level of a midpoint-balanced tree of n nodes. */
    private static int depthOf(int n) {
        int depth = -1;
        while (n > 0) {
            depth++;
            n >>= 1;
        }
        return depth;
    }

    private static int tree(int lo, int hi, int depth, int maxDepth, int[] left, int[] right, boolean[] red) {
        if (lo > hi) {
            return NOSTREAM;
        }
        int mid = (lo + hi) >>> 1;
        left[mid] = tree(lo, mid - 1, depth + 1, maxDepth, left, right, red);
        right[mid] = tree(mid + 1, hi, depth + 1, maxDepth, left, right, red);
        red[mid] = depth == maxDepth && depth > 0;
        return mid;
    }

    private static void directoryEntry(ByteBuffer d, String name, int type, boolean red, int left, int right, int child,
            byte[] clsid, int start, long size) {
        int base = d.position();
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_16LE);
        d.put(nameBytes);
        d.position(base + 64);
        d.putShort((short) (nameBytes.length + 2));
        d.put((byte) type);
        d.put((byte) (red ? 0 : 1));
        d.putInt(left);
        d.putInt(right);
        d.putInt(child);
        d.put(clsid);
        d.putInt(0); // state bits
        d.putLong(0); // creation time
        d.putLong(0); // modification time
        d.putInt(start);
        d.putLong(size);
        d.position(base + 128);
    }

    private static void chain(ByteBuffer fat, int first, int count) {
        for (int i = 0; i < count; i++) {
            fat.putInt((first + i) * 4, i + 1 < count ? first + i + 1 : ENDOFCHAIN);
        }
    }

    /** A FAT or mini FAT buffer with every entry FREESECT. */
    private static ByteBuffer freeTable(int size) {
        byte[] b = new byte[size];
        Arrays.fill(b, (byte) 0xFF);
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static void copy(Entry e, OutputStream out, byte[] buf) throws IOException {
        long copied = 0;
        try (InputStream in = e.content().open()) {
            int r;
            while ((r = in.read(buf)) > 0) {
                if (copied + r > e.size()) {
                    throw new IOException("stream " + StreamNames.decode(e.name()) + ": source grew while writing (expected "
                            + e.size() + " bytes)");
                }
                out.write(buf, 0, r);
                copied += r;
            }
        }
        if (copied != e.size()) {
            throw new IOException("stream " + StreamNames.decode(e.name()) + ": source has " + copied + " bytes, expected "
                    + e.size());
        }
    }

    private static void pad(OutputStream out, long size, int unit) throws IOException {
        int rest = (int) (size % unit);
        if (rest != 0) {
            out.write(new byte[unit - rest]);
        }
    }

    private static int sectors(long bytes, int unit) {
        return Math.toIntExact((bytes + unit - 1) / unit);
    }

    private static ByteBuffer le(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }
}
