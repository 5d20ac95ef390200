package io.packyard.formats.sdist;

import io.packyard.bundle.Bundle;
import io.packyard.bundle.Target;
import io.packyard.formats.PackageFormat;
import io.packyard.formats.linux.InstallTree;
import io.packyard.formats.linux.ReproducibleGzip;
import io.packyard.formats.linux.ReproducibleTar;
import io.packyard.python.PackyardException;
import io.packyard.python.util.FileTrees;
import io.packyard.python.util.Progress;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * The project's source distribution, from its backend's PEP 517 {@code build_sdist} hook (run
 * like the wheel build: offline, no isolation), written under its PEP 625 name
 * {@code {name}-{version}.tar.gz} (the name normalized with underscores, e.g.
 * {@code hello_cli-1.0.0.tar.gz}) with the single top-level directory of the same name, as the
 * source distribution format asks. Backends that predate PEP 625 (setuptools before 69.3 writes
 * {@code hello-cli-1.0.0.tar.gz}) are renamed here.
 *
 * <p>The archive is re-packed reproducibly: regular files and directories only (an sdist with
 * links or devices is refused), sorted, root:root, every mtime SOURCE_DATE_EPOCH, modes 0644 or
 * 0755, POSIX pax tar, gzip without name or time. Built only when asked for ({@code --format sdist}).
 */
public final class SdistFormat implements PackageFormat {
    private static final int GZIP_LEVEL = 9;

    @Override
    public String id() {
        return "sdist";
    }

    @Override
    public boolean supports(Target target) {
        return true;
    }

    @Override
    public boolean builtByDefault() {
        return false;
    }

    @Override
    public String fileName(Bundle bundle) {
        return stem(bundle) + ".tar.gz";
    }

    /** {@code {name}-{version}} after PEP 625: the name's runs of '-', '_', '.' become one '_'. */
    static String stem(Bundle bundle) {
        String name = bundle.metadata().name().toLowerCase(Locale.ROOT).replaceAll("[-_.]+", "_");
        return name + "-" + bundle.metadata().version();
    }

    private record Member(String path, boolean directory, int mode, Path content, long size) {}

    @Override
    public void write(Bundle bundle, Path out, Progress progress) throws IOException {
        Path sdist = bundle.projectSdist().orElseThrow(() -> PackyardException.build(
                "sdist format: the bundle of " + bundle.metadata().name() + " carries no sdist"));
        String what = "sdist " + sdist.getFileName();
        String top = stem(bundle);
        progress.step("Writing " + top + ".tar.gz");
        // scratch files beside the output, named after it (the pipeline removes them on failure)
        Path scratch = Files.createDirectory(out.resolveSibling(out.getFileName() + ".members"));
        try {
            List<Member> members = read(sdist, what, top, scratch);
            if (members.stream().noneMatch(m -> m.path().equals(top + "/PKG-INFO"))) {
                throw PackyardException.build(what + ": no PKG-INFO in its top-level directory");
            }
            long total = members.stream().mapToLong(Member::size).sum();
            try (OutputStream fos = new BufferedOutputStream(
                            Files.newOutputStream(out, StandardOpenOption.CREATE_NEW), 1 << 16);
                    ReproducibleGzip gz = new ReproducibleGzip(fos, GZIP_LEVEL);
                    ReproducibleTar tar = new ReproducibleTar(gz, ReproducibleTar.Flavor.PAX, bundle.sourceDateEpoch(),
                            done -> progress.advance(done, total))) {
                for (Member m : members) {
                    if (m.directory()) {
                        tar.directory(m.path() + "/", 0755);
                    } else {
                        try (InputStream in = Files.newInputStream(m.content())) {
                            tar.file(m.path(), m.mode(), m.size(), in);
                        }
                    }
                }
                tar.finish();
            }
        } finally {
            FileTrees.deleteQuietly(scratch);
        }
    }

    /** The sdist's members under the new top directory, sorted, with every parent directory listed. */
    private static List<Member> read(Path sdist, String what, String top, Path scratch) throws IOException {
        List<Member> files = new ArrayList<>();
        TreeSet<String> dirs = new TreeSet<>();
        String oldTop = null;
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(sdist), 1 << 16);
                TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(raw), "UTF-8")) {
            TarArchiveEntry e;
            int n = 0;
            while ((e = tar.getNextEntry()) != null) {
                String name = e.getName();
                while (name.startsWith("./")) {
                    name = name.substring(2);
                }
                if (name.endsWith("/")) {
                    name = name.substring(0, name.length() - 1);
                }
                if (name.isEmpty() || e.isGlobalPaxHeader()) {
                    continue;
                }
                if (name.startsWith("/") || name.contains("\\") || List.of(name.split("/")).contains("..")) {
                    throw PackyardException.build(what + ": unsafe member name '" + e.getName() + "'");
                }
                int slash = name.indexOf('/');
                String first = slash < 0 ? name : name.substring(0, slash);
                if (oldTop == null) {
                    oldTop = first;
                } else if (!oldTop.equals(first)) {
                    throw PackyardException.build(what + ": more than one top-level directory ('" + oldTop
                            + "' and '" + first + "')");
                }
                String rest = slash < 0 ? "" : name.substring(slash + 1);
                String path = rest.isEmpty() ? top : top + "/" + rest;
                boolean special = e.isSymbolicLink() || e.isLink() || e.isCharacterDevice() || e.isBlockDevice()
                        || e.isFIFO();
                if (e.isDirectory() && !special) {
                    dirs.add(path);
                } else if (e.isFile() && !special) {
                    if (slash < 0) {
                        throw PackyardException.build(what + ": '" + name + "' is a file at the top level");
                    }
                    Path content = scratch.resolve(Integer.toString(n++));
                    Files.copy(tar, content);
                    int mode = (e.getMode() & 0111) != 0 ? 0755 : 0644;
                    files.add(new Member(path, false, mode, content, Files.size(content)));
                } else {
                    throw PackyardException.build(what + ": '" + name + "' is not a regular file or directory"
                            + " (links and devices do not belong in an sdist)");
                }
            }
        }
        if (oldTop == null) {
            throw PackyardException.build(what + ": the archive is empty");
        }
        dirs.add(top);
        for (Member f : files) {
            for (String p = parent(f.path()); p != null; p = parent(p)) {
                dirs.add(p);
            }
        }
        List<Member> out = new ArrayList<>(files);
        java.util.Set<String> filePaths = new java.util.HashSet<>();
        for (Member f : files) {
            if (!filePaths.add(f.path())) {
                throw PackyardException.build(what + ": '" + f.path() + "' is in the archive twice");
            }
        }
        for (String d : dirs) {
            if (filePaths.contains(d)) {
                throw PackyardException.build(what + ": '" + d + "' is both a file and a directory");
            }
            out.add(new Member(d, true, 0755, null, 0));
        }
        out.sort(Comparator.comparing(Member::path, InstallTree::comparePaths));
        return out;
    }

    private static String parent(String path) {
        int i = path.lastIndexOf('/');
        return i < 0 ? null : path.substring(0, i);
    }
}
