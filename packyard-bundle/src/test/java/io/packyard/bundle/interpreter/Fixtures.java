package io.packyard.bundle.interpreter;

import com.sun.net.httpserver.HttpServer;
import io.packyard.bundle.Target;
import io.packyard.python.util.Progress;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

/**
 * Test fixtures. The archives built here are FIXTURES standing in for python-build-standalone
 * install_only archives: same layout ({@code python/bin}, {@code python/lib/python3.X},
 * {@code python/include/python3.X/patchlevel.h}, or {@code python/python.exe} and
 * {@code python/Lib} for Windows), but made by the tests, never downloaded.
 */
final class Fixtures {

    private Fixtures() {}

    /** One entry of a hand-made tar archive. */
    record Entry(String name, byte type, String content, String linkTarget, int mode) {
        static Entry file(String name, String content) {
            return new Entry(name, TarArchiveEntry.LF_NORMAL, content, null, 0644);
        }

        static Entry exe(String name, String content) {
            return new Entry(name, TarArchiveEntry.LF_NORMAL, content, null, 0755);
        }

        static Entry dir(String name) {
            return new Entry(name, TarArchiveEntry.LF_DIR, null, null, 0755);
        }

        static Entry symlink(String name, String target) {
            return new Entry(name, TarArchiveEntry.LF_SYMLINK, null, target, 0777);
        }
    }

