package io.packyard.formats.deb;

import io.packyard.bundle.Bundle;
import io.packyard.bundle.BundleEntry;
import io.packyard.bundle.Target;
import io.packyard.bundle.interpreter.ElfFile;
import io.packyard.python.util.FileTrees;
import io.packyard.python.util.Progress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
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

    /** The Depends entries, or empty when they cannot be computed here. */
    static Optional<List<String>> compute(Bundle bundle, Progress progress) throws IOException {
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
