package io.packyard.bundle.interpreter;

import io.packyard.python.PackyardException;
import io.packyard.python.util.FileTrees;
import io.packyard.python.util.Progress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
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
 * modules, passes one as a string to {@code import_module}, {@code __import__},
 * {@code find_spec} or {@code import_string}, or has a string literal that is one of its
 * distinctive module names ({@code "tkinter"}, {@code "_tkinter"}, {@code "lib2to3"}: a module
 * list fed to {@code import_module} later); or when any extension module contains a distinctive
 * name. A module name that is also a word ({@code turtle}: Pygments names its lexer for the
 * RDF Turtle format {@code 'turtle'}) counts only in a statement or an import call. six's
 * table of moved modules names tkinter without importing it; {@code six.moves.tkinter} and
 * {@code from six.moves import tkinter} in the file that uses it count.
 * {@code python-keep} keeps a part regardless. It runs after the wheels are installed and
 * before bytecode is compiled.
 */
public final class OptionalStdlib {

    /** One optional part: its name in {@code python-keep}, its modules, and what it is made of. */
    enum Part {
        TKINTER("tkinter", List.of("tkinter", "_tkinter", "turtle", "turtledemo"), List.of("tkinter", "_tkinter", "turtledemo"),
                "lib/(tcl|tk|itcl|thread)[0-9][^/]*(/.*)?|lib/lib(tcl|tk)[0-9][^/]*\\.so[^/]*",
                "tcl(/.*)?|DLLs/(_tkinter\\.pyd|tcl[0-9]+t?\\.dll|tk[0-9]+t?\\.dll)"),
        LIB2TO3("lib2to3", List.of("lib2to3"), List.of("lib2to3"), "bin/2to3[^/]*", "Scripts/2to3[^/]*");

        final String id;
        final List<String> modules;
        /** The module names that are not also ordinary words: found anywhere in a string or a binary, they count. */
        final List<String> distinctive;
        /** An import of one of the modules in Python source. */
        final Pattern usage;
        /** A distinctive module name as a string literal, anywhere. */
        final Pattern literal;
        /** The part's paths inside the standard library directory. */
        private final Pattern inStdlib;
        /** Its paths elsewhere in a POSIX or a Windows interpreter tree. */
        private final Pattern posix;
        private final Pattern windows;

        Part(String id, List<String> modules, List<String> distinctive, String posix, String windows) {
            this.id = id;
            this.modules = modules;
            this.distinctive = distinctive;
            String names = alternatives(modules);
            String literal = "['\"]" + names + "(?:\\.[\\w.]*)?['\"]";
            this.usage = Pattern.compile("(?m)^[ \\t]*(?:import|from)[ \\t]+" + names + "\\b"
                    + "|^[ \\t]*import[ \\t]+[\\w. \\t,]*,[ \\t]*" + names + "\\b"
                    + "|\\b(?:import_module|__import__|find_spec|import_string)[ \\t]*\\([ \\t]*" + literal
                    // six.moves.tkinter, from six.moves import tkinter_ttk
                    + "|\\bmoves(?:\\.|[ \\t]+import[ \\t]+[\\w \\t,(]*)" + names);
            this.literal = Pattern.compile("['\"]" + alternatives(distinctive) + "(?:\\.[\\w.]*)?['\"]");
            this.inStdlib = Pattern.compile(names + "(?:/.*)?|" + names + "\\.py|__pycache__/" + names
                    + "\\..*\\.pyc|lib-dynload/" + names + "\\..*\\.so");
            this.posix = Pattern.compile(posix);
            this.windows = Pattern.compile(windows);
        }

        /** True when the path (relative to the interpreter root, {@code /}-separated) belongs to this part. */
        boolean owns(String rel, StripRules.Shape shape) {
            String std = shape.stdlib() + "/";
            if (rel.startsWith(std)) {
                return inStdlib.matcher(rel.substring(std.length())).matches();
            }
            return (shape.windows() ? windows : posix).matcher(rel).matches();
        }

        /** True when the file's text (a .py source, or an extension module read as ISO-8859-1) uses the part. */
        boolean usedBy(String fileName, String text) {
            // nearly every file names no module of the part: a plain search rules it out fast
            if (modules.stream().noneMatch(text::contains)) {
                return false;
            }
            if (fileName.endsWith(".py")) {
                // six (and its vendored copies) names every moved module in its lazy table: a
                // use goes through six.moves, which the usage pattern finds in the user's file
                return usage.matcher(text).find() || !text.contains("class MovedModule(") && literal.matcher(text).find();
            }
            return distinctive.stream().anyMatch(text::contains);
        }

