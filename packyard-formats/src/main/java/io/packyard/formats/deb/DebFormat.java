package io.packyard.formats.deb;

import io.packyard.bundle.Bundle;
import io.packyard.bundle.BundleMetadata;
import io.packyard.bundle.Compression;
import io.packyard.bundle.Layout;
import io.packyard.bundle.Target;
import io.packyard.formats.PackageFormat;
import io.packyard.formats.linux.InstallTree;
import io.packyard.formats.linux.Lzma2Encoder;
import io.packyard.formats.linux.ParallelGzipOutputStream;
import io.packyard.formats.linux.ParallelXzOutputStream;
import io.packyard.formats.linux.PackageText;
import io.packyard.formats.linux.ReproducibleGzip;
import io.packyard.formats.linux.ReproducibleTar;
import io.packyard.formats.scripts.MaintainerScripts;
import io.packyard.formats.services.ServiceFiles;
import io.packyard.python.util.Futures;
import io.packyard.python.util.Progress;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import org.apache.commons.compress.archivers.ar.ArArchiveEntry;
import org.apache.commons.compress.archivers.ar.ArArchiveOutputStream;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZOutputStream;

/**
 * Debian binary packages ({@code .deb}, format 2.0): an ar archive of {@code debian-binary},
 * {@code control.tar.xz} and {@code data.tar.xz} (or {@code .gz} for both, with
 * {@code [tool.packyard.deb] compression = "gzip"}), laid out like {@code dpkg-deb --build} output
 * (GNU tar, {@code ./}-prefixed names, every parent directory listed, root:root, sorted, one
 * mtime: the bundle's SOURCE_DATE_EPOCH), so the same bundle gives the same bytes.
 *
 * <p>Installed files: the bundle under {@code /opt/<company>/<product>}, a symlink
 * {@code /usr/bin/<command>} per command, and {@code /usr/share/doc/<package>/copyright} and
 * {@code changelog.Debian.gz} (Policy 12.5, 12.7), and {@code /usr/share/lintian/overrides/<package>}
 * for the tags every Packyard package carries by design ({@link #lintianOverrides}). The control
 * archive holds {@code control},
 * {@code md5sums} and the maintainer scripts {@code postinst}, {@code prerm} and {@code postrm}
 * from {@link MaintainerScripts}; there is no {@code preinst}, as the previous version is read
 * from the state file the previous postinst wrote.
 *
 * <p>With services and configuration files ({@link ServiceFiles}, docs/services.md) the package
 * also installs the systemd units under {@code /usr/lib/systemd/system} and the files under
 * {@code /etc/<company>/<product>/}, which the control archive's {@code conffiles} lists, and
 * depends on adduser when its postinst creates accounts.
 */
public final class DebFormat implements PackageFormat {
    /** The xz preset dpkg-deb uses. */
    public static final int DEFAULT_XZ_PRESET = 6;
    /** The gzip level {@code dpkg-deb -Zgzip} uses. */
    public static final int GZIP_LEVEL = 9;

    private final int xzPreset;
    /** null: the one {@code PACKYARD_XZ} names, chosen when a package is written. */
    private final Lzma2Encoder encoder;

    public DebFormat() {
        this(DEFAULT_XZ_PRESET);
    }

    /**
     * @param xzPreset 0 (fastest) to 9 (smallest); 6 is dpkg-deb's default, 1 is about seven
     *     times faster for about a quarter larger packages
     */
    public DebFormat(int xzPreset) {
        this(xzPreset, null);
    }

    /**
     * @param xzPreset as above
     * @param encoder the LZMA2 encoder of data.tar.xz, or null for the one the {@code PACKYARD_XZ}
     *     environment variable names ({@link Lzma2Encoder#select(int)}: liblzma when the build
     *     machine has {@code xz}, else XZ for Java)
     */
    public DebFormat(int xzPreset, Lzma2Encoder encoder) {
        if (xzPreset < 0 || xzPreset > 9) {
            throw new IllegalArgumentException("xz preset must be 0 to 9: " + xzPreset);
        }
        this.xzPreset = xzPreset;
        this.encoder = encoder;
    }

    @Override
    public String id() {
        return "deb";
    }

