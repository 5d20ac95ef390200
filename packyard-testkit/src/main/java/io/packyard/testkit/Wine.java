package io.packyard.testkit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * A headless wine prefix for tests that run Windows programs (Debian: wine, wine64).
 *
 * <p>{@link #create} makes a fresh prefix in a given directory with {@code wineboot -i}. Every
 * wine command runs with {@code WINEPREFIX} set to it, {@code WINEDEBUG=-all}, {@code WINEARCH=win64},
 * {@code WINEDLLOVERRIDES=mscoree,mshtml=} (no Mono or Gecko installer prompts), no
 * {@code DISPLAY} or {@code WAYLAND_DISPLAY} (no windows; wine's null display driver) and
 * {@code LC_ALL=C.UTF-8} (command-line arguments reach Windows programs as Unicode). Environment
 * variables given to {@link #run} reach the Windows program's environment.
 *
 * <p>HOME is the prefix's {@code home} directory, so the links wine makes from the Windows
 * profile folders (Desktop, Documents, ...) stay inside the prefix.
 *
 * <p>Share one prefix per test class: making one takes several seconds. {@link #close} stops
 * the prefix's wineserver (and every Windows process in it) and removes the prefix's symbolic
 * links (Z: is a link to /), so deleting the directory afterwards cannot reach outside it. A
 * missing wine fails the test.
 */
public final class Wine implements AutoCloseable {

    /** How long {@link #run(Path, String...)} waits by default. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(2);

    private final Path prefix;
    private final Map<String, String> environment;

    private Wine(Path prefix) {
        this.prefix = prefix;
        Map<String, String> env = new TreeMap<>();
        for (String keep : List.of("PATH", "USER", "LOGNAME", "TMPDIR")) {
            String value = System.getenv(keep);
            if (value != null) {
                env.put(keep, value);
            }
        }
        env.putIfAbsent("PATH", "/usr/local/bin:/usr/bin:/bin");
        // wine links the Windows profile folders (Desktop, Documents, ...) to $HOME: keep them in the prefix
        env.put("HOME", prefix.resolve("home").toString());
        env.put("WINEPREFIX", prefix.toString());
        env.put("WINEARCH", "win64");
        env.put("WINEDEBUG", "-all");
        env.put("WINEDLLOVERRIDES", "mscoree,mshtml=");
        env.put("LC_ALL", "C.UTF-8");
        env.put("LANG", "C.UTF-8");
        this.environment = Collections.unmodifiableMap(env);
    }

    /**
     * Makes a fresh prefix in {@code prefix} (a missing or empty directory) and waits until wine
     * has written it.
     *
     * @throws IllegalStateException if wineboot fails
     */
    public static Wine create(Path prefix) throws IOException {
        Path dir = prefix.toAbsolutePath().normalize();
        if (Files.isDirectory(dir)) {
            try (var entries = Files.list(dir)) {
                if (entries.findAny().isPresent()) {
                    throw new IllegalArgumentException("wine prefix directory is not empty: " + dir);
                }
            }
        }
        Files.createDirectories(dir.resolve("home"));
        Wine wine = new Wine(dir);
        Result boot = wine.exec(List.of("wineboot", "-i"), Map.of(), Duration.ofMinutes(3));
        if (boot.exitCode() != 0) {
            throw new IllegalStateException("wineboot -i failed for " + dir + ":\n" + boot);
        }
        wine.waitForShutdown();
        if (!Files.isDirectory(wine.driveC().resolve("windows/system32"))) {
            throw new IllegalStateException("wineboot made no C:\\windows\\system32 in " + dir + ":\n" + boot);
        }
        return wine;
    }

    /** The prefix directory (WINEPREFIX). */
    public Path prefix() {
        return prefix;
    }

    /** The prefix's C: drive. */
    public Path driveC() {
        return prefix.resolve("drive_c");
    }

    /** The environment every wine command gets (before a run's own variables). */
    public Map<String, String> environment() {
        return environment;
    }

    // ------------------------------------------------------------------ paths

    /**
     * The Windows path of a file: {@code C:\...} under {@link #driveC()}, else {@code Z:\...}
     * (wine maps Z: to /).
     */
    public String toWindows(Path path) {
        Path abs = path.toAbsolutePath().normalize();
        Path c = driveC().toAbsolutePath().normalize();
        if (abs.startsWith(c)) {
            String rest = c.relativize(abs).toString();
            return "C:\\" + rest.replace('/', '\\');
        }
        return "Z:" + abs.toString().replace('/', '\\');
    }

    /** The Linux path of a Windows path on C: or Z:. */
    public Path toUnix(String windowsPath) {
        String p = windowsPath.replace('/', '\\');
        if (p.length() < 3 || p.charAt(1) != ':' || p.charAt(2) != '\\') {
            throw new IllegalArgumentException("expected an absolute Windows path with a drive letter: " + windowsPath);
        }
        String rest = p.substring(3).replace('\\', '/');
        return switch (Character.toUpperCase(p.charAt(0))) {
            case 'C' -> rest.isEmpty() ? driveC() : driveC().resolve(rest);
            case 'Z' -> Path.of("/" + rest);
            default -> throw new IllegalArgumentException("drive " + p.charAt(0) + ": is not mapped by tests: " + windowsPath);
        };
    }

    // ------------------------------------------------------------------ running programs

    /** What a program did. {@code exitCode} is -1 when it timed out (and was killed). */
    public record Result(List<String> command, int exitCode, String stdout, String stderr, boolean timedOut) {

        /** This result, after failing with the whole output unless the exit code was 0. */
        public Result assertSuccess() {
            if (exitCode != 0) {
                throw new AssertionError("expected exit code 0:\n" + this);
            }
            return this;
        }

        @Override
        public String toString() {
            return "command: " + command + "\nexit code: " + exitCode + (timedOut ? " (timed out)" : "")
                    + "\n--- stdout ---\n" + stdout + "\n--- stderr ---\n" + stderr;
        }
    }

    /** Runs a Windows executable (a Linux path to it) with arguments; default timeout. */
    public Result run(Path program, String... args) throws IOException {
        return run(program, List.of(args));
    }

    /** Runs a Windows executable (a Linux path to it) with arguments; default timeout. */
    public Result run(Path program, List<String> args) throws IOException {
        return run(program, args, Map.of(), DEFAULT_TIMEOUT);
    }

    /**
     * Runs a Windows executable, started by its Windows path ({@link #toWindows}), with extra
     * environment variables (a null value removes a variable), and waits for it.
     */
    public Result run(Path program, List<String> args, Map<String, String> env, Duration timeout) throws IOException {
        return run(toWindows(program), args, env, timeout);
    }

    /**
     * Runs a Windows program named the Windows way: a built-in command ({@code "msiexec"},
     * {@code "reg"}, {@code "cmd"}) or a Windows path.
     */
    public Result run(String windowsProgram, List<String> args, Map<String, String> env, Duration timeout) throws IOException {
        List<String> command = new ArrayList<>();
        command.add("wine");
        command.add(windowsProgram);
        command.addAll(args);
        return exec(command, env, timeout);
    }

    /**
     * Starts a Windows executable without waiting, its output going to the given files. The
     * returned process is the Windows process itself (wine runs it in place), so destroying it
     * kills that Windows process.
     */
    public Process start(Path program, List<String> args, Map<String, String> env, Path stdout, Path stderr)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add("wine");
        command.add(toWindows(program));
        command.addAll(args);
        ProcessBuilder pb = builder(command, env);
        pb.redirectOutput(stdout.toFile());
        pb.redirectError(stderr.toFile());
        return pb.start();
    }

    private ProcessBuilder builder(List<String> command, Map<String, String> env) {
        ProcessBuilder pb = new ProcessBuilder(command);
        Map<String, String> e = pb.environment();
        e.clear();
        e.putAll(environment);
        env.forEach((k, v) -> {
            if (v == null) {
                e.remove(k);
            } else {
                e.put(k, v);
            }
        });
        pb.directory(prefix.getParent().toFile());
        return pb;
    }

    /** Runs a Linux command (wine, wineserver, ...) in this prefix's environment. */
    private Result exec(List<String> command, Map<String, String> env, Duration timeout) throws IOException {
        Path out = Files.createTempFile("wine-out", ".txt");
        Path err = Files.createTempFile("wine-err", ".txt");
        try {
            ProcessBuilder pb = builder(command, env);
            pb.redirectOutput(out.toFile());
            pb.redirectError(err.toFile());
            pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            Process p = pb.start();
            boolean finished;
            try {
                finished = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
                if (!finished) {
                    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    kill();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted running " + command, e);
            }
            return new Result(List.copyOf(command), finished ? p.exitValue() : -1,
                    Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8), !finished);
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    // ------------------------------------------------------------------ wineserver

    /**
     * Waits until the prefix's wineserver has exited ({@code wineserver -w}: it exits a few
     * seconds after the last Windows process), so the registry files are written.
     */
    public void waitForShutdown() throws IOException {
        Result r = exec(List.of("wineserver", "-w"), Map.of(), Duration.ofMinutes(2));
        if (r.timedOut()) {
            throw new IllegalStateException("wineserver -w did not return: a Windows process is still running\n" + r);
        }
    }

    /** Kills every Windows process of the prefix and its wineserver ({@code wineserver -k}). */
    public void kill() throws IOException {
        exec(List.of("wineserver", "-k"), Map.of(), Duration.ofSeconds(30));
    }

    /**
     * Kills the prefix's processes, waits for its wineserver to end and removes the prefix's
     * symbolic links (dosdevices: z: is /). The rest of the prefix stays on disk; it is no longer
     * usable.
     */
    @Override
    public void close() throws IOException {
        kill();
        waitForShutdown();
        try (var paths = Files.walk(prefix)) {
            for (Path p : paths.filter(Files::isSymbolicLink).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    // ------------------------------------------------------------------ registry

    /**
     * A registry value.
     *
     * @param name the value name, empty for the default value
     * @param type REG_SZ, REG_EXPAND_SZ, REG_MULTI_SZ, REG_DWORD, REG_QWORD, REG_BINARY, REG_NONE
     *     or REG_TYPE_n
     * @param bytes the raw data (strings as UTF-16LE with their terminator)
     */
    public record RegistryValue(String name, String type, byte[] bytes) {

        public RegistryValue {
            bytes = bytes.clone();
        }

        @Override
        public byte[] bytes() {
            return bytes.clone();
        }

        /** The text of a REG_SZ or REG_EXPAND_SZ value (unexpanded). */
        public String string() {
            List<String> parts = strings();
            return parts.isEmpty() ? "" : parts.get(0);
        }

        /** The strings of a REG_MULTI_SZ (or the one string of REG_SZ and REG_EXPAND_SZ). */
        public List<String> strings() {
            if (!type.equals("REG_SZ") && !type.equals("REG_EXPAND_SZ") && !type.equals("REG_MULTI_SZ")) {
                throw new IllegalStateException(name + " is " + type + ", not a string");
            }
            String all = new String(bytes, 0, bytes.length & ~1, StandardCharsets.UTF_16LE);
            List<String> result = new ArrayList<>(Arrays.asList(all.split("\0", -1)));
            while (!result.isEmpty() && result.get(result.size() - 1).isEmpty()) {
                result.remove(result.size() - 1);
            }
            if (!type.equals("REG_MULTI_SZ") && result.isEmpty()) {
                result.add("");
            }
            return result;
        }

        /** The number of a REG_DWORD or REG_QWORD value. */
        public long number() {
            ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            return switch (type) {
                case "REG_DWORD" -> Integer.toUnsignedLong(b.getInt());
                case "REG_QWORD" -> b.getLong();
                default -> throw new IllegalStateException(name + " is " + type + ", not a number");
            };
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof RegistryValue v && v.name.equals(name) && v.type.equals(type) && Arrays.equals(v.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return name.hashCode() * 31 + Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            return switch (type) {
                case "REG_SZ", "REG_EXPAND_SZ" -> name + " (" + type + ") = " + string();
                case "REG_MULTI_SZ" -> name + " (" + type + ") = " + strings();
                case "REG_DWORD", "REG_QWORD" -> name + " (" + type + ") = " + number();
                default -> name + " (" + type + ", " + bytes.length + " bytes)";
            };
        }
    }

    /**
     * Every key under {@code key} (itself included) with its values, read with
     * {@code wine reg export} (a UTF-16 .reg file, so any character survives); empty when the key
     * does not exist. Keys are spelled as reg exports them ({@code HKEY_LOCAL_MACHINE\...}); value
     * names compare case-insensitively, as in Windows.
     *
     * @param key {@code HKLM\Software\Acme}, {@code HKEY_CURRENT_USER\...}, ...
     */
    public Map<String, Map<String, RegistryValue>> registryTree(String key) throws IOException {
        Path file = Files.createTempFile(prefix.getParent(), "reg-export", ".reg");
        try {
            Files.delete(file);
            Result r = run("reg", List.of("export", key, toWindows(file), "/y"), Map.of(), Duration.ofMinutes(1));
            if (r.exitCode() != 0 || !Files.exists(file)) {
                return Map.of();
            }
            return parseRegFile(Files.readAllBytes(file));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** The values of one key, by name (case-insensitive; "" is the default value); empty if it does not exist. */
    public Optional<Map<String, RegistryValue>> registryValues(String key) throws IOException {
        Map<String, Map<String, RegistryValue>> tree = registryTree(key);
        return tree.isEmpty() ? Optional.empty() : Optional.of(tree.values().iterator().next());
    }

    /** One value of a key ("" for the default value); empty if the key or value does not exist. */
    public Optional<RegistryValue> registryValue(String key, String name) throws IOException {
        return registryValues(key).map(values -> values.get(name));
    }

    /** Parses a .reg file ("Windows Registry Editor Version 5.00", UTF-16LE or UTF-8). */
    static Map<String, Map<String, RegistryValue>> parseRegFile(byte[] data) {
        String text;
        if (data.length >= 2 && (data[0] & 0xff) == 0xff && (data[1] & 0xff) == 0xfe) {
            text = new String(data, 2, data.length - 2, StandardCharsets.UTF_16LE);
        } else {
            text = new String(data, StandardCharsets.UTF_8);
            if (text.startsWith("\ufeff")) {
                text = text.substring(1);
            }
        }
        List<String> lines = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String raw : text.split("\r\n|\n", -1)) {
            String line = current.isEmpty() ? raw : raw.stripLeading();
            if (line.endsWith("\\")) { // only hex data continues on the next line
                current.append(line, 0, line.length() - 1);
                continue;
            }
            current.append(line);
            lines.add(current.toString());
            current.setLength(0);
        }
        Map<String, Map<String, RegistryValue>> keys = new LinkedHashMap<>();
        Map<String, RegistryValue> values = null;
        for (String line : lines) {
            if (line.isEmpty() || line.startsWith(";") || line.startsWith("Windows Registry Editor")
                    || line.startsWith("REGEDIT")) {
                continue;
            }
            if (line.startsWith("[") && line.endsWith("]")) {
                values = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
                keys.put(line.substring(1, line.length() - 1), values);
                continue;
            }
            if (values == null) {
                throw new IllegalArgumentException("registry value outside a key: " + line);
            }
            String name;
            int at;
            if (line.startsWith("@=")) {
                name = "";
                at = 2;
            } else if (line.startsWith("\"")) {
                int[] end = new int[1];
                name = unquote(line, 0, end);
                if (end[0] >= line.length() || line.charAt(end[0]) != '=') {
                    throw new IllegalArgumentException("malformed registry line: " + line);
                }
                at = end[0] + 1;
            } else {
                throw new IllegalArgumentException("malformed registry line: " + line);
            }
            String data2 = line.substring(at);
            RegistryValue value;
            if (data2.startsWith("\"")) {
                String s = unquote(data2, 0, new int[1]);
                value = new RegistryValue(name, "REG_SZ", (s + "\0").getBytes(StandardCharsets.UTF_16LE));
            } else if (data2.startsWith("dword:")) {
                long v = Long.parseLong(data2.substring(6), 16);
                value = new RegistryValue(name, "REG_DWORD",
                        ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
            } else if (data2.startsWith("hex")) {
                int type = 3;
                int colon = data2.indexOf(':');
                if (data2.startsWith("hex(")) {
                    type = Integer.parseInt(data2.substring(4, data2.indexOf(')')), 16);
                }
                String hex = data2.substring(colon + 1).replace(" ", "");
                byte[] bytes = new byte[0];
                if (!hex.isEmpty()) {
                    String[] parts = hex.split(",");
                    bytes = new byte[parts.length];
                    for (int i = 0; i < parts.length; i++) {
                        bytes[i] = (byte) Integer.parseInt(parts[i], 16);
                    }
                }
                value = new RegistryValue(name, typeName(type), bytes);
            } else {
                throw new IllegalArgumentException("unsupported registry data: " + line);
            }
            values.put(name, value);
        }
        Map<String, Map<String, RegistryValue>> result = new LinkedHashMap<>();
        keys.forEach((k, v) -> result.put(k, Collections.unmodifiableMap(v)));
        return Collections.unmodifiableMap(result);
    }

    private static String typeName(int type) {
        return switch (type) {
            case 0 -> "REG_NONE";
            case 1 -> "REG_SZ";
            case 2 -> "REG_EXPAND_SZ";
            case 3 -> "REG_BINARY";
            case 4 -> "REG_DWORD";
            case 7 -> "REG_MULTI_SZ";
            case 11 -> "REG_QWORD";
            default -> "REG_TYPE_" + type;
        };
    }

    /** A "..." string with \\ and \" escapes starting at {@code from}; end[0] is set past the closing quote. */
    private static String unquote(String s, int from, int[] end) {
        StringBuilder out = new StringBuilder();
        int i = from + 1;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                out.append(s.charAt(i + 1));
                i += 2;
            } else if (c == '"') {
                end[0] = i + 1;
                return out.toString();
            } else {
                out.append(c);
                i++;
            }
        }
        throw new IllegalArgumentException("unterminated string: " + s);
    }

    @Override
    public String toString() {
        return "Wine[" + prefix + "]";
    }
}
