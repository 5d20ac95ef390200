package io.packyard.python.upload;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A zip archive read the strict way an index must read uploads (PyPI's "Archive Formats" rules):
 * the file is exactly a run of local file entries, one central directory, an optional ZIP64 end
 * record with its locator, and the end record — no prepended or trailing data, no comments, no
 * gaps or overlapping entries (which is how "overlapping" zip bombs work), no data descriptors, no
 * encryption, only STORED and DEFLATED, every local header agreeing with its central directory
 * record, unique names, UTF-8 names without control characters, no duplicated ZIP64 or Unicode
 * path extras. So every zip reader (Python's {@code zipfile}, pip, a streaming reader, Java's
 * {@code ZipFile}) sees the same members.
 *
 * <p>{@link #open} inflates one member with hard bounds: never more bytes than declared, CRC-32
 * and size checked at the end, and every byte counted against an {@link InflationBudget}.
 */
final class StrictZip implements AutoCloseable {

    /** Raised for every violation; the message is a short reason. */
    static final class ZipRejected extends Exception {
        ZipRejected(String message) {
            super(message);
        }
    }

    /**
     * One member.
     *
     * @param name the path ('/'-separated; directories end in '/')
     * @param flags general purpose flags
     * @param method 0 (STORED) or 8 (DEFLATED)
     * @param crc the CRC-32 of the uncompressed data
     * @param compressedSize bytes stored
     * @param size bytes after inflation
     * @param dataOffset where the stored bytes start
     */
    record Entry(String name, int flags, int method, long crc, long compressedSize, long size, long localOffset,
            long dataOffset) {
        boolean isDirectory() {
            return name.endsWith("/");
        }
    }

    private static final int LOCAL = 0x04034b50;
    private static final int CENTRAL = 0x02014b50;
    private static final int EOCD = 0x06054b50;
    private static final int EOCD64 = 0x06064b50;
    private static final int EOCD64_LOCATOR = 0x07064b50;
    private static final long MAX32 = 0xFFFFFFFFL;

    private final FileChannel channel;
    private final long fileSize;
    private final List<Entry> entries;
    private final Map<String, Entry> byName;

    private StrictZip(FileChannel channel, long fileSize, List<Entry> entries) {
        this.channel = channel;
        this.fileSize = fileSize;
        this.entries = List.copyOf(entries);
        Map<String, Entry> m = new LinkedHashMap<>();
        for (Entry e : entries) {
            m.put(e.name(), e);
        }
        this.byName = m;
    }

    /** Reads and checks the archive structure (no member is inflated yet). */
    static StrictZip open(Path file, int maxMembers) throws ZipRejected, IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        try {
            StrictZip z = new StrictZip(ch, ch.size(), parse(ch, ch.size(), maxMembers));
            ch = null;
            return z;
        } finally {
            if (ch != null) {
                ch.close();
            }
        }
    }

    /** True when the file's tail holds an end-of-central-directory record a zip reader would accept. */
    static boolean looksLikeZip(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 22) {
                return false;
            }
            int tailLen = (int) Math.min(size, 22 + 65535);
            ByteBuffer tail = readAt(ch, size - tailLen, tailLen);
            for (int i = tailLen - 22; i >= 0; i--) {
                if (tail.getInt(i) == EOCD) {
                    int commentLen = tail.getShort(i + 20) & 0xFFFF;
                    if (i + 22 + commentLen <= tailLen) {
                        return true; // Python's zipfile.is_zipfile accepts this too
                    }
                }
            }
            return false;
        }
    }

    List<Entry> entries() {
        return entries;
    }

    Entry entry(String name) {
        return byName.get(name);
    }

    long fileSize() {
        return fileSize;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    private static List<Entry> parse(FileChannel ch, long size, int maxMembers) throws ZipRejected, IOException {
        if (size < 22) {
            throw new ZipRejected("File is not a zipfile");
        }
        // The end record must be the last 22 bytes: a comment after it is refused like trailing data.
        ByteBuffer eocd = readAt(ch, size - 22, 22);
        if (eocd.getInt(0) != EOCD) {
            throw new ZipRejected(looksLikeZip(ch, size) ? "Trailing data or comment after the end of the archive"
                    : "File is not a zipfile");
        }
        int disk = eocd.getShort(4) & 0xFFFF;
        int cdDisk = eocd.getShort(6) & 0xFFFF;
        long recordsOnDisk = eocd.getShort(8) & 0xFFFF;
        long records = eocd.getShort(10) & 0xFFFF;
        long cdSize = eocd.getInt(12) & MAX32;
        long cdOffset = eocd.getInt(16) & MAX32;
        long endOfCd = size - 22;
        boolean zip64 = records == 0xFFFF || recordsOnDisk == 0xFFFF || cdSize == MAX32 || cdOffset == MAX32;
        if (zip64) {
            if (size < 22 + 20 + 56) {
                throw new ZipRejected("Malformed zip file: ZIP64 end record missing");
            }
            ByteBuffer loc = readAt(ch, size - 22 - 20, 20);
            if (loc.getInt(0) != EOCD64_LOCATOR) {
                throw new ZipRejected("Malformed zip file: ZIP64 end record locator missing");
            }
            if (loc.getInt(4) != 0 || loc.getInt(16) != 1) {
                throw new ZipRejected("Multi-disk archives are not allowed");
            }
            long eocd64Offset = loc.getLong(8);
            if (eocd64Offset != size - 22 - 20 - 56) {
                throw new ZipRejected("Malformed zip file: data between the ZIP64 end record and its locator");
            }
            ByteBuffer e64 = readAt(ch, eocd64Offset, 56);
            if (e64.getInt(0) != EOCD64) {
                throw new ZipRejected("Malformed zip file: ZIP64 end record missing");
            }
            if (e64.getLong(4) != 44) {
                throw new ZipRejected("ZIP64 extensible data not allowed");
            }
            disk = e64.getInt(16);
            cdDisk = e64.getInt(20);
            recordsOnDisk = e64.getLong(24);
            records = e64.getLong(32);
            cdSize = e64.getLong(40);
            cdOffset = e64.getLong(48);
            endOfCd = eocd64Offset;
        } else if (size >= 42 && readAt(ch, size - 42, 4).getInt(0) == EOCD64_LOCATOR) {
            throw new ZipRejected("Malformed zip file: unexpected ZIP64 end record locator");
        }
        if (disk != 0 || cdDisk != 0 || recordsOnDisk != records) {
            throw new ZipRejected("Multi-disk archives are not allowed");
        }
        if (records > maxMembers) {
            throw new ZipRejected("Too many archive members (" + records + ", limit " + maxMembers + ")");
        }
        if (cdOffset < 0 || cdSize < 0 || cdOffset + cdSize != endOfCd) {
            throw new ZipRejected("Mismatched central directory offset or size");
        }
        if (cdSize > Integer.MAX_VALUE - 8 || cdSize < records * 46) {
            throw new ZipRejected("Mismatched central directory size");
        }

        // Central directory.
        ByteBuffer cd = readAt(ch, cdOffset, (int) cdSize);
        List<Entry> central = new ArrayList<>();
        List<byte[]> centralNames = new ArrayList<>();
        Set<String> names = new HashSet<>();
        int pos = 0;
        for (long i = 0; i < records; i++) {
            if (pos + 46 > cd.limit() || cd.getInt(pos) != CENTRAL) {
                throw new ZipRejected("Mismatched central directory records");
            }
            int flags = cd.getShort(pos + 8) & 0xFFFF;
            int method = cd.getShort(pos + 10) & 0xFFFF;
            long crc = cd.getInt(pos + 16) & MAX32;
            long csize = cd.getInt(pos + 20) & MAX32;
            long usize = cd.getInt(pos + 24) & MAX32;
            int nameLen = cd.getShort(pos + 28) & 0xFFFF;
            int extraLen = cd.getShort(pos + 30) & 0xFFFF;
            int commentLen = cd.getShort(pos + 32) & 0xFFFF;
            int diskStart = cd.getShort(pos + 34) & 0xFFFF;
            long localOffset = cd.getInt(pos + 42) & MAX32;
            if (pos + 46 + nameLen + extraLen + commentLen > cd.limit()) {
                throw new ZipRejected("Mismatched central directory size");
            }
            if (commentLen != 0) {
                throw new ZipRejected("Comment in central directory");
            }
            byte[] rawName = new byte[nameLen];
            cd.get(pos + 46, rawName);
            byte[] extra = new byte[extraLen];
            cd.get(pos + 46 + nameLen, extra);
            String name = decodeName(rawName, flags);
            long[] sizes = applyZip64(name, extra, usize, csize, localOffset, diskStart, true);
            usize = sizes[0];
            csize = sizes[1];
            localOffset = sizes[2];
            if (sizes[3] != 0) {
                throw new ZipRejected("Multi-disk archives are not allowed");
            }
            checkEntry(name, flags, method, csize, usize);
            if (!names.add(name)) {
                throw new ZipRejected("Duplicate filename in central directory: " + ArchivePaths.printable(name));
            }
            central.add(new Entry(name, flags, method, crc, csize, usize, localOffset, -1));
            centralNames.add(rawName);
            pos += 46 + nameLen + extraLen;
        }
        if (pos != cd.limit()) {
            throw new ZipRejected("Mismatched central directory size");
        }

        // Local entries: contiguous from offset 0 up to the central directory, in offset order.
        Integer[] order = new Integer[central.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingLong(i -> central.get(i).localOffset()));
        List<Entry> result = new ArrayList<>(central.size());
        Entry[] resolved = new Entry[central.size()];
        long expected = 0;
        for (int idx : order) {
            Entry c = central.get(idx);
            if (c.localOffset() != expected) {
                throw new ZipRejected(c.localOffset() < expected
                        ? "Overlapping archive members at " + ArchivePaths.printable(c.name())
                        : "Unreferenced data in the archive before " + ArchivePaths.printable(c.name()));
            }
            if (expected + 30 > cdOffset) {
                throw new ZipRejected("Missing local header for " + ArchivePaths.printable(c.name()));
            }
            ByteBuffer lh = readAt(ch, expected, 30);
            if (lh.getInt(0) != LOCAL) {
                throw new ZipRejected("Missing local header for " + ArchivePaths.printable(c.name()));
            }
            int flags = lh.getShort(6) & 0xFFFF;
            int method = lh.getShort(8) & 0xFFFF;
            long crc = lh.getInt(14) & MAX32;
            long csize = lh.getInt(18) & MAX32;
            long usize = lh.getInt(22) & MAX32;
            int nameLen = lh.getShort(26) & 0xFFFF;
            int extraLen = lh.getShort(28) & 0xFFFF;
            if (expected + 30 + nameLen + extraLen > cdOffset) {
                throw new ZipRejected("Malformed local header for " + ArchivePaths.printable(c.name()));
            }
            ByteBuffer ne = readAt(ch, expected + 30, nameLen + extraLen);
            byte[] rawName = new byte[nameLen];
            ne.get(0, rawName);
            byte[] extra = new byte[extraLen];
            ne.get(nameLen, extra);
            if (!Arrays.equals(rawName, centralNames.get(idx))) {
                throw new ZipRejected("Local header name differs from the central directory for "
                        + ArchivePaths.printable(c.name()));
            }
            if ((flags & 0x08) != 0) {
                throw new ZipRejected("ZIP contains a data descriptor (" + ArchivePaths.printable(c.name()) + ")");
            }
            // the bits that change how a member is read must agree (encryption, data descriptor,
            // strong encryption, UTF-8 names); deflate level hints (bits 1-2) may differ
            if ((flags & 0x0849) != (c.flags() & 0x0849)) {
                throw new ZipRejected("Local header flags differ from the central directory for "
                        + ArchivePaths.printable(c.name()));
            }
            if (method != c.method()) {
                throw new ZipRejected("Local header compression method differs from the central directory for "
                        + ArchivePaths.printable(c.name()));
            }
            long[] sizes = applyZip64(c.name(), extra, usize, csize, 0, 0, false);
            if (sizes[1] != c.compressedSize()) {
                throw new ZipRejected("Mis-matched data size for " + ArchivePaths.printable(c.name()));
            }
            if (sizes[0] != c.size()) {
                throw new ZipRejected("Mis-matched file size for " + ArchivePaths.printable(c.name()));
            }
            if (crc != c.crc()) {
                throw new ZipRejected("Mis-matched CRC-32 for " + ArchivePaths.printable(c.name()));
            }
            long dataOffset = expected + 30 + nameLen + extraLen;
            expected = dataOffset + c.compressedSize();
            if (expected > cdOffset) {
                throw new ZipRejected("Member data runs into the central directory: " + ArchivePaths.printable(c.name()));
            }
            resolved[idx] = new Entry(c.name(), c.flags(), c.method(), c.crc(), c.compressedSize(), c.size(),
                    c.localOffset(), dataOffset);
        }
        if (expected != cdOffset) {
            throw new ZipRejected("Unreferenced data before the central directory");
        }
        for (Entry e : resolved) {
            result.add(e);
        }
        return result;
    }

    private static boolean looksLikeZip(FileChannel ch, long size) throws IOException {
        int tailLen = (int) Math.min(size, 22 + 65535);
        ByteBuffer tail = readAt(ch, size - tailLen, tailLen);
        for (int i = tailLen - 22; i >= 0; i--) {
            if (tail.getInt(i) == EOCD) {
                return true;
            }
        }
        return false;
    }

    private static void checkEntry(String name, int flags, int method, long csize, long usize) throws ZipRejected {
        if ((flags & 0x01) != 0 || (flags & 0x40) != 0 || (flags & 0x2000) != 0) {
            throw new ZipRejected("Encrypted archive members are not allowed: " + ArchivePaths.printable(name));
        }
        if (method != 0 && method != 8) {
            throw new ZipRejected("File does not use a supported compression type (method " + method + " for "
                    + ArchivePaths.printable(name) + ")");
        }
        if (method == 0 && csize != usize) {
            throw new ZipRejected("Stored member with differing sizes: " + ArchivePaths.printable(name));
        }
        if (name.endsWith("/") && usize != 0) {
            throw new ZipRejected("Directory member with content: " + ArchivePaths.printable(name));
        }
    }

    private static String decodeName(byte[] raw, int flags) throws ZipRejected {
        for (byte b : raw) {
            if ((b & 0xFF) < 0x20 || b == 0x7f) {
                throw new ZipRejected("Invalid character in filename");
            }
        }
        boolean ascii = true;
        for (byte b : raw) {
            if (b < 0) {
                ascii = false;
                break;
            }
        }
        if (!ascii && (flags & 0x800) == 0) {
            // Python's zipfile would read such a name as cp437, Java as UTF-8: two different names.
            throw new ZipRejected("Filename not marked as UTF-8: " + new String(raw, StandardCharsets.UTF_8));
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(raw))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new ZipRejected("Filename not valid UTF-8");
        }
    }

    /**
     * Applies a ZIP64 extra to sizes saturated at 0xFFFFFFFF and checks the extras: no duplicate
     * ZIP64 or Unicode path field, well-formed lengths, and a Unicode path field (a second name that
     * some readers use and others ignore) only when it names the member exactly as its header does.
     *
     * @return {uncompressed, compressed, local offset, disk}
     */
    private static long[] applyZip64(String name, byte[] extra, long usize, long csize, long offset, long disk, boolean central)
            throws ZipRejected {
        long[] out = {usize, csize, offset, disk};
        ByteBuffer b = ByteBuffer.wrap(extra).order(ByteOrder.LITTLE_ENDIAN);
        Set<Integer> seen = new HashSet<>();
        int p = 0;
        boolean hadZip64 = false;
        while (p < extra.length) {
            if (p + 4 > extra.length) {
                throw new ZipRejected("Malformed zip file: truncated extra field");
            }
            int id = b.getShort(p) & 0xFFFF;
            int len = b.getShort(p + 2) & 0xFFFF;
            if (p + 4 + len > extra.length) {
                throw new ZipRejected("Malformed zip file: truncated extra field");
            }
            if ((id == 0x0001 || id == 0x7075) && !seen.add(id)) {
                throw new ZipRejected("Invalid duplicate extra in " + (central ? "central directory" : "local file"));
            }
            if (id == 0x7075) {
                // Info-ZIP Unicode Path: some readers prefer it to the header's name, so it must agree
                if (len < 5) {
                    throw new ZipRejected("Malformed zip file: truncated Unicode path extra");
                }
                byte[] unicode = Arrays.copyOfRange(extra, p + 9, p + 4 + len);
                if (!Arrays.equals(unicode, name.getBytes(StandardCharsets.UTF_8))) {
                    throw new ZipRejected("Unicode path extra differs from the member name "
                            + ArchivePaths.printable(name));
                }
            }
            if (id == 0x0001) {
                hadZip64 = true;
                int q = p + 4;
                int end = p + 4 + len;
                if (!central && (usize == MAX32 || csize == MAX32)) {
                    // a local header's ZIP64 extra holds both sizes (APPNOTE 4.5.3)
                    if (len < 16) {
                        throw new ZipRejected("Malformed zip file: ZIP64 extra too short");
                    }
                    out[0] = usize == MAX32 ? b.getLong(q) : usize;
                    out[1] = csize == MAX32 ? b.getLong(q + 8) : csize;
                } else if (!central) {
                    // sizes not saturated: the extra is informational
                } else if (usize == MAX32) {
                    if (q + 8 > end) {
                        throw new ZipRejected("Malformed zip file: ZIP64 extra too short");
                    }
                    out[0] = b.getLong(q);
                    q += 8;
                }
                if (central && csize == MAX32) {
                    if (q + 8 > end) {
                        throw new ZipRejected("Malformed zip file: ZIP64 extra too short");
                    }
                    out[1] = b.getLong(q);
                    q += 8;
                }
                if (central && offset == MAX32) {
                    if (q + 8 > end) {
                        throw new ZipRejected("Malformed zip file: ZIP64 extra too short");
                    }
                    out[2] = b.getLong(q);
                    q += 8;
                }
                if (central && disk == 0xFFFF) {
                    if (q + 4 > end) {
                        throw new ZipRejected("Malformed zip file: ZIP64 extra too short");
                    }
                    out[3] = b.getInt(q) & MAX32;
                }
            }
            p += 4 + len;
        }
        if (!hadZip64 && (usize == MAX32 || csize == MAX32 || (central && offset == MAX32))) {
            throw new ZipRejected("Malformed zip file: ZIP64 sizes without a ZIP64 extra");
        }
        if (out[0] < 0 || out[1] < 0 || out[2] < 0) {
            throw new ZipRejected("Negative offset");
        }
        return out;
    }

    private static ByteBuffer readAt(FileChannel ch, long position, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (buf.hasRemaining()) {
            int n = ch.read(buf, position + buf.position());
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
        }
        buf.flip();
        return buf;
    }

    /**
     * Opens a member for reading. The stream never yields more than the declared size: inflating
     * past it, stopping short of it, a CRC mismatch, or compressed data not ending exactly at the
     * member's end fails with {@link ZipRejected} (wrapped in an {@link IOException}); every byte
     * produced is charged to {@code budget}.
     */
    InputStream open(Entry e, InflationBudget budget) {
        return new MemberStream(e, budget);
    }

    /** Thrown from member streams; carries the rejection. */
    static final class MemberException extends IOException {
        MemberException(String message) {
            super(message);
        }
    }

    private final class MemberStream extends InputStream {
        private final Entry entry;
        private final InflationBudget budget;
        private final Inflater inflater;
        private final CRC32 crc = new CRC32();
        private final ByteBuffer in = ByteBuffer.allocate(64 * 1024);
        private long inputPos;
        private long produced;
        private boolean done;

        MemberStream(Entry entry, InflationBudget budget) {
            this.entry = entry;
            this.budget = budget;
            this.inflater = entry.method() == 8 ? new Inflater(true) : null;
            this.in.limit(0);
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (done) {
                return -1;
            }
            if (len == 0) {
                return 0;
            }
            int n = inflater == null ? readStored(b, off, len) : readDeflated(b, off, len);
            if (n < 0) {
                finish();
                return -1;
            }
            produced += n;
            if (produced > entry.size()) {
                throw fail("member " + ArchivePaths.printable(entry.name()) + " inflates to more than its declared size of "
                        + entry.size() + " bytes");
            }
            crc.update(b, off, n);
            budget.add(n); // throws UploadRejectedException past a bound
            return n;
        }

        private int readStored(byte[] b, int off, int len) throws IOException {
            long left = entry.compressedSize() - inputPos;
            if (left <= 0) {
                return -1;
            }
            int want = (int) Math.min(len, left);
            ByteBuffer dst = ByteBuffer.wrap(b, off, want);
            int n = channel.read(dst, entry.dataOffset() + inputPos);
            if (n < 0) {
                throw fail("unexpected end of file in " + ArchivePaths.printable(entry.name()));
            }
            inputPos += n;
            return n;
        }

        private int readDeflated(byte[] b, int off, int len) throws IOException {
            try {
                while (true) {
                    if (inflater.finished()) {
                        return -1;
                    }
                    if (inflater.needsInput()) {
                        long left = entry.compressedSize() - inputPos;
                        if (left <= 0) {
                            throw fail("compressed data of " + ArchivePaths.printable(entry.name()) + " is truncated");
                        }
                        in.clear();
                        in.limit((int) Math.min(in.capacity(), left));
                        int n = channel.read(in, entry.dataOffset() + inputPos);
                        if (n <= 0) {
                            throw fail("unexpected end of file in " + ArchivePaths.printable(entry.name()));
                        }
                        inputPos += n;
                        in.flip();
                        inflater.setInput(in);
                    }
                    // never ask for much more than the declared size allows
                    long room = entry.size() - produced + 1;
                    int want = (int) Math.min(len, Math.max(1, room));
                    int n = inflater.inflate(b, off, want);
                    if (n > 0) {
                        return n;
                    }
                    if (inflater.needsDictionary()) {
                        throw fail("compressed data of " + ArchivePaths.printable(entry.name()) + " needs a preset dictionary");
                    }
                }
            } catch (DataFormatException ex) {
                throw fail("corrupt compressed data in " + ArchivePaths.printable(entry.name()) + ": " + ex.getMessage());
            }
        }

        private void finish() throws IOException {
            done = true;
            if (inflater != null) {
                long unused = inflater.getRemaining() + (entry.compressedSize() - inputPos);
                if (unused != 0) {
                    throw fail("member " + ArchivePaths.printable(entry.name()) + " has " + unused
                            + " bytes after its compressed data");
                }
            }
            if (produced != entry.size()) {
                throw fail("member " + ArchivePaths.printable(entry.name()) + " is " + produced
                        + " bytes, its header says " + entry.size());
            }
            if (crc.getValue() != entry.crc()) {
                throw fail("Bad CRC-32 for member " + ArchivePaths.printable(entry.name()));
            }
        }

        private MemberException fail(String message) {
            done = true;
            return new MemberException(message);
        }

        @Override
        public void close() {
            done = true;
            if (inflater != null) {
                inflater.end();
            }
        }
    }
}