    /** A bad {@code PACKYARD_XZ} fails the build before staging. */
    @Override
    public void checkSettings() {
        if (encoder == null) {
            Lzma2Encoder.select(xzPreset);
        }
    }

    @Override
    public boolean supports(Target target) {
        return target.os() == Target.Os.LINUX;
    }

    @Override
    public String fileName(Bundle bundle) {
        BundleMetadata m = bundle.metadata();
        return DebControl.packageName(m) + "_" + DebianVersion.fromPep440(m.version()).withoutEpoch() + "_"
                + DebControl.architecture(m.target()) + ".deb";
    }

    @Override
    public void write(Bundle bundle, Path out, Progress progress) throws IOException {
        BundleMetadata m = bundle.metadata();
        String pkg = DebControl.packageName(m);
        DebianVersion version = DebianVersion.fromPep440(m.version());
        Layout layout = InstallTree.checkedLayout(m);
        long mtime = bundle.sourceDateEpoch();
        boolean hasBytecode = bundle.entries().stream()
                .anyMatch(e -> e.isDirectory() && e.fileName().equals("__pycache__"));
        List<InstallTree.Node> extra = new ArrayList<>(docFiles(m, pkg, version, mtime, hasBytecode));
        extra.addAll(ServiceFiles.nodes(m, pkg, ServiceFiles.Flavor.DEB));
        InstallTree tree = InstallTree.of(bundle, "/opt/" + layout.companySlug(), true, extra);
        Compression compression = m.deb().compression();
        Lzma2Encoder xz = compression != Compression.XZ ? null
                : encoder != null ? encoder : Lzma2Encoder.select(xzPreset);
        progress.step("Writing " + fileName(bundle) + " (" + (xz != null ? "xz -" + xzPreset + ": " + xz.description()
                : "gzip -" + GZIP_LEVEL + ", " + threads() + " threads") + ")");
        PackageText.warnAboutMaintainer(m, progress);
        String suffix = compression.suffix();

        // beside the output and named after it, so whoever cleans up the output finds it too
        Path data = out.resolveSibling(out.getFileName() + ".data.tar." + suffix);
        Files.deleteIfExists(data);
        // Depends from dpkg-shlibdeps (seconds of perl for an interpreter's ELF files) is worked
        // out while the data is compressed, not after it
        FutureTask<Optional<List<String>>> shlibs = new FutureTask<>(() -> DebShlibs.compute(bundle, progress));
        Thread.ofPlatform().name("packyard-shlibdeps").daemon(true).start(shlibs);
        try {
            String md5sums = writeData(tree, data, mtime, xz, progress);
            byte[] control = controlArchive(m, pkg, version, tree, md5sums, mtime,
                    Futures.await(shlibs, "running dpkg-shlibdeps"), compression);
            try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(out, StandardOpenOption.CREATE_NEW));
                    ArArchiveOutputStream ar = new ArArchiveOutputStream(os)) {
                arEntry(ar, "debian-binary", "2.0\n".getBytes(StandardCharsets.US_ASCII), mtime);
                arEntry(ar, "control.tar." + suffix, control, mtime);
                ar.putArchiveEntry(new ArArchiveEntry("data.tar." + suffix, Files.size(data), 0, 0, 0100644, mtime));
                Files.copy(data, ar);
                ar.closeArchiveEntry();
                ar.finish();
            }
        } finally {
            quietlyAwait(shlibs); // done already, unless the data failed: then it must not outlive the bundle
            Files.deleteIfExists(data);
        }
    }

    private static void quietlyAwait(Future<?> f) {
        try {
            f.get(1, java.util.concurrent.TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // reported by Futures.await when it matters
        }
    }

    private static void arEntry(ArArchiveOutputStream ar, String name, byte[] content, long mtime) throws IOException {
        ar.putArchiveEntry(new ArArchiveEntry(name, content.length, 0, 0, 0100644, mtime));
        ar.write(content);
        ar.closeArchiveEntry();
    }

    private static int threads() {
        return Runtime.getRuntime().availableProcessors();
    }

    /**
     * Writes data.tar.xz ({@code xz} given) or data.tar.gz ({@code xz} null) and returns the
     * md5sums file for it. The xz blocks are cut from the tar's exact size ({@link #dataTarSize}),
     * so they come out equal ({@link ParallelXzOutputStream#blockSize}).
     */
    private static String writeData(InstallTree tree, Path data, long mtime, Lzma2Encoder xz, Progress progress)
            throws IOException {
        long total = tree.fileBytes();
        StringBuilder md5sums = new StringBuilder();
        try (OutputStream fos = new BufferedOutputStream(Files.newOutputStream(data), 1 << 16);
                OutputStream compressed = xz != null
                        ? new ParallelXzOutputStream(fos, xz, threads(), dataTarSize(tree, mtime))
                        : new ParallelGzipOutputStream(fos, GZIP_LEVEL, threads());
                ReproducibleTar tar = new ReproducibleTar(compressed, ReproducibleTar.Flavor.GNU, mtime,
                        done -> progress.advance(done, total)).numericOwner()) {
            for (InstallTree.Node n : tree.nodes()) {
                switch (n.kind()) {
                    case DIRECTORY -> tar.directory(tarName(n), n.mode());
                    case SYMLINK -> tar.symlink(tarName(n), n.linkTarget());
                    case FILE -> {
                        MessageDigest md5 = md5();
                        try (InputStream in = new DigestInputStream(open(n), md5)) {
                            tar.file(tarName(n), n.mode(), n.size(), in);
                        }
                        md5sums.append(HexFormat.of().formatHex(md5.digest())).append("  ")
                                .append(n.relativePath()).append('\n');
                    }
                }
            }
            tar.finish();
        }
        return md5sums.toString();
    }

    /**
     * The exact size of the uncompressed data.tar: the same tar writer run over the same nodes
     * into a counter, with no file read (each file's declared size stands for its content, and
     * {@link ReproducibleTar} checks it against the real file when writing). It costs the tar
     * writer's own copying of as many bytes into the counter, no I/O.
     */
    static long dataTarSize(InstallTree tree, long mtime) throws IOException {
        CountingSink sink = new CountingSink();
        try (ReproducibleTar tar = new ReproducibleTar(sink, ReproducibleTar.Flavor.GNU, mtime, null).numericOwner()) {
            for (InstallTree.Node n : tree.nodes()) {
                switch (n.kind()) {
                    case DIRECTORY -> tar.directory(tarName(n), n.mode());
                    case SYMLINK -> tar.symlink(tarName(n), n.linkTarget());
                    case FILE -> tar.file(tarName(n), n.mode(), n.size(), new UnreadContent(n.size()));
                }
            }
            tar.finish();
        }
        return sink.count;
    }

    private static String tarName(InstallTree.Node n) {
        return n.path().equals("/") ? "./" : "." + n.path() + (n.isDirectory() ? "/" : "");
    }

    /** Counts the bytes written to it and keeps none. */
    private static final class CountingSink extends OutputStream {
        long count;

        @Override
        public void write(int b) {
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            count += len;
        }
    }

    /** {@code size} bytes of unspecified content, produced without touching the caller's buffer. */
    private static final class UnreadContent extends InputStream {
        private long left;

        UnreadContent(long size) {
            this.left = size;
        }

        @Override
        public int read() {
            if (left <= 0) {
                return -1;
            }
            left--;
            return 0;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (left <= 0) {
                return -1;
            }
            int n = (int) Math.min(len, left);
            left -= n;
            return n;
        }
    }

    private static InputStream open(InstallTree.Node n) throws IOException {
        return n.content() != null ? new java.io.ByteArrayInputStream(n.content()) : Files.newInputStream(n.source());
    }

    private static byte[] controlArchive(BundleMetadata m, String pkg, DebianVersion version, InstallTree tree,
            String md5sums, long mtime, java.util.Optional<List<String>> shlibs, Compression compression)
            throws IOException {
        MaintainerScripts scripts = MaintainerScripts.of(m, pkg);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream compressed = compression == Compression.XZ
                        ? new XZOutputStream(bytes, new LZMA2Options(DEFAULT_XZ_PRESET))
                        : new ReproducibleGzip(bytes, GZIP_LEVEL);
                ReproducibleTar tar = new ReproducibleTar(compressed, ReproducibleTar.Flavor.GNU, mtime, null)) {
            tar.directory("./", 0755);
            tar.file("./control", 0644, DebControl.render(controlMetadata(m), pkg, version, tree, shlibs)
                    .getBytes(StandardCharsets.UTF_8));
            List<String> conffiles = ServiceFiles.conffiles(m);
            if (!conffiles.isEmpty()) {
                tar.file("./conffiles", 0644, (String.join("\n", conffiles) + "\n").getBytes(StandardCharsets.UTF_8));
            }
            tar.file("./md5sums", 0644, md5sums.getBytes(StandardCharsets.UTF_8));
            tar.file("./postinst", 0755, scripts.debPostinst().getBytes(StandardCharsets.UTF_8));
            tar.file("./postrm", 0755, scripts.debPostrm().getBytes(StandardCharsets.UTF_8));
            tar.file("./prerm", 0755, scripts.debPrerm().getBytes(StandardCharsets.UTF_8));
            tar.finish();
        }
        return bytes.toByteArray();
    }

    /** The metadata the control file is written from: the maintainer scripts' adduser calls need adduser. */
    static BundleMetadata controlMetadata(BundleMetadata m) {
        if (ServiceFiles.accounts(m).isEmpty()
                || m.debDepends().stream().anyMatch(d -> d.strip().matches("adduser(\\s*\\(.*\\))?"))) {
            return m;
        }
        List<String> depends = new ArrayList<>(m.debDepends());
        depends.add("adduser");
        return m.withDebDepends(depends);
    }

    /** {@code /usr/share/doc/<package>/copyright}, {@code changelog.Debian.gz} and the lintian overrides. */
    private static List<InstallTree.Node> docFiles(BundleMetadata m, String pkg, DebianVersion version, long mtime,
            boolean hasBytecode) throws IOException {
        String doc = "/usr/share/doc/" + pkg;
        List<InstallTree.Node> out = new ArrayList<>();
        out.add(InstallTree.Node.file(doc + "/copyright", 0644, copyright(m).getBytes(StandardCharsets.UTF_8)));
        out.add(InstallTree.Node.file(doc + "/changelog.Debian.gz", 0644, gzip(changelog(m, pkg, version, mtime))));
        out.add(InstallTree.Node.file("/usr/share/lintian/overrides/" + pkg, 0644,
                (lintianOverrides(pkg, hasBytecode,
                        m.bundledInterpreter() ? m.layout().installPrefix().substring(1) + "/python" : null)
                        + serviceOverrides(m, pkg)).getBytes(StandardCharsets.UTF_8)));
        return out;
    }

    /**
     * Lintian tags that hold for every package Packyard builds by design, not by mistake: the
     * install layout is /opt, as the FHS intends for add-on software that is not part of the
     * distribution; bytecode is compiled at build time and shipped, so nothing is written under
     * /opt at run time (Debian's own Python packages compile at install time instead); and a
     * package built outside Debian closes no Debian bug.
     *
     * <p>With a bundled interpreter, four more tags hold for the interpreter's own files (and only
     * there, {@code [<prefix>/python/*]}): CPython's stdlib has modules with
     * {@code #!/usr/bin/env python3} or {@code #!/usr/local/bin/python} first lines (they are run
     * as modules by the bundled interpreter, never through those paths), its extension modules
     * take libc's symbols through the interpreter that loads them, and pyexpat embeds expat as
     * CPython builds it.
     */
    static String lintianOverrides(String pkg, boolean hasBytecode, String interpreterDir) {
        String python = interpreterDir == null ? ""
                : "# The bundled CPython's own files: stdlib modules with shebangs run by the bundled interpreter,\n"
                        + "# extension modules that get libc through the interpreter, and the expat CPython embeds.\n"
                        + pkg + ": python3-script-but-no-python3-dep * [" + interpreterDir + "/*]\n"
                        + pkg + ": interpreter-in-usr-local * [" + interpreterDir + "/*]\n"
                        + pkg + ": unusual-interpreter * [" + interpreterDir + "/*]\n"
                        + pkg + ": library-not-linked-against-libc [" + interpreterDir + "/*]\n"
                        + pkg + ": shared-library-lacks-prerequisites [" + interpreterDir + "/*]\n"
                        + pkg + ": embedded-library * [" + interpreterDir + "/*]\n"
                        + pkg + ": script-not-executable [" + interpreterDir + "/*]\n";
        return "# Add-on software installs under /opt (FHS 3.13); this package is not part of Debian.\n"
                + pkg + ": dir-or-file-in-opt\n"
                + (hasBytecode
                        ? "# Bytecode is compiled at build time (unchecked-hash .pyc) and owned by the package.\n"
                                + pkg + ": package-installs-python-pycache-dir\n"
                        : "")
                + "# Built outside Debian: there is no ITP bug to close.\n"
                + pkg + ": initial-upload-closes-no-bugs\n"
                + python;
    }

    /**
     * Lintian tags that hold by design for services: an environment file is readable by root only
     * (systemd reads it before dropping privileges, and it may hold secrets), and the postinst
     * hands what the post-install hook created in a service's state directory to the service's
     * user with find and chown, guarded against hard links (see MaintainerScripts).
     */
    static String serviceOverrides(BundleMetadata m, String pkg) {
        StringBuilder s = new StringBuilder();
        List<String> envFiles = m.services().stream().flatMap(sv -> sv.environmentFile().stream())
                .map(f -> m.layout().configDir().substring(1) + "/" + f.name()).distinct().sorted().toList();
        if (!envFiles.isEmpty()) {
            s.append("# Environment files may hold secrets: systemd reads them as root, nobody else needs to.\n");
            for (String f : envFiles) {
                s.append(pkg).append(": non-standard-file-perm 0600 != 0644 [").append(f).append("]\n");
            }
        }
        if (!ServiceFiles.accounts(m).isEmpty()) {
            s.append("# The postinst hands what the post-install hook (run as root) created in a service's state\n"
                    + "# directory to the service's user: root-owned entries only, no symlink followed, regular files\n"
                    + "# only with a single link (never a hard link to a file elsewhere).\n");
            s.append(pkg).append(": recursive-privilege-change * [postinst:*]\n");
        }
        return s.toString();
    }

    static String copyright(BundleMetadata m) {
        Layout layout = m.layout();
        StringBuilder s = new StringBuilder();
        s.append(PackageText.productName(m)).append(" (").append(m.name()).append(' ').append(m.version())
                .append(") by ").append(DebControl.oneLine(m.company())).append(".\n");
        if (!m.homepage().isBlank()) {
            s.append("Homepage: ").append(DebControl.oneLine(m.homepage())).append('\n');
        }
        s.append('\n');
        s.append("Copyright: ").append(DebControl.oneLine(m.company())).append('\n');
        s.append("License: ").append(m.license().isBlank() ? "not stated by the project" : m.license().strip())
                .append('\n');
        s.append('\n');
        s.append("This package bundles ")
                .append(m.bundledInterpreter() ? "a Python interpreter and " : "")
                .append("third-party Python packages.\n")
                .append("Each carries its own license: see the *.dist-info directories (their\n")
                .append("licenses/ folders, LICENSE files and METADATA License fields)")
                .append(m.bundledInterpreter() ? " and the interpreter's\nLICENSE.txt" : "")
                .append(" under ").append(layout.installPrefix()).append(".\n");
        return s.toString();
    }

    /** A one-entry Debian changelog for the packaging, dated SOURCE_DATE_EPOCH. */
    static String changelog(BundleMetadata m, String pkg, DebianVersion version, long mtime) {
        String date = java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME
                .withZone(java.time.ZoneOffset.UTC)
                .format(java.time.Instant.ofEpochSecond(mtime))
                .replace("GMT", "+0000");
        return pkg + " (" + version + ") unstable; urgency=medium\n"
                + "\n"
                + "  * " + PackageText.productName(m) + " " + m.version() + ", packaged by Packyard.\n"
                + "\n"
                + " -- " + DebControl.oneLine(m.maintainer()) + "  " + date + "\n";
    }

    static byte[] gzip(String text) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ReproducibleGzip gz = new ReproducibleGzip(bytes, 9)) {
            gz.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }

    private static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
