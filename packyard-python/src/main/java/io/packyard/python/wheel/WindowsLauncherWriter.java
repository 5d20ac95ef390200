package io.packyard.python.wheel;

import io.packyard.python.PackyardException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Launchers for Windows: {@code .exe} files made of Packyard's prebuilt launcher (built from
 * {@code launcher/launcher.c} at the repository root and committed as resources) followed by a
 * payload that names the interpreter and the entry point.
 *
 * <p>File layout: {@code [launcher exe][payload][length][magic]}, where the payload is UTF-8
 * {@code key=value} lines, length is its size as 4 bytes little-endian and magic is the 8 ASCII
 * bytes {@code PKYLNCH1}. The whole is a multiple of 8 bytes long, so an Authenticode signature
 * (which signing tools append after 8-byte alignment, described by the PE Security directory)
 * follows directly; the launcher finds the trailer before the certificate table when signed,
 * at the end of the file otherwise.
 *
 * <p>Keys: {@code kind} (console, gui or hook), {@code interpreter} (relative to the launcher's
 * directory, backslash-separated, or absolute), {@code site-packages} (optional: put first on
 * sys.path), {@code module} and {@code attribute} (the entry point) or {@code script} (a script
 * beside the launcher), {@code options} (interpreter options from a script's {@code #!python}
 * line) and {@code log} (hooks: the file their output is appended to).
 *
 * <p>At run time the launcher starts {@code interpreter -I -c CODE <launcher path> <arguments>}:
 * CODE drops the "-c" from sys.argv, imports the module, resolves the attribute path and exits
 * with its result ({@code func()} for console and GUI, {@code func(*sys.argv[1:])} for hooks),
 * the same as {@link PosixLauncherWriter}'s launchers. The arguments are the raw tail of the
 * launcher's command line, so the interpreter parses them exactly as typed.
 *
 * <p>Variants: console scripts use the console-subsystem launcher and {@code python.exe}; GUI
 * scripts the GUI-subsystem launcher and {@code pythonw.exe} (the sibling of the configured
 * interpreter); hooks the GUI-subsystem launcher with {@code python.exe} started without a
 * window, so an installer's custom action opens no console window, with their output appended
 * to the {@linkplain #withHookLog hook log} when one is set.
 *
 * <p>The output depends only on the arguments: same inputs, same bytes.
 */
public final class WindowsLauncherWriter implements LauncherWriter {

    /** The Windows architectures. */
    public enum Machine {
        /** x86-64 (AMD64): Packyard ships launchers for it. */
        X64,
        /** ARM64: no launchers yet (see {@code launcher/README.md}). */
        ARM64
    }

    static final byte[] MAGIC = "PKYLNCH1".getBytes(StandardCharsets.US_ASCII);
    static final int TRAILER_SIZE = 12;
    static final String CONSOLE_RESOURCE = "windows/launcher-console-x64.exe";
    static final String GUI_RESOURCE = "windows/launcher-gui-x64.exe";

    private static final int EXECUTABLE = 0755;
    private static final int REGULAR = 0644;
    private static final Set<String> RESERVED = Set.of("CON", "PRN", "AUX", "NUL",
            "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
            "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9");
    private static final Pattern WINDOWS_ABSOLUTE = Pattern.compile("^(?:[A-Za-z]:[\\\\/]|%[^%]+%).*");

    private final Machine machine;
    private final Optional<String> hookLog;

    /** x64 launchers, hooks without a log. */
    public WindowsLauncherWriter() {
        this(Machine.X64);
    }

    /** Launchers for {@code machine}, hooks without a log. */
    public WindowsLauncherWriter(Machine machine) {
        this(machine, Optional.empty());
    }

    private WindowsLauncherWriter(Machine machine, Optional<String> hookLog) {
        this.machine = Objects.requireNonNull(machine, "machine");
        this.hookLog = hookLog;
    }

    /** The architecture these launchers are for. */
    public Machine machine() {
        return machine;
    }

    /** The hook log, as given to {@link #withHookLog}. */
    public Optional<String> hookLog() {
        return hookLog;
    }

    /**
     * This writer with hook launchers that append their interpreter's output (stdout and stderr),
     * framed by a line naming the hook and its arguments and a line with its exit code, to a log
     * file. Parent directories are created when missing.
     *
     * @param logPath a bundle-relative path ('/'-separated; each hook finds it relative to its own
     *     directory), or a Windows absolute path, which may start with an environment variable:
     *     {@code C:\Logs\notes.log}, {@code %ProgramData%\Acme\Notes\install.log}
     */
    public WindowsLauncherWriter withHookLog(String logPath) {
        Objects.requireNonNull(logPath, "logPath");
        if (WINDOWS_ABSOLUTE.matcher(logPath).matches()) {
            checkPayloadValue("hook log", logPath);
        } else {
            InstallScheme.checkRelative("hook log", logPath);
            if (logPath.isEmpty()) {
                throw new IllegalArgumentException("hook log: empty path");
            }
        }
        return new WindowsLauncherWriter(machine, Optional.of(logPath));
    }

    @Override
    public List<LauncherFile> launcher(Interpreter interpreter, String dir, String name, EntryPoint target, Flavour flavour) {
        Objects.requireNonNull(flavour, "flavour");
        checkName(name);
        InstallScheme.checkRelative("launcher directory", dir);
        if (target.attribute().isEmpty()) {
            throw new IllegalArgumentException("launcher " + name + ": expected module:function, got " + target.module());
        }
        byte[] base = base(flavour == Flavour.CONSOLE ? Variant.CONSOLE : Variant.GUI, name);
        List<String> payload = new ArrayList<>();
        payload.add("kind=" + flavour.name().toLowerCase(Locale.ROOT));
        payload.add("interpreter=" + interpreterValue(interpreter, dir, flavour == Flavour.GUI));
        interpreter.sitePackages().ifPresent(s -> payload.add("site-packages=" + relativeValue(dir, s)));
        payload.add("module=" + target.module());
        payload.add("attribute=" + target.attribute());
        if (flavour == Flavour.HOOK) {
            hookLog.ifPresent(log -> payload.add("log=" + logValue(dir, log)));
        }
        String path = InstallScheme.join(dir, exeName(name));
        return List.of(new LauncherFile(path, assemble(base, payload), EXECUTABLE));
    }

    /**
     * A {@code #!python} script becomes {@code <name>.exe} (a launcher that runs
     * {@code python.exe -I [options] <name>-script.py args}, {@code pythonw.exe} for
     * {@code #!pythonw}) and {@code <name>-script.py} (the script, unchanged), where a
     * {@code .py}/{@code .pyw} extension of the name is dropped, as pip does on Windows. Other
     * scripts are kept as they are.
     */
    @Override
    public List<LauncherFile> rewriteScript(Interpreter interpreter, String dir, String name, byte[] content) {
        checkName(name);
        InstallScheme.checkRelative("script directory", dir);
        byte[] magic = "#!python".getBytes(StandardCharsets.US_ASCII);
        if (content.length < magic.length || !Arrays.equals(content, 0, magic.length, magic, 0, magic.length)) {
            return List.of(new LauncherFile(InstallScheme.join(dir, name), content, EXECUTABLE));
        }
        int eol = 0;
        while (eol < content.length && content[eol] != '\n') {
            eol++;
        }
        String first = new String(content, 0, eol, StandardCharsets.UTF_8).strip();
        String tail = first.substring("#!python".length());
        boolean gui = tail.startsWith("w");
        List<String> options = new ArrayList<>();
        String[] words = tail.split("\\s+", -1);
        for (int i = 1; i < words.length; i++) {
            if (!words[i].isEmpty()) {
                checkPayloadValue("script " + name + ": interpreter option", words[i]);
                options.add(words[i]);
            }
        }
        String stem = name;
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".pyw")) {
            stem = name.substring(0, name.length() - 4);
        } else if (lower.endsWith(".py")) {
            stem = name.substring(0, name.length() - 3);
        }
        if (stem.isEmpty()) {
            throw new IllegalArgumentException("invalid script name: " + name);
        }
        String scriptName = stem + "-script.py";
        checkName(scriptName);
        byte[] base = base(gui ? Variant.GUI : Variant.CONSOLE, name);
        List<String> payload = new ArrayList<>();
        payload.add("kind=" + (gui ? "gui" : "console"));
        payload.add("interpreter=" + interpreterValue(interpreter, dir, gui));
        interpreter.sitePackages().ifPresent(s -> payload.add("site-packages=" + relativeValue(dir, s)));
        payload.add("script=" + scriptName);
        if (!options.isEmpty()) {
            payload.add("options=" + String.join(" ", options));
        }
        return List.of(
                new LauncherFile(InstallScheme.join(dir, exeName(stem)), assemble(base, payload), EXECUTABLE),
                new LauncherFile(InstallScheme.join(dir, scriptName), content, REGULAR));
    }

    // ------------------------------------------------------------------ payload

    /**
     * The launcher bytes: base, payload lines, padding newlines (so the total is a multiple of
     * 8), length, magic.
     */
    static byte[] assemble(byte[] base, List<String> lines) {
        StringBuilder text = new StringBuilder("# Packyard launcher payload\n");
        for (String line : lines) {
            text.append(line).append('\n');
        }
        byte[] payload = text.toString().getBytes(StandardCharsets.UTF_8);
        int pad = (int) ((8 - (base.length + payload.length + TRAILER_SIZE) % 8) % 8);
        byte[] out = new byte[base.length + payload.length + pad + TRAILER_SIZE];
        System.arraycopy(base, 0, out, 0, base.length);
        System.arraycopy(payload, 0, out, base.length, payload.length);
        Arrays.fill(out, base.length + payload.length, base.length + payload.length + pad, (byte) '\n');
        ByteBuffer.wrap(out, base.length + payload.length + pad, TRAILER_SIZE).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(payload.length + pad).put(MAGIC);
        return out;
    }

    /**
     * Reads the payload back from a launcher (signed or not), as the launcher does: the payload
     * ends before the Authenticode certificate table if the PE Security directory names one,
     * else at the end of the file; zero padding before the table is skipped.
     *
     * @throws IllegalArgumentException if {@code exe} is no Packyard launcher
     */
    public static String readPayload(byte[] exe) {
        ByteBuffer b = ByteBuffer.wrap(exe).order(ByteOrder.LITTLE_ENDIAN);
        try {
            int pe = b.getInt(0x3c);
            if (b.getInt(pe) != 0x4550) {
                throw new IllegalArgumentException("not a PE file");
            }
            int optional = pe + 24;
            int magic = Short.toUnsignedInt(b.getShort(optional));
            int dirs = switch (magic) {
                case 0x20b -> optional + 112;
                case 0x10b -> optional + 96;
                default -> throw new IllegalArgumentException("unknown optional header magic " + magic);
            };
            long end = exe.length;
            if (Integer.toUnsignedLong(b.getInt(dirs - 4)) > 4) {
                long cert = Integer.toUnsignedLong(b.getInt(dirs + 8 * 4));
                long size = Integer.toUnsignedLong(b.getInt(dirs + 8 * 4 + 4));
                if (cert != 0 && size != 0) {
                    end = cert;
                }
            }
            int stop = (int) end;
            while (stop > 0 && end - stop < 7 && exe[stop - 1] == 0) {
                stop--;
            }
            if (stop < TRAILER_SIZE || !Arrays.equals(exe, stop - 8, stop, MAGIC, 0, 8)) {
                throw new IllegalArgumentException("no Packyard launcher trailer");
            }
            int length = b.getInt(stop - TRAILER_SIZE);
            int start = stop - TRAILER_SIZE - length;
            if (length <= 0 || start < 0) {
                throw new IllegalArgumentException("bad payload length " + Integer.toUnsignedString(length));
            }
            return new String(exe, start, length, StandardCharsets.UTF_8);
        } catch (IndexOutOfBoundsException e) {
            throw new IllegalArgumentException("truncated PE file", e);
        }
    }

    private static String interpreterValue(Interpreter interpreter, String dir, boolean windowed) {
        String exe = interpreter.executable();
        if (windowed) {
            exe = windowed(exe);
        }
        String value = interpreter.isBundled() ? relativeValue(dir, exe) : exe.replace('/', '\\');
        checkPayloadValue("interpreter", value);
        return value;
    }

    /** The GUI interpreter beside a console one: python.exe → pythonw.exe, python3.12.exe → pythonw3.12.exe. */
    static String windowed(String executable) {
        int slash = Math.max(executable.lastIndexOf('/'), executable.lastIndexOf('\\'));
        String dir = executable.substring(0, slash + 1);
        String file = executable.substring(slash + 1);
        String lower = file.toLowerCase(Locale.ROOT);
        if (lower.startsWith("python") && !lower.startsWith("pythonw")) {
            return dir + file.substring(0, 6) + "w" + file.substring(6);
        }
        return executable;
    }

    /** A bundle path relative to the launcher's directory, backslash-separated ("." for the same directory). */
    private static String relativeValue(String dir, String target) {
        String rel = PosixLauncherWriter.relative(dir, target);
        String value = rel.isEmpty() ? "." : rel.replace('/', '\\');
        checkPayloadValue("path", value);
        return value;
    }

    private static String logValue(String dir, String log) {
        if (WINDOWS_ABSOLUTE.matcher(log).matches()) {
            return log.replace('/', '\\');
        }
        return relativeValue(dir, log);
    }

    private static void checkPayloadValue(String what, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '"') {
                throw new IllegalArgumentException(what + ": unsupported character in " + value.replaceAll("\\p{Cntrl}", "?"));
            }
        }
    }

    // ------------------------------------------------------------------ the prebuilt launchers

    private enum Variant { CONSOLE, GUI }

    private byte[] base(Variant variant, String name) {
        if (machine != Machine.X64) {
            throw PackyardException.build("windows-" + machine.name().toLowerCase(Locale.ROOT) + ": cannot make the launcher "
                    + name + ".exe: Packyard has no Windows ARM64 launcher (Debian has no aarch64 mingw-w64 toolchain);"
                    + " commands, GUI scripts and hooks need one, build for windows-x64 instead");
        }
        return variant == Variant.CONSOLE ? Bases.CONSOLE : Bases.GUI;
    }

    /** The committed launchers, loaded once. */
    private static final class Bases {
        static final byte[] CONSOLE = load(CONSOLE_RESOURCE);
        static final byte[] GUI = load(GUI_RESOURCE);

        private static byte[] load(String resource) {
            try (InputStream in = WindowsLauncherWriter.class.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException("packyard-python is missing its resource "
                            + "io/packyard/python/wheel/" + resource + " (rebuild with launcher/build.sh)");
                }
                byte[] bytes = in.readAllBytes();
                if (bytes.length < 512 || bytes[0] != 'M' || bytes[1] != 'Z' || bytes.length % 8 != 0) {
                    throw new IllegalStateException("io/packyard/python/wheel/" + resource + " is not a launcher executable");
                }
                return bytes;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read io/packyard/python/wheel/" + resource, e);
            }
        }
    }

    // ------------------------------------------------------------------ names

    private static String exeName(String name) {
        return name.toLowerCase(Locale.ROOT).endsWith(".exe") ? name : name + ".exe";
    }

    /** A file name Windows accepts. */
    private static void checkName(String name) {
        if (name == null || name.isEmpty() || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("invalid launcher name: " + name);
        }
        for (char c : name.toCharArray()) {
            if (c < 0x20 || c == 0x7f || "<>:\"/\\|?*".indexOf(c) >= 0) {
                throw new IllegalArgumentException("invalid launcher name for Windows: "
                        + name.replaceAll("\\p{Cntrl}", "?") + " (contains " + (c < 0x20 || c == 0x7f ? "a control character" : "'" + c + "'") + ")");
            }
        }
        if (name.endsWith(".") || name.endsWith(" ")) {
            throw new IllegalArgumentException("invalid launcher name for Windows: '" + name + "' ends with a dot or space");
        }
        int dot = name.indexOf('.');
        String stem = (dot < 0 ? name : name.substring(0, dot)).strip().toUpperCase(Locale.ROOT);
        if (RESERVED.contains(stem)) {
            throw new IllegalArgumentException("invalid launcher name for Windows: " + name + " (" + stem + " is a reserved device name)");
        }
    }
}
