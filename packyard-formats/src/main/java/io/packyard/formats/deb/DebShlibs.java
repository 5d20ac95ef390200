package io.packyard.formats.deb;

import io.packyard.bundle.Bundle;
import io.packyard.bundle.BundleEntry;
import io.packyard.bundle.Target;
import io.packyard.bundle.interpreter.ElfFile;
import io.packyard.python.index.Hashes;
import io.packyard.python.util.CacheDir;
import io.packyard.python.util.Executables;
import io.packyard.python.util.FileTrees;
import io.packyard.python.util.Progress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The system libraries a bundle's ELF files need, as Debian dependencies: dpkg-shlibdeps, as
 * dh_shlibdeps runs it, over every ELF file of the bundle, with the bundle's own library
 * directories searched first (so libpython and vendored wheel libraries count as provided).
 * A relocated host CPython needs the build host's glibc and libssl, libsqlite3, libffi...; a
 * python-build-standalone one only glibc 2.17. The result depends on the build host's
 * distribution, like any dpkg-shlibdeps run: build on the release you ship to.
 *
 * <p>Without dpkg-shlibdeps (a non-Debian build host) or for another architecture than the
 * build machine's, nothing is computed and the caller falls back to {@code libc6 (>= 2.17)}.
 *
 * <p>dpkg-shlibdeps costs seconds of perl for an interpreter's ELF files, the same files build
 * after build, so its result is cached ({@code dpkg-shlibdeps/} in {@link CacheDir}) under a key
 * made of everything it reads: each ELF file's bundle path and SHA-256, the bundle's own
 * libraries, dpkg-shlibdeps itself, and the build machine's library metadata (the name, size and
 * modification time of every {@code *.symbols} and {@code *.shlibs} file in dpkg's database, of
 * {@code /etc/dpkg/shlibs.*} and of {@code /etc/ld.so.cache}), so that installing or upgrading a
 * library package, or running ldconfig, computes it afresh.
 */
final class DebShlibs {
    private static final Pattern SHARED_LIBRARY = Pattern.compile("lib.*\\.so(\\.[0-9]+)*");

    private DebShlibs() {}

    /**
     * The shlibs "library version" of a SONAME ({@code libpython3.11.so.1.0} → {@code libpython3.11 1.0},
     * {@code libfoo-2.1.so} → {@code libfoo 2.1}), for a shlibs.local line without dependency.
     */
    static Optional<String> shlibsEntry(String soname) {
        java.util.regex.Matcher m = Pattern.compile("^(.+)\\.so\\.(.+)$").matcher(soname);
        if (m.matches()) {
            return Optional.of(m.group(1) + " " + m.group(2));
        }
        m = Pattern.compile("^(.+)-([0-9][^-]*)\\.so$").matcher(soname);
        return m.matches() ? Optional.of(m.group(1) + " " + m.group(2)) : Optional.empty();
    }

    /** The Depends entries, or empty when they cannot be computed here; cached in {@link CacheDir}. */
    static Optional<List<String>> compute(Bundle bundle, Progress progress) throws IOException {
        return compute(bundle, progress, CacheDir.root().resolve("dpkg-shlibdeps"));
    }

