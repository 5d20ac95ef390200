package io.packyard.python.wheel;

import io.packyard.python.PackyardException;
import io.packyard.python.names.ProjectName;
import io.packyard.python.util.Progress;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Installs wheels into a bundle tree, without pip.
 *
 * <pre>{@code
 * WheelInstaller installer = WheelInstaller.builder()
 *         .root(stage)
 *         .scheme(InstallScheme.posix("3.12", true))
 *         .launchers(LauncherWriter.posix())
 *         .progress(progress)
 *         .build();
 * InstalledDistribution d = installer.install(wheel);
 * }</pre>
 *
 * <p>An installation is all or nothing: the whole wheel is validated (structure, RECORD, every
 * member's size and hash), every destination is planned and checked for conflicts before the first
 * file is written, and if writing fails half-way the files and directories written are removed.
 * A file another distribution installed is never overwritten (unless the content is identical, as
 * with old-style namespace package {@code __init__.py} files shared by several distributions).
 *
 * <p>The installed {@code .dist-info} gets {@code INSTALLER}; its RECORD is written afterwards,
 * once bytecode is compiled, with {@link InstalledDistribution#writeRecord}.
 *
 * <p>An instance remembers which distribution installed which file; use one instance per bundle.
 * Not thread-safe.
 */
public final class WheelInstaller {

    private final Path root;
    private final InstallScheme scheme;
    private final LauncherWriter launchers;
    private final Progress progress;
    private final String installerName;
    /** Bundle-relative path → "name version" of the distribution that installed it. */
    private final Map<String, String> owners = new HashMap<>();
    private boolean scannedExisting;

    private WheelInstaller(Builder b) {
        this.root = Objects.requireNonNull(b.root, "root").toAbsolutePath().normalize();
        this.scheme = Objects.requireNonNull(b.scheme, "scheme");
        this.launchers = b.launchers == null ? LauncherWriter.posix() : b.launchers;
        this.progress = b.progress == null ? Progress.NONE : b.progress;
        this.installerName = b.installerName;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link WheelInstaller}; root and scheme are required. */
    public static final class Builder {
        private Path root;
        private InstallScheme scheme;
        private LauncherWriter launchers;
        private Progress progress;
        private String installerName = "packyard";

        private Builder() {}

        /** The bundle root every scheme path is relative to. */
        public Builder root(Path bundleRoot) {
            this.root = bundleRoot;
            return this;
        }

        public Builder scheme(InstallScheme scheme) {
            this.scheme = scheme;
            return this;
        }

        /** The launcher writer; default {@link LauncherWriter#posix()}. */
        public Builder launchers(LauncherWriter launchers) {
            this.launchers = launchers;
            return this;
        }

        public Builder progress(Progress progress) {
            this.progress = progress;
            return this;
        }

        /** The content of the INSTALLER file; default "packyard". */
        public Builder installerName(String name) {
            this.installerName = Objects.requireNonNull(name);
            return this;
        }

        public WheelInstaller build() {
            return new WheelInstaller(this);
        }
    }

    public Path root() {
        return root;
    }

    public InstallScheme scheme() {
        return scheme;
    }

    /** One file to install: from the archive ({@code member}) or generated ({@code content}). */
    private record Planned(String dest, WheelArchive.Member member, byte[] content, int mode, String source) {}

    /**
     * Installs a wheel.
     *
     * @throws PackyardException if the wheel is invalid or would overwrite another distribution's
     *     file; nothing is left installed then
     */
    public InstalledDistribution install(Path wheelFile) {
        return install(wheelFile, wheelFile.getFileName().toString());
    }

    /** Installs a wheel stored under another name; {@code filename} is its real wheel file name. */
    public InstalledDistribution install(Path wheelFile, String filename) {
        try (WheelArchive archive = WheelArchive.open(wheelFile, filename, progress)) {
            String label = "wheel " + archive.filename().filename();
            progress.step("Installing " + archive.name() + " " + archive.version());
            archive.validate();

            String rootDir = archive.rootIsPurelib() ? scheme.purelib() : scheme.platlib();
            String distInfo = InstallScheme.join(rootDir, archive.distInfoDir());
            checkNotInstalled(archive, label);

            List<Planned> plan = plan(archive, rootDir, label);
            Map<String, String> consoleScripts = new TreeMap<>();
            Map<String, String> guiScripts = new TreeMap<>();
            for (EntryPoint ep : archive.entryPoints()) {
                boolean gui = ep.group().equals(EntryPoint.GUI_SCRIPTS);
                List<LauncherWriter.LauncherFile> files;
                try {
                    files = gui ? launchers.gui(scheme.interpreter(), scheme.scripts(), ep.name(), ep)
                            : launchers.console(scheme.interpreter(), scheme.scripts(), ep.name(), ep);
                } catch (IllegalArgumentException e) {
                    throw PackyardException.build(label + ": " + archive.distInfoDir() + "/entry_points.txt: ["
                            + ep.group() + "] " + ep.name() + ": " + e.getMessage());
                }
                for (LauncherWriter.LauncherFile f : files) {
                    plan.add(new Planned(f.path(), null, f.content(), f.mode(), "[" + ep.group() + "] " + ep.name()));
                }
                (gui ? guiScripts : consoleScripts).put(ep.name(), ep.reference());
            }
            plan.add(new Planned(distInfo + "/INSTALLER", null,
                    (installerName + "\n").getBytes(StandardCharsets.UTF_8), 0644, "INSTALLER"));

            List<Planned> toWrite = checkConflicts(plan, archive, label);
            write(toWrite, archive, label);

            String owner = archive.name() + " " + archive.version();
            List<String> files = new ArrayList<>();
            for (Planned p : plan) {
                owners.putIfAbsent(p.dest(), owner);
                files.add(p.dest());
            }
            return new InstalledDistribution(archive.name(), archive.version(), Path.of(distInfo), files,
                    consoleScripts, guiScripts);
        }
    }

    private List<Planned> plan(WheelArchive archive, String rootDir, String label) {
        String dataPrefix = archive.dataDir() + "/";
        String recordName = archive.distInfoDir() + "/RECORD";
        Set<String> skip = Set.of(recordName, recordName + ".jws", recordName + ".p7s");
        List<Planned> plan = new ArrayList<>();
        for (WheelArchive.Member m : archive.members()) {
            String n = m.name();
            if (skip.contains(n)) {
                continue;
            }
            int mode = m.executable() ? 0755 : 0644;
            if (!n.startsWith(dataPrefix)) {
                plan.add(new Planned(InstallScheme.join(rootDir, n), m, null, mode, n));
                continue;
            }
            String rest = n.substring(dataPrefix.length());
            int slash = rest.indexOf('/');
            if (slash < 0) {
                throw PackyardException.build(label + ": " + n + ": file directly in " + archive.dataDir()
                        + " (expected purelib, platlib, headers, scripts or data subdirectories)");
            }
            String key = rest.substring(0, slash);
            String sub = rest.substring(slash + 1);
            String base = scheme.forDataKey(key, archive.name());
            if (base == null) {
                throw PackyardException.build(label + ": " + n + ": unknown .data directory " + key
                        + " (expected purelib, platlib, headers, scripts or data)");
            }
            if (key.equals("scripts")) {
                int s = sub.lastIndexOf('/');
                String dir = InstallScheme.join(base, s < 0 ? "" : sub.substring(0, s));
                String fileName = sub.substring(s + 1);
                List<LauncherWriter.LauncherFile> files;
                try {
                    files = launchers.rewriteScript(scheme.interpreter(), dir, fileName, archive.read(m));
                } catch (IllegalArgumentException e) {
                    throw PackyardException.build(label + ": " + n + ": " + e.getMessage());
                }
                for (LauncherWriter.LauncherFile f : files) {
                    plan.add(new Planned(f.path(), null, f.content(), f.mode(), n));
                }
            } else {
                plan.add(new Planned(InstallScheme.join(base, sub), m, null, mode, n));
            }
        }
        return plan;
    }

    /** Refuses a second installation of the same project. */
    private void checkNotInstalled(WheelArchive archive, String label) {
        String wanted = ProjectName.normalize(archive.name());
        for (String dir : new java.util.TreeSet<>(List.of(scheme.purelib(), scheme.platlib()))) {
            Path site = root.resolve(dir);
            if (!Files.isDirectory(site)) {
                continue;
            }
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(site, "*.dist-info")) {
                for (Path p : ds) {
                    String stem = p.getFileName().toString();
                    stem = stem.substring(0, stem.length() - ".dist-info".length());
                    int dash = stem.indexOf('-');
                    String project = dash < 0 ? stem : stem.substring(0, dash);
                    if (ProjectName.normalize(project).equals(wanted)) {
                        throw PackyardException.build(label + ": " + archive.name() + " is already installed ("
                                + InstallScheme.join(dir, p.getFileName().toString()) + ")");
                    }
                }
            } catch (IOException e) {
                throw PackyardException.build(label + ": cannot list " + site + ": " + e.getMessage(), e);
            }
        }
    }

    /** Checks the plan against itself and the tree; returns the entries that must be written. */
    private List<Planned> checkConflicts(List<Planned> plan, WheelArchive archive, String label) {
        Map<String, Planned> byDest = new LinkedHashMap<>();
        Set<String> dirs = new HashSet<>();
        for (Planned p : plan) {
            Planned other = byDest.putIfAbsent(p.dest(), p);
            if (other != null) {
                throw PackyardException.build(label + ": " + p.source() + " and " + other.source()
                        + " would both be installed as " + p.dest());
            }
            String d = p.dest();
            for (int i = d.indexOf('/'); i >= 0; i = d.indexOf('/', i + 1)) {
                dirs.add(d.substring(0, i));
            }
        }
        for (Planned p : plan) {
            if (dirs.contains(p.dest())) {
                throw PackyardException.build(label + ": " + p.source() + " would be installed as " + p.dest()
                        + ", which is also a directory of this wheel");
            }
        }
        List<Planned> toWrite = new ArrayList<>();
        for (Planned p : plan) {
            Path target = root.resolve(p.dest());
            // A parent that exists as a file (or a link) blocks the installation.
            String d = p.dest();
            for (int i = d.indexOf('/'); i >= 0; i = d.indexOf('/', i + 1)) {
                Path parent = root.resolve(d.substring(0, i));
                if (Files.exists(parent, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(parent)) {
                    throw PackyardException.build(label + ": " + p.source() + " would be installed as " + p.dest()
                            + ", but " + d.substring(0, i) + " is a file" + ownedBy(d.substring(0, i)));
                }
            }
            if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                toWrite.add(p);
                continue;
            }
            if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                throw PackyardException.build(label + ": " + p.source() + " would be installed as " + p.dest()
                        + ", which is a directory");
            }
            if (Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS) && sameContent(target, p, archive)) {
                progress.warn(label + ": " + p.dest() + " is already installed" + ownedBy(p.dest())
                        + " with identical content; sharing it");
                continue;
            }
            String owner = ownerOf(p.dest());
            throw PackyardException.build(label + ": " + p.source() + " would overwrite " + p.dest()
                    + (owner == null ? ", which already exists" : ", installed by " + owner));
        }
        return toWrite;
    }

    /** " (installed by name version)" or "". */
    private String ownedBy(String dest) {
        String o = ownerOf(dest);
        return o == null ? "" : " (installed by " + o + ")";
    }

    /** "name version" of the distribution that installed a bundle path, or null if unknown. */
    private String ownerOf(String dest) {
        if (!owners.containsKey(dest) && !scannedExisting) {
            scanExistingRecords();
        }
        return owners.get(dest);
    }

    /** Learns the owners of files installed before this installer ran, from their RECORDs. */
    private void scanExistingRecords() {
        scannedExisting = true;
        for (String dir : new java.util.TreeSet<>(List.of(scheme.purelib(), scheme.platlib()))) {
            Path site = root.resolve(dir);
            if (!Files.isDirectory(site)) {
                continue;
            }
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(site, "*.dist-info")) {
                for (Path info : ds) {
                    Path record = info.resolve("RECORD");
                    if (!Files.isRegularFile(record)) {
                        continue;
                    }
                    String who = info.getFileName().toString().replaceAll("\\.dist-info$", "").replace('-', ' ');
                    try {
                        for (RecordFile.Entry e : RecordFile.parse(Files.readString(record))) {
                            Path p = site.resolve(e.path()).normalize();
                            if (p.startsWith(root)) {
                                owners.putIfAbsent(root.relativize(p).toString().replace('\\', '/'), who);
                            }
                        }
                    } catch (IOException | IllegalArgumentException e) {
                        // an unreadable RECORD only makes the error message less precise
                    }
                }
            } catch (IOException e) {
                // same
            }
        }
    }

    private static boolean sameContent(Path existing, Planned p, WheelArchive archive) {
        try {
            if (p.content() != null) {
                return Files.size(existing) == p.content().length && Arrays.equals(Files.readAllBytes(existing), p.content());
            }
            RecordFile.Entry r = p.member().record().orElse(null);
            if (r == null || r.hash().isEmpty()) {
                return false;
            }
            if (r.size().isPresent() && Files.size(existing) != r.size().getAsLong()) {
                return false;
            }
            MessageDigest md = RecordFile.digest(r.algorithm().orElseThrow());
            try (InputStream in = new DigestInputStream(Files.newInputStream(existing), md)) {
                in.transferTo(OutputStream.nullOutputStream());
            }
            String expected = r.digest().orElseThrow().replaceAll("=+$", "");
            return RecordFile.encodeDigest(md.digest()).equals(expected);
        } catch (IOException e) {
            return false;
        }
    }

    private void write(List<Planned> toWrite, WheelArchive archive, String label) {
        Deque<Path> createdFiles = new ArrayDeque<>();
        Deque<Path> createdDirs = new ArrayDeque<>();
        long done = 0;
        try {
            for (Planned p : toWrite) {
                Path target = root.resolve(p.dest());
                createParents(target.getParent(), createdDirs);
                try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    createdFiles.push(target);
                    if (p.content() != null) {
                        out.write(p.content());
                    } else {
                        try (InputStream in = archive.openMember(p.member())) {
                            in.transferTo(out);
                        }
                    }
                } catch (FileAlreadyExistsException e) {
                    throw PackyardException.build(label + ": " + p.dest() + " appeared while installing");
                }
                FileModes.set(target, p.mode());
                progress.advance(++done, toWrite.size());
            }
        } catch (IOException | RuntimeException e) {
            rollback(createdFiles, createdDirs);
            if (e instanceof PackyardException pe) {
                throw pe;
            }
            throw PackyardException.build(label + ": cannot install: " + e.getMessage(), e);
        }
    }

    private void createParents(Path dir, Deque<Path> created) throws IOException {
        if (dir == null || Files.isDirectory(dir)) {
            return;
        }
        createParents(dir.getParent(), created);
        Files.createDirectory(dir);
        created.push(dir);
    }

    private static void rollback(Deque<Path> files, Deque<Path> dirs) {
        for (Path f : files) {
            try {
                Files.deleteIfExists(f);
            } catch (IOException ignored) {
                // best effort
            }
        }
        for (Path d : dirs) {
            try {
                Files.deleteIfExists(d);
            } catch (IOException ignored) {
                // not empty or gone
            }
        }
    }
}
