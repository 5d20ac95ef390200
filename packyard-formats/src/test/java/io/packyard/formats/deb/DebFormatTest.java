package io.packyard.formats.deb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.packyard.bundle.Bundle;
import io.packyard.bundle.Target;
import io.packyard.formats.testkit.Cmd;
import io.packyard.formats.testkit.FixtureBundle;
import io.packyard.formats.testkit.Packages;
import io.packyard.python.PackyardException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.ar.ArArchiveEntry;
import org.apache.commons.compress.archivers.ar.ArArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tukaani.xz.XZInputStream;

class DebFormatTest {
    private static final String NAME = "h5-debfmt";

    @TempDir
    Path tmp;

    private final DebFormat format = new DebFormat();

    @Test
    void fileNameUsesDebianVersionAndArchitecture() throws IOException {
        Bundle b = FixtureBundle.named(NAME).version("2!1.0rc1").build(tmp.resolve("b"));
        String arch = Target.host() == Target.LINUX_AARCH64 ? "arm64" : "amd64";
        assertThat(format.fileName(b)).isEqualTo(NAME + "_1.0~rc1-1_" + arch + ".deb");
        assertThat(format.supports(Target.LINUX_X86_64)).isTrue();
        assertThat(format.supports(Target.LINUX_AARCH64)).isTrue();
        assertThat(format.supports(Target.WINDOWS_X64)).isFalse();
    }

    @Test
    void archiveLayoutIsWhatDpkgDebWrites() throws IOException {
        FixtureBundle f = FixtureBundle.named(NAME);
        Bundle b = f.build(tmp.resolve("b"));
        Path deb = Packages.build(format, b, tmp.resolve("out"));

        Map<String, byte[]> members = arMembers(deb);
        assertThat(members.keySet()).containsExactly("debian-binary", "control.tar.xz", "data.tar.xz");
        assertThat(new String(members.get("debian-binary"), StandardCharsets.US_ASCII)).isEqualTo("2.0\n");

        List<TarArchiveEntry> data = new ArrayList<>();
        Map<String, byte[]> dataContent = untar(members.get("data.tar.xz"), data);
        List<String> names = data.stream().map(TarArchiveEntry::getName).toList();
        assertThat(names).startsWith("./", "./opt/", "./opt/packyard-" + NAME + "/",
                "./opt/packyard-" + NAME + "/demo/");
        assertThat(names).contains("./usr/", "./usr/bin/", "./usr/bin/" + f.command(),
                "./usr/share/doc/" + NAME + "/copyright", "./usr/share/doc/" + NAME + "/changelog.Debian.gz",
                "./opt/packyard-" + NAME + "/demo/data/file with spaces.txt",
                "./opt/packyard-" + NAME + "/demo/data/café.txt",
                "./opt/packyard-" + NAME + "/demo/" + FixtureBundle.LONG_PATH);
        for (TarArchiveEntry e : data) {
            assertThat(e.getLongUserId()).as(e.getName()).isZero();
            assertThat(e.getLongGroupId()).as(e.getName()).isZero();
            // numeric owner only: dpkg would look "root" up in /etc/passwd and /etc/group for every entry
            assertThat(e.getUserName()).as(e.getName()).isEmpty();
            assertThat(e.getGroupName()).as(e.getName()).isEmpty();
            assertThat(e.getLastModifiedTime().toMillis() / 1000).isEqualTo(b.sourceDateEpoch());
        }
        TarArchiveEntry link = data.stream().filter(e -> e.getName().equals("./usr/bin/" + f.command())).findFirst().orElseThrow();
        assertThat(link.isSymbolicLink()).isTrue();
        assertThat(link.getLinkName()).isEqualTo("/opt/packyard-" + NAME + "/demo/bin/" + f.command());
        TarArchiveEntry python = data.stream()
                .filter(e -> e.getName().endsWith("/demo/python/bin/python3")).findFirst().orElseThrow();
        assertThat(python.getMode() & 07777).isEqualTo(0755);

        List<TarArchiveEntry> control = new ArrayList<>();
        Map<String, byte[]> controlContent = untar(members.get("control.tar.xz"), control);
        assertThat(control.stream().map(TarArchiveEntry::getName))
                .containsExactly("./", "./control", "./md5sums", "./postinst", "./postrm", "./prerm");
        String controlFile = new String(controlContent.get("./control"), StandardCharsets.UTF_8);
        assertThat(controlFile).startsWith("Package: " + NAME + "\nVersion: 1.0-1\n");
        // the fixture's stand-in interpreter is a shell script: no ELF file, so dpkg-shlibdeps
        // finds no library dependency at all (a real bundle gets libc6 and what else it links)
        assertThat(controlFile).doesNotContain("Depends:");
        assertThat(controlFile).contains("Maintainer: Packyard Tests <tests@packyard.example.org>\n",
                "Homepage: https://example.org/packyard-fixture\n",
                "Description: Fixture application for Packyard format tests\n"
                        + " A synthetic bundle with a stand-in interpreter.\n .\n It exercises long paths");

        // md5sums lists every regular file with its digest, paths without a leading slash
        String md5sums = new String(controlContent.get("./md5sums"), StandardCharsets.UTF_8);
        long files = data.stream().filter(e -> e.getLinkFlag() == TarConstants.LF_NORMAL).count();
        assertThat(md5sums.lines().count()).isEqualTo(files);
        for (TarArchiveEntry e : data) {
            if (e.getLinkFlag() == TarConstants.LF_NORMAL) {
                String md5 = HexFormat.of().formatHex(md5(dataContent.get(e.getName())));
                assertThat(md5sums).contains(md5 + "  " + e.getName().substring(2) + "\n");
            }
        }
        // Installed-Size is in KiB: at least the file bytes
        long installed = Long.parseLong(controlFile.lines().filter(l -> l.startsWith("Installed-Size: "))
                .findFirst().orElseThrow().substring("Installed-Size: ".length()));
        assertThat(installed * 1024).isGreaterThanOrEqualTo(b.installedSize());
    }

