package io.packyard.bundle.interpreter;

import io.packyard.bundle.Target;
import io.packyard.python.PackyardException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The shape of an unpacked interpreter: Linux ({@code bin/python3}, {@code lib/pythonX.Y/}) or
 * Windows ({@code python.exe}, {@code Lib/}, {@code python3XY.dll}), its X.Y and X.Y.Z, and the
 * machine its binaries are built for.
 *
 * @param exe the interpreter, relative to the tree root ({@code bin/python3} or {@code python.exe})
 */
record InterpreterTree(boolean windows, String xy, String version, String stdlib, String exe) {

    private static final Pattern LIB_DIR = Pattern.compile("python(3\\.[0-9]+)(t?)");
    private static final Pattern WIN_DLL = Pattern.compile("python3([0-9]+)(t?)\\.dll", Pattern.CASE_INSENSITIVE);
    private static final Pattern PY_VERSION = Pattern.compile("#define\\s+PY_VERSION\\s+\"([0-9]+\\.[0-9]+\\.[0-9]+)[^\"]*\"");
    private static final Pattern NAME_VERSION = Pattern.compile("(?:^|[^0-9])(3\\.[0-9]+\\.[0-9]+)(?:[^0-9]|$)");

    StripRules.Shape shape() {
        return windows ? StripRules.Shape.forWindows() : StripRules.Shape.forLinux(xy);
    }

    String sitePackages() {
        return stdlib + "/site-packages";
    }

    /**
     * Looks at an unpacked tree.
     *
     * @param nameHint a file name that may carry the full version (the archive's), used when the
     *     tree has no {@code patchlevel.h}
     */
    static InterpreterTree detect(Path root, String label, Optional<String> nameHint) throws IOException {
        boolean windows = Files.isRegularFile(root.resolve("python.exe"));
        String xy;
        String stdlib;
        String exe;
        if (windows) {
            if (!Files.isRegularFile(root.resolve("Lib/os.py"))) {
                throw PackyardException.build(label + ": has python.exe but no Lib/os.py; not a CPython install_only tree");
            }
            List<String> found = new ArrayList<>();
            try (Stream<Path> s = Files.list(root)) {
                for (Path p : s.toList()) {
                    Matcher m = WIN_DLL.matcher(p.getFileName().toString());
                    if (m.matches()) {
                        if (!m.group(2).isEmpty()) {
                            throw PackyardException.build(label + ": free-threaded CPython builds are not supported");
                        }
                        found.add("3." + m.group(1));
                    }
                }
            }
            if (found.size() != 1) {
                throw PackyardException.build(label + ": cannot tell the Python version: expected one python3XY.dll next to python.exe, found "
                        + (found.isEmpty() ? "none" : String.join(", ", found)));
            }
            xy = found.get(0);
            stdlib = "Lib";
            exe = "python.exe";
        } else {
            if (!Files.isDirectory(root.resolve("bin")) || !Files.isDirectory(root.resolve("lib"))) {
                throw PackyardException.build(label + ": expected bin/ and lib/ (Linux) or python.exe and Lib/ (Windows) "
                        + "at the top of the interpreter tree");
            }
            List<String> found = new ArrayList<>();
            try (Stream<Path> s = Files.list(root.resolve("lib"))) {
                for (Path p : s.toList()) {
                    Matcher m = LIB_DIR.matcher(p.getFileName().toString());
                    if (m.matches() && Files.isRegularFile(p.resolve("os.py"))) {
                        if (!m.group(2).isEmpty()) {
                            throw PackyardException.build(label + ": free-threaded CPython builds are not supported");
                        }
                        found.add(m.group(1));
                    }
                }
            }
            if (found.size() != 1) {
                throw PackyardException.build(label + ": cannot tell the Python version: expected one lib/python3.X/os.py, found "
                        + (found.isEmpty() ? "none" : String.join(", ", found)));
            }
            xy = found.get(0);
            stdlib = "lib/python" + xy;
            Path real = root.resolve("bin/python" + xy);
            if (!Files.isRegularFile(real)) {
                throw PackyardException.build(label + ": lib/python" + xy + " but no bin/python" + xy);
            }
            Path python3 = root.resolve("bin/python3");
            if (!Files.exists(python3, LinkOption.NOFOLLOW_LINKS)) {
                Files.createSymbolicLink(python3, Path.of("python" + xy));
            } else if (!Files.isRegularFile(python3)) {
                throw PackyardException.build(label + ": bin/python3 is not a file");
            }
            exe = "bin/python3";
        }
        String version = patchLevel(root, xy).orElseGet(() -> nameHint.flatMap(InterpreterTree::versionInName).orElse(null));
        if (version == null) {
            throw PackyardException.build(label + ": cannot tell the full Python version: no include/patchlevel.h "
                    + "and the name has no X.Y.Z");
        }
        if (!version.equals(xy) && !version.startsWith(xy + ".")) {
            throw PackyardException.build(label + ": the tree holds Python " + xy + " but says it is " + version);
        }
        return new InterpreterTree(windows, xy, version, stdlib, exe);
    }

