package io.packyard.bundle.interpreter;

import io.packyard.python.PackyardException;
import io.packyard.python.util.Progress;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

/**
 * Unpacks an interpreter archive safely: no entry may leave the destination (absolute names,
 * {@code ..}, links pointing outside), symbolic links are kept when they are relative and stay
 * inside the tree, hard links become copies, permission bits are kept (set-id bits dropped),
 * and devices or FIFOs are refused. Regular files are written before any symbolic link exists,
 * so no write can go through a link.
 */
final class ArchiveExtractor {

    /** An interpreter is a few hundred MB; this bounds what a hostile archive can make us write. */
    static final long MAX_TOTAL_BYTES = 8L << 30;
    static final int MAX_ENTRIES = 500_000;

    private ArchiveExtractor() {}

    static void extract(Path archive, Path into, String label, Progress progress) throws IOException {
        long size = Files.size(archive);
        Files.createDirectories(into);
        Path root = into.toAbsolutePath().normalize();
        try (InputStream raw = Files.newInputStream(archive);
                CountingStream counting = new CountingStream(new BufferedInputStream(raw, 1 << 16), size, progress);
                InputStream decompressed = decompress(counting, label);
                TarArchiveInputStream tar = new TarArchiveInputStream(decompressed)) {
            unpack(tar, root, label);
        }
        progress.advance(size, size);
    }

    private static InputStream decompress(InputStream in, String label) throws IOException {
        BufferedInputStream b = new BufferedInputStream(in, 1 << 16);
        b.mark(512);
        byte[] head = b.readNBytes(262 + 5);
        b.reset();
        if (head.length >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
            return GzipCompressorInputStream.builder().setInputStream(b).setDecompressConcatenated(true).get();
        }
        if (head.length >= 6 && (head[0] & 0xff) == 0xfd && head[1] == '7' && head[2] == 'z' && head[3] == 'X'
                && head[4] == 'Z' && head[5] == 0) {
            return XZCompressorInputStream.builder().setInputStream(b).setDecompressConcatenated(true).get();
        }
        if (head.length >= 4 && (head[0] & 0xff) == 0x28 && (head[1] & 0xff) == 0xb5 && (head[2] & 0xff) == 0x2f
                && (head[3] & 0xff) == 0xfd) {
            return zstd(b, label);
        }
        if (head.length >= 262 && new String(head, 257, 5, java.nio.charset.StandardCharsets.US_ASCII).equals("ustar")) {
            return b;
        }
        throw PackyardException.build(label + ": not a tar archive (expected .tar.gz, the python-build-standalone "
                + "install_only format, or .tar.xz / .tar)");
    }

    /** zstd needs a native library commons-compress loads reflectively; use it only when present. */
    private static InputStream zstd(InputStream in, String label) throws IOException {
        boolean available;
        try {
            available = org.apache.commons.compress.compressors.zstandard.ZstdUtils.isZstdCompressionAvailable();
        } catch (LinkageError e) {
            available = false;
        }
        if (!available) {
            throw PackyardException.build(label + ": zstd-compressed archives (.tar.zst) are not supported; "
                    + "use the install_only .tar.gz of the same build");
        }
        return new org.apache.commons.compress.compressors.zstandard.ZstdCompressorInputStream(in);
    }

    private record Link(String name, String target) {}