    @Test
    void systemInterpreterDependsOnMatchingPython3() throws IOException {
        Bundle b = FixtureBundle.named(NAME).systemInterpreter().debDepends(List.of("libpq5", "libfoo1 | libfoo2"))
                .build(tmp.resolve("b"));
        assertThat(DebControl.depends(b.metadata(), java.util.Optional.empty()))
                .containsExactly("python3 (>= 3.12~)", "python3 (<< 3.13)", "libpq5", "libfoo1 | libfoo2");
    }

    @Test
    void bundledLibrariesAreProvidedLocally() {
        assertThat(DebShlibs.shlibsEntry("libpython3.11.so.1.0")).contains("libpython3.11 1.0");
        assertThat(DebShlibs.shlibsEntry("libfoo-2.1.so")).contains("libfoo 2.1");
        assertThat(DebShlibs.shlibsEntry("libpython3.so")).isEmpty();
    }

    /**
     * dpkg-shlibdeps's answer is cached under a key of its inputs: a second build of the same ELF
     * files reads the cache (a sentinel written into the entry comes back), another ELF file
     * makes another key and runs dpkg-shlibdeps again.
     */
    @Test
    @Tag("system")
    void shlibdepsResultsAreCachedUnderAKeyOfTheirInputs() throws IOException {
        assumeTrue(Cmd.available("dpkg-shlibdeps"), "dpkg-shlibdeps (dpkg-dev) not installed");
        Path root = tmp.resolve("b");
        Bundle staged = FixtureBundle.named(NAME).build(root);
        Files.copy(Path.of("/usr/bin/xz"), root.resolve("data/xz")); // an ELF file that links liblzma
        Bundle b = Bundle.builder().metadata(staged.metadata()).root(root).sourceDateEpoch(staged.sourceDateEpoch()).build();
        Path cache = tmp.resolve("cache");

        List<String> first = DebShlibs.compute(b, io.packyard.python.util.Progress.NONE, cache).orElseThrow();
        assertThat(first).anyMatch(d -> d.startsWith("liblzma5")).anyMatch(d -> d.startsWith("libc6"));
        List<Path> entries;
        try (var files = Files.list(cache)) {
            entries = files.toList();
        }
        assertThat(entries).hasSize(1);
        assertThat(Files.readAllLines(entries.get(0)).subList(1, first.size() + 1)).isEqualTo(first);

        Files.writeString(entries.get(0), "# packyard dpkg-shlibdeps result v1\nsentinel (>= 1)\n");
        assertThat(DebShlibs.compute(b, io.packyard.python.util.Progress.NONE, cache)).contains(List.of("sentinel (>= 1)"));

        Files.copy(Path.of("/usr/bin/xz"), root.resolve("data/xz-again"));
        Bundle other = Bundle.builder().metadata(staged.metadata()).root(root).sourceDateEpoch(staged.sourceDateEpoch()).build();
        assertThat(DebShlibs.compute(other, io.packyard.python.util.Progress.NONE, cache).orElseThrow()).isEqualTo(first);
        try (var files = Files.list(cache)) {
            assertThat(files.count()).isEqualTo(2);
        }
    }