        private static String alternatives(List<String> names) {
            return "(?:" + String.join("|", names.stream().map(Pattern::quote).toList()) + ")";
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
        List<Path> tree = walk(root);
        Map<Part, List<Path>> candidates = new EnumMap<>(Part.class);
        for (Part part : Part.values()) {
            if (!keep.contains(part.id)) {
                List<Path> files = owned(root, tree, part, shape);
                if (!files.isEmpty()) {
                    candidates.put(part, files);
                }
            }
        }
        if (candidates.isEmpty()) {
            return List.of();
        }
        Map<Part, String> users = firstUsers(stageRoot, appDirs, candidates.keySet());
        List<String> left = new ArrayList<>();
        Map<Path, ElfFile.Info> elves = null; // read once, when the first part is left out
        for (Map.Entry<Part, List<Path>> c : candidates.entrySet()) {
            Part part = c.getKey();
            List<Path> files = c.getValue();
            if (users.containsKey(part)) {
                progress.step("Keeping " + part.id + " in the interpreter: " + users.get(part) + " imports it");
                continue;
            }
            if (elves == null) {
                elves = elfFiles(tree);
            }
            TreeSet<String> libraries = systemLibraries(elves, files);
            for (Path f : files) {
                FileTrees.deleteTree(f);
            }
            elves.keySet().removeIf(f -> files.stream().anyMatch(f::startsWith));
            left.add(part.id);
            progress.step("Left " + part.id + " out of the interpreter (nothing imports it; python-keep = [\""
                    + part.id + "\"] keeps it)" + (libraries.isEmpty() ? ""
                            : "; the interpreter no longer needs " + String.join(", ", libraries)));
        }
        return left;
    }

    /** Every path under the interpreter root, sorted (the root itself left out). */
    private static List<Path> walk(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> all = Files.walk(root)) {
            return all.filter(p -> !p.equals(root)).sorted().toList();
        }
    }

    /** The top-most paths of the part in the tree (a directory stands for its contents). */
    private static List<Path> owned(Path root, List<Path> tree, Part part, StripRules.Shape shape) {
        List<Path> out = new ArrayList<>();
        for (Path p : tree) {
            if (out.stream().noneMatch(p::startsWith)
                    && part.owns(root.relativize(p).toString().replace('\\', '/'), shape)) {
                out.add(p);
            }
        }
        return out;
    }

    /** The ELF files of the tree with what they declare. */
    private static Map<Path, ElfFile.Info> elfFiles(List<Path> tree) throws IOException {
        Map<Path, ElfFile.Info> out = new LinkedHashMap<>();
        for (Path f : tree) {
            if (Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS) && ElfFile.isElf(f)) {
                out.put(f, ElfFile.read(f));
            }
        }
        return out;
    }

    /**
     * The shared libraries the ELF files under {@code part} need that no other ELF file of the
     * interpreter needs or provides (libtk and libtcl for _tkinter).
     */
    private static TreeSet<String> systemLibraries(Map<Path, ElfFile.Info> elves, List<Path> part) {
        TreeSet<String> partNeeds = new TreeSet<>();
        Set<String> restNeeds = new HashSet<>();
        elves.forEach((f, info) -> {
            boolean inPart = part.stream().anyMatch(f::startsWith);
            (inPart ? partNeeds : restNeeds).addAll(info.needed());
            if (!inPart) {
                info.soname().ifPresent(restNeeds::add);
                restNeeds.add(f.getFileName().toString());
            }
        });
        partNeeds.removeAll(restNeeds);
        return partNeeds;
    }

    /**
     * For each part, the first application file (bundle-relative) that uses it; each file of
     * {@code appDirs} is read at most once, and only until every part has a user.
     */
    static Map<Part, String> firstUsers(Path stageRoot, Collection<String> appDirs, Set<Part> parts) throws IOException {
        Map<Part, String> users = new EnumMap<>(Part.class);
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
                if (users.size() == parts.size()) {
                    return users;
                }
                String name = f.getFileName().toString();
                if (!name.endsWith(".py") && !name.endsWith(".so") && !name.contains(".so.") && !name.endsWith(".pyd")) {
                    continue;
                }
                // ISO-8859-1 maps every byte to one char: a binary's bytes can be searched as text
                String text = Files.readString(f, StandardCharsets.ISO_8859_1);
                for (Part part : parts) {
                    if (!users.containsKey(part) && part.usedBy(name, text)) {
                        users.put(part, stageRoot.relativize(f).toString().replace('\\', '/'));
                    }
                }
            }
        }
        return users;
    }
}
