package io.packyard.python.upload;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Reads an uncompressed tar stream (ustar, GNU long names, pax extended headers) strictly, the
 * way an index must: header checksums verified, only regular files, directories, symbolic links
 * and hard links; no sparse members, devices or FIFOs; no member path that is absolute or climbs
 * with {@code ..}; no link whose target leaves the archive's top directory; no duplicate names; no
 * data after the end-of-archive marker but zero padding. Regular files whose name the
 * {@code capture} predicate accepts are kept in memory (up to {@value #MAX_CAPTURE} bytes).
 */
final class SdistTar {

    /** A format or policy violation, with a short reason. */
    static final class TarRejected extends Exception {
        TarRejected(String message) {
            super(message);
        }
    }

    enum Type { FILE, DIRECTORY, SYMLINK, HARDLINK }

    /** A member: its path (no trailing slash), type, size and link target (links only). */
    record Member(String name, Type type, long size, String linkTarget) {}

    static final int MAX_CAPTURE = 16 << 20;
    private static final int BLOCK = 512;
    private static final Set<String> GLOBAL_FORBIDDEN = Set.of("path", "linkpath", "size");

    private final List<Member> members;
    private final Map<String, byte[]> captured;

    private SdistTar(List<Member> members, Map<String, byte[]> captured) {
        this.members = List.copyOf(members);
        this.captured = captured;
    }

    List<Member> members() {
        return members;
    }

    /** Captured file contents by member name. */
    Map<String, byte[]> captured() {
        return captured;
    }

    static SdistTar read(InputStream tar, InflationBudget budget, int maxMembers, Predicate<String> capture)
            throws TarRejected, IOException {
        List<Member> members = new ArrayList<>();
        Map<String, Member> byName = new HashMap<>();
        Map<String, byte[]> captured = new LinkedHashMap<>();
        byte[] header = new byte[BLOCK];
        Map<String, String> pax = null;
        String gnuLongName = null;
        String gnuLongLink = null;
        long declared = 0;
        while (true) {
            int n = tar.readNBytes(header, 0, BLOCK);
            if (n == 0) {
                if (pax != null || gnuLongName != null || gnuLongLink != null) {
                    throw new TarRejected("Truncated tar archive: extended header without a member");
                }
                break; // end of data without an end marker: accepted, as Python's tarfile does
            }
            if (n < BLOCK) {
                throw new TarRejected("Truncated tar archive");
            }
            if (isZero(header)) {
                if (pax != null || gnuLongName != null || gnuLongLink != null) {
                    throw new TarRejected("Truncated tar archive: extended header without a member");
                }
                // End of archive: only zero padding may follow.
                byte[] rest = new byte[8192];
                int r;
                while ((r = tar.read(rest)) > 0) {
                    for (int i = 0; i < r; i++) {
                        if (rest[i] != 0) {
                            throw new TarRejected("Data after the end-of-archive marker");
                        }
                    }
                }
                break;
            }
            verifyChecksum(header);
            char type = (char) (header[156] & 0xFF);
            long size = number(header, 124, 12, "size");
            String magic = new String(header, 257, 8, StandardCharsets.ISO_8859_1);
            switch (type) {
                case 'x', 'g' -> {
                    byte[] data = readData(tar, size, 1 << 20, "pax header");
                    Map<String, String> records = parsePax(data);
                    for (String k : records.keySet()) {
                        if (k.startsWith("GNU.sparse.")) {
                            throw new TarRejected("Sparse members are not allowed");
                        }
                    }
                    if (type == 'g') {
                        for (String k : records.keySet()) {
                            if (GLOBAL_FORBIDDEN.contains(k)) {
                                throw new TarRejected("Global pax header with a " + k + " record is not allowed");
                            }
                        }
                    } else {
                        if (pax != null) {
                            throw new TarRejected("Two pax headers for one member");
                        }
                        pax = records;
                    }
                    continue;
                }
                case 'L', 'K' -> {
                    byte[] data = readData(tar, size, 64 * 1024, "GNU long name");
                    String s = decode(trimNul(data));
                    if (type == 'L') {
                        if (gnuLongName != null) {
                            throw new TarRejected("Two GNU long names for one member");
                        }
                        gnuLongName = s;
                    } else {
                        if (gnuLongLink != null) {
                            throw new TarRejected("Two GNU long link names for one member");
                        }
                        gnuLongLink = s;
                    }
                    continue;
                }
                case 'S' -> throw new TarRejected("Sparse members are not allowed");
                default -> {
                    // a member header: handled below
                }
            }
            String name = decode(trimNul(slice(header, 0, 100)));
            String prefix = decode(trimNul(slice(header, 345, 155)));
            if (!prefix.isEmpty() && magic.startsWith("ustar\0")) {
                name = prefix + "/" + name;
            }
            String link = decode(trimNul(slice(header, 157, 100)));
            if (gnuLongName != null) {
                name = gnuLongName;
            }
            if (gnuLongLink != null) {
                link = gnuLongLink;
            }
            if (pax != null) {
                if (pax.containsKey("path")) {
                    name = pax.get("path");
                }
                if (pax.containsKey("linkpath")) {
                    link = pax.get("linkpath");
                }
                if (pax.containsKey("size")) {
                    try {
                        size = Long.parseLong(pax.get("size"));
                    } catch (NumberFormatException e) {
                        throw new TarRejected("Invalid pax size record");
                    }
                    if (size < 0) {
                        throw new TarRejected("Invalid pax size record");
                    }
                }
            }
            pax = null;
            gnuLongName = null;
            gnuLongLink = null;

            Type t;
            switch (type) {
                case '0', '\0', '7' -> t = (type == '\0' && name.endsWith("/")) ? Type.DIRECTORY : Type.FILE;
                case '5' -> t = Type.DIRECTORY;
                case '2' -> t = Type.SYMLINK;
                case '1' -> t = Type.HARDLINK;
                case '3', '4' -> throw new TarRejected("Device members are not allowed: " + ArchivePaths.printable(name));
                case '6' -> throw new TarRejected("FIFO members are not allowed: " + ArchivePaths.printable(name));
                default -> throw new TarRejected("Unsupported tar member type '" + printableType(type) + "' for "
                        + ArchivePaths.printable(name));
            }
            if (t == Type.DIRECTORY) {
                while (name.endsWith("/") && name.length() > 1) {
                    name = name.substring(0, name.length() - 1);
                }
            }
            var problem = ArchivePaths.problem(name);
            if (problem.isPresent()) {
                throw new TarRejected("Unsafe member path " + ArchivePaths.printable(name) + ": " + problem.get());
            }
            if (t != Type.FILE && size != 0) {
                throw new TarRejected("Non-file member with data: " + ArchivePaths.printable(name));
            }
            if (byName.containsKey(name)) {
                throw new TarRejected("Duplicate member " + ArchivePaths.printable(name));
            }
            if (members.size() >= maxMembers) {
                throw new TarRejected("Too many archive members (limit " + maxMembers + ")");
            }
            if (t == Type.SYMLINK) {
                checkSymlink(name, link);
            } else if (t == Type.HARDLINK) {
                var lp = ArchivePaths.problem(link);
                if (lp.isPresent()) {
                    throw new TarRejected("Hard link " + ArchivePaths.printable(name) + " has an unsafe target "
                            + ArchivePaths.printable(link) + ": " + lp.get());
                }
                Member target = byName.get(link);
                if (target == null || target.type() != Type.FILE) {
                    throw new TarRejected("Hard link " + ArchivePaths.printable(name)
                            + " does not point to an earlier regular file");
                }
            } else {
                link = null;
            }
            Member m = new Member(name, t, size, link);
            members.add(m);
            byName.put(name, m);
            if (t == Type.FILE) {
                declared += size;
                budget.checkDeclared(declared);
                if (capture.test(name)) {
                    captured.put(name, readData(tar, size, MAX_CAPTURE, name));
                } else {
                    skipData(tar, size);
                }
            }
        }
        return new SdistTar(members, captured);
    }

    private static String printableType(char c) {
        return c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\x%02x", (int) c);
    }

    private static void checkSymlink(String name, String target) throws TarRejected {
        if (target.isEmpty()) {
            throw new TarRejected("Symbolic link " + ArchivePaths.printable(name) + " has an empty target");
        }
        if (target.startsWith("/") || target.indexOf('\\') >= 0 || target.matches("^[A-Za-z]:.*")) {
            throw new TarRejected("Symbolic link " + ArchivePaths.printable(name) + " points outside the archive: "
                    + ArchivePaths.printable(target));
        }
        for (int i = 0; i < target.length(); i++) {
            if (target.charAt(i) < 0x20 || target.charAt(i) == 0x7f) {
                throw new TarRejected("Symbolic link " + ArchivePaths.printable(name)
                        + " has a control character in its target");
            }
        }
        // resolve against the link's directory; it must stay inside the top-level directory
        Deque<String> path = new ArrayDeque<>();
        String[] own = name.split("/");
        for (int i = 0; i < own.length - 1; i++) {
            path.addLast(own[i]);
        }
        for (String seg : target.split("/")) {
            if (seg.isEmpty() || seg.equals(".")) {
                continue;
            }
            if (seg.equals("..")) {
                if (path.size() <= 1) {
                    throw new TarRejected("Symbolic link " + ArchivePaths.printable(name)
                            + " points outside the archive: " + ArchivePaths.printable(target));
                }
                path.removeLast();
            } else {
                path.addLast(seg);
            }
        }
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static void verifyChecksum(byte[] h) throws TarRejected {
        long stored;
        try {
            stored = number(h, 148, 8, "checksum");
        } catch (TarRejected e) {
            throw new TarRejected("Invalid tar header checksum");
        }
        long unsigned = 0;
        long signed = 0;
        for (int i = 0; i < BLOCK; i++) {
            int v = (i >= 148 && i < 156) ? ' ' : h[i];
            unsigned += v & 0xFF;
            signed += (i >= 148 && i < 156) ? ' ' : h[i];
        }
        if (stored != unsigned && stored != signed) {
            throw new TarRejected("Invalid tar header checksum");
        }
    }

    /** A numeric header field: octal (NUL/space padded) or GNU base-256. */
    private static long number(byte[] h, int off, int len, String what) throws TarRejected {
        if ((h[off] & 0x80) != 0) {
            if ((h[off] & 0xFF) != 0x80) {
                throw new TarRejected("Invalid tar header " + what);
            }
            long v = 0;
            for (int i = 1; i < len; i++) {
                if ((v >>> 55) != 0) {
                    throw new TarRejected("Tar header " + what + " too large");
                }
                v = (v << 8) | (h[off + i] & 0xFF);
            }
            return v;
        }
        int end = off;
        while (end < off + len && h[end] != 0) {
            end++;
        }
        String s = new String(h, off, end - off, StandardCharsets.ISO_8859_1).strip();
        if (s.isEmpty()) {
            return 0;
        }
        long v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '7') {
                throw new TarRejected("Invalid tar header " + what);
            }
            v = v * 8 + (c - '0');
        }
        return v;
    }

    private static byte[] slice(byte[] b, int off, int len) {
        byte[] out = new byte[len];
        System.arraycopy(b, off, out, 0, len);
        return out;
    }

    private static byte[] trimNul(byte[] b) {
        int end = 0;
        while (end < b.length && b[end] != 0) {
            end++;
        }
        return end == b.length ? b : slice(b, 0, end);
    }

    private static String decode(byte[] b) throws TarRejected {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new TarRejected("Member name is not valid UTF-8");
        }
    }

    private static Map<String, String> parsePax(byte[] data) throws TarRejected {
        Map<String, String> out = new LinkedHashMap<>();
        int p = 0;
        while (p < data.length) {
            if (data[p] == 0) {
                break; // NUL padding
            }
            int sp = p;
            while (sp < data.length && data[sp] >= '0' && data[sp] <= '9') {
                sp++;
            }
            if (sp == p || sp >= data.length || data[sp] != ' ') {
                throw new TarRejected("Invalid pax header record");
            }
            int len;
            try {
                len = Integer.parseInt(new String(data, p, sp - p, StandardCharsets.US_ASCII));
            } catch (NumberFormatException e) {
                throw new TarRejected("Invalid pax header record");
            }
            if (len <= sp - p + 1 || p + len > data.length || data[p + len - 1] != '\n') {
                throw new TarRejected("Invalid pax header record");
            }
            byte[] kv = slice(data, sp + 1, p + len - 1 - (sp + 1));
            int eq = -1;
            for (int i = 0; i < kv.length; i++) {
                if (kv[i] == '=') {
                    eq = i;
                    break;
                }
            }
            if (eq <= 0) {
                throw new TarRejected("Invalid pax header record");
            }
            String key = new String(kv, 0, eq, StandardCharsets.UTF_8);
            String value = decode(slice(kv, eq + 1, kv.length - eq - 1));
            if (out.put(key, value) != null) {
                throw new TarRejected("Duplicate pax record " + key);
            }
            p += len;
        }
        return out;
    }

    private static byte[] readData(InputStream in, long size, int max, String what) throws TarRejected, IOException {
        if (size > max) {
            throw new TarRejected(ArchivePaths.printable(what) + " is larger than " + UploadValidator.humanSize(max));
        }
        byte[] data = in.readNBytes((int) size);
        if (data.length != size) {
            throw new TarRejected("Truncated tar archive");
        }
        skipPadding(in, size);
        return data;
    }

    private static void skipData(InputStream in, long size) throws TarRejected, IOException {
        byte[] buf = new byte[64 * 1024];
        long left = size;
        while (left > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n <= 0) {
                throw new TarRejected("Truncated tar archive");
            }
            left -= n;
        }
        skipPadding(in, size);
    }

    private static void skipPadding(InputStream in, long size) throws TarRejected, IOException {
        int pad = (int) ((BLOCK - (size % BLOCK)) % BLOCK);
        if (pad > 0 && in.readNBytes(pad).length != pad) {
            throw new TarRejected("Truncated tar archive");
        }
    }
}