    private static void unpack(TarArchiveInputStream tar, Path root, String label) throws IOException {
        Map<String, Integer> dirModes = new LinkedHashMap<>();
        List<Link> symlinks = new ArrayList<>();
        List<Link> hardlinks = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        long total = 0;
        int entries = 0;
        TarArchiveEntry e;
        while ((e = tar.getNextEntry()) != null) {
            if (++entries > MAX_ENTRIES) {
                throw PackyardException.build(label + ": more than " + MAX_ENTRIES + " entries; refusing to unpack");
            }
            String name = entryName(e.getName(), label);
            if (name.isEmpty()) {
                continue; // the archive's "./"
            }
            Path target = root.resolve(name).normalize();
            if (!target.startsWith(root) || target.equals(root)) {
                throw escapes(label, e.getName());
            }
            if (e.isDirectory()) {
                mkdirs(root, target, label);
                dirModes.put(name, e.getMode());
                continue;
            }
            if (!seen.add(name)) {
                throw PackyardException.build(label + ": entry '" + e.getName() + "' appears twice");
            }
            if (e.isSymbolicLink()) {
                symlinks.add(new Link(name, e.getLinkName()));
            } else if (e.isLink()) {
                hardlinks.add(new Link(name, entryName(e.getLinkName(), label)));
            } else if (e.isFile()) {
                mkdirs(root, target.getParent(), label);
                long limit = MAX_TOTAL_BYTES - total;
                try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    long n = copy(tar, out, limit);
                    if (n < 0) {
                        throw PackyardException.build(label + ": unpacks to more than " + (MAX_TOTAL_BYTES >> 30)
                                + " GiB; refusing to unpack");
                    }
                    total += n;
                }
                FileOps.setMode(target, (e.getMode() & 0777) | 0600);
            } else {
                throw PackyardException.build(label + ": entry '" + e.getName()
                        + "' is a device, FIFO or other special file; an interpreter archive holds none");
            }
        }
        for (Link h : hardlinks) {
            Path target = root.resolve(h.name).normalize();
            Path source = root.resolve(h.target).normalize();
            if (!target.startsWith(root) || !source.startsWith(root)) {
                throw escapes(label, h.name);
            }
            if (!Files.isRegularFile(source, LinkOption.NOFOLLOW_LINKS)) {
                throw PackyardException.build(label + ": hard link '" + h.name + "' points to '" + h.target
                        + "', which is no regular file earlier in the archive");
            }
            mkdirs(root, target.getParent(), label);
            Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
        }
        for (Link s : symlinks) {
            Path link = root.resolve(s.name).normalize();
            String t = s.target;
            if (t.isEmpty() || t.indexOf('\0') >= 0 || t.startsWith("/") || t.contains("\\") || t.matches("^[A-Za-z]:.*")) {
                throw PackyardException.build(label + ": symbolic link '" + s.name + "' -> '" + t
                        + "' is not relative; only links inside the interpreter tree are kept");
            }
            Path resolved = link.getParent().resolve(t).normalize();
            if (!resolved.startsWith(root)) {
                throw PackyardException.build(label + ": symbolic link '" + s.name + "' -> '" + t
                        + "' points outside the interpreter tree");
            }
            mkdirs(root, link.getParent(), label);
            if (Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
                throw PackyardException.build(label + ": entry '" + s.name + "' appears twice");
            }
            Files.createSymbolicLink(link, Path.of(t));
        }
        // Lexically every link stays inside; links through links could still escape, so check
        // where each one really ends up now that all exist.
        Path realRoot = root.toRealPath();
        for (Link s : symlinks) {
            Path link = root.resolve(s.name).normalize();
            if (Files.exists(link)) {
                Path real = link.toRealPath();
                if (!real.startsWith(realRoot)) {
                    throw PackyardException.build(label + ": symbolic link '" + s.name + "' -> '" + s.target
                            + "' resolves outside the interpreter tree");
                }
            }
        }
        for (Map.Entry<String, Integer> d : dirModes.entrySet()) {
            Path dir = root.resolve(d.getKey());
            if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                FileOps.setMode(dir, (d.getValue() & 0777) | 0700);
            }
        }
    }

    /** Normalizes an entry name; refuses absolute names, backslashes and {@code ..}. */
    static String entryName(String raw, String label) {
        String n = raw;
        if (n.indexOf('\0') >= 0 || n.contains("\\") || n.startsWith("/") || n.matches("^[A-Za-z]:.*")) {
            throw escapes(label, raw);
        }
        List<String> parts = new ArrayList<>();
        for (String p : n.split("/")) {
            if (p.isEmpty() || p.equals(".")) {
                continue;
            }
            if (p.equals("..")) {
                throw escapes(label, raw);
            }
            parts.add(p);
        }
        return String.join("/", parts);
    }

    private static PackyardException escapes(String label, String name) {
        return PackyardException.build(label + ": entry '" + name + "' escapes the destination (path traversal); refusing to unpack");
    }

    /** Creates directories below root, refusing to go through anything that is not a real directory. */
    private static void mkdirs(Path root, Path dir, String label) throws IOException {
        Path p = root;
        for (Path part : root.relativize(dir)) {
            if (part.toString().isEmpty()) {
                continue;
            }
            p = p.resolve(part);
            if (Files.isSymbolicLink(p)) {
                throw PackyardException.build(label + ": '" + FileOps.rel(root, p) + "' is a link inside the path of another entry");
            }
            if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectory(p);
            } else if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                throw PackyardException.build(label + ": '" + FileOps.rel(root, p) + "' is a file and a directory");
            }
        }
    }

    /** Copies at most {@code limit} bytes; -1 when the input has more. */
    private static long copy(InputStream in, OutputStream out, long limit) throws IOException {
        byte[] buf = new byte[1 << 16];
        long n = 0;
        int r;
        while ((r = in.read(buf)) > 0) {
            n += r;
            if (n > limit) {
                return -1;
            }
            out.write(buf, 0, r);
        }
        return n;
    }

    /** Reports how much of the compressed file has been read. */
    private static final class CountingStream extends FilterInputStream {
        private final long total;
        private final Progress progress;
        private long done;
        private long reported;

        CountingStream(InputStream in, long total, Progress progress) {
            super(in);
            this.total = total;
            this.progress = progress;
        }

        @Override
        public int read() throws IOException {
            int c = super.read();
            if (c >= 0) {
                count(1);
            }
            return c;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count(n);
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long s = super.skip(n);
            count(s);
            return s;
        }

        private void count(long n) {
            done += n;
            if (done - reported >= (1 << 22)) {
                reported = done;
                progress.advance(done, total);
            }
        }
    }
}