    @Test
    void computedLibraryDependenciesReplaceTheGlibcFloor() throws IOException {
        Bundle b = FixtureBundle.named(NAME).debDepends(List.of("libpq5")).build(tmp.resolve("b"));
        assertThat(DebControl.depends(b.metadata(), java.util.Optional.empty())).containsExactly("libc6 (>= 2.17)", "libpq5");
        assertThat(DebControl.depends(b.metadata(), java.util.Optional.of(List.of("libc6 (>= 2.34)", "libssl3 (>= 3.0.0)"))))
                .containsExactly("libc6 (>= 2.34)", "libssl3 (>= 3.0.0)", "libpq5");
    }

    @Test
    void sameInputsGiveIdenticalBytes() throws IOException {
        Bundle one = FixtureBundle.named(NAME).build(tmp.resolve("one"));
        Bundle two = FixtureBundle.named(NAME).build(tmp.resolve("two"));
        Path a = Packages.build(format, one, tmp.resolve("a"));
        Path b = Packages.build(format, two, tmp.resolve("b"));
        assertThat(Files.readAllBytes(a)).isEqualTo(Files.readAllBytes(b));
        Bundle later = FixtureBundle.named(NAME).sourceDateEpoch(1_800_000_000L).build(tmp.resolve("later"));
        Path c = Packages.build(format, later, tmp.resolve("c"));
        assertThat(Files.readAllBytes(c)).isNotEqualTo(Files.readAllBytes(a));
    }

    /**
     * data.tar.xz is cut into equal xz blocks from the tar's exact size, counted before it is
     * written: an even number of blocks of {@link io.packyard.formats.linux.ParallelXzOutputStream#blockSize}
     * for that size, the last shorter by less than the number of blocks. (Preset 0, 384 KiB
     * nominal blocks, so that a small bundle makes several.) Both LZMA2 encoders (XZ for Java and
     * liblzma through xz) cut the same blocks, each reproducibly, and hold the same tar.
     */
    @Test
    @Tag("system")
    void dataBlocksAreEqualAndCutFromTheExactTarSize() throws IOException {
        Bundle b = FixtureBundle.named(NAME).modules(40, i -> 40_000 + i * 997, 7).build(tmp.resolve("b"));
        java.util.Map<String, byte[]> tars = new java.util.LinkedHashMap<>();
        for (io.packyard.formats.linux.Lzma2Encoder encoder : List.of(io.packyard.formats.linux.Lzma2Encoder.java(0),
                io.packyard.formats.linux.Lzma2Encoder.liblzma(io.packyard.python.util.Executables.onPath("xz")
                        .orElseThrow(() -> new AssertionError("xz (xz-utils) is not on PATH")), 0))) {
            String label = encoder.description();
            Path deb = Packages.build(new DebFormat(0, encoder), b, tmp.resolve("out-" + tars.size()));
            Path again = Packages.build(new DebFormat(0, encoder), b, tmp.resolve("again-" + tars.size()));
            assertThat(Files.mismatch(deb, again)).as(label + ": two builds differ").isEqualTo(-1L);
            Path xz = tmp.resolve("data-" + tars.size() + ".tar.xz");
            Files.write(xz, arMembers(deb).get("data.tar.xz"));
            byte[] tar;
            try (InputStream in = new XZInputStream(Files.newInputStream(xz))) {
                tar = in.readAllBytes();
            }
            tars.put(label, tar);
            long tarSize = tar.length;
            int block = io.packyard.formats.linux.ParallelXzOutputStream.blockSize(256 << 10, tarSize);
            assertThat(tarSize).isGreaterThan(1_600_000);
            try (org.tukaani.xz.SeekableXZInputStream in = new org.tukaani.xz.SeekableXZInputStream(
                    new org.tukaani.xz.SeekableFileInputStream(xz.toFile()))) {
                int n = in.getBlockCount();
                assertThat(n).as(label).isEqualTo((int) ((tarSize + block - 1) / block)).isGreaterThanOrEqualTo(4);
                assertThat(n % 2).isZero();
                for (int i = 0; i < n - 1; i++) {
                    assertThat(in.getBlockSize(i)).as("%s: block %d", label, i).isEqualTo(block);
                }
                assertThat(in.getBlockSize(n - 1)).isGreaterThan(block - n).isLessThanOrEqualTo(block);
            }
        }
        // XZ for Java and liblzma compress the same tar
        List<byte[]> contents = List.copyOf(tars.values());
        assertThat(contents.get(1)).isEqualTo(contents.get(0));
    }

