package io.packyard.builds.source;

import io.packyard.python.util.FileTrees;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.tukaani.xz.XZInputStream;

/**
 * Source trees as archives: a reproducible {@code .tar.gz} of a checkout, and a careful extractor
 * for uploaded source archives ({@code .tar.gz}, {@code .tgz}, {@code .tar.xz}, {@code .tar.bz2},
 * {@code .tar}, {@code .zip}, recognised by their first bytes, not their names).
 */
public final class SourceArchive {

    /** The uncompressed size may exceed the archive's size this many times at most (zip bombs). */
    static final long MAX_RATIO = 100;
    /** Below this many bytes extracted, the compression ratio is not checked (tiny archives compress well). */
    static final long RATIO_FLOOR = 1 << 20;
    private static final int MAX_LINK_HOPS = 40;
    /** More entries than this are refused (an inode bomb of empty files). */
    static final int MAX_ENTRIES = 500_000;

    private SourceArchive() {
    }

    // ------------------------------------------------------------------ packing

    /** {@link #pack(Path, Path, long, Consumer)} with every mtime 0 and no log. */
    public static void pack(Path dir, Path outTarGz) {
        pack(dir, outTarGz, 0, null);
    }

    /**
     * Writes {@code dir} as a reproducible gzip-compressed tar: entries sorted by path, every mtime
     * {@code mtimeEpochSeconds} (pass SOURCE_DATE_EPOCH), uid/gid 0 without owner names, modes
     * 0755 for directories and executable files and 0644 otherwise. {@code .git} directories and
     * files (submodule links) are left out; symbolic links are kept as links if they point inside
     * {@code dir}, and left out (with a log line) otherwise. The archive is written to a temporary
     * name, synced and renamed.
     *
     * @throws SourceException if the tree cannot be read or the archive not written
     */
    public static void pack(Path dir, Path outTarGz, long mtimeEpochSeconds, Consumer<String> log) {
        Consumer<String> out = log == null ? s -> { } : log;
        Path root;
        try {
            root = dir.toRealPath();
        } catch (IOException e) {
            throw SourceException.permanent("source tree " + dir + ": " + e.getMessage(), e);
        }
        Path parent = outTarGz.toAbsolutePath().getParent();
        Path tmp = parent.resolve("." + outTarGz.getFileName() + ".tmp");
        try {
            TreeMap<String, Path> entries = new TreeMap<>();
            collect(root, root, entries);
            try (OutputStream fos = Files.newOutputStream(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE);
                    OutputStream gz = new GZIPOutputStream(new BufferedOutputStream(fos, 1 << 16), 1 << 16);
                    TarArchiveOutputStream tar = new TarArchiveOutputStream(gz, StandardCharsets.UTF_8.name())) {
                tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
                tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
                tar.setAddPaxHeadersForNonAsciiNames(true);
                for (Map.Entry<String, Path> e : entries.entrySet()) {
                    String name = e.getKey();
                    Path p = e.getValue();
                    if (Files.isSymbolicLink(p)) {
                        String target = Files.readSymbolicLink(p).toString();
                        if (!linkInside(root, p, target)) {
                            out.accept("left out symlink " + name + " -> " + target + ": points outside the tree");
                            continue;
                        }
                        TarArchiveEntry t = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
                        t.setLinkName(target);
                        t.setMode(0120777);
                        fixed(t, mtimeEpochSeconds);
                        tar.putArchiveEntry(t);
                        tar.closeArchiveEntry();
                    } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                        TarArchiveEntry t = new TarArchiveEntry(name, TarArchiveEntry.LF_DIR);
                        t.setMode(040755);
                        fixed(t, mtimeEpochSeconds);
                        tar.putArchiveEntry(t);
                        tar.closeArchiveEntry();
                    } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                        TarArchiveEntry t = new TarArchiveEntry(name, TarArchiveEntry.LF_NORMAL);
                        t.setMode(Files.isExecutable(p) || ownerExecutable(p) ? 0100755 : 0100644);
                        t.setSize(Files.size(p));
                        fixed(t, mtimeEpochSeconds);
                        tar.putArchiveEntry(t);
                        try (InputStream in = Files.newInputStream(p)) {
                            in.transferTo(tar);
                        }
                        tar.closeArchiveEntry();
                    } else {
                        out.accept("left out " + name + ": not a regular file, directory or symlink");
                    }
                }
                tar.finish();
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            moveAtomically(tmp, outTarGz);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // nothing more to do
            }
            throw SourceException.transientFailure("source archive " + outTarGz.getFileName() + ": " + e.getMessage(), e);
        }
    }

    private static boolean ownerExecutable(Path p) {
        try {
            return Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS).contains(PosixFilePermission.OWNER_EXECUTE);
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    private static void fixed(TarArchiveEntry t, long mtime) {
        t.setModTime(mtime * 1000L);
        t.setUserId(0);
        t.setGroupId(0);
        t.setUserName("");
        t.setGroupName("");
    }

    private static void collect(Path root, Path d, TreeMap<String, Path> entries) throws IOException {
        List<Path> children;
        try (var s = Files.list(d)) {
            children = s.toList();
        }
        for (Path c : children) {
            String fn = c.getFileName().toString();
            if (fn.equals(".git")) {
                continue;
            }
            String rel = root.relativize(c).toString().replace('\\', '/');
            if (Files.isDirectory(c, LinkOption.NOFOLLOW_LINKS)) {
                entries.put(rel + "/", c);
                collect(root, c, entries);
            } else {
                entries.put(rel, c);
            }
        }
    }

    /** Whether a link at {@code link} (inside {@code root}) with {@code target} resolves inside {@code root}, following further links. */
    private static boolean linkInside(Path root, Path link, String target) {
        try {
            return physicallyInside(root, link.getParent(), target, 0);
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Resolves {@code target} from directory {@code from} component by component, following
     * symbolic links, and tells whether it never leaves {@code root}. Components that do not
     * exist are taken literally.
     */
    private static boolean physicallyInside(Path root, Path from, String target, int hops) throws IOException {
        if (hops > MAX_LINK_HOPS || target.isEmpty() || target.startsWith("/") || target.contains("\0")) {
            return false;
        }
        Path cur = from;
        String[] parts = target.split("/+");
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (cur.equals(root)) {
                    return false;
                }
                cur = cur.getParent();
                continue;
            }
            Path next = cur.resolve(part);
            if (Files.isSymbolicLink(next)) {
                String t = Files.readSymbolicLink(next).toString();
                if (!physicallyInside(root, cur, t, hops + 1)) {
                    return false;
                }
                // Continue from where the link leads (lexically resolved; it is inside, checked above).
                Path resolved = cur;
                for (String q : t.split("/+")) {
                    if (q.isEmpty() || q.equals(".")) {
                        continue;
                    }
                    if (q.equals("..")) {
                        resolved = resolved.getParent();
                    } else {
                        Path r = resolved.resolve(q);
                        resolved = Files.isSymbolicLink(r) ? r.toRealPath() : r;
                    }
                }
                if (!resolved.normalize().startsWith(root)) {
                    return false;
                }
                cur = resolved.normalize();
            } else {
                cur = next;
            }
        }
        return cur.normalize().startsWith(root);
    }

    // ------------------------------------------------------------------ extracting

    /**
     * Extracts a source archive into {@code dir} (which must not exist or be empty). If every
     * entry lies under one top-level directory (as in GitHub's archives), that directory is
     * stripped. Refused, with nothing left behind: absolute names, names escaping with {@code ..},
     * symbolic or hard links leading outside, device, fifo and other special entries, more than
     * {@code maxBytes} uncompressed, or a compression ratio above 100:1.
     *
     * @throws SourceException {@code source archive NAME: entry 'X' ...}; not transient unless
     *     the disk failed
     */
    public static void extract(Path archive, Path dir, long maxBytes) {
        String shown = archive.getFileName().toString();
        Path target = dir.toAbsolutePath().normalize();
        Path parent = target.getParent();
        Path tmp = null;
        try {
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                    throw SourceException.permanent("source archive " + shown + ": target " + target + " is not a directory");
                }
                try (var s = Files.list(target)) {
                    if (s.findAny().isPresent()) {
                        throw SourceException.permanent("source archive " + shown + ": target directory " + target + " is not empty");
                    }
                }
            }
            Files.createDirectories(parent);
            tmp = Files.createTempDirectory(parent, "." + target.getFileName() + ".extract-").toRealPath();
            Extraction x = new Extraction(shown, tmp, maxBytes, Files.size(archive));
            byte[] magic = new byte[6];
            int n;
            try (InputStream in = Files.newInputStream(archive)) {
                n = in.readNBytes(magic, 0, magic.length);
            }
            if (n >= 4 && magic[0] == 'P' && magic[1] == 'K' && (magic[2] == 3 || magic[2] == 5) && (magic[3] == 4 || magic[3] == 6)) {
                x.zip(archive);
            } else if (n >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
                try (InputStream in = new GZIPInputStream(new BufferedInputStream(Files.newInputStream(archive), 1 << 16), 1 << 16)) {
                    x.tar(in);
                }
            } else if (n >= 6 && (magic[0] & 0xff) == 0xfd && magic[1] == '7' && magic[2] == 'z' && magic[3] == 'X'
                    && magic[4] == 'Z' && magic[5] == 0) {
                try (InputStream in = new XZInputStream(new BufferedInputStream(Files.newInputStream(archive), 1 << 16))) {
                    x.tar(in);
                }
            } else if (n >= 3 && magic[0] == 'B' && magic[1] == 'Z' && magic[2] == 'h') {
                try (InputStream in = new BZip2CompressorInputStream(new BufferedInputStream(Files.newInputStream(archive), 1 << 16))) {
                    x.tar(in);
                }
            } else if (isPlainTar(archive)) {
                try (InputStream in = new BufferedInputStream(Files.newInputStream(archive), 1 << 16)) {
                    x.tar(in);
                }
            } else {
                throw SourceException.permanent("source archive " + shown + ": not a tar.gz, tar.xz, tar.bz2, tar or zip archive");
            }
            Path root = x.finish();
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                Files.delete(target); // empty, checked above
            }
            moveAtomically(root, target);
        } catch (SourceException e) {
            throw e;
        } catch (java.io.EOFException | org.tukaani.xz.XZIOException | java.util.zip.ZipException e) {
            throw SourceException.permanent("source archive " + shown + ": corrupt or truncated (" + oneLine(e) + ")", e);
        } catch (IOException e) {
            if (isFormatError(e)) {
                throw SourceException.permanent("source archive " + shown + ": corrupt or truncated (" + oneLine(e) + ")", e);
            }
            throw SourceException.transientFailure("source archive " + shown + ": " + oneLine(e), e);
        } catch (IllegalArgumentException e) {
            // commons-compress reports some malformed headers this way
            throw SourceException.permanent("source archive " + shown + ": corrupt (" + oneLine(e) + ")", e);
        } finally {
            if (tmp != null) {
                FileTrees.deleteQuietly(tmp);
            }
        }
    }

    private static boolean isFormatError(IOException e) {
        String n = e.getClass().getName();
        return n.startsWith("org.apache.commons.compress") || n.startsWith("org.tukaani") || e instanceof java.util.zip.ZipException
                || String.valueOf(e.getMessage()).contains("Not in GZIP format") || String.valueOf(e.getMessage()).toLowerCase().contains("corrupt");
    }

    private static String oneLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.replaceAll("[\\r\\n]+", " ");
    }

    private static boolean isPlainTar(Path archive) throws IOException {
        byte[] header = new byte[512];
        int n;
        try (InputStream in = Files.newInputStream(archive)) {
            n = in.readNBytes(header, 0, 512);
        }
        return n == 512 && new String(header, 257, 5, StandardCharsets.US_ASCII).equals("ustar");
    }

    /** The state of one extraction into a temporary directory. */
    private static final class Extraction {
        private final String shown;
        private final Path tmp;
        private final long maxBytes;
        private final long archiveSize;
        private long total;
        /** normalized name → kind ('d', 'f', 'l', 'h') */
        private final Map<String, Character> kinds = new LinkedHashMap<>();
        private final Map<String, String> symlinks = new LinkedHashMap<>();
        private final Map<String, String> hardlinks = new LinkedHashMap<>();
        private final Set<String> executables = new HashSet<>();

        Extraction(String shown, Path tmp, long maxBytes, long archiveSize) {
            this.shown = shown;
            this.tmp = tmp;
            this.maxBytes = maxBytes;
            this.archiveSize = Math.max(1, archiveSize);
        }

        private SourceException refuse(String name, String why) {
            return SourceException.permanent("source archive " + shown + ": entry '" + clean(name) + "' " + why);
        }

        private static String clean(String s) {
            StringBuilder b = new StringBuilder();
            s.codePoints().forEach(c -> {
                if (c < 0x20 || c == 0x7f) {
                    b.append('?');
                } else {
                    b.appendCodePoint(c);
                }
            });
            return b.length() > 200 ? b.substring(0, 200) + "..." : b.toString();
        }

        /** The entry's name normalized to "a/b/c" (no trailing slash), or a refusal. */
        private int entries;

        private void count() {
            if (++entries > MAX_ENTRIES) {
                throw SourceException.permanent("source archive " + shown + ": more than " + MAX_ENTRIES + " entries");
            }
        }

        private String normalize(String raw) {
            if (raw.isEmpty() || raw.indexOf('\0') >= 0) {
                throw refuse(raw, "has an invalid name");
            }
            if (raw.startsWith("/") || raw.matches("^[A-Za-z]:.*") || raw.startsWith("\\")) {
                throw refuse(raw, "has an absolute path");
            }
            List<String> parts = new ArrayList<>();
            for (String p : raw.split("/+")) {
                if (p.isEmpty() || p.equals(".")) {
                    continue;
                }
                if (p.equals("..")) {
                    if (parts.isEmpty()) {
                        throw refuse(raw, "escapes the archive");
                    }
                    parts.remove(parts.size() - 1);
                } else {
                    parts.add(p);
                }
            }
            return String.join("/", parts);
        }

        private void checkParents(String raw, String name) {
            int i = name.indexOf('/');
            while (i >= 0) {
                String prefix = name.substring(0, i);
                Character k = kinds.get(prefix);
                if (k != null && k != 'd') {
                    throw refuse(raw, "lies under '" + prefix + "', which is not a directory");
                }
                i = name.indexOf('/', i + 1);
            }
        }

        private void directory(String raw) throws IOException {
            String name = normalize(raw);
            if (name.isEmpty()) {
                return;
            }
            checkParents(raw, name);
            Character k = kinds.get(name);
            if (k != null && k != 'd') {
                throw refuse(raw, "is both a directory and a file");
            }
            kinds.put(name, 'd');
            Files.createDirectories(tmp.resolve(name));
        }

        private void file(String raw, InputStream data, boolean executable) throws IOException {
            String name = normalize(raw);
            if (name.isEmpty()) {
                throw refuse(raw, "is a file without a name");
            }
            checkParents(raw, name);
            Character k = kinds.get(name);
            if (k != null && k != 'f') {
                throw refuse(raw, "appears twice with different types");
            }
            kinds.put(name, 'f');
            Path p = tmp.resolve(name);
            Files.createDirectories(p.getParent());
            byte[] buf = new byte[1 << 16];
            try (OutputStream out = Files.newOutputStream(p)) {
                int n;
                while ((n = data.read(buf)) > 0) {
                    total += n;
                    if (total > maxBytes) {
                        throw SourceException.permanent("source archive " + shown + ": more than " + maxBytes
                                + " bytes uncompressed (limit)");
                    }
                    if (total > RATIO_FLOOR && total > MAX_RATIO * archiveSize) {
                        throw SourceException.permanent("source archive " + shown + ": compression ratio above "
                                + MAX_RATIO + ":1 (a zip bomb?)");
                    }
                    out.write(buf, 0, n);
                }
            }
            if (executable) {
                executables.add(name);
            } else {
                executables.remove(name);
            }
        }

        private void link(String raw, String target, boolean hard) {
            String name = normalize(raw);
            if (name.isEmpty()) {
                throw refuse(raw, "is a link without a name");
            }
            checkParents(raw, name);
            if (kinds.containsKey(name)) {
                throw refuse(raw, "appears twice");
            }
            if (target == null || target.isEmpty() || target.indexOf('\0') >= 0) {
                throw refuse(raw, "is a link without a target");
            }
            if (hard) {
                if (target.startsWith("/")) {
                    throw refuse(raw, "is a hard link to an absolute path '" + clean(target) + "'");
                }
                String t;
                try {
                    t = normalize(target);
                } catch (SourceException e) {
                    throw refuse(raw, "is a hard link outside the archive ('" + clean(target) + "')");
                }
                hardlinks.put(name, t);
                kinds.put(name, 'h');
            } else {
                if (target.startsWith("/") || target.matches("^[A-Za-z]:.*")) {
                    throw refuse(raw, "is a symlink to an absolute path '" + clean(target) + "'");
                }
                symlinks.put(name, target);
                kinds.put(name, 'l');
            }
        }

        void tar(InputStream compressed) throws IOException {
            TarArchiveInputStream tar = new TarArchiveInputStream(compressed, StandardCharsets.UTF_8.name());
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                count();
                String raw = e.getName();
                if (e.isDirectory()) {
                    directory(raw);
                } else if (e.isSymbolicLink()) {
                    link(raw, e.getLinkName(), false);
                } else if (e.isLink()) {
                    link(raw, e.getLinkName(), true);
                } else if (e.isCharacterDevice() || e.isBlockDevice()) {
                    throw refuse(raw, "is a device");
                } else if (e.isFIFO()) {
                    throw refuse(raw, "is a fifo");
                } else if (e.isGNUSparse() || e.isStarSparse() || e.isPaxGNUSparse()) {
                    throw refuse(raw, "is a sparse file (not supported)");
                } else if (e.isFile()) {
                    file(raw, tar, (e.getMode() & 0111) != 0);
                } else {
                    throw refuse(raw, "has an unsupported type '" + (char) e.getLinkFlag() + "'");
                }
            }
        }

        void zip(Path archive) throws IOException {
            try (ZipFile zf = ZipFile.builder().setPath(archive).get()) {
                Enumeration<ZipArchiveEntry> en = zf.getEntriesInPhysicalOrder();
                while (en.hasMoreElements()) {
                    ZipArchiveEntry e = en.nextElement();
                    count();
                    String raw = e.getName().replace('\\', '/');
                    if (e.isUnixSymlink()) {
                        String target;
                        try (InputStream in = zf.getInputStream(e)) {
                            byte[] b = in.readNBytes(4097);
                            if (b.length > 4096) {
                                throw refuse(raw, "is a symlink with an overlong target");
                            }
                            target = new String(b, StandardCharsets.UTF_8);
                        }
                        link(raw, target, false);
                    } else if (e.isDirectory()) {
                        directory(raw);
                    } else {
                        int unixMode = e.getUnixMode();
                        int type = unixMode & 0170000;
                        if (e.getPlatform() == ZipArchiveEntry.PLATFORM_UNIX && type != 0 && type != 0100000) {
                            throw refuse(raw, type == 0020000 || type == 0060000 ? "is a device"
                                    : type == 0010000 ? "is a fifo" : "has an unsupported type");
                        }
                        try (InputStream in = zf.getInputStream(e)) {
                            file(raw, in, e.getPlatform() == ZipArchiveEntry.PLATFORM_UNIX && (unixMode & 0111) != 0);
                        }
                    }
                }
            }
        }

        /** Creates links, sets modes, checks links, and returns the directory to move into place. */
        Path finish() throws IOException {
            // Strip a single top-level directory.
            Set<String> tops = new HashSet<>();
            boolean deeper = false;
            for (String name : kinds.keySet()) {
                int slash = name.indexOf('/');
                tops.add(slash < 0 ? name : name.substring(0, slash));
                deeper |= slash >= 0;
            }
            String strip = null;
            if (tops.size() == 1) {
                String top = tops.iterator().next();
                Character k = kinds.get(top);
                if ((k == null || k == 'd') && (deeper || k != null)) {
                    strip = top;
                }
            }
            Path root = strip == null ? tmp : tmp.resolve(strip);
            Files.createDirectories(root);
            // Symlinks: lexical check relative to the final root first, then create, then a physical check.
            for (Map.Entry<String, String> s : symlinks.entrySet()) {
                String name = s.getKey();
                Path link = tmp.resolve(name);
                Path rel = root.relativize(link.getParent());
                String lexical = (rel.toString().isEmpty() ? "" : rel.toString() + "/") + s.getValue();
                try {
                    normalize(lexical);
                } catch (SourceException e) {
                    throw refuse(name, "is a symlink pointing outside the archive ('" + clean(s.getValue()) + "')");
                }
                Files.createDirectories(link.getParent());
                Files.createSymbolicLink(link, Path.of(s.getValue()));
            }
            for (String name : symlinks.keySet()) {
                Path link = tmp.resolve(name);
                if (!physicallyInside(root, link.getParent(), symlinks.get(name), 0)) {
                    throw refuse(name, "is a symlink pointing outside the archive ('" + clean(symlinks.get(name)) + "')");
                }
            }
            for (Map.Entry<String, String> h : hardlinks.entrySet()) {
                Character k = kinds.get(h.getValue());
                if (k == null || k != 'f') {
                    throw refuse(h.getKey(), "is a hard link to '" + clean(h.getValue()) + "', which is not a file earlier in the archive");
                }
                Path link = tmp.resolve(h.getKey());
                Files.createDirectories(link.getParent());
                Files.copy(tmp.resolve(h.getValue()), link, StandardCopyOption.COPY_ATTRIBUTES);
                if (executables.contains(h.getValue())) {
                    executables.add(h.getKey());
                }
            }
            setModes(root);
            return root;
        }

        private void setModes(Path root) throws IOException {
            if (!root.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                return;
            }
            var dirMode = PosixFilePermissions.fromString("rwxr-xr-x");
            var exeMode = PosixFilePermissions.fromString("rwxr-xr-x");
            var fileMode = PosixFilePermissions.fromString("rw-r--r--");
            for (Map.Entry<String, Character> e : kinds.entrySet()) {
                Path p = tmp.resolve(e.getKey());
                switch (e.getValue()) {
                    case 'd' -> Files.setPosixFilePermissions(p, dirMode);
                    case 'f', 'h' -> Files.setPosixFilePermissions(p, executables.contains(e.getKey()) ? exeMode : fileMode);
                    default -> { }
                }
            }
            // Directories created implicitly (parents of entries without their own directory entry).
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                    Files.setPosixFilePermissions(d, dirMode);
                    return FileVisitResult.CONTINUE;
                }
            });
        }
    }

    // ------------------------------------------------------------------ helpers

    private static void moveAtomically(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        } catch (DirectoryNotEmptyException e) {
            throw e;
        }
    }
}
