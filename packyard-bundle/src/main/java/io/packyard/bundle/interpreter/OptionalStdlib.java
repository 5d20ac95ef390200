package io.packyard.bundle.interpreter;

import io.packyard.python.PackyardException;
import io.packyard.python.util.FileTrees;
import io.packyard.python.util.Progress;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Parts of a bundled standard library that few applications use and that cost a lot to ship,
 * left out of the bundle when nothing the application installs imports them:
 * <ul>
 * <li>{@code tkinter}: {@code tkinter}, {@code turtle}, {@code turtledemo}, the {@code _tkinter}
 *     extension module and the Tcl/Tk script libraries. A relocated host CPython's
 *     {@code _tkinter} links the system's libtk and libtcl, which make a .deb depend on them and
 *     through them on X11, for a server that never opens a window; python-build-standalone
 *     ships some 800 Tcl/Tk files.</li>
 * <li>{@code lib2to3}: the Python 2 to 3 converter's library and {@code 2to3} script
 *     (deprecated, removed from Python 3.13).</li>
 * </ul>
 * "Imports" is decided conservatively, by text: a part is kept when any {@code .py} file of
 * the application's directories has an {@code import}/{@code from} statement naming one of its
 * modules or names one as a string literal (for {@code importlib.import_module("tkinter")}), or
 * any extension module contains a module's name. {@code python-keep} keeps a part regardless.
 * It runs after the wheels are installed and before bytecode is compiled.
 */
public final class OptionalStdlib {

    /** One optional part: its name in {@code python-keep}, its modules, and what it is made of. */
    enum Part {
        TKINTER("tkinter", List.of("tkinter", "_tkinter", "turtle", "turtledemo")),
        LIB2TO3("lib2to3", List.of("lib2to3"));

        final String id;
        final List<String> modules;
        final Pattern usage;

        Part(String id, List<String> modules) {
            this.id = id;
            this.modules = modules;
            String names = String.join("|", modules);
            this.usage = Pattern.compile("(?m)^[ \\t]*(?:import|from)[ \\t]+(?:" + names + ")\\b"
                    + "|^[ \\t]*import[ \\t]+[\\w. \\t,]*,[ \\t]*(?:" + names + ")\\b"
                    + "|['\"](?:" + names + ")(?:\\.[\\w.]*)?['\"]");
        }

        /** True when the path (relative to the interpreter root, {@code /}-separated) belongs to this part. */
        boolean owns(String rel, StripRules.Shape shape) {
            String std = shape.stdlib() + "/";
            if (rel.startsWith(std)) {
                String in = rel.substring(std.length());
                for (String m : modules) {
                    if (in.equals(m) || in.startsWith(m + "/") || in.equals(m + ".py")
                            || in.matches("__pycache__/" + Pattern.quote(m) + "\\..*\\.pyc")
                            || in.matches("lib-dynload/" + Pattern.quote(m) + "\\..*\\.so")) {
                        return true;
                    }
                }
                return false;
            }
            return switch (this) {
                case TKINTER -> shape.windows()
                        ? rel.equals("tcl") || rel.startsWith("tcl/")
                                || rel.matches("DLLs/(_tkinter\\.pyd|tcl[0-9]+t?\\.dll|tk[0-9]+t?\\.dll)")
                        : rel.matches("lib/(tcl|tk|itcl|thread)[0-9][^/]*(/.*)?")
                                || rel.matches("lib/lib(tcl|tk)[0-9][^/]*\\.so[^/]*");
                case LIB2TO3 -> rel.matches((shape.windows() ? "Scripts/2to3" : "bin/2to3") + "[^/]*");
            };
        }
    }

    private OptionalStdlib() {}

    /** The names {@code python-keep} accepts for these parts. */
    static List<String> groups() {
        return Stream.of(Part.values()).map(p -> p.id).toList();
    }

    /**
     * Deletes from a bundled interpreter every part that is not kept and that no file under
     * {@code appDirs} uses, and reports each decision.
     *
     * @param stageRoot the bundle root
     * @param interpreter the bundled interpreter in it
     * @param keep the {@code python-keep} groups
     * @param appDirs bundle-relative directories of the application's installed packages
     * @return the names of the parts left out
     */
    public static List<String> trim(Path stageRoot, Interpreter interpreter, Set<String> keep,
            Collection<String> appDirs, Progress progress) {
        try {
            return trimOrFail(stageRoot, interpreter, keep, appDirs, progress);
        } catch (IOException e) {
            throw PackyardException.build("leaving unused parts out of the interpreter: " + e.getMessage(), e);
        }
    }