    @Test
    void rejectsNamesDebianCannotUse() throws IOException {
        Bundle b = FixtureBundle.named("x").build(tmp.resolve("b"));
        assertThatThrownBy(() -> format.fileName(b)).isInstanceOf(PackyardException.class)
                .hasMessageContaining("[project].name: 'x' is not a valid Debian package name");
    }

    @Test
    void descriptionFollowsControlFileRules() {
        assertThat(DebControl.extendedDescription("\nFirst paragraph\twith a tab.\n\n\n  verbatim line\n.\nlast\n\n"))
                .isEqualTo(" First paragraph with a tab.\n .\n .\n   verbatim line\n .\n last\n");
        String longLine = "word ".repeat(40).strip();
        for (String line : DebControl.extendedDescription(longLine).split("\n")) {
            assertThat(line.length()).isLessThanOrEqualTo(80);
        }
        // " ..." or " .venv" would be a reserved line (lintian: description-contains-invalid-control-statement)
        assertThat(DebControl.extendedDescription("output:\n...\nend\n.venv holds it"))
                .isEqualTo(" output:\n  ...\n end\n  .venv holds it\n");
    }

    @Test
    @Tag("system")
    void dpkgDebReadsItAndExtractsTheBundle() throws IOException {
        assumeTrue(Cmd.available("dpkg-deb"), "dpkg-deb not installed");
        FixtureBundle f = FixtureBundle.named(NAME);
        Bundle b = f.build(tmp.resolve("b"));
        Path deb = Packages.build(format, b, tmp.resolve("out"));

        String info = Cmd.run("dpkg-deb", "--info", deb.toString()).ok().stdout();
        assertThat(info).contains(" Package: " + NAME, " Version: 1.0-1", " Architecture: ", "postinst", "prerm", "postrm");
        String contents = Cmd.run("dpkg-deb", "--contents", deb.toString()).ok().stdout();
        assertThat(contents).contains(" 0/0 ", "./opt/packyard-" + NAME + "/demo/" + FixtureBundle.LONG_PATH,
                "./usr/bin/" + f.command() + " -> /opt/packyard-" + NAME + "/demo/bin/" + f.command());
        Cmd.run("dpkg-deb", "--fsys-tarfile", deb.toString()).ok();

        Path x = tmp.resolve("extracted");
        Cmd.run("dpkg-deb", "-x", deb.toString(), x.toString()).ok();
        Path prefix = x.resolve("opt/packyard-" + NAME + "/demo");
        for (var e : b.entries()) {
            Path p = prefix.resolve(e.path());
            switch (e.kind()) {
                case DIRECTORY -> assertThat(p).isDirectory();
                case SYMLINK -> assertThat(Files.readSymbolicLink(p).toString()).isEqualTo(e.linkTarget());
                case FILE -> {
                    assertThat(Files.readAllBytes(p)).as(e.path()).isEqualTo(Files.readAllBytes(e.source()));
                    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS)))
                            .isEqualTo(e.mode() == 0755 ? "rwxr-xr-x" : "rw-r--r--");
                }
            }
        }
        Path control = tmp.resolve("control");
        Cmd.run("dpkg-deb", "-e", deb.toString(), control.toString()).ok();
        for (String script : List.of("postinst", "prerm", "postrm")) {
            Cmd.run("sh", "-n", control.resolve(script).toString()).ok();
        }
    }

    /**
     * {@code [tool.packyard.deb] compression = "gzip"}: control.tar.gz and data.tar.gz (the data
     * deflated on several threads), read by dpkg-deb and gzip, reproducible, holding the same
     * tar as the xz package, and lintian-clean.
     */
    @Test
    @Tag("system")
    void gzipCompressionIsReadByDpkgAndLintianClean() throws IOException {
        Path root = tmp.resolve("b");
        // a few MiB: several parallel blocks
        Bundle staged = FixtureBundle.named(NAME).modules(40, i -> 100_000, 11).build(root);
        Bundle b = Bundle.builder()
                .metadata(staged.metadata().withDeb(new io.packyard.bundle.DebOptions(
                        io.packyard.bundle.Compression.GZIP)))
                .root(root).sourceDateEpoch(staged.sourceDateEpoch()).build();
        Path deb = Packages.build(format, b, tmp.resolve("out"));
        Path again = Packages.build(format, b, tmp.resolve("again"));
        assertThat(Files.mismatch(deb, again)).as("two builds differ").isEqualTo(-1L);

        Map<String, byte[]> members = arMembers(deb);
        assertThat(members.keySet()).containsExactly("debian-binary", "control.tar.gz", "data.tar.gz");
        Path data = tmp.resolve("data.tar.gz");
        Files.write(data, members.get("data.tar.gz"));
        Cmd.run("gzip", "--test", data.toString()).ok();
        byte[] tar;
        try (InputStream in = new java.util.zip.GZIPInputStream(Files.newInputStream(data))) {
            tar = in.readAllBytes();
        }
        assertThat(tar.length).isGreaterThan(3 * io.packyard.formats.linux.ParallelGzipOutputStream.BLOCK_SIZE);
        // the same tar as the default (xz) package of the same bundle
        Bundle xzBundle = Bundle.builder().metadata(staged.metadata()).root(root)
                .sourceDateEpoch(staged.sourceDateEpoch()).build();
        try (InputStream in = new XZInputStream(new java.io.ByteArrayInputStream(
                arMembers(Packages.build(format, xzBundle, tmp.resolve("xz"))).get("data.tar.xz")))) {
            assertThat(in.readAllBytes()).isEqualTo(tar);
        }

        assertThat(Cmd.run("dpkg-deb", "--info", deb.toString()).ok().stdout()).contains(" Package: " + NAME);
        Path x = tmp.resolve("extracted");
        Cmd.run("dpkg-deb", "-x", deb.toString(), x.toString()).ok();
        for (int i = 0; i < 40; i++) {
            String rel = "data/module_" + i + ".py";
            assertThat(x.resolve("opt/packyard-" + NAME + "/demo/" + rel)).hasSameBinaryContentAs(root.resolve(rel));
        }
        Cmd.Result lintian = Cmd.run(List.of("lintian", "--no-cfg", deb.toString()), Map.of(), tmp);
        assertThat(lintian.output().lines().filter(l -> l.startsWith("E: ")).toList()).as(lintian.output()).isEmpty();
    }

    @Test
    @Tag("system")
    void lintianFindsNoErrors() throws IOException {
        assumeTrue(Cmd.available("lintian"), "lintian not installed");
        Path root = tmp.resolve("b");
        // add build-time bytecode as staging does, so the pycache override is exercised
        Bundle staged = FixtureBundle.named(NAME).build(root);
        Path pycache = root.resolve("lib/python3.12/site-packages/a_package_with_a_rather_long_name/__pycache__");
        Files.createDirectories(pycache);
        Files.write(pycache.resolve("__init__.cpython-312.pyc"), new byte[] {(byte) 0xcb, 0x0d, 0x0d, 0x0a, 3, 0, 0, 0});
        Bundle b = Bundle.builder().metadata(staged.metadata()).root(root).sourceDateEpoch(staged.sourceDateEpoch()).build();
        Path deb = Packages.build(format, b, tmp.resolve("out"));
        Cmd.Result r = Cmd.run(List.of("lintian", "--no-cfg", "--display-info", deb.toString()), Map.of(), tmp);
        System.out.println("lintian " + deb.getFileName() + ":\n" + r.output());
        assertThat(r.output().lines().filter(l -> l.startsWith("E: ")).toList()).isEmpty();
        // the overrides for the bundled CPython's own files go unused with this fixture's stand-in
        // interpreter (a shell script); the package-wide ones must all be used
        assertThat(r.output().lines().filter(l -> l.contains("unused-override") && !l.contains("/python/*]")).toList())
                .isEmpty();
        assertThat(r.exitCode()).as(r.output()).isIn(0, 1);
    }

    static Map<String, byte[]> arMembers(Path deb) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (ArArchiveInputStream ar = new ArArchiveInputStream(Files.newInputStream(deb))) {
            ArArchiveEntry e;
            while ((e = ar.getNextEntry()) != null) {
                assertThat(e.getUserId()).isZero();
                assertThat(e.getGroupId()).isZero();
                out.put(e.getName(), ar.readAllBytes());
            }
        }
        return out;
    }

    static Map<String, byte[]> untar(byte[] xz, List<TarArchiveEntry> entries) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (InputStream in = new XZInputStream(new ByteArrayInputStream(xz));
                TarArchiveInputStream tar = new TarArchiveInputStream(in, "UTF-8")) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                entries.add(e);
                out.put(e.getName(), tar.readAllBytes());
            }
        }
        return out;
    }

    static byte[] md5(byte[] data) {
        try {
            return MessageDigest.getInstance("MD5").digest(data);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
