package io.packyard.bundle.interpreter;

import io.packyard.bundle.interpreter.HostPythons.HostPython;
import io.packyard.python.PackyardException;
import io.packyard.python.util.Progress;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Copies a CPython installed on the build machine under a {@code ./configure --prefix} layout
 * (pyenv's {@code ~/.pyenv/versions/3.12.1}, {@code /opt/python-3.12}, ...) into a bundle and
 * makes it relocatable.
 *
 * <p>Copied: {@code bin/pythonX.Y} (plus {@code python3} and {@code python} links),
 * {@code lib/libpython3*.so*}, and {@code lib/pythonX.Y} with {@code lib-dynload}, less what
 * {@link StripRules} leaves out; the interpreter's own site-packages is never copied unless kept.
 * Not copied: headers and the other scripts of {@code bin/}.
 *
 * <p>Then every copied ELF file's RUNPATH/RPATH is rewritten: an entry inside the prefix becomes
 * {@code $ORIGIN}-relative ({@code $ORIGIN/../lib} for {@code bin/python3.12},
 * {@code $ORIGIN/../..} for {@code lib/python3.12/lib-dynload/*.so}, {@code $ORIGIN} for
 * {@code lib/libpython3.12.so.1.0}). Entries pointing elsewhere on the build machine are dropped
 * with a warning: they would not exist on the target, and a directory that later appears there
 * (say under /home) could inject libraries into the application. Libraries the copy needs from
 * the target system (libc, libssl, libsqlite3, ...) are reported, not bundled.
 */
final class HostRelocator {

    private static final Pattern LIBPYTHON = Pattern.compile("libpython3(\\.[0-9]+)?[a-z]*\\.so(\\..*)?");

    private HostRelocator() {}

    /** The result: what the copy needs from the target system. */
    record Result(Set<String> systemLibraries) {}

    static Result relocate(HostPython hp, Path dest, StripRules rules, Progress progress) throws IOException {
        Path prefix = hp.prefix();
        String xy = hp.xy();
        String label = "host:" + prefix;
        if (!hp.relocatable()) {
            throw PackyardException.build(label + ": expected bin/python" + xy + " and lib/python" + xy
                    + "/os.py (a ./configure --prefix layout such as pyenv's); cannot relocate this installation");
        }
        if (!hp.abiflags().isEmpty()) {
            throw PackyardException.build(label + ": CPython " + hp.version() + " with ABI flags '" + hp.abiflags()
                    + "' (debug or free-threaded build) is not supported");
        }
        StripRules.Shape shape = StripRules.Shape.forLinux(xy);
        Path realPrefix = prefix.toRealPath();
        List<Path> copiedFiles = new ArrayList<>();

        Files.createDirectories(dest.resolve("bin"));
        Files.createDirectories(dest.resolve("lib"));
        String exeName = "python" + xy;
        Path exe = dest.resolve("bin").resolve(exeName);
        copyFile(prefix.resolve("bin").resolve(exeName), exe);
        copiedFiles.add(exe);
        for (String alias : List.of("python3", "python")) {
            Files.createSymbolicLink(dest.resolve("bin").resolve(alias), Path.of(exeName));
        }

        try (Stream<Path> libs = Files.list(prefix.resolve("lib"))) {
            for (Path lib : libs.sorted().toList()) {
                String name = lib.getFileName().toString();
                if (!LIBPYTHON.matcher(name).matches()) {
                    continue;
                }
                Path to = dest.resolve("lib").resolve(name);
                if (Files.isSymbolicLink(lib)) {
                    Path t = Files.readSymbolicLink(lib);
                    if (!t.isAbsolute() && t.getNameCount() == 1) {
                        Files.createSymbolicLink(to, t);
                        continue;
                    }
                }
                if (Files.isRegularFile(lib)) {
                    copyFile(lib, to);
                    copiedFiles.add(to);
                }
            }
        }

        Path stdSrc = prefix.resolve(shape.stdlib());
        Path stdDst = dest.resolve(shape.stdlib());
        Path stdSrcReal = stdSrc.toRealPath();
        Files.walkFileTree(stdSrc, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                String rel = shape.stdlib() + (dir.equals(stdSrc) ? "" : "/" + FileOps.rel(stdSrc, dir));
                if (!dir.equals(stdSrc) && rules.excluded(rel, true, shape)) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                Files.createDirectories(dest.resolve(rel));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                String rel = shape.stdlib() + "/" + FileOps.rel(stdSrc, file);
                if (rules.excluded(rel, false, shape)) {
                    return FileVisitResult.CONTINUE;
                }
                Path to = dest.resolve(rel);
                if (attrs.isSymbolicLink()) {
                    Path t = Files.readSymbolicLink(file);
                    Path resolved = file.getParent().resolve(t).normalize();
                    if (!t.isAbsolute() && resolved.startsWith(stdSrc)
                            && !rules.excluded(shape.stdlib() + "/" + FileOps.rel(stdSrc, resolved), false, shape)) {
                        Files.createSymbolicLink(to, t);
                        return FileVisitResult.CONTINUE;
                    }
                    if (!Files.exists(file)) {
                        progress.warn(label + ": skipped dangling link " + rel + " -> " + t);
                        return FileVisitResult.CONTINUE;
                    }
                    if (Files.isDirectory(file)) {
                        progress.warn(label + ": skipped link " + rel + " -> " + t + " (a directory outside the standard library)");
                        return FileVisitResult.CONTINUE;
                    }
                    // a link leaving the tree (Debian's sitecustomize.py -> /etc/...): copy its content
                }
                copyFile(file, to);
                copiedFiles.add(to);
                return FileVisitResult.CONTINUE;
            }
        });
        Files.createDirectories(stdDst.resolve("site-packages"));

        // Make the copies relocatable.
        TreeSet<String> dropped = new TreeSet<>();
        TreeSet<String> systemLibs = new TreeSet<>();
        TreeSet<String> bundledSonames = new TreeSet<>();
        List<Path> elfs = new ArrayList<>();
        for (Path f : copiedFiles) {
            if (ElfFile.isElf(f)) {
                elfs.add(f);
                ElfFile.Info info = ElfFile.read(f);
                bundledSonames.add(f.getFileName().toString());
                info.soname().ifPresent(bundledSonames::add);
            }
        }
        try (Stream<Path> libs = Files.list(dest.resolve("lib"))) {
            libs.forEach(p -> bundledSonames.add(p.getFileName().toString()));
        }
        for (Path f : elfs) {
            String rel = FileOps.rel(dest, f);
            Path origDir = prefix.resolve(rel).getParent();
            ElfFile.Info info = ElfFile.read(f);
            for (String n : info.needed()) {
                if (!bundledSonames.contains(n)) {
                    systemLibs.add(n);
                }
            }
            try {
                ElfFile.rewriteSearchPath(f, old -> relocatedSearchPath(old, origDir, prefix, realPrefix, dropped));
            } catch (PackyardException e) {
                throw PackyardException.build(label + ": " + rel + ": " + e.getMessage().replace(f.toString() + ": ", "")
                        + "; install that interpreter under a longer prefix, or use a python-build-standalone build");
            }
        }
        for (String d : dropped) {
            progress.warn(label + ": dropped library search path " + d
                    + " (outside the interpreter; the target needs those libraries in its own library path)");
        }
        // The executable must find its libpython in the copy.
        for (String n : ElfFile.read(exe).needed()) {
            if (n.startsWith("libpython") && !Files.exists(dest.resolve("lib").resolve(n))) {
                throw PackyardException.build(label + ": bin/" + exeName + " needs " + n + ", which is not in "
                        + prefix.resolve("lib") + "; cannot relocate this installation");
            }
        }
        return new Result(Set.copyOf(systemLibs));
    }

    /**
     * Maps one RUNPATH value: entries inside the prefix become $ORIGIN-relative, entries that
     * already are $ORIGIN-relative stay, everything else is dropped (and reported).
     */
    static String relocatedSearchPath(String old, Path origDir, Path prefix, Path realPrefix, Set<String> dropped) {
        List<String> out = new ArrayList<>();
        for (String entry : old.split(":", -1)) {
            if (entry.isEmpty()) {
                continue; // an empty entry means the current directory: never wanted
            }
            String mapped = null;
            if (entry.startsWith("$ORIGIN") || entry.startsWith("${ORIGIN}")) {
                String rest = entry.startsWith("$ORIGIN") ? entry.substring(7) : entry.substring(9);
                Path abs = rest.isEmpty() ? origDir : origDir.resolve(rest.substring(rest.startsWith("/") ? 1 : 0)).normalize();
                mapped = abs.startsWith(prefix) || abs.startsWith(realPrefix) ? entry : null;
            } else if (entry.startsWith("/") && !entry.contains("$")) {
                Path abs = Path.of(entry).normalize();
                Path base = abs.startsWith(prefix) ? prefix : abs.startsWith(realPrefix) ? realPrefix : null;
                if (base != null) {
                    Path origin = base == prefix ? origDir : realPrefix.resolve(prefix.relativize(origDir));
                    String rel = origin.relativize(abs).toString().replace('\\', '/');
                    mapped = rel.isEmpty() ? "$ORIGIN" : "$ORIGIN/" + rel;
                }
            }
            if (mapped == null) {
                dropped.add(entry);
            } else if (!out.contains(mapped)) {
                out.add(mapped);
            }
        }
        return String.join(":", out);
    }

    private static void copyFile(Path from, Path to) throws IOException {
        Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
        int mode = FileOps.mode(from);
        FileOps.setMode(to, mode | 0600);
        if (Files.isSymbolicLink(to) || !Files.isRegularFile(to, LinkOption.NOFOLLOW_LINKS)) {
            throw PackyardException.build("host: copying " + from + " did not produce a regular file");
        }
    }
}
