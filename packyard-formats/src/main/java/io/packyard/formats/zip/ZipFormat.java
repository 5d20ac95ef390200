package io.packyard.formats.zip;

import io.packyard.bundle.Bundle;
import io.packyard.bundle.BundleEntry;
import io.packyard.bundle.BundleMetadata;
import io.packyard.bundle.Command;
import io.packyard.bundle.Target;
import io.packyard.formats.ArchiveNames;
import io.packyard.formats.PackageFormat;
import io.packyard.formats.linux.InstallTree;
import io.packyard.python.PackyardException;
import io.packyard.python.util.Progress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A portable Windows archive ({@code --format zip}, windows-x64 and windows-arm64):
 * {@code {name}-{version}/} holding the bundle tree, to unpack anywhere and run in place
 * ({@code {name}-{version}\Scripts\<command>.exe}; the launchers find the interpreter relative to
 * themselves). Nothing is installed: no hooks run, nothing goes on PATH, no Start-menu entries.
 * The top-level directory and file name follow the .tar.gz ({@code {name}-{version}-{target}.zip}).
 *
 * <p>When the bundle has no {@code README.txt} of its own at the top, the archive adds one
 * (CRLF line ends, for Notepad) saying what the folder is and which programs to run, since a
 * Windows user who unpacks a zip looks for exactly that.
 *
 * <p>Reproducible: see {@link ReproducibleZip} (sorted entries, one DOS time from
 * SOURCE_DATE_EPOCH, no varying extra fields, UTF-8 names, deflate level {@value #LEVEL} or stored).
 */
public final class ZipFormat implements PackageFormat {
    static final int LEVEL = 9;
    static final String README = "README.txt";

    @Override
    public String id() {
        return "zip";
    }

    @Override
    public boolean supports(Target target) {
        return target.os() == Target.Os.WINDOWS;
    }

    @Override
    public String fileName(Bundle bundle) {
        return ArchiveNames.fileName(bundle.metadata(), "zip");
    }

    @Override
    public void write(Bundle bundle, Path out, Progress progress) throws IOException {
        BundleMetadata m = bundle.metadata();
        String top = ArchiveNames.topDirectory(m) + "/";
        List<BundleEntry> entries = new ArrayList<>(bundle.entries());
        entries.sort(Comparator.comparing(BundleEntry::path, InstallTree::comparePaths));
        boolean ownReadme = entries.stream().anyMatch(e -> !e.path().contains("/")
                && e.path().toLowerCase(Locale.ROOT).equals(README.toLowerCase(Locale.ROOT)));
        byte[] readme = ownReadme ? null : readme(m).getBytes(StandardCharsets.UTF_8);
        long total = bundle.installedSize() + (readme == null ? 0 : readme.length);
        progress.step("Writing " + fileName(bundle));
        int threads = Math.max(1, Math.min(8, Runtime.getRuntime().availableProcessors()));
        try (ReproducibleZip zip = new ReproducibleZip(out, bundle.sourceDateEpoch(), LEVEL, threads,
                done -> progress.advance(done, total))) {
            zip.directory(top);
            boolean readmeWritten = readme == null;
            for (BundleEntry e : entries) {
                if (!readmeWritten && InstallTree.comparePaths(README, e.path()) < 0) {
                    zip.file(top + README, 0644, readme);
                    readmeWritten = true;
                }
                String name = top + e.path();
                switch (e.kind()) {
                    case DIRECTORY -> zip.directory(name + "/");
                    case FILE -> zip.file(name, e.mode(), e.source(), e.size());
                    case SYMLINK -> throw PackyardException.build("bundle path " + e.path()
                            + ": a symbolic link; a Windows zip cannot hold symbolic links");
                }
            }
            if (!readmeWritten) {
                zip.file(top + README, 0644, readme);
            }
            zip.finish();
        } catch (IllegalArgumentException e) {
            throw PackyardException.build(fileName(bundle) + ": " + e.getMessage());
        }
    }

    /** What the folder is and how to run it, in CRLF lines. */
    static String readme(BundleMetadata m) {
        List<String> lines = new ArrayList<>();
        String title = (m.company().isBlank() ? "" : m.company() + " ") + m.product() + " " + m.version()
                + " (" + m.target().id() + ")";
        lines.add(title);
        if (!m.summary().isBlank()) {
            lines.add(m.summary().strip());
        }
        lines.add("");
        lines.add("This folder is a portable copy of " + m.product() + ": nothing needs installing. Keep the");
        lines.add("folder together (the programs find their Python inside it) and run them from here:");
        lines.add("");
        List<Command> commands = m.commands();
        int width = commands.stream().mapToInt(c -> windows(c.launcher()).length()).max().orElse(0);
        Set<String> dirs = new LinkedHashSet<>();
        for (Command c : commands) {
            String path = windows(c.launcher());
            lines.add("    " + (c.gui() ? path + " ".repeat(width - path.length()) + "   (no console window)" : path));
            int slash = path.lastIndexOf('\\');
            if (slash > 0) {
                dirs.add(path.substring(0, slash));
            }
        }
        if (commands.isEmpty()) {
            lines.add("    (this build has no commands)");
        }
        lines.add("");
        if (!dirs.isEmpty()) {
            lines.add("To run the commands by name from any terminal, add the folder's "
                    + String.join(" and ", dirs) + " directory to PATH.");
        }
        lines.add("Installation steps of the installer (.msi), such as post-install actions, shortcuts and");
        lines.add("the Add/Remove Programs entry, do not happen with this archive.");
        if (!m.homepage().isBlank()) {
            lines.add("");
            lines.add(m.homepage());
        }
        return String.join("\r\n", lines) + "\r\n";
    }

    private static String windows(String bundlePath) {
        return bundlePath.replace('/', '\\');
    }
}
