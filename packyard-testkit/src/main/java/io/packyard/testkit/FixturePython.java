package io.packyard.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A TEST FIXTURE standing in for Windows CPython ({@code python.exe}, {@code pythonw.exe}), which
 * this machine cannot have: a small C program ({@code fixture-python.c}, a resource of this
 * package; its header says exactly what it emulates) compiled with mingw-w64. It runs no Python
 * code: it reports the command line it received, the interpreter options, the code or script
 * it was asked to run and what sys.argv would be; exits with {@code FIXTURE_EXIT}; appends a
 * line per run to the file named by {@code FIXTURE_PYTHON_LOG}; sleeps {@code FIXTURE_SLEEP_MS}.
 */
public final class FixturePython {

    /** Names a file the fixture appends one line per run to. */
    public static final String LOG_VARIABLE = "FIXTURE_PYTHON_LOG";
    /** A decimal exit status for the fixture. */
    public static final String EXIT_VARIABLE = "FIXTURE_EXIT";
    /** Milliseconds to sleep after reporting (then a "finished" log line). */
    public static final String SLEEP_VARIABLE = "FIXTURE_SLEEP_MS";

    private static final String SOURCE = "fixture-python.c";
    private static byte[] console;
    private static byte[] windows;

    private FixturePython() {}

    /** The two executables. */
    public record Executables(Path python, Path pythonw) {}

    /**
     * Writes {@code python.exe} (console) and {@code pythonw.exe} (GUI) into {@code dir} (created
     * if missing). They are compiled once per JVM and copied.
     */
    public static Executables build(Path dir) throws IOException {
        byte[][] built = compiled();
        Files.createDirectories(dir);
        Path python = dir.resolve("python.exe");
        Path pythonw = dir.resolve("pythonw.exe");
        Files.write(python, built[0]);
        Files.write(pythonw, built[1]);
        return new Executables(python, pythonw);
    }