    private static Optional<String> patchLevel(Path root, String xy) throws IOException {
        for (Path p : List.of(root.resolve("include/python" + xy + "/patchlevel.h"), root.resolve("include/patchlevel.h"))) {
            if (Files.isRegularFile(p)) {
                Matcher m = PY_VERSION.matcher(Files.readString(p, StandardCharsets.ISO_8859_1));
                if (m.find()) {
                    return Optional.of(m.group(1));
                }
            }
        }
        return Optional.empty();
    }

    static Optional<String> versionInName(String name) {
        Matcher m = NAME_VERSION.matcher(name);
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** Refuses a tree built for another OS or architecture than the target. */
    void checkTarget(Path root, Target target, String label) throws IOException {
        if (windows != (target.os() == Target.Os.WINDOWS)) {
            throw PackyardException.build(label + ": is a " + (windows ? "Windows" : "Linux") + " interpreter; target "
                    + target.id() + " needs a " + (windows ? "Linux" : "Windows") + " one");
        }
        String machine = windows ? peMachine(root.resolve(exe), label) : elfMachine(root.resolve("bin/python" + xy), label);
        if (!machine.equalsIgnoreCase(target.machine())) {
            throw PackyardException.build(label + ": is built for " + machine + "; target " + target.id() + " needs "
                    + target.machine());
        }
    }

    private static String elfMachine(Path exe, String label) throws IOException {
        if (!ElfFile.isElf(exe.toRealPath())) {
            throw PackyardException.build(label + ": bin/" + exe.getFileName() + " is not an ELF executable");
        }
        int m = ElfFile.read(exe.toRealPath()).machine();
        return switch (m) {
            case ElfFile.EM_X86_64 -> "x86_64";
            case ElfFile.EM_AARCH64 -> "aarch64";
            case ElfFile.EM_386 -> "i686";
            default -> "ELF machine " + m;
        };
    }

    private static String peMachine(Path exe, String label) throws IOException {
        byte[] head;
        try (InputStream in = Files.newInputStream(exe)) {
            head = in.readNBytes(4096);
        }
        ByteBuffer b = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
        if (head.length < 64 || head[0] != 'M' || head[1] != 'Z') {
            throw PackyardException.build(label + ": python.exe is not a Windows executable");
        }
        int pe = b.getInt(0x3c);
        if (pe < 0 || pe + 6 > head.length || head[pe] != 'P' || head[pe + 1] != 'E' || head[pe + 2] != 0 || head[pe + 3] != 0) {
            throw PackyardException.build(label + ": python.exe has no PE header");
        }
        int machine = Short.toUnsignedInt(b.getShort(pe + 4));
        return switch (machine) {
            case 0x8664 -> "AMD64";
            case 0xAA64 -> "ARM64";
            case 0x014c -> "x86";
            default -> String.format("PE machine 0x%04x", machine);
        };
    }
}