    /** As above, with results cached in {@code cache} (null: no cache). */
    static Optional<List<String>> compute(Bundle bundle, Progress progress, Path cache) throws IOException {
        if (bundle.metadata().target() != Target.host() || !bundle.metadata().target().runsOnHost()) {
            return Optional.empty();
        }
        List<String> elves = new ArrayList<>();
        TreeSet<String> libDirs = new TreeSet<>();
        // shlibs.local: the bundle's own libraries, provided by this package (no dependency)
        TreeSet<String> provided = new TreeSet<>();
        for (BundleEntry e : bundle.entries()) {
            if (e.isFile() && ElfFile.isElf(e.source())) {
                elves.add(e.source().toAbsolutePath().toString());
                if (SHARED_LIBRARY.matcher(e.fileName()).matches()) {
                    libDirs.add(e.source().toAbsolutePath().getParent().toString());
                    ElfFile.read(e.source()).soname().flatMap(DebShlibs::shlibsEntry).ifPresent(provided::add);
                }
            }
        }
        if (elves.isEmpty()) {
            return Optional.of(List.of());
        }
        Optional<Path> tool = Executables.onPath("dpkg-shlibdeps");
        Path cached = cache == null || tool.isEmpty() ? null
                : cache.resolve(cacheKey(bundle.root(), elves, provided, libDirs, tool.get()) + ".txt");
        if (cached != null && Files.isRegularFile(cached)) {
            List<String> lines = Files.readAllLines(cached, StandardCharsets.UTF_8);
            if (!lines.isEmpty() && lines.get(0).equals(CACHE_HEADER)) {
                return Optional.of(List.copyOf(lines.subList(1, lines.size())));
            }
        }
        Optional<List<String>> depends = run(elves, provided, libDirs, progress);
        if (cached != null && depends.isPresent()) {
            List<String> lines = new ArrayList<>();
            lines.add(CACHE_HEADER);
            lines.addAll(depends.get());
            Files.createDirectories(cached.getParent());
            Path tmp = Files.createTempFile(cached.getParent(), ".shlibdeps-", ".tmp");
            try {
                Files.write(tmp, lines, StandardCharsets.UTF_8);
                Files.move(tmp, cached, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
        return depends;
    }

    private static final String CACHE_HEADER = "# packyard dpkg-shlibdeps result v1";
    /** Where dpkg-shlibdeps reads which packages provide which libraries at which versions. */
    private static final Path DPKG_INFO = Path.of("/var/lib/dpkg/info");
    private static final List<Path> SYSTEM_FILES = List.of(Path.of("/etc/dpkg/shlibs.default"),
            Path.of("/etc/dpkg/shlibs.override"), Path.of("/etc/ld.so.cache"));

    /** SHA-256 (hex) of everything dpkg-shlibdeps's answer depends on; see the class comment. */
    static String cacheKey(Path root, List<String> elves, Set<String> provided, Set<String> libDirs, Path tool)
            throws IOException {
        MessageDigest key = Hashes.digest("sha256");
        Path rootAbs = root.toAbsolutePath();
        java.util.function.Consumer<String> add = s -> key.update((s + "\n").getBytes(StandardCharsets.UTF_8));
        add.accept(CACHE_HEADER);
        try {
            for (String elf : new TreeSet<>(elves)) {
                add.accept("elf " + rootAbs.relativize(Path.of(elf)) + " " + Hashes.sha256(Path.of(elf)));
            }
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
        provided.forEach(p -> add.accept("provided " + p));
        libDirs.forEach(d -> add.accept("libdir " + rootAbs.relativize(Path.of(d))));
        add.accept("tool " + stamp(tool.toRealPath()));
        List<Path> system = new ArrayList<>(SYSTEM_FILES);
        if (Files.isDirectory(DPKG_INFO)) {
            try (Stream<Path> info = Files.list(DPKG_INFO)) {
                info.filter(f -> f.toString().endsWith(".symbols") || f.toString().endsWith(".shlibs")).forEach(system::add);
            }
        }
        system.stream().sorted().forEach(f -> add.accept("system " + stamp(f)));
        return HexFormat.of().formatHex(key.digest());
    }

    /** Path, size and modification time of a file ("absent" when it is not there). */
    private static String stamp(Path f) {
        try {
            BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
            return f + " " + a.size() + " " + a.lastModifiedTime().to(TimeUnit.NANOSECONDS);
        } catch (IOException e) {
            return f + " absent";
        }
    }

    private static Optional<List<String>> run(List<String> elves, Set<String> provided, Set<String> libDirs,
            Progress progress) throws IOException {
        Path scratch = Files.createTempDirectory("packyard-shlibdeps-");
        try {
            Files.createDirectories(scratch.resolve("debian"));
            Files.writeString(scratch.resolve("debian/control"),
                    "Source: packyard-bundle\n\nPackage: packyard-bundle\nArchitecture: any\n");
            Files.writeString(scratch.resolve("debian/shlibs.local"),
                    provided.stream().map(l -> l + " \n").reduce("", String::concat));
            List<String> cmd = new ArrayList<>(List.of("dpkg-shlibdeps", "-O", "--ignore-missing-info"));
            libDirs.forEach(d -> cmd.add("-l" + d));
            cmd.addAll(elves);
            Process p;
            try {
                ProcessBuilder pb = new ProcessBuilder(cmd).directory(scratch.toFile())
                        .redirectError(ProcessBuilder.Redirect.DISCARD);
                // $ORIGIN RUNPATHs cannot be resolved outside a package build tree: point the
                // search at the bundle's own library directories, so bundled libraries (libpython)
                // are not mistaken for the system's packages
                pb.environment().put("LD_LIBRARY_PATH", String.join(":", libDirs));
                p = pb.start();
            } catch (IOException notInstalled) {
                progress.warn("dpkg-shlibdeps is not installed (dpkg-dev): the .deb's Depends names only libc6;"
                        + " list other system libraries in [tool.packyard.deb].depends");
                return Optional.empty();
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
                progress.warn("dpkg-shlibdeps failed (exit " + (p.isAlive() ? "timeout" : p.exitValue())
                        + "): the .deb's Depends names only libc6");
                return Optional.empty();
            }
            for (String line : out.lines().toList()) {
                if (line.startsWith("shlibs:Depends=")) {
                    String value = line.substring("shlibs:Depends=".length()).strip();
                    return Optional.of(value.isEmpty() ? List.of() : List.of(value.split(",\\s*")));
                }
            }
            return Optional.of(List.of());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while running dpkg-shlibdeps");
        } finally {
            FileTrees.deleteQuietly(scratch);
        }
    }
}