    /** A tar.gz of hand-made entries, names taken literally (so they may be hostile). */
    static Path tarGz(Path out, List<Entry> entries) throws IOException {
        try (OutputStream raw = Files.newOutputStream(out);
                GzipCompressorOutputStream gz = new GzipCompressorOutputStream(raw);
                TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Entry e : entries) {
                TarArchiveEntry te = new TarArchiveEntry(e.name(), e.type(), true);
                te.setMode(e.mode() | (e.type() == TarArchiveEntry.LF_DIR ? 040000 : e.type() == TarArchiveEntry.LF_SYMLINK ? 0120000 : 0100000));
                if (e.linkTarget() != null) {
                    te.setLinkName(e.linkTarget());
                }
                byte[] data = e.content() == null ? new byte[0] : e.content().getBytes(StandardCharsets.ISO_8859_1);
                te.setSize(e.type() == TarArchiveEntry.LF_NORMAL ? data.length : 0);
                tar.putArchiveEntry(te);
                if (e.type() == TarArchiveEntry.LF_NORMAL) {
                    tar.write(data);
                }
                tar.closeArchiveEntry();
            }
        }
        return out;
    }

    /** A tar.gz of a directory tree under {@code top/}, sorted, with modes and symbolic links. */
    static Path tarGzTree(Path tree, String top, Path out) throws IOException {
        List<Path> paths = new ArrayList<>();
        Files.walkFileTree(tree, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                paths.add(dir);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                paths.add(file);
                return FileVisitResult.CONTINUE;
            }
        });
        Collections.sort(paths);
        try (OutputStream raw = Files.newOutputStream(out);
                GzipCompressorOutputStream gz = new GzipCompressorOutputStream(raw);
                TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Path p : paths) {
                String rel = tree.relativize(p).toString();
                String name = rel.isEmpty() ? top + "/" : top + "/" + rel;
                TarArchiveEntry te;
                if (Files.isSymbolicLink(p)) {
                    te = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK, true);
                    te.setLinkName(Files.readSymbolicLink(p).toString());
                    tar.putArchiveEntry(te);
                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    te = new TarArchiveEntry(name.endsWith("/") ? name : name + "/", TarArchiveEntry.LF_DIR, true);
                    te.setMode(040000 | FileOps.mode(p));
                    tar.putArchiveEntry(te);
                } else {
                    te = new TarArchiveEntry(name, TarArchiveEntry.LF_NORMAL, true);
                    te.setMode(0100000 | FileOps.mode(p));
                    te.setSize(Files.size(p));
                    tar.putArchiveEntry(te);
                    Files.copy(p, tar);
                }
                tar.closeArchiveEntry();
            }
        }
        return out;
    }

    /** A Linux target whose binaries do not run here, so a synthetic tree is never executed. */
    static Target foreignLinuxTarget() {
        return Arrays.stream(Target.values())
                .filter(t -> t.os() == Target.Os.LINUX && !t.runsOnHost())
                .findFirst()
                .orElseThrow();
    }

    static int elfMachine(Target t) {
        return t.machine().equals("aarch64") ? ElfFile.EM_AARCH64 : ElfFile.EM_X86_64;
    }

    /** An ELF64 header and nothing else: enough for the architecture check, never run. */
    static String minimalElf(int machine) {
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0});
        b.position(16);
        b.putShort((short) 2).putShort((short) machine).putInt(1);
        b.position(52);
        b.putShort((short) 64).putShort((short) 56).putShort((short) 0).putShort((short) 64);
        return new String(b.array(), StandardCharsets.ISO_8859_1);
    }

    /** An MZ stub with a PE header for the given machine (0x8664 AMD64, 0xAA64 ARM64). */
    static String minimalPe(int machine) {
        ByteBuffer b = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0, (byte) 'M').put(1, (byte) 'Z');
        b.putInt(0x3c, 0x80);
        b.put(0x80, (byte) 'P').put(0x81, (byte) 'E');
        b.putShort(0x84, (short) machine);
        return new String(b.array(), StandardCharsets.ISO_8859_1);
    }

    static String patchlevel(String version) {
        return "/* Python version identification */\n#define PY_MAJOR_VERSION 3\n#define PY_VERSION              \"" + version + "\"\n";
    }

    /** Entries of a synthetic Linux install_only tree (never run). */
    static List<Entry> linuxTree(String version, int machine) {
        String xy = version.substring(0, version.lastIndexOf('.'));
        String lib = "python/lib/python" + xy + "/";
        return List.of(
                Entry.dir("python/"),
                Entry.dir("python/bin/"),
                Entry.exe("python/bin/python" + xy, minimalElf(machine)),
                Entry.symlink("python/bin/python3", "python" + xy),
                Entry.exe("python/bin/pip3", "#!/bin/sh\n"),
                Entry.exe("python/bin/idle3", "#!/bin/sh\n"),
                Entry.exe("python/bin/pydoc3", "#!/bin/sh\n"),
                Entry.file("python/include/python" + xy + "/patchlevel.h", patchlevel(version)),
                Entry.exe("python/lib/libpython" + xy + ".so.1.0", minimalElf(machine)),
                Entry.symlink("python/lib/libpython" + xy + ".so", "libpython" + xy + ".so.1.0"),
                Entry.file(lib + "os.py", "# os\n"),
                Entry.file(lib + "json/__init__.py", "# json\n"),
                Entry.file(lib + "json/__pycache__/__init__.cpython-312.pyc", "bytecode"),
                Entry.file(lib + "stale.pyc", "bytecode"),
                Entry.file(lib + "test/test_os.py", "# test\n"),
                Entry.file(lib + "unittest/test/test_case.py", "# test\n"),
                Entry.file(lib + "unittest/__init__.py", "# unittest\n"),
                Entry.file(lib + "idlelib/idle.py", "# idle\n"),
                Entry.file(lib + "ensurepip/__init__.py", "# ensurepip\n"),
                Entry.file(lib + "config-" + xy + "-x86_64-linux-gnu/libpython" + xy + ".a", "static"),
                Entry.file(lib + "config-" + xy + "-x86_64-linux-gnu/Makefile", "# make\n"),
                Entry.file(lib + "site-packages/README.txt", "This directory exists so that 3rd party packages can be installed here.\n"),
                Entry.file(lib + "site-packages/pip/__init__.py", "# pip\n"),
                Entry.exe(lib + "lib-dynload/_json.cpython-312-x86_64-linux-gnu.so", minimalElf(machine)));
    }

    /** Entries of a synthetic Windows install_only tree. */
    static List<Entry> windowsTree(String version, int peMachine) {
        String xy = version.substring(0, version.lastIndexOf('.'));
        String dll = "python3" + xy.substring(2) + ".dll";
        return List.of(
                Entry.dir("python/"),
                Entry.exe("python/python.exe", minimalPe(peMachine)),
                Entry.exe("python/pythonw.exe", minimalPe(peMachine)),
                Entry.exe("python/" + dll, "dll"),
                Entry.exe("python/python3.dll", "dll"),
                Entry.file("python/include/patchlevel.h", patchlevel(version)),
                Entry.file("python/Lib/os.py", "# os\n"),
                Entry.file("python/Lib/test/test_os.py", "# test\n"),
                Entry.file("python/Lib/idlelib/idle.py", "# idle\n"),
                Entry.file("python/Lib/site-packages/README.txt", "readme\n"),
                Entry.file("python/Lib/site-packages/pip/__init__.py", "# pip\n"),
                Entry.exe("python/Scripts/pip.exe", minimalPe(peMachine)),
                Entry.exe("python/Scripts/pip3.12.exe", minimalPe(peMachine)),
                Entry.exe("python/DLLs/_ssl.pyd", "pyd"),
                Entry.file("python/libs/python312.lib", "import library"));
    }

    /** Serves files on 127.0.0.1 and records the requested paths. */
    static final class Server implements AutoCloseable {
        final HttpServer server;
        final Map<String, byte[]> files = new ConcurrentHashMap<>();
        final List<String> requests = new CopyOnWriteArrayList<>();

        Server() throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/", exchange -> {
                String path = exchange.getRequestURI().getRawPath();
                requests.add(path);
                byte[] body = files.get(path);
                if (body == null) {
                    exchange.sendResponseHeaders(404, -1);
                } else {
                    exchange.sendResponseHeaders(200, body.length);
                    try (OutputStream o = exchange.getResponseBody()) {
                        o.write(body);
                    }
                }
                exchange.close();
            });
            server.start();
        }

        String base() {
            return "http://127.0.0.1:" + server.getAddress().getPort();
        }

        void put(String path, byte[] body) {
            files.put(path, body);
        }

        void put(String path, Path file) throws IOException {
            files.put(path, Files.readAllBytes(file));
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    /** Records progress messages. */
    static final class RecordingProgress implements Progress {
        final List<String> steps = new CopyOnWriteArrayList<>();
        final List<String> warnings = new CopyOnWriteArrayList<>();
        volatile long lastDone = -1;
        volatile long lastTotal = -1;

        @Override
        public void step(String message) {
            steps.add(message);
        }

        @Override
        public void advance(long done, long total) {
            lastDone = done;
            lastTotal = total;
        }

        @Override
        public void warn(String message) {
            warnings.add(message);
        }
    }

    /** Every path below {@code root}, relative and '/'-separated, sorted. */
    static List<String> listing(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> !p.equals(root)).map(p -> FileOps.rel(root, p)).sorted().toList();
        }
    }

    static String sha256(Path file) throws IOException {
        return FileOps.sha256(file);
    }
}