    private static List<String> trimOrFail(Path stageRoot, Interpreter interpreter, Set<String> keep,
            Collection<String> appDirs, Progress progress) throws IOException {
        if (!interpreter.bundled()) {
            return List.of();
        }
        String stdlib = interpreter.stdlibDir();
        String rootName = stdlib.substring(0, stdlib.indexOf('/'));
        Path root = stageRoot.resolve(rootName);
        StripRules.Shape shape = new StripRules.Shape(interpreter.target().os() == io.packyard.bundle.Target.Os.WINDOWS,
                stdlib.substring(rootName.length() + 1));
        List<String> left = new ArrayList<>();
        for (Part part : Part.values()) {
            if (keep.contains(part.id)) {
                continue;
            }
            List<Path> files = owned(root, part, shape);
            if (files.isEmpty()) {
                continue;
            }
            Optional<String> user = firstUser(stageRoot, appDirs, part);
            if (user.isPresent()) {
                progress.step("Keeping " + part.id + " in the interpreter: " + user.get() + " imports it");
                continue;
            }
            java.util.TreeSet<String> libraries = systemLibraries(root, files);
            for (Path f : files) {
                FileTrees.deleteTree(f);
            }
            left.add(part.id);
            progress.step("Left " + part.id + " out of the interpreter (nothing imports it; python-keep = [\""
                    + part.id + "\"] keeps it)" + (libraries.isEmpty() ? ""
                            : "; the interpreter no longer needs " + String.join(", ", libraries)));
        }
        return left;
    }

    /**
     * The shared libraries the ELF files under {@code part} need that no other ELF file of the
     * interpreter needs or provides (libtk and libtcl for _tkinter).
     */
    private static java.util.TreeSet<String> systemLibraries(Path root, List<Path> part) throws IOException {
        java.util.TreeSet<String> partNeeds = new java.util.TreeSet<>();
        java.util.Set<String> restNeeds = new java.util.HashSet<>();
        List<Path> elves;
        try (Stream<Path> all = Files.walk(root)) {
            elves = all.filter(f -> Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)).toList();
        }
        for (Path f : elves) {
            if (!ElfFile.isElf(f)) {
                continue;
            }
            ElfFile.Info info = ElfFile.read(f);
            boolean inPart = part.stream().anyMatch(f::startsWith);
            (inPart ? partNeeds : restNeeds).addAll(info.needed());
            if (!inPart) {
                info.soname().ifPresent(restNeeds::add);
                restNeeds.add(f.getFileName().toString());
            }
        }
        partNeeds.removeAll(restNeeds);
        return partNeeds;
    }

    /** The top-most paths of the part under the interpreter root (a directory stands for its contents). */
    private static List<Path> owned(Path root, Part part, StripRules.Shape shape) throws IOException {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return out;
        }
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : (Iterable<Path>) all.sorted()::iterator) {
                String rel = root.relativize(p).toString().replace('\\', '/');
                if (rel.isEmpty() || out.stream().anyMatch(p::startsWith)) {
                    continue;
                }
                if (part.owns(rel, shape)) {
                    out.add(p);
                }
            }
        }
        return out;
    }

    /** The first application file (bundle-relative) that uses the part, if any. */
    static Optional<String> firstUser(Path stageRoot, Collection<String> appDirs, Part part) throws IOException {
        byte[][] needles = part.modules.stream().map(m -> m.getBytes(StandardCharsets.US_ASCII)).toArray(byte[][]::new);
        for (String dir : appDirs.stream().distinct().sorted().toList()) {
            Path d = stageRoot.resolve(dir);
            if (!Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            List<Path> files;
            try (Stream<Path> all = Files.walk(d)) {
                files = all.filter(Files::isRegularFile).sorted().toList();
            }
            for (Path f : files) {
                String name = f.getFileName().toString();
                boolean used;
                if (name.endsWith(".py")) {
                    used = part.usage.matcher(Files.readString(f, StandardCharsets.ISO_8859_1)).find();
                } else if (name.endsWith(".so") || name.contains(".so.") || name.endsWith(".pyd")) {
                    used = containsAny(f, needles);
                } else {
                    used = false;
                }
                if (used) {
                    return Optional.of(stageRoot.relativize(f).toString().replace('\\', '/'));
                }
            }
        }
        return Optional.empty();
    }

    private static boolean containsAny(Path f, byte[][] needles) throws IOException {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(f)) {
            bytes = in.readAllBytes();
        }
        for (byte[] n : needles) {
            outer:
            for (int i = 0; i + n.length <= bytes.length; i++) {
                for (int j = 0; j < n.length; j++) {
                    if (bytes[i + j] != n[j]) {
                        continue outer;
                    }
                }
                return true;
            }
        }
        return false;
    }
}
