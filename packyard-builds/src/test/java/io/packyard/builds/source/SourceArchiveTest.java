package io.packyard.builds.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZOutputStream;

class SourceArchiveTest {

    @TempDir
    Path tmp;

    private Path tree() throws IOException {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.writeString(src.resolve("setup.py"), "print('hi')\n");
        Files.createDirectories(src.resolve("pkg/sub"));
        Files.writeString(src.resolve("pkg/__init__.py"), "");
        Files.writeString(src.resolve("pkg/sub/data.txt"), "data ü\n");
        Path script = Files.writeString(src.resolve("run.sh"), "#!/bin/sh\necho hi\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-x---"));
        Files.setPosixFilePermissions(src.resolve("setup.py"), PosixFilePermissions.fromString("rw-------"));
        Files.createDirectories(src.resolve(".git/objects"));
        Files.writeString(src.resolve(".git/HEAD"), "ref: refs/heads/main\n");
        Files.createDirectories(src.resolve("vendor/lib"));
        Files.writeString(src.resolve("vendor/lib/.git"), "gitdir: ../../.git/modules/lib\n");
        Files.writeString(src.resolve("vendor/lib/lib.py"), "X = 1\n");
        Files.createSymbolicLink(src.resolve("link-in"), Path.of("pkg/sub/data.txt"));
        Files.createSymbolicLink(src.resolve("pkg/up"), Path.of("../setup.py"));
        Files.createSymbolicLink(src.resolve("link-out"), Path.of("../../etc/passwd"));
        Files.createSymbolicLink(src.resolve("link-abs"), Path.of("/etc/passwd"));
        Files.writeString(src.resolve("pkg/" + "long-".repeat(30) + ".txt"), "long name\n");
        return src;
    }

    private static List<String> listing(Path tgz) throws IOException {
        List<String> out = new ArrayList<>();
        try (InputStream in = new GZIPInputStream(Files.newInputStream(tgz));
                TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                out.add(e.getName() + " " + Integer.toOctalString(e.getMode()) + " " + e.getModTime().getTime() / 1000
                        + " " + e.getLongUserId() + ":" + e.getLongGroupId() + (e.isSymbolicLink() ? " -> " + e.getLinkName() : ""));
            }
        }
        return out;
    }

    @Test
    void packIsReproducibleSortedAndClean() throws IOException {
        Path src = tree();
        Path a = tmp.resolve("a.tar.gz");
        Path b = tmp.resolve("b.tar.gz");
        List<String> log = new ArrayList<>();
        SourceArchive.pack(src, a, 1700000000L, log::add);
        // Touch every file: mtimes and order of creation must not matter.
        Files.setLastModifiedTime(src.resolve("setup.py"), java.nio.file.attribute.FileTime.fromMillis(12345));
        SourceArchive.pack(src, b, 1700000000L, null);
        assertThat(Files.readAllBytes(a)).isEqualTo(Files.readAllBytes(b));
        assertThat(tmp.resolve(".a.tar.gz.tmp")).doesNotExist();

        List<String> entries = listing(a);
        String longName = "pkg/" + "long-".repeat(30) + ".txt";
        assertThat(entries).containsExactly(
                "link-in 120777 1700000000 0:0 -> pkg/sub/data.txt",
                "pkg/ 40755 1700000000 0:0",
                "pkg/__init__.py 100644 1700000000 0:0",
                longName + " 100644 1700000000 0:0",
                "pkg/sub/ 40755 1700000000 0:0",
                "pkg/sub/data.txt 100644 1700000000 0:0",
                "pkg/up 120777 1700000000 0:0 -> ../setup.py",
                "run.sh 100755 1700000000 0:0",
                "setup.py 100644 1700000000 0:0",
                "vendor/ 40755 1700000000 0:0",
                "vendor/lib/ 40755 1700000000 0:0",
                "vendor/lib/lib.py 100644 1700000000 0:0");
        assertThat(log).containsExactlyInAnyOrder(
                "left out symlink link-abs -> /etc/passwd: points outside the tree",
                "left out symlink link-out -> ../../etc/passwd: points outside the tree");
        // gzip header: no name, mtime 0.
        byte[] bytes = Files.readAllBytes(a);
        assertThat(bytes[3]).isZero();
        assertThat(new byte[] {bytes[4], bytes[5], bytes[6], bytes[7]}).containsOnly(0);
    }

    @Test
    void defaultMtimeIsZero() throws IOException {
        Path src = tree();
        Path a = tmp.resolve("a.tar.gz");
        SourceArchive.pack(src, a);
        assertThat(listing(a)).allMatch(l -> l.contains(" 0 0:0"));
    }

    @Test
    void roundTrip() throws IOException {
        Path src = tree();
        Path a = tmp.resolve("a.tar.gz");
        SourceArchive.pack(src, a);
        Path out = tmp.resolve("out");
        SourceArchive.extract(a, out, 1 << 20);
        assertThat(out.resolve("setup.py")).hasContent("print('hi')");
        assertThat(out.resolve("pkg/sub/data.txt")).hasContent("data ü");
        assertThat(out.resolve("vendor/lib/lib.py")).hasContent("X = 1");
        assertThat(out.resolve(".git")).doesNotExist();
        assertThat(out.resolve("vendor/lib/.git")).doesNotExist();
        assertThat(Files.readSymbolicLink(out.resolve("link-in"))).isEqualTo(Path.of("pkg/sub/data.txt"));
        assertThat(out.resolve("link-in")).hasContent("data ü");
        assertThat(out.resolve("pkg/up")).hasContent("print('hi')");
        assertThat(Files.getPosixFilePermissions(out.resolve("run.sh"))).isEqualTo(PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThat(Files.getPosixFilePermissions(out.resolve("setup.py"))).isEqualTo(PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(Files.exists(out.resolve("link-out"), LinkOption.NOFOLLOW_LINKS)).isFalse();
        // No temporary directory left next to the target.
        try (var s = Files.list(tmp)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("src", "a.tar.gz", "out");
        }
        // Re-packing the extracted tree gives the same archive.
        Path again = tmp.resolve("again.tar.gz");
        SourceArchive.pack(out, again);
        assertThat(Files.readAllBytes(again)).isEqualTo(Files.readAllBytes(a));
    }

    // ------------------------------------------------------------------ crafted archives

    interface TarWriter {
        void write(TarArchiveOutputStream tar) throws IOException;
    }

    private Path tarGz(String name, TarWriter w) throws IOException {
        Path p = tmp.resolve(name);
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(p));
                TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            w.write(tar);
            tar.finish();
        }
        return p;
    }

    private static void file(TarArchiveOutputStream tar, String name, String content) throws IOException {
        byte[] b = content.getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(b.length);
        tar.putArchiveEntry(e);
        tar.write(b);
        tar.closeArchiveEntry();
    }

    private static void special(TarArchiveOutputStream tar, String name, byte type, String link) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, type);
        if (link != null) {
            e.setLinkName(link);
        }
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
    }

    private void assertRefused(Path archive, String message) {
        Path out = tmp.resolve("out");
        assertThatThrownBy(() -> SourceArchive.extract(archive, out, 1 << 20))
                .isInstanceOfSatisfying(SourceException.class, e -> {
                    assertThat(e.getMessage()).isEqualTo("source archive " + archive.getFileName() + ": " + message);
                    assertThat(e.transientFailure()).isFalse();
                });
        assertThat(out).doesNotExist();
        try (var s = Files.list(tmp)) {
            assertThat(s.map(p -> p.getFileName().toString())).allMatch(n -> !n.contains("extract"));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        assertThat(tmp.getParent().resolve("evil")).doesNotExist();
    }

    @Test
    void refusesDotDotEscape() throws IOException {
        Path a = tarGz("src.tar.gz", t -> {
            file(t, "ok.txt", "fine");
            file(t, "../evil", "x");
        });
        assertRefused(a, "entry '../evil' escapes the archive");
        Path b = tarGz("b.tar.gz", t -> file(t, "a/../../evil", "x"));
        assertRefused(b, "entry 'a/../../evil' escapes the archive");
    }

    @Test
    void refusesAbsolutePaths() throws IOException {
        // commons-compress strips a leading slash when writing; build the header name by hand.
        Path a = tmp.resolve("abs.tar.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(a))) {
            byte[] header = new byte[512];
            byte[] name = "/tmp/evil".getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(name, 0, header, 0, name.length);
            put(header, 100, "0000644");
            put(header, 108, "0000000");
            put(header, 116, "0000000");
            put(header, 124, "00000000004");
            put(header, 136, "00000000000");
            header[156] = '0';
            put(header, 257, "ustar");
            header[262] = 0;
            put(header, 263, "00");
            java.util.Arrays.fill(header, 148, 156, (byte) ' ');
            long sum = 0;
            for (byte x : header) {
                sum += x & 0xff;
            }
            put(header, 148, String.format("%06o", sum));
            header[154] = 0;
            out.write(header);
            byte[] data = new byte[512];
            put(data, 0, "evil");
            out.write(data);
            out.write(new byte[1024]);
        }
        assertRefused(a, "entry '/tmp/evil' has an absolute path");
    }

    private static void put(byte[] b, int off, String s) {
        byte[] x = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(x, 0, b, off, x.length);
    }

    @Test
    void refusesSymlinksOutside() throws IOException {
        assertRefused(tarGz("s1.tar.gz", t -> special(t, "link", TarArchiveEntry.LF_SYMLINK, "/etc/passwd")),
                "entry 'link' is a symlink to an absolute path '/etc/passwd'");
        assertRefused(tarGz("s2.tar.gz", t -> special(t, "d/link", TarArchiveEntry.LF_SYMLINK, "../../x")),
                "entry 'd/link' is a symlink pointing outside the archive ('../../x')");
        // Inside lexically ("a/a/.." is "a") but outside physically: a -> "." so a/a/.. is the root's parent.
        assertRefused(tarGz("s3.tar.gz", t -> {
            special(t, "top/a", TarArchiveEntry.LF_SYMLINK, ".");
            special(t, "top/b", TarArchiveEntry.LF_SYMLINK, "a/a/..");
        }), "entry 'top/b' is a symlink pointing outside the archive ('a/a/..')");
        // The same chain one level down stays inside and is accepted ("other" keeps "d" from being stripped).
        Path ok = tarGz("s5.tar.gz", t -> {
            file(t, "other", "o");
            file(t, "d/f", "f");
            special(t, "d/a", TarArchiveEntry.LF_SYMLINK, ".");
            special(t, "d/b", TarArchiveEntry.LF_SYMLINK, "a/a/../d/f");
        });
        Path out = tmp.resolve("ok");
        SourceArchive.extract(ok, out, 1 << 20);
        assertThat(out.resolve("d/b")).hasContent("f");
        // Writing a file through a symlink is refused.
        assertRefused(tarGz("s4.tar.gz", t -> {
            special(t, "l", TarArchiveEntry.LF_SYMLINK, "sub");
            file(t, "l/x", "through the link");
        }), "entry 'l/x' lies under 'l', which is not a directory");
    }

    @Test
    void refusesAfterStripWhenLinkLeavesTheStrippedRoot() throws IOException {
        // top/l -> ../top/x is inside the archive but outside once "top/" is stripped.
        assertRefused(tarGz("strip.tar.gz", t -> {
            file(t, "top/x", "x");
            special(t, "top/l", TarArchiveEntry.LF_SYMLINK, "../top/x");
        }), "entry 'top/l' is a symlink pointing outside the archive ('../top/x')");
    }

    @Test
    void refusesHardlinksOutsideOrDangling() throws IOException {
        assertRefused(tarGz("h1.tar.gz", t -> special(t, "h", TarArchiveEntry.LF_LINK, "/etc/passwd")),
                "entry 'h' is a hard link to an absolute path '/etc/passwd'");
        assertRefused(tarGz("h2.tar.gz", t -> special(t, "h", TarArchiveEntry.LF_LINK, "../etc/passwd")),
                "entry 'h' is a hard link outside the archive ('../etc/passwd')");
        assertRefused(tarGz("h3.tar.gz", t -> special(t, "h", TarArchiveEntry.LF_LINK, "missing")),
                "entry 'h' is a hard link to 'missing', which is not a file earlier in the archive");
    }

    @Test
    void hardlinkInsideIsACopy() throws IOException {
        Path a = tarGz("h.tar.gz", t -> {
            file(t, "f", "content");
            special(t, "g", TarArchiveEntry.LF_LINK, "f");
        });
        Path out = tmp.resolve("out");
        SourceArchive.extract(a, out, 1000);
        assertThat(out.resolve("g")).hasContent("content");
    }

    @Test
    void refusesDevicesAndFifos() throws IOException {
        assertRefused(tarGz("c.tar.gz", t -> special(t, "dev", TarArchiveEntry.LF_CHR, null)), "entry 'dev' is a device");
        assertRefused(tarGz("b.tar.gz", t -> special(t, "dev", TarArchiveEntry.LF_BLK, null)), "entry 'dev' is a device");
        assertRefused(tarGz("f.tar.gz", t -> special(t, "pipe", TarArchiveEntry.LF_FIFO, null)), "entry 'pipe' is a fifo");
    }

    @Test
    void refusesTooLarge() throws IOException {
        Path a = tarGz("big.tar.gz", t -> file(t, "big", "0123456789".repeat(20_000)));
        Path out = tmp.resolve("out");
        assertThatThrownBy(() -> SourceArchive.extract(a, out, 100_000))
                .isInstanceOf(SourceException.class)
                .hasMessage("source archive big.tar.gz: more than 100000 bytes uncompressed (limit)");
        assertThat(out).doesNotExist();
        SourceArchive.extract(a, out, 200_000);
        assertThat(Files.size(out.resolve("big"))).isEqualTo(200_000);
    }

    @Test
    void refusesZipBomb() throws IOException {
        Path a = tmp.resolve("bomb.zip");
        try (ZipArchiveOutputStream z = new ZipArchiveOutputStream(a)) {
            ZipArchiveEntry e = new ZipArchiveEntry("zeros");
            z.putArchiveEntry(e);
            byte[] zeros = new byte[1 << 16];
            for (int i = 0; i < 160; i++) {
                z.write(zeros);
            }
            z.closeArchiveEntry();
        }
        assertThat(Files.size(a)).isLessThan(100_000);
        Path out = tmp.resolve("out");
        assertThatThrownBy(() -> SourceArchive.extract(a, out, Long.MAX_VALUE))
                .isInstanceOf(SourceException.class)
                .hasMessage("source archive bomb.zip: compression ratio above 100:1 (a zip bomb?)");
        assertThat(out).doesNotExist();
    }

    @Test
    void zipWithTopLevelDirectoryIsStripped() throws IOException {
        Path a = tmp.resolve("hello-py-main.zip");
        try (ZipArchiveOutputStream z = new ZipArchiveOutputStream(a)) {
            z.putArchiveEntry(new ZipArchiveEntry("hello-py-main/"));
            z.closeArchiveEntry();
            ZipArchiveEntry f = new ZipArchiveEntry("hello-py-main/pyproject.toml");
            z.putArchiveEntry(f);
            z.write("[project]\nname = \"hello\"\n".getBytes(StandardCharsets.UTF_8));
            z.closeArchiveEntry();
            ZipArchiveEntry x = new ZipArchiveEntry("hello-py-main/bin/run");
            x.setUnixMode(0100755);
            z.putArchiveEntry(x);
            z.write("#!/bin/sh\n".getBytes(StandardCharsets.UTF_8));
            z.closeArchiveEntry();
            ZipArchiveEntry l = new ZipArchiveEntry("hello-py-main/link");
            l.setUnixMode(0120777);
            z.putArchiveEntry(l);
            z.write("pyproject.toml".getBytes(StandardCharsets.UTF_8));
            z.closeArchiveEntry();
        }
        Path out = tmp.resolve("out");
        SourceArchive.extract(a, out, 1 << 20);
        assertThat(out.resolve("pyproject.toml")).hasContent("[project]\nname = \"hello\"");
        assertThat(Files.isExecutable(out.resolve("bin/run"))).isTrue();
        assertThat(Files.readSymbolicLink(out.resolve("link"))).isEqualTo(Path.of("pyproject.toml"));
        assertThat(out.resolve("hello-py-main")).doesNotExist();
    }

    @Test
    void zipRefusals() throws IOException {
        Path a = tmp.resolve("evil.zip");
        try (ZipArchiveOutputStream z = new ZipArchiveOutputStream(a)) {
            z.putArchiveEntry(new ZipArchiveEntry("../evil"));
            z.write(1);
            z.closeArchiveEntry();
        }
        assertRefused(a, "entry '../evil' escapes the archive");
        Path b = tmp.resolve("link.zip");
        try (ZipArchiveOutputStream z = new ZipArchiveOutputStream(b)) {
            ZipArchiveEntry l = new ZipArchiveEntry("link");
            l.setUnixMode(0120777);
            z.putArchiveEntry(l);
            z.write("../../etc".getBytes(StandardCharsets.UTF_8));
            z.closeArchiveEntry();
        }
        assertRefused(b, "entry 'link' is a symlink pointing outside the archive ('../../etc')");
        Path c = tmp.resolve("fifo.zip");
        try (ZipArchiveOutputStream z = new ZipArchiveOutputStream(c)) {
            ZipArchiveEntry l = new ZipArchiveEntry("pipe");
            l.setUnixMode(0010644);
            z.putArchiveEntry(l);
            z.closeArchiveEntry();
        }
        assertRefused(c, "entry 'pipe' is a fifo");
    }

    @Test
    void tarXzDetectedByMagicNotName() throws IOException {
        Path a = tmp.resolve("source.tgz"); // misnamed on purpose: it is xz
        try (OutputStream out = new XZOutputStream(Files.newOutputStream(a), new LZMA2Options());
                TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            file(tar, "proj-1.0/a.txt", "A");
            file(tar, "proj-1.0/b/c.txt", "C");
            tar.finish();
        }
        Path out = tmp.resolve("out");
        SourceArchive.extract(a, out, 1 << 20);
        assertThat(out.resolve("a.txt")).hasContent("A");
        assertThat(out.resolve("b/c.txt")).hasContent("C");
    }

    @Test
    void noStripWhenSeveralTopLevelEntries() throws IOException {
        Path a = tarGz("two.tar.gz", t -> {
            file(t, "one/a", "a");
            file(t, "two", "b");
        });
        Path out = Files.createDirectories(tmp.resolve("out")); // an existing empty target is fine
        SourceArchive.extract(a, out, 1 << 20);
        assertThat(out.resolve("one/a")).hasContent("a");
        assertThat(out.resolve("two")).hasContent("b");
        // A single top-level file is not a directory to strip.
        Path b = tarGz("single.tar.gz", t -> file(t, "only.txt", "o"));
        Path out2 = tmp.resolve("out2");
        SourceArchive.extract(b, out2, 1 << 20);
        assertThat(out2.resolve("only.txt")).hasContent("o");
    }

    @Test
    void refusesNonEmptyTargetAndGarbage() throws IOException {
        Path a = tarGz("x.tar.gz", t -> file(t, "a", "a"));
        Path out = Files.createDirectories(tmp.resolve("full"));
        Files.writeString(out.resolve("keep"), "k");
        assertThatThrownBy(() -> SourceArchive.extract(a, out, 1 << 20))
                .isInstanceOf(SourceException.class)
                .hasMessageContaining("is not empty");
        assertThat(out.resolve("keep")).exists();

        Path junk = Files.writeString(tmp.resolve("junk.tar.gz"), "this is not an archive at all");
        assertThatThrownBy(() -> SourceArchive.extract(junk, tmp.resolve("o"), 1 << 20))
                .isInstanceOf(SourceException.class)
                .hasMessage("source archive junk.tar.gz: not a tar.gz, tar.xz, tar.bz2, tar or zip archive");

        byte[] whole = Files.readAllBytes(a);
        Path truncated = tmp.resolve("trunc.tar.gz");
        Files.write(truncated, java.util.Arrays.copyOf(whole, whole.length / 2));
        assertThatThrownBy(() -> SourceArchive.extract(truncated, tmp.resolve("o"), 1 << 20))
                .isInstanceOfSatisfying(SourceException.class, e -> {
                    assertThat(e.getMessage()).startsWith("source archive trunc.tar.gz: corrupt or truncated");
                    assertThat(e.transientFailure()).isFalse();
                });
        assertThat(tmp.resolve("o")).doesNotExist();
    }

    @Test
    void gzipPackedByUsIsByteStableAcrossRuns() throws IOException {
        // Guard against an accidental dependence on directory listing order.
        Path src = Files.createDirectories(tmp.resolve("many"));
        for (int i = 50; i > 0; i--) {
            Files.writeString(src.resolve("f" + i), "x" + i);
        }
        ByteArrayOutputStream first = new ByteArrayOutputStream();
        Path a = tmp.resolve("m1.tar.gz");
        SourceArchive.pack(src, a);
        first.write(Files.readAllBytes(a));
        Path src2 = Files.createDirectories(tmp.resolve("many2"));
        for (int i = 1; i <= 50; i++) {
            Files.writeString(src2.resolve("f" + i), "x" + i);
        }
        Path b = tmp.resolve("m2.tar.gz");
        SourceArchive.pack(src2, b);
        assertThat(Files.readAllBytes(b)).isEqualTo(first.toByteArray());
    }
}
