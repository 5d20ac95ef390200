package io.packyard.msi.cab;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A strict cabinet reader for tests, written from [MS-CAB] and [MS-MCI] independently of the
 * writer: it parses every structure, verifies every CFDATA checksum, inflates MSZIP blocks with
 * the previous block's output as history, and fails on anything a careful extractor would reject
 * (sizes that don't add up, gaps, oversized blocks, trailing bytes, short frames).
 */
final class CabReader {

    record Header(long cbCabinet, long coffFiles, int versionMinor, int versionMajor, int cFolders, int cFiles,
                  int flags, int setId, int iCabinet) {}

    record Block(long offset, int checksum, int cbData, int cbUncomp) {}

    record Folder(long coffCabStart, int cCFData, int typeCompress, List<Block> blocks, long uncompressedSize) {}

    record Entry(String name, long size, long offset, int folder, int date, int time, int attribs, boolean utf8) {}

    record Cabinet(Header header, List<Folder> folders, List<Entry> files, Map<String, byte[]> contents) {

        byte[] content(String name) {
            byte[] b = contents.get(name);
            if (b == null) {
                throw new AssertionError("no file " + name + " in cabinet; has " + contents.keySet());
            }
            return b;
        }
    }

    static final class CabFormatException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CabFormatException(String message) {
            super(message);
        }
    }

    private final byte[] cab;

    private CabReader(byte[] cab) {
        this.cab = cab;
    }

    static Cabinet read(byte[] cab) {
        return new CabReader(cab).parse();
    }

    /** The CFDATA checksum, byte by byte (a deliberately different shape from the writer's). */
    static int checksum(byte[] data, int off, int len, int seed) {
        int csum = seed;
        int whole = len - len % 4;
        for (int i = 0; i < whole; i += 4) {
            int word = 0;
            for (int k = 3; k >= 0; k--) {
                word = (word << 8) | (data[off + i + k] & 0xFF);
            }
            csum ^= word;
        }
        // leftover bytes: the first one ends up in the highest position used
        int rem = len % 4;
        int tail = 0;
        for (int k = 0; k < rem; k++) {
            tail |= (data[off + whole + k] & 0xFF) << (8 * (rem - 1 - k));
        }
        return csum ^ tail;
    }

    private int u8(long pos) {
        check(pos < cab.length, "read past the end at " + pos);
        return cab[(int) pos] & 0xFF;
    }

    private int u16(long pos) {
        return u8(pos) | (u8(pos + 1) << 8);
    }

    private long u32(long pos) {
        return (u16(pos) | ((long) u16(pos + 2) << 16)) & 0xFFFF_FFFFL;
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new CabFormatException(message);
        }
    }

    private Cabinet parse() {
        check(cab.length >= 36, "shorter than a CFHEADER");
        check(cab[0] == 'M' && cab[1] == 'S' && cab[2] == 'C' && cab[3] == 'F', "no MSCF signature");
        check(u32(4) == 0 && u32(12) == 0 && u32(20) == 0, "reserved header fields not zero");
        Header h = new Header(u32(8), u32(16), u8(24), u8(25), u16(26), u16(28), u16(30), u16(32), u16(34));
        check(h.versionMajor() == 1 && h.versionMinor() == 3, "version " + h.versionMajor() + "." + h.versionMinor());
        check(h.cbCabinet() == cab.length, "cbCabinet " + h.cbCabinet() + " but the file has " + cab.length + " bytes");
        check(h.flags() == 0, "flags 0x" + Integer.toHexString(h.flags()) + " (no prev/next/reserve expected)");
        check(h.cFolders() > 0 && h.cFiles() > 0, "no folders or no files");
        long pos = 36;
        List<long[]> rawFolders = new ArrayList<>();
        for (int i = 0; i < h.cFolders(); i++) {
            rawFolders.add(new long[] {u32(pos), u16(pos + 4), u16(pos + 6)});
            pos += 8;
        }
        check(h.coffFiles() == pos, "coffFiles " + h.coffFiles() + ", CFFILEs start at " + pos);
        List<Entry> files = new ArrayList<>();
        for (int i = 0; i < h.cFiles(); i++) {
            long size = u32(pos);
            long offset = u32(pos + 4);
            int folder = u16(pos + 8);
            int date = u16(pos + 10);
            int time = u16(pos + 12);
            int attribs = u16(pos + 14);
            pos += 16;
            long nameStart = pos;
            while (u8(pos) != 0) {
                pos++;
            }
            int nameLength = (int) (pos - nameStart);
            check(nameLength > 0 && nameLength <= 255, "file " + i + ": name of " + nameLength + " bytes");
            pos++;
            boolean utf8 = (attribs & 0x80) != 0;
            byte[] nameBytes = java.util.Arrays.copyOfRange(cab, (int) nameStart, (int) nameStart + nameLength);
            if (!utf8) {
                for (byte b : nameBytes) {
                    check(b > 0, "file " + i + ": non-ASCII name without _A_NAME_IS_UTF");
                }
            }
            String name = new String(nameBytes, utf8 ? StandardCharsets.UTF_8 : StandardCharsets.US_ASCII);
            check(folder < h.cFolders(), "file " + name + ": iFolder " + folder + " of " + h.cFolders());
            files.add(new Entry(name, size, offset, folder, date, time, attribs, utf8));
        }
        long dataStart = pos;

        // folders: data blocks contiguous, in folder order, to the end of the cabinet
        List<Folder> folders = new ArrayList<>();
        List<byte[]> folderData = new ArrayList<>();
        long expectedOffset = dataStart;
        for (int f = 0; f < rawFolders.size(); f++) {
            long[] raw = rawFolders.get(f);
            long start = raw[0];
            int count = (int) raw[1];
            int type = (int) raw[2];
            check(start == expectedOffset, "folder " + f + ": data at " + start + ", expected " + expectedOffset);
            check(type == 0 || type == 1, "folder " + f + ": compression " + type);
            List<Block> blocks = new ArrayList<>();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] history = null;
            Inflater inflater = new Inflater(true);
            try {
                long p = start;
                for (int b = 0; b < count; b++) {
                    int csum = (int) u32(p);
                    int cbData = u16(p + 4);
                    int cbUncomp = u16(p + 6);
                    check(p + 8 + cbData <= cab.length, "folder " + f + " block " + b + ": runs past the end");
                    int stored = checksum(cab, (int) p + 8, cbData, 0);
                    stored = checksum(cab, (int) p + 4, 4, stored);
                    check(stored == csum, "folder " + f + " block " + b + ": checksum 0x" + Integer.toHexString(csum)
                            + ", computed 0x" + Integer.toHexString(stored));
                    check(cbUncomp > 0 && cbUncomp <= 32768, "folder " + f + " block " + b + ": cbUncomp " + cbUncomp);
                    check(b == count - 1 || cbUncomp == 32768,
                            "folder " + f + " block " + b + ": a block other than the last holds " + cbUncomp + " bytes");
                    byte[] plain;
                    if (type == 0) {
                        check(cbData == cbUncomp, "uncompressed block with cbData " + cbData + " != cbUncomp " + cbUncomp);
                        plain = java.util.Arrays.copyOfRange(cab, (int) p + 8, (int) p + 8 + cbData);
                    } else {
                        check(cbData <= 32768 + 12, "folder " + f + " block " + b + ": MSZIP block of " + cbData + " bytes");
                        check(cbData > 2 && cab[(int) p + 8] == 'C' && cab[(int) p + 9] == 'K',
                                "folder " + f + " block " + b + ": no CK signature");
                        plain = inflate(inflater, history, cab, (int) p + 10, cbData - 2, cbUncomp, "folder " + f + " block " + b);
                    }
                    blocks.add(new Block(p, csum, cbData, cbUncomp));
                    out.writeBytes(plain);
                    history = plain;
                    p += 8 + cbData;
                }
                expectedOffset = p;
            } finally {
                inflater.end();
            }
            byte[] data = out.toByteArray();
            folders.add(new Folder(start, count, type, List.copyOf(blocks), data.length));
            folderData.add(data);
        }
        check(expectedOffset == cab.length, "the last block ends at " + expectedOffset + " of " + cab.length);

        // files: contiguous in each folder, in CFFILE order, covering all of its data
        long[] folderFill = new long[folders.size()];
        Map<String, byte[]> contents = new LinkedHashMap<>();
        for (Entry e : files) {
            check(e.offset() == folderFill[e.folder()], "file " + e.name() + ": at " + e.offset() + " in folder "
                    + e.folder() + ", expected " + folderFill[e.folder()]);
            long end = e.offset() + e.size();
            check(end <= folders.get(e.folder()).uncompressedSize(), "file " + e.name() + " runs past its folder");
            folderFill[e.folder()] = end;
            check(!contents.containsKey(e.name()), "duplicate name " + e.name());
            contents.put(e.name(), java.util.Arrays.copyOfRange(folderData.get(e.folder()), (int) e.offset(), (int) end));
        }
        for (int f = 0; f < folders.size(); f++) {
            check(folderFill[f] == folders.get(f).uncompressedSize(),
                    "folder " + f + " holds " + folders.get(f).uncompressedSize() + " bytes, files cover " + folderFill[f]);
        }
        return new Cabinet(h, List.copyOf(folders), List.copyOf(files), contents);
    }

    /** One MSZIP frame: a complete raw deflate stream with the previous frame as history. */
    private static byte[] inflate(Inflater inflater, byte[] history, byte[] in, int off, int len, int expected, String where) {
        inflater.reset();
        if (history != null) {
            inflater.setDictionary(history);
        }
        inflater.setInput(in, off, len);
        byte[] out = new byte[expected + 1];
        int n = 0;
        try {
            while (!inflater.finished() && n < out.length) {
                int k = inflater.inflate(out, n, out.length - n);
                if (k == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
                n += k;
            }
        } catch (DataFormatException e) {
            throw new CabFormatException(where + ": bad deflate data: " + e.getMessage());
        }
        check(inflater.finished(), where + ": deflate stream not terminated by a final block");
        check(n == expected, where + ": inflates to " + n + " bytes, cbUncomp says " + expected);
        check(inflater.getRemaining() == 0, where + ": " + inflater.getRemaining() + " bytes after the end of the deflate stream");
        return java.util.Arrays.copyOf(out, n);
    }
}
