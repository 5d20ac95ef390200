package io.packyard.python.wheel;

import io.packyard.python.PackyardException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Makes the files that start Python code: launchers for entry points (console scripts, GUI
 * scripts, install hooks) and relocatable versions of {@code #!python} scripts. Implementations
 * exist per target family: {@link PosixLauncherWriter} ({@code /bin/sh} scripts) and
 * {@link WindowsLauncherWriter} ({@code .exe} launchers with a payload).
 *
 * <p>The methods return the files to write instead of writing them, so an installer can check
 * them for conflicts first and write everything or nothing; the {@code write*} defaults write
 * them directly.
 */
public interface LauncherWriter {

    /** What a launcher does with its arguments and the function's result. */
    enum Flavour {
        /** {@code sys.argv} holds the arguments; {@code sys.exit(func())}. */
        CONSOLE,
        /** Like CONSOLE, without a console window where the platform makes the difference (Windows). */
        GUI,
        /** The arguments are passed positionally: {@code sys.exit(func(*sys.argv[1:]))}; None exits 0. */
        HOOK
    }

    /**
     * How launchers reach the interpreter.
     *
     * @param executable the interpreter: a bundle-relative path ('/'-separated, for an interpreter
     *     shipped in the bundle, found relative to the launcher at run time) or an absolute path
     *     (a system interpreter such as {@code /usr/bin/python3})
     * @param sitePackages a bundle-relative directory the launcher puts first on sys.path (with its
     *     .pth files processed), needed when the packages are not in the interpreter's own
     *     site-packages
     */
    record Interpreter(String executable, Optional<String> sitePackages) {

        public Interpreter {
            Objects.requireNonNull(executable, "executable");
            Objects.requireNonNull(sitePackages, "sitePackages");
            if (!isAbsolute(executable)) {
                InstallScheme.checkRelative("interpreter", executable);
                if (executable.isEmpty()) {
                    throw new IllegalArgumentException("interpreter: empty path");
                }
            } else {
                for (char c : executable.toCharArray()) {
                    if (c < 0x20 || c == '\'' || c == '\\' || c == 0x7f) {
                        if (c == '\\' && executable.matches("^[A-Za-z]:.*")) {
                            continue;
                        }
                        throw new IllegalArgumentException("interpreter: unsupported character in " + executable);
                    }
                }
            }
            sitePackages.ifPresent(s -> InstallScheme.checkRelative("sitePackages", s));
        }

        /** An interpreter in the bundle, using its own site-packages. */
        public static Interpreter bundled(String bundleRelativeExecutable) {
            return new Interpreter(bundleRelativeExecutable, Optional.empty());
        }

        /** An interpreter in the bundle, with the packages in another bundle directory. */
        public static Interpreter bundled(String bundleRelativeExecutable, String bundleRelativeSitePackages) {
            return new Interpreter(bundleRelativeExecutable, Optional.of(bundleRelativeSitePackages));
        }

        /** A system interpreter at an absolute path, with the packages in a bundle directory. */
        public static Interpreter system(String absoluteExecutable, String bundleRelativeSitePackages) {
            if (!isAbsolute(absoluteExecutable)) {
                throw new IllegalArgumentException("system interpreter must be an absolute path: " + absoluteExecutable);
            }
            return new Interpreter(absoluteExecutable, Optional.of(bundleRelativeSitePackages));
        }

        /** True when the interpreter is part of the bundle (a relative path). */
        public boolean isBundled() {
            return !isAbsolute(executable);
        }

        static boolean isAbsolute(String p) {
            return p.startsWith("/") || p.matches("^[A-Za-z]:[/\\\\].*");
        }
    }

    /**
     * A file to write.
     *
     * @param path bundle-relative, '/'-separated
     * @param content the bytes
     * @param mode the POSIX permission bits (0755 for launchers)
     */
    record LauncherFile(String path, byte[] content, int mode) {
        public LauncherFile {
            content = content.clone();
        }

        @Override
        public byte[] content() {
            return content.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof LauncherFile f && f.path.equals(path) && f.mode == mode && Arrays.equals(f.content, content);
        }

        @Override
        public int hashCode() {
            return path.hashCode() * 31 + Arrays.hashCode(content);
        }

        @Override
        public String toString() {
            return path + " (" + content.length + " bytes, mode " + Integer.toOctalString(mode) + ")";
        }
    }

    /**
     * The files of a launcher named {@code name} in the bundle directory {@code dir} that calls
     * {@code target} ({@code module:attr.path}).
     */
    List<LauncherFile> launcher(Interpreter interpreter, String dir, String name, EntryPoint target, Flavour flavour);

    /**
     * The installed form of a script from {@code .data/scripts}: scripts whose first line starts
     * with {@code #!python} (or {@code #!pythonw}) are made to run with the interpreter; other
     * scripts are kept as they are. Either way the result is executable.
     *
     * @param dir the bundle directory the script goes to
     * @param name the script's file name
     */
    List<LauncherFile> rewriteScript(Interpreter interpreter, String dir, String name, byte[] content);

    /** A console-script launcher's files. */
    default List<LauncherFile> console(Interpreter interpreter, String dir, String name, EntryPoint target) {
        return launcher(interpreter, dir, name, target, Flavour.CONSOLE);
    }

    /** A GUI-script launcher's files. */
    default List<LauncherFile> gui(Interpreter interpreter, String dir, String name, EntryPoint target) {
        return launcher(interpreter, dir, name, target, Flavour.GUI);
    }

    /** A hook launcher's files: it calls {@code func(*args)} and exits with its result. */
    default List<LauncherFile> hook(Interpreter interpreter, String dir, String name, EntryPoint target) {
        return launcher(interpreter, dir, name, target, Flavour.HOOK);
    }

    /** Writes a console-script launcher under {@code root}; returns the bundle-relative paths written. */
    default List<String> writeConsole(Path root, Interpreter interpreter, String dir, String name, EntryPoint target) {
        return write(root, console(interpreter, dir, name, target));
    }

    /** Writes a GUI-script launcher under {@code root}; returns the bundle-relative paths written. */
    default List<String> writeGui(Path root, Interpreter interpreter, String dir, String name, EntryPoint target) {
        return write(root, gui(interpreter, dir, name, target));
    }

    /**
     * Writes a hook launcher for {@code moduleFunction} ({@code module:function}) under
     * {@code root}; returns the bundle-relative paths written.
     */
    default List<String> writeHook(Path root, Interpreter interpreter, String dir, String name, String moduleFunction) {
        EntryPoint target;
        try {
            target = EntryPoint.parse("packyard.hooks", name, moduleFunction);
        } catch (IllegalArgumentException e) {
            throw PackyardException.config("hook " + name + ": " + e.getMessage());
        }
        if (target.attribute().isEmpty()) {
            throw PackyardException.config("hook " + name + ": expected module:function, got " + moduleFunction);
        }
        return write(root, hook(interpreter, dir, name, target));
    }

    /** Writes a rewritten script under {@code root}; returns the bundle-relative paths written. */
    default List<String> writeScript(Path root, Interpreter interpreter, String dir, String name, byte[] content) {
        return write(root, rewriteScript(interpreter, dir, name, content));
    }

    /**
     * Writes files under {@code root} (each to a temporary name, then renamed; parents created),
     * replacing existing ones; returns their paths.
     */
    static List<String> write(Path root, List<LauncherFile> files) {
        List<String> written = new ArrayList<>();
        for (LauncherFile f : files) {
            Path target = root.resolve(f.path());
            Path tmp = target.resolveSibling("." + target.getFileName() + ".packyard-tmp");
            try {
                Files.createDirectories(target.getParent());
                Files.write(tmp, f.content(), StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                        StandardOpenOption.WRITE);
                FileModes.set(tmp, f.mode());
                Files.move(tmp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort
                }
                throw PackyardException.build("cannot write " + target + ": " + e.getMessage(), e);
            }
            written.add(f.path());
        }
        return written;
    }

    /** The POSIX implementation ({@code /bin/sh} launchers). */
    static LauncherWriter posix() {
        return new PosixLauncherWriter();
    }

    /** The Windows implementation ({@code .exe} launchers for x64; see {@link WindowsLauncherWriter}). */
    static LauncherWriter windows() {
        return new WindowsLauncherWriter();
    }
}
