package io.packyard.formats.targz;

import io.packyard.bundle.Bundle;
import io.packyard.bundle.BundleEntry;
import io.packyard.bundle.BundleMetadata;
import io.packyard.bundle.Target;
import io.packyard.formats.ArchiveNames;
import io.packyard.formats.PackageFormat;
import io.packyard.formats.linux.InstallTree;
import io.packyard.formats.linux.ParallelGzipOutputStream;
import io.packyard.formats.linux.ReproducibleTar;
import io.packyard.python.util.Progress;
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

/**
 * A relocatable archive: {@code {name}-{version}/} holding the bundle tree, to unpack anywhere
 * and run in place ({@code {name}-{version}/bin/<command>}; the launchers find the interpreter
 * relative to themselves). No hooks run and nothing is linked onto PATH.
 *
 * <p>Reproducible: POSIX pax tar with pax records for long and non-ASCII names, entries sorted,
 * root:root, every mtime SOURCE_DATE_EPOCH; gzip with no name, mtime 0 and a fixed OS byte.
 */
public final class TarGzFormat implements PackageFormat {
    private static final int GZIP_LEVEL = 9;

    @Override
    public String id() {
        return "tar.gz";
    }

    @Override
    public boolean supports(Target target) {
        return target.os() == Target.Os.LINUX;
    }

    @Override
    public String fileName(Bundle bundle) {
        return ArchiveNames.fileName(bundle.metadata(), "tar.gz");
    }

    @Override
    public void write(Bundle bundle, Path out, Progress progress) throws IOException {
        BundleMetadata m = bundle.metadata();
        String top = ArchiveNames.topDirectory(m) + "/";
        List<BundleEntry> entries = new ArrayList<>(bundle.entries());
        entries.sort(Comparator.comparing(BundleEntry::path, InstallTree::comparePaths));
        long total = bundle.installedSize();
        progress.step("Writing " + fileName(bundle));
        try (OutputStream fos =
                        new BufferedOutputStream(Files.newOutputStream(out, StandardOpenOption.CREATE_NEW), 1 << 16);
                // deflated on every CPU, in blocks whose bytes do not depend on the thread count
                ParallelGzipOutputStream gz = new ParallelGzipOutputStream(fos, GZIP_LEVEL,
                        Runtime.getRuntime().availableProcessors());
                ReproducibleTar tar = new ReproducibleTar(gz, ReproducibleTar.Flavor.PAX, bundle.sourceDateEpoch(),
                        done -> progress.advance(done, total))) {
            tar.directory(top, 0755);
            for (BundleEntry e : entries) {
                String name = top + e.path();
                switch (e.kind()) {
                    case DIRECTORY -> tar.directory(name + "/", 0755);
                    case SYMLINK -> tar.symlink(name, e.linkTarget());
                    case FILE -> {
                        try (InputStream in = Files.newInputStream(e.source())) {
                            tar.file(name, e.mode(), e.size(), in);
                        }
                    }
                }
            }
            tar.finish();
        }
    }
}
