package io.packyard.formats.onefile;

import io.packyard.bundle.Bundle;
import io.packyard.bundle.BundleEntry;
import io.packyard.bundle.BundleMetadata;
import io.packyard.bundle.Command;
import io.packyard.bundle.Target;
import io.packyard.formats.PackageFormat;
import io.packyard.formats.linux.ParallelBlockOutputStream;
import io.packyard.python.PackyardException;
import io.packyard.python.util.Progress;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * One executable file holding the whole bundle ({@code --format onefile}, Linux and Windows x64):
 * a prebuilt stub ({@code onefile/stub.c}, a static ELF, or {@code onefile/stub-windows.c}, a
 * CRT-free PE picked by the subsystem of the app's default command; committed as resources of
 * this package) followed by the
 * bundle's files compressed in LZ4 blocks, a manifest and a trailer. On its first start the stub
 * unpacks the bundle into {@code ~/.cache/packyard/onefile/<name>-<content id>/}, checks it,
 * and runs the bundle's launcher; later starts find the copy there, check it cheaply (lstat of
 * every entry against a stamp), and run it with no unpacking. The Windows stub does the same in
 * {@code %LOCALAPPDATA%\Packyard\onefile\<name>-<content id>\} and starts the launcher as a
 * child process. {@code onefile/README.md} describes
 * the layout and the stub's behaviour.
 *
 * <p>File layout (all integers little-endian):
 *
 * <pre>
 * [stub ELF]
 * [data]      blocks of {@value #BLOCK_SIZE} uncompressed bytes (the last one shorter) of the
 *             concatenated file contents in manifest order; each block is a u32 word (its
 *             stored length, bit 31 set when the block is stored uncompressed) and the bytes
 *             (an LZ4 block, or the raw bytes)
 * [manifest]  "PKYMAN01", u32 version 1, u32 flags 0, 16-byte content id, u64 mtime
 *             (SOURCE_DATE_EPOCH), u64 total data bytes, u32 block size, u32 block count,
 *             u32 entry count, u32 command count, str name, str version, str target,
 *             commands (str name, str launcher), entries (u8 kind 1 dir / 2 file / 3 symlink,
 *             u32 mode, str path, then for a file u64 size and u64 XXH64, for a symlink str target)
 * [trailer]   u64 manifest offset, u64 manifest length, u64 data offset, u64 data length,
 *             u64 XXH64 of the manifest, "PKYONEF1"                                  (48 bytes)
 * </pre>
 *
 * {@code str} is a u16 byte length and UTF-8 bytes. Entries are in depth-first order (a
 * directory's contents follow it), every parent a directory listed before. The content id is
 * the first 16 bytes of a SHA-256 digest over every entry's kind, mode, path, symlink target,
 * size and content SHA-256, and SOURCE_DATE_EPOCH.
 *
 * <p>Reproducible: the same bundle and SOURCE_DATE_EPOCH give the same bytes (the compressor is
 * deterministic; blocks are compressed in parallel but written in order).
 */
public final class OnefileFormat implements PackageFormat {
    /** Uncompressed bytes per data block. */
    static final int BLOCK_SIZE = 1 << 20;
    /** Hash-chain attempts of the LZ4 compressor: size against build time, measured in onefile/README.md. */
    static final int COMPRESSION_ATTEMPTS = 16;
    static final int BLOCK_STORED = 0x80000000;
    static final int TRAILER_SIZE = 48;
    static final byte[] TRAILER_MAGIC = "PKYONEF1".getBytes(StandardCharsets.US_ASCII);
    static final byte[] MANIFEST_MAGIC = "PKYMAN01".getBytes(StandardCharsets.US_ASCII);
    static final int MANIFEST_VERSION = 1;
    /** The stub's stamp file in the unpacked copy's root: no bundle entry may have this name. */
    static final String STAMP_NAME = ".packyard-onefile-stamp";
    static final int KIND_DIR = 1;
    static final int KIND_FILE = 2;
    static final int KIND_SYMLINK = 3;
    private static final String STUB_RESOURCE = "stub-linux-";
    /** The Windows stubs, {@code onefile/stub-windows.c} built for the console and the GUI subsystem. */
    private static final String WINDOWS_STUB_CONSOLE = "stub-windows-x64-console.exe";
    private static final String WINDOWS_STUB_GUI = "stub-windows-x64-gui.exe";

    @Override
    public String id() {
        return "onefile";
    }

    @Override
    public boolean supports(Target target) {
        return OnefileFormat.class.getResource(stubResource(target, false)) != null;
    }

    /** Deployment format: built only when asked for with {@code --format onefile}. */
    @Override
    public boolean builtByDefault() {
        return false;
    }

    /**
     * {@code <name>-<version>-<target>}: {@code hello-cli-1.0.0-linux-x86_64}, no extension on
     * Linux; {@code hello-cli-1.0.0-windows-x64.exe} on Windows.
     */
    @Override
    public String fileName(Bundle bundle) {
        BundleMetadata m = bundle.metadata();
        return m.name() + "-" + m.version() + "-" + m.target().id() + (m.target().os() == Target.Os.WINDOWS ? ".exe" : "");
    }

    /** The stub's resource name: by machine on Linux; on Windows (x64 only) by subsystem. */
    private static String stubResource(Target target, boolean gui) {
        return switch (target) {
            case WINDOWS_X64 -> gui ? WINDOWS_STUB_GUI : WINDOWS_STUB_CONSOLE;
            case WINDOWS_ARM64 -> "stub-windows-arm64"; // none: Debian has no ARM64 mingw-w64 (launcher/README.md)
            default -> STUB_RESOURCE + target.machine();
        };
    }

    /** The prebuilt console stub for {@code target}. */
    static byte[] stub(Target target) throws IOException {
        return stub(target, false);
    }

    /**
     * The prebuilt stub for {@code target}; on Windows the GUI-subsystem one when {@code gui}
     * (the onefile then opens no console window, as the app's default command is a GUI script).
     */
    static byte[] stub(Target target, boolean gui) throws IOException {
        try (InputStream in = OnefileFormat.class.getResourceAsStream(stubResource(target, gui))) {
            if (in == null) {
                throw PackyardException.build("onefile: Packyard has no onefile stub for " + target.id()
                        + " (onefile is built for linux-x86_64, linux-aarch64 and windows-x64)");
            }
            return in.readAllBytes();
        }
    }

    @Override
    public void write(Bundle bundle, Path out, Progress progress) throws IOException {
        BundleMetadata m = bundle.metadata();
        List<BundleEntry> entries = ordered(bundle);
        List<Command> commands = commands(m, entries);
        // Windows: the subsystem (console window or none) follows the default command
        byte[] stub = stub(m.target(), commands.get(0).gui());
        long total = bundle.installedSize();
        progress.step("Writing " + fileName(bundle));

        MessageDigest tree = sha256();
        tree.update("packyard-onefile-tree-1\0".getBytes(StandardCharsets.US_ASCII));
        tree.update(le64(bundle.sourceDateEpoch()));
        List<Long> fileHashes = new ArrayList<>();
        long dataLength;
        int blocks;
        try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(out, StandardOpenOption.CREATE_NEW), 1 << 16);
                BlockWriter data = new BlockWriter(os)) {
            os.write(stub);
            MessageDigest content = sha256();
            byte[] buf = new byte[1 << 16];
            long done = 0;
            for (BundleEntry e : entries) {
                byte[] path = utf8(e.path());
                tree.update((byte) kind(e));
                tree.update(le32(e.mode()));
                tree.update(path);
                tree.update((byte) 0);
                switch (e.kind()) {
                    case SYMLINK -> {
                        tree.update(utf8(e.linkTarget()));
                        tree.update((byte) 0);
                    }
                    case FILE -> {
                        XxHash64 h = new XxHash64();
                        long left = e.size();
                        try (InputStream in = Files.newInputStream(e.source())) {
                            while (left > 0) {
                                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                                if (n < 0) {
                                    throw new IOException(e.path() + ": file shrank while it was being packed");
                                }
                                h.update(buf, 0, n);
                                content.update(buf, 0, n);
                                data.write(buf, 0, n);
                                left -= n;
                                done += n;
                                progress.advance(done, total);
                            }
                            if (in.read() >= 0) {
                                throw new IOException(e.path() + ": file grew while it was being packed");
                            }
                        }
                        fileHashes.add(h.digest());
                        tree.update(le64(e.size()));
                        tree.update(content.digest());
                    }
                    case DIRECTORY -> { }
                }
            }
            data.finish();
            dataLength = data.written;
            blocks = data.blocks;
            byte[] id = Arrays.copyOf(tree.digest(), 16);
            byte[] manifest = manifest(bundle, entries, commands, fileHashes, id, total, blocks);
            os.write(manifest);
            long dataOffset = stub.length;
            long manifestOffset = dataOffset + dataLength;
            ByteBuffer t = ByteBuffer.allocate(TRAILER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
            t.putLong(manifestOffset).putLong(manifest.length).putLong(dataOffset).putLong(dataLength)
                    .putLong(XxHash64.hash(manifest)).put(TRAILER_MAGIC);
            os.write(t.array());
        }
        PosixFileAttributeView view = Files.getFileAttributeView(out, PosixFileAttributeView.class);
        if (view != null) {
            view.setPermissions(PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    /** The entries in depth-first order, checked for what the stub will refuse. */
    static List<BundleEntry> ordered(Bundle bundle) {
        boolean windows = bundle.metadata().target().os() == Target.Os.WINDOWS;
        List<BundleEntry> entries = new ArrayList<>(bundle.entries());
        entries.sort(Comparator.comparing(BundleEntry::path, OnefileFormat::comparePaths));
        if (entries.size() >= (1 << 24)) {
            throw PackyardException.build("onefile: the bundle has too many entries (" + entries.size() + ")");
        }
        Set<String> dirs = new HashSet<>();
        for (BundleEntry e : entries) {
            String p = e.path();
            if (p.isEmpty() || p.startsWith("/") || p.endsWith("/") || Arrays.asList(p.split("/", -1)).stream()
                    .anyMatch(s -> s.isEmpty() || s.equals(".") || s.equals(".."))) {
                throw PackyardException.build("onefile: bad path in the bundle: '" + p + "'");
            }
            if (windows && (e.isSymlink() || p.chars().anyMatch(c -> c < 32 || ":*?\"<>|\\".indexOf(c) >= 0))) {
                throw PackyardException.build("onefile: " + p + (e.isSymlink()
                        ? ": a symbolic link, which a Windows onefile cannot hold"
                        : ": a name Windows does not allow"));
            }
            if (p.equals(STAMP_NAME)) {
                throw PackyardException.build("onefile: the bundle may not contain " + STAMP_NAME);
            }
            if ((e.mode() & ~0777) != 0) {
                throw PackyardException.build("onefile: " + p + ": mode " + Integer.toOctalString(e.mode())
                        + " has bits a onefile cannot hold (setuid, setgid, sticky)");
            }
            if (e.isDirectory() && (e.mode() & 0700) != 0700) {
                throw PackyardException.build("onefile: " + p + ": a directory the stub could not fill (mode "
                        + Integer.toOctalString(e.mode()) + ")");
            }
            int slash = p.lastIndexOf('/');
            if (slash > 0 && !dirs.contains(p.substring(0, slash))) {
                throw PackyardException.build("onefile: " + p + ": its parent is not a directory of the bundle");
            }
            if (e.isDirectory()) {
                dirs.add(p);
            }
            str(p);
            if (e.isSymlink()) {
                if (e.linkTarget().isEmpty()) {
                    throw PackyardException.build("onefile: " + p + ": empty symlink target");
                }
                str(e.linkTarget());
            }
        }
        return entries;
    }

    private static List<Command> commands(BundleMetadata m, List<BundleEntry> entries) {
        if (m.commands().isEmpty()) {
            throw PackyardException.build("onefile: " + m.name() + " has no command to run "
                    + "([project.scripts], or [tool.packyard].scripts / gui-scripts)");
        }
        if (!m.name().matches("[a-z0-9][a-z0-9._-]{0,99}")) {
            throw PackyardException.build("onefile: '" + m.name() + "' cannot name a cache directory");
        }
        Set<String> files = new HashSet<>();
        entries.stream().filter(BundleEntry::isFile).forEach(e -> files.add(e.path()));
        for (Command c : m.commands()) {
            if (!files.contains(c.launcher())) {
                throw PackyardException.build("onefile: the launcher " + c.launcher() + " of the command "
                        + c.name() + " is not a file of the bundle");
            }
        }
        return m.commands();
    }

    /** Segment by segment, so a directory's contents follow it directly (depth-first order). */
    static int comparePaths(String a, String b) {
        String[] x = a.split("/");
        String[] y = b.split("/");
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            int c = x[i].compareTo(y[i]);
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(x.length, y.length);
    }

    private static byte[] manifest(Bundle bundle, List<BundleEntry> entries, List<Command> commands,
            List<Long> fileHashes, byte[] id, long total, int blocks) throws IOException {
        BundleMetadata m = bundle.metadata();
        ByteArrayOutputStream b = new ByteArrayOutputStream(64 + entries.size() * 80);
        b.write(MANIFEST_MAGIC);
        b.write(le32(MANIFEST_VERSION));
        b.write(le32(0));
        b.write(id);
        b.write(le64(bundle.sourceDateEpoch()));
        b.write(le64(total));
        b.write(le32(BLOCK_SIZE));
        b.write(le32(blocks));
        b.write(le32(entries.size()));
        b.write(le32(commands.size()));
        b.write(str(m.name()));
        b.write(str(m.version()));
        b.write(str(m.target().id()));
        for (Command c : commands) {
            b.write(str(c.name()));
            b.write(str(c.launcher()));
        }
        int file = 0;
        for (BundleEntry e : entries) {
            b.write(kind(e));
            b.write(le32(e.mode()));
            b.write(str(e.path()));
            if (e.isFile()) {
                b.write(le64(e.size()));
                b.write(le64(fileHashes.get(file++)));
            } else if (e.isSymlink()) {
                b.write(str(e.linkTarget()));
            }
        }
        return b.toByteArray();
    }

    private static int kind(BundleEntry e) {
        return switch (e.kind()) {
            case DIRECTORY -> KIND_DIR;
            case FILE -> KIND_FILE;
            case SYMLINK -> KIND_SYMLINK;
        };
    }

    /** u16 length + UTF-8 bytes; no NUL. */
    private static byte[] str(String s) {
        byte[] u = utf8(s);
        if (u.length > 0xFFFF || s.indexOf('\0') >= 0) {
            throw PackyardException.build("onefile: a name or path is too long or holds a NUL byte: "
                    + s.substring(0, Math.min(s.length(), 80)));
        }
        byte[] out = new byte[u.length + 2];
        out[0] = (byte) u.length;
        out[1] = (byte) (u.length >>> 8);
        System.arraycopy(u, 0, out, 2, u.length);
        return out;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] le32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    private static byte[] le64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Cuts the data into blocks and compresses them on all processors, writing the results in
     * order ({@link ParallelBlockOutputStream}); nothing follows the last block.
     */
    private static final class BlockWriter extends ParallelBlockOutputStream<byte[]> {
        private final ThreadLocal<Lz4BlockCompressor> compressor =
                ThreadLocal.withInitial(() -> new Lz4BlockCompressor(COMPRESSION_ATTEMPTS));
        long written;
        int blocks;

        BlockWriter(OutputStream out) {
            super(out, BLOCK_SIZE, Runtime.getRuntime().availableProcessors(), "onefile-lz4");
        }

        @Override
        protected Callable<byte[]> encoder(byte[] raw, int len) {
            blocks++;
            return () -> encode(compressor.get(), raw, len);
        }

        @Override
        protected void emit(byte[] block) throws IOException {
            out.write(block);
            written += block.length;
        }

        @Override
        protected void writeTrailer() {}

        /** The block as written: the length word, then the LZ4 block or, when that is not smaller, the raw bytes. */
        static byte[] encode(Lz4BlockCompressor c, byte[] raw, int len) {
            byte[] dst = new byte[4 + Lz4BlockCompressor.maxCompressedLength(len)];
            byte[] compressed = new byte[Lz4BlockCompressor.maxCompressedLength(len)];
            int n = c.compress(raw, 0, len, compressed);
            int word;
            if (n < len) {
                System.arraycopy(compressed, 0, dst, 4, n);
                word = n;
            } else {
                System.arraycopy(raw, 0, dst, 4, len);
                n = len;
                word = len | BLOCK_STORED;
            }
            dst[0] = (byte) word;
            dst[1] = (byte) (word >>> 8);
            dst[2] = (byte) (word >>> 16);
            dst[3] = (byte) (word >>> 24);
            return Arrays.copyOf(dst, 4 + n);
        }
    }
}