    private static synchronized byte[][] compiled() throws IOException {
        if (console == null) {
            String source;
            try (InputStream in = FixturePython.class.getResourceAsStream(SOURCE)) {
                if (in == null) {
                    throw new IllegalStateException("missing resource io/packyard/testkit/" + SOURCE);
                }
                source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            Path tmp = Files.createTempDirectory("packyard-fixture-python");
            try {
                Path c = Mingw.compile(source, SOURCE, tmp.resolve("python.exe"), Mingw.Subsystem.CONSOLE, "shell32");
                Path w = Mingw.compile(source, SOURCE, tmp.resolve("pythonw.exe"), Mingw.Subsystem.WINDOWS, "shell32");
                byte[] cb = Files.readAllBytes(c);
                byte[] wb = Files.readAllBytes(w);
                console = cb;
                windows = wb;
            } finally {
                try (var files = Files.list(tmp)) {
                    for (Path f : files.toList()) {
                        Files.deleteIfExists(f);
                    }
                }
                Files.deleteIfExists(tmp);
            }
        }
        return new byte[][] {console, windows};
    }

    /**
     * One run's report (the block the fixture prints on stdout).
     *
     * @param executable its own full path
     * @param commandLine GetCommandLineW() as received
     * @param argv the command line split by CommandLineToArgvW
     * @param options the interpreter options in order ({@code -X} and {@code -W} followed by their value)
     * @param mode {@code -c}, {@code -m}, {@code -}, {@code script} or {@code interactive}
     * @param code the code of {@code -c}
     * @param module the module of {@code -m}
     * @param script the script path
     * @param scriptExists whether the script file exists
     * @param sysArgv sys.argv as CPython would set it (before the code runs)
     * @param cwd the current directory
     * @param exit the exit status it returned
     */
    public record Report(String executable, String commandLine, List<String> argv, List<String> options, String mode,
            Optional<String> code, Optional<String> module, Optional<String> script, Optional<Boolean> scriptExists,
            List<String> sysArgv, String cwd, int exit) {}

    /** Every report in {@code output} (other lines, such as a log's own lines, are skipped). */
    public static List<Report> parseReports(String output) {
        List<Report> reports = new ArrayList<>();
        List<String> lines = Arrays.asList(output.split("\r\n|\n", -1));
        int i = 0;
        while (i < lines.size()) {
            if (!lines.get(i).equals("fixture-python 1")) {
                i++;
                continue;
            }
            i++;
            String executable = null;
            String commandLine = null;
            String mode = null;
            String code = null;
            String module = null;
            String script = null;
            Boolean scriptExists = null;
            String cwd = null;
            Integer exit = null;
            List<String> argv = new ArrayList<>();
            List<String> options = new ArrayList<>();
            List<String> sysArgv = new ArrayList<>();
            for (; i < lines.size() && !lines.get(i).equals("end"); i++) {
                String line = lines.get(i);
                int tab = line.indexOf('\t');
                if (tab < 0) {
                    throw new IllegalArgumentException("malformed fixture report line: " + line);
                }
                String key = line.substring(0, tab);
                String value = unescape(line.substring(tab + 1));
                switch (key) {
                    case "executable" -> executable = value;
                    case "command-line" -> commandLine = value;
                    case "argv" -> argv.add(value);
                    case "option" -> options.add(value);
                    case "mode" -> mode = value;
                    case "code" -> code = value;
                    case "module" -> module = value;
                    case "script" -> script = value;
                    case "script-exists" -> scriptExists = Boolean.parseBoolean(value);
                    case "sys.argv" -> sysArgv.add(value);
                    case "cwd" -> cwd = value;
                    case "exit" -> exit = Integer.parseInt(value);
                    default -> throw new IllegalArgumentException("unknown fixture report key: " + key);
                }
            }
            if (i >= lines.size() || executable == null || commandLine == null || mode == null || exit == null) {
                throw new IllegalArgumentException("incomplete fixture report in:\n" + output);
            }
            i++;
            reports.add(new Report(executable, commandLine, List.copyOf(argv), List.copyOf(options), mode,
                    Optional.ofNullable(code), Optional.ofNullable(module), Optional.ofNullable(script),
                    Optional.ofNullable(scriptExists), List.copyOf(sysArgv), cwd, exit));
        }
        return List.copyOf(reports);
    }

    /** The one report in {@code output}. */
    public static Report parseReport(String output) {
        List<Report> reports = parseReports(output);
        if (reports.size() != 1) {
            throw new IllegalArgumentException("expected one fixture report, found " + reports.size() + " in:\n" + output);
        }
        return reports.get(0);
    }

    /**
     * A line of the {@code FIXTURE_PYTHON_LOG} file.
     *
     * @param executable the fixture's file name (python.exe or pythonw.exe)
     * @param mode as in {@link Report#mode()}, or {@code finished} after a sleep
     * @param options the interpreter options
     * @param sysArgv sys.argv as CPython would set it
     */
    public record LogEntry(String executable, String mode, List<String> options, List<String> sysArgv) {}

    /** The entries of a fixture log; none if the file does not exist. */
    public static List<LogEntry> readLog(Path log) throws IOException {
        if (!Files.exists(log)) {
            return List.of();
        }
        List<LogEntry> entries = new ArrayList<>();
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            if (line.isEmpty()) {
                continue;
            }
            String[] fields = line.split("\t", -1);
            if (fields.length < 3) {
                throw new IllegalArgumentException("malformed fixture log line: " + line);
            }
            List<String> options = new ArrayList<>();
            if (!fields[2].isEmpty()) {
                for (String o : fields[2].split(" ")) {
                    options.add(unescape(o));
                }
            }
            List<String> sysArgv = new ArrayList<>();
            for (int i = 3; i < fields.length; i++) {
                sysArgv.add(unescape(fields[i]));
            }
            entries.add(new LogEntry(unescape(fields[0]), unescape(fields[1]), List.copyOf(options), List.copyOf(sysArgv)));
        }
        return List.copyOf(entries);
    }

    /** Undoes the fixture's escapes: \\ \t \n \r \xNN. */
    static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < b.length; i++) {
            if (b[i] != '\\' || i + 1 >= b.length) {
                out.write(b[i]);
                continue;
            }
            byte next = b[++i];
            switch (next) {
                case 't' -> out.write('\t');
                case 'n' -> out.write('\n');
                case 'r' -> out.write('\r');
                case 'x' -> {
                    out.write(Integer.parseInt(new String(b, i + 1, 2, StandardCharsets.US_ASCII), 16));
                    i += 2;
                }
                default -> out.write(next);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
