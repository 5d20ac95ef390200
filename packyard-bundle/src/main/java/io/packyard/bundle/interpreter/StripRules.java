package io.packyard.bundle.interpreter;

import io.packyard.python.PackyardException;
import io.packyard.python.util.FileTrees;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What Packyard leaves out of a bundled interpreter unless asked to keep it. Groups:
 * <ul>
 * <li>{@code test}: the stdlib test suite ({@code lib/pythonX.Y/test/}), the test packages
 *     older versions keep inside other packages ({@code ctypes/test}, {@code unittest/test}, ...)
 *     and the extension modules only the tests import ({@code _testcapi}, {@code xxlimited}, ...)</li>
 * <li>{@code idlelib}: the IDLE editor and its {@code bin/idle3*} scripts</li>
 * <li>{@code ensurepip}: the bundled pip wheel</li>
 * <li>{@code site-packages}: whatever the interpreter's own site-packages holds (pip, ...),
 *     except its README.txt, plus the {@code pip*} scripts</li>
 * <li>{@code bytecode}: {@code __pycache__} directories and {@code *.pyc}: Packyard compiles all
 *     bytecode itself, reproducibly</li>
 * <li>{@code static-libs}: {@code *.a} under {@code lib/} (the static libpython next to the
 *     Makefile in {@code config-X.Y-*}) and that directory's {@code python.o} and
 *     {@code python-config.py} (whose first line names the build machine's interpreter), only
 *     needed to build or link against this Python</li>
 * </ul>
 * {@code tkinter} and {@code lib2to3} are groups too, but not left out here: {@link OptionalStdlib}
 * drops them later, once it can see whether the application imports them.
 */
final class StripRules {

    static final Set<String> GROUPS = Stream.concat(
            Stream.of("test", "idlelib", "ensurepip", "site-packages", "bytecode", "static-libs"),
            OptionalStdlib.groups().stream()).collect(java.util.stream.Collectors.toUnmodifiableSet());

    private static final List<String> PACKAGE_TESTS = List.of(
            "ctypes/test", "distutils/tests", "lib2to3/tests", "tkinter/test", "unittest/test",
            "sqlite3/test", "idlelib/idle_test");
    /** Extension modules that exist only for the test suite (Debian ships them in libpythonX.Y-testsuite). */
    private static final Pattern TEST_EXTENSION =
            Pattern.compile("(_test[a-z_]*|_ctypes_test|xxlimited(_35)?|_xxtestfuzz|xxsubtype)(\\..*)?\\.(so|pyd)");
    private static final Pattern IDLE_SCRIPT = Pattern.compile("idle3?(\\.[0-9]+)?");
    private static final Pattern PIP_SCRIPT = Pattern.compile("pip3?(\\.[0-9]+)?");
    private static final Pattern PIP_EXE = Pattern.compile("pip3?(\\.[0-9]+)?\\.exe");

    private final Set<String> keep;

    StripRules(Set<String> keep) {
        TreeSet<String> unknown = new TreeSet<>(keep);
        unknown.removeAll(GROUPS);
        if (!unknown.isEmpty()) {
            throw PackyardException.config("interpreter keep: unknown group" + (unknown.size() > 1 ? "s " : " ")
                    + String.join(", ", unknown) + " (known: " + String.join(", ", new TreeSet<>(GROUPS)) + ")");
        }
        this.keep = Set.copyOf(keep);
    }

    /** Where the standard library and scripts live in one interpreter tree. */
    record Shape(boolean windows, String stdlib) {
        static Shape forLinux(String xy) {
            return new Shape(false, "lib/python" + xy);
        }

        static Shape forWindows() {
            return new Shape(true, "Lib");
        }
    }

    /**
     * True when the path ({@code /}-separated, relative to the interpreter root) is left out.
     * A directory that is left out is left out whole.
     */
    boolean excluded(String rel, boolean directory, Shape shape) {
        String name = rel.substring(rel.lastIndexOf('/') + 1);
        if (!keep.contains("bytecode")) {
            if (directory ? name.equals("__pycache__") : name.endsWith(".pyc") || name.endsWith(".pyo")) {
                return true;
            }
        }
        String std = shape.stdlib() + "/";
        if (rel.startsWith(std)) {
            String inStd = rel.substring(std.length());
            if (!keep.contains("test")) {
                if (under(inStd, "test")) {
                    return true;
                }
                for (String t : PACKAGE_TESTS) {
                    if (under(inStd, t)) {
                        return true;
                    }
                }
                if (!directory && (inStd.startsWith("lib-dynload/") || shape.windows())
                        && TEST_EXTENSION.matcher(name).matches()) {
                    return true;
                }
            }
            if (!keep.contains("idlelib") && under(inStd, "idlelib")) {
                return true;
            }
            if (!keep.contains("ensurepip") && under(inStd, "ensurepip")) {
                return true;
            }
            if (!keep.contains("site-packages") && inStd.startsWith("site-packages/")
                    && !inStd.equals("site-packages/README.txt")) {
                return true;
            }
        }
        if (!directory && !shape.windows()) {
            if (rel.startsWith("bin/") && rel.indexOf('/', 4) < 0) {
                if (!keep.contains("idlelib") && IDLE_SCRIPT.matcher(name).matches()) {
                    return true;
                }
                if (!keep.contains("site-packages") && PIP_SCRIPT.matcher(name).matches()) {
                    return true;
                }
            }
            if (!keep.contains("static-libs") && rel.startsWith("lib/")
                    && (name.endsWith(".a")
                            || (name.equals("python.o") || name.equals("python-config.py")) && rel.contains("/config-"))) {
                return true;
            }
        }
        if (!directory && shape.windows() && !keep.contains("site-packages")
                && rel.startsWith("Scripts/") && PIP_EXE.matcher(name).matches()) {
            return true;
        }
        return false;
    }

    private static boolean under(String path, String dir) {
        return path.equals(dir) || path.startsWith(dir + "/");
    }

    /** Deletes what is left out from an unpacked tree, then any symbolic link left dangling. */
    void apply(Path root, Shape shape) throws IOException {
        List<Path> links = new ArrayList<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                if (!dir.equals(root) && excluded(FileOps.rel(root, dir), true, shape)) {
                    FileTrees.deleteTree(dir);
                    return FileVisitResult.SKIP_SUBTREE;
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (excluded(FileOps.rel(root, file), false, shape)) {
                    Files.delete(file);
                } else if (attrs.isSymbolicLink()) {
                    links.add(file);
                }
                return FileVisitResult.CONTINUE;
            }
        });
        for (Path link : links) {
            if (Files.isSymbolicLink(link) && !Files.exists(link)) {
                Files.delete(link);
            }
        }
        Path sitePackages = root.resolve(shape.stdlib()).resolve("site-packages");
        if (Files.isDirectory(root.resolve(shape.stdlib()), LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(sitePackages);
        }
    }
}
