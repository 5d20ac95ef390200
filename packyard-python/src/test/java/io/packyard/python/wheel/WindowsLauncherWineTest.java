package io.packyard.python.wheel;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.python.wheel.LauncherWriter.Interpreter;
import io.packyard.testkit.FixturePython;
import io.packyard.testkit.FixturePython.LogEntry;
import io.packyard.testkit.FixturePython.Report;
import io.packyard.testkit.Mingw;
import io.packyard.testkit.Wine;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs Windows launchers under wine, in front of the fixture interpreter (packyard-testkit's
 * FixturePython, a stand-in for python.exe that reports what it was asked to run). One wine
 * prefix for the class.
 */
@Tag("system")
class WindowsLauncherWineTest {

    static final EntryPoint NOTES = EntryPoint.parse(EntryPoint.CONSOLE_SCRIPTS, "notes", "notes.cli:main");
    static final EntryPoint APP = EntryPoint.parse(EntryPoint.GUI_SCRIPTS, "notes-gui", "notes.gui:App.run");
    static final EntryPoint HOOK = EntryPoint.parse("packyard.hooks", "post-install", "notes.install:post_install");
    static final Interpreter BUNDLED = Interpreter.bundled("python/python.exe");

    @TempDir
    static Path tmp;

    static Wine wine;
    /** The installed application: a directory with spaces, like C:\Program Files\Acme Notes. */
    static Path app;
    static final WindowsLauncherWriter WRITER = new WindowsLauncherWriter().withHookLog("log/install.log");

    @BeforeAll
    static void prefix() throws IOException {
        wine = Wine.create(tmp.resolve("prefix"));
        app = tmp.resolve("Program Files/Acme Notes");
        FixturePython.build(app.resolve("python"));
        LauncherWriter.write(app, WRITER.console(BUNDLED, "Scripts", "notes", NOTES));
    }

    @AfterAll
    static void stop() throws IOException {
        if (wine != null) {
            wine.close();
        }
    }

    static Wine.Result run(Path exe, List<String> args, Map<String, String> env) throws IOException {
        Wine.Result r = wine.run(exe, args, env, Duration.ofMinutes(1));
        assertThat(r.timedOut()).as(r.toString()).isFalse();
        return r;
    }

    static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    @Test
    void argumentsReachTheBundledInterpreterExactly() throws IOException {
        Path launcher = app.resolve("Scripts/notes.exe");
        List<String> args = List.of(
                "plain", "with space", "quote\"inside", "\"fully quoted\"", "back\\slash", "trailing\\",
                "two\\\\\"quotes", "", "ünïcødé ✓ 日本", "tab\there", "%PATH%", "a&b|c^d", "-c", "--");

        Wine.Result r = run(launcher, args, Map.of());

        assertThat(r.exitCode()).as(r.toString()).isZero();
        Report report = FixturePython.parseReport(r.stdout());
        String self = wine.toWindows(launcher);
        assertThat(self).contains("\\Program Files\\Acme Notes\\Scripts\\notes.exe");
        assertThat(report.executable()).isEqualTo(wine.toWindows(app.resolve("python/python.exe")));
        assertThat(report.argv().get(0)).as("..\\ resolved").isEqualTo(report.executable());
        assertThat(report.options()).containsExactly("-I");
        assertThat(report.mode()).isEqualTo("-c");
        assertThat(report.code().orElseThrow())
                .startsWith("import sys;sys.argv.pop(0);")
                .contains("importlib.import_module('notes.cli')", "'main'.split('.')")
                .endsWith("sys.exit(_f())");
        // CPython sets sys.argv = ["-c", ...]; the code pops "-c": argv[0] is the launcher's path
        assertThat(report.sysArgv()).containsExactlyElementsOf(concat(List.of("-c", self), args));
        assertThat(r.stderr()).contains("fixture-python: stderr\tpython.exe");
    }

    @Test
    void exitCodeIsTheInterpreters() throws IOException {
        Path launcher = app.resolve("Scripts/notes.exe");
        assertThat(run(launcher, List.of(), Map.of(FixturePython.EXIT_VARIABLE, "42")).exitCode()).isEqualTo(42);
        assertThat(run(launcher, List.of("x"), Map.of(FixturePython.EXIT_VARIABLE, "0")).exitCode()).isZero();
        assertThat(run(launcher, List.of(), Map.of(FixturePython.EXIT_VARIABLE, "1")).exitCode()).isEqualTo(1);
    }

    @Test
    void hookPassesArgumentsAndLogsToItsLogFile() throws IOException {
        LauncherWriter.write(app, WRITER.hook(BUNDLED, "hooks", "post-install", HOOK));
        Path hook = app.resolve("hooks/post-install.exe");
        Path log = app.resolve("log/install.log");

        Wine.Result r = run(hook, List.of("upgrade", "1.0"), Map.of(FixturePython.EXIT_VARIABLE, "3"));

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
        assertThat(r.stdout()).as("the output goes to the log").doesNotContain("fixture-python");
        String text = Files.readString(log, StandardCharsets.UTF_8);
        List<String> lines = text.lines().toList();
        assertThat(lines.get(0)).matches("\\[\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d] post-install\\.exe upgrade 1\\.0");
        assertThat(lines.get(lines.size() - 1)).matches("\\[[-0-9 :]+] post-install\\.exe exited with 3");
        assertThat(text).contains("fixture-python: stderr\tpython.exe");
        Report report = FixturePython.parseReport(text);
        assertThat(report.executable()).endsWith("\\python\\python.exe");
        assertThat(report.code().orElseThrow()).contains("import_module('notes.install')", "'post_install'")
                .endsWith("sys.exit(_f(*sys.argv[1:]))");
        assertThat(report.sysArgv()).containsExactly("-c", wine.toWindows(hook), "upgrade", "1.0");

        // a second run appends
        run(hook, List.of("install"), Map.of());
        List<Report> reports = FixturePython.parseReports(Files.readString(log, StandardCharsets.UTF_8));
        assertThat(reports).hasSize(2);
        assertThat(reports.get(1).sysArgv()).containsExactly("-c", wine.toWindows(hook), "install");
        assertThat(reports.get(1).exit()).isZero();
    }

    @Test
    void guiLauncherRunsPythonw() throws IOException {
        LauncherWriter.write(app, WRITER.gui(BUNDLED, "Scripts", "notes-gui", APP));
        Path launcher = app.resolve("Scripts/notes-gui.exe");
        Path log = tmp.resolve("gui-fixture.log");

        Wine.Result r = run(launcher, List.of("open", "my file.txt"),
                Map.of(FixturePython.LOG_VARIABLE, wine.toWindows(log), FixturePython.EXIT_VARIABLE, "5"));

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(5);
        List<LogEntry> entries = FixturePython.readLog(log);
        assertThat(entries).containsExactly(new LogEntry("pythonw.exe", "-c", List.of("-I"),
                List.of("-c", wine.toWindows(launcher), "open", "my file.txt")));
    }

    @Test
    void scriptLauncherRunsTheScriptBesideIt() throws IOException {
        byte[] script = "#!python -u\nprint('hello')\n".getBytes(StandardCharsets.UTF_8);
        LauncherWriter.write(app, WRITER.rewriteScript(BUNDLED, "Scripts", "tool.py", script));
        Path launcher = app.resolve("Scripts/tool.exe");

        Wine.Result r = run(launcher, List.of("a b", "c"), Map.of());

        assertThat(r.exitCode()).as(r.toString()).isZero();
        Report report = FixturePython.parseReport(r.stdout());
        String scriptPath = wine.toWindows(app.resolve("Scripts/tool-script.py"));
        assertThat(report.mode()).isEqualTo("script");
        assertThat(report.options()).containsExactly("-I", "-u");
        assertThat(report.script()).contains(scriptPath);
        assertThat(report.scriptExists()).contains(true);
        assertThat(report.sysArgv()).containsExactly(scriptPath, "a b", "c");
    }

    @Test
    void systemInterpreterGetsTheSitePackagesDirectory() throws IOException {
        Path system = tmp.resolve("System Python");
        FixturePython.build(system);
        String windowsPath = wine.toWindows(system.resolve("python.exe")).replace('\\', '/');
        Interpreter interpreter = Interpreter.system(windowsPath, "Lib/site-packages");
        LauncherWriter.write(app, WRITER.console(interpreter, "Scripts", "sys-notes", NOTES));
        Path launcher = app.resolve("Scripts/sys-notes.exe");

        Wine.Result r = run(launcher, List.of("x"), Map.of());

        assertThat(r.exitCode()).as(r.toString()).isZero();
        Report report = FixturePython.parseReport(r.stdout());
        assertThat(report.executable()).isEqualTo(wine.toWindows(system.resolve("python.exe")));
        assertThat(report.code().orElseThrow()).contains("site.addsitedir(_d)", "sys.argv.pop(1)");
        assertThat(report.sysArgv()).containsExactly("-c", wine.toWindows(launcher),
                wine.toWindows(app.resolve("Lib/site-packages")), "x");
    }

    /** A Windows program that starts CALLER_APPLICATION with the raw command line CALLER_COMMAND_LINE. */
    static final String CALLER = """
            #include <windows.h>
            int main(void) {
                static wchar_t app[32768], line[32768];
                if (!GetEnvironmentVariableW(L"CALLER_APPLICATION", app, 32768)
                        || !GetEnvironmentVariableW(L"CALLER_COMMAND_LINE", line, 32768)) return 90;
                STARTUPINFOW si = {sizeof si};
                PROCESS_INFORMATION pi;
                if (!CreateProcessW(app, line, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi)) return 91;
                WaitForSingleObject(pi.hProcess, INFINITE);
                DWORD code = 92;
                GetExitCodeProcess(pi.hProcess, &code);
                return (int) code;
            }
            """;

    @Test
    void rawCommandLineTailIsPassedWhateverArgv0Looks(@TempDir Path dir) throws IOException {
        Path caller = Mingw.compile(CALLER, "caller.c", dir.resolve("caller.exe"), Mingw.Subsystem.CONSOLE);
        Path launcher = app.resolve("Scripts/notes.exe");
        String self = wine.toWindows(launcher);
        Map<String, List<String>> cases = new LinkedHashMap<>();
        // unquoted argv[0] (not even the real path), several spaces and a tab before the arguments
        cases.put("notes   a \t\"b c\"", List.of("a", "b c"));
        cases.put("notes.exe\t\tx", List.of("x"));
        // quoted argv[0] with spaces; argv[0] ends at the second quote
        cases.put("\"" + self + "\" \"\" \\\\server\\share\\ \"q\\\"uote\"", List.of("", "\\\\server\\share\\", "q\"uote"));
        // argv[0] only: no arguments
        cases.put("\"" + self + "\"", List.of());
        cases.put("notes", List.of());
        for (Map.Entry<String, List<String>> c : cases.entrySet()) {
            Wine.Result r = run(caller, List.of(), Map.of("CALLER_APPLICATION", self, "CALLER_COMMAND_LINE", c.getKey()));
            assertThat(r.exitCode()).as(c.getKey() + "\n" + r).isZero();
            assertThat(FixturePython.parseReport(r.stdout()).sysArgv()).as(c.getKey())
                    .containsExactlyElementsOf(concat(List.of("-c", self), c.getValue()));
        }
    }

    @Test
    void launcherInADeepDirectoryFindsItself() throws IOException {
        StringBuilder dir = new StringBuilder("Scripts");
        while (dir.length() < 300) {
            dir.append("/a rather long directory name");
        }
        LauncherWriter.write(app, WRITER.console(BUNDLED, dir.toString(), "deep", NOTES));
        Path launcher = app.resolve(dir + "/deep.exe");
        assertThat(wine.toWindows(launcher).length()).isGreaterThan(300);

        Wine.Result r = run(launcher, List.of("deep"), Map.of());

        assertThat(r.exitCode()).as(r.toString()).isZero();
        Report report = FixturePython.parseReport(r.stdout());
        assertThat(report.executable()).isEqualTo(wine.toWindows(app.resolve("python/python.exe")));
        assertThat(report.sysArgv()).containsExactly("-c", wine.toWindows(launcher), "deep");
    }

    @Test
    void missingInterpreterIsAClearError() throws IOException {
        LauncherWriter.write(app, WRITER.console(Interpreter.bundled("runtime/python.exe"), "Scripts", "broken", NOTES));

        Wine.Result r = run(app.resolve("Scripts/broken.exe"), List.of("x"), Map.of());

        assertThat(r.exitCode()).isEqualTo(101);
        assertThat(r.stdout()).doesNotContain("fixture-python");
        assertThat(r.stderr()).contains("broken.exe: cannot find the Python interpreter "
                + wine.toWindows(app.resolve("runtime/python.exe")));
    }

    @Test
    void launcherWithoutPayloadIsAClearError() throws IOException {
        Path bare = app.resolve("Scripts/bare.exe");
        try (InputStream in = WindowsLauncherWriter.class.getResourceAsStream(WindowsLauncherWriter.CONSOLE_RESOURCE)) {
            Files.write(bare, in.readAllBytes());
        }

        Wine.Result r = run(bare, List.of(), Map.of());

        assertThat(r.exitCode()).isEqualTo(101);
        assertThat(r.stderr()).contains("bare.exe: this launcher has no usable Packyard payload (no payload trailer)");
    }

    @Test
    void killingTheLauncherKillsTheInterpreter() throws Exception {
        Path launcher = app.resolve("Scripts/notes.exe");
        Path log = tmp.resolve("kill.log");
        Map<String, String> env = Map.of(FixturePython.LOG_VARIABLE, wine.toWindows(log),
                FixturePython.SLEEP_VARIABLE, "3000");

        // control: left alone, the fixture finishes its sleep and logs it
        assertThat(run(launcher, List.of("control"), env).exitCode()).isZero();
        assertThat(FixturePython.readLog(log)).extracting(LogEntry::mode).containsExactly("-c", "finished");
        Files.delete(log);

        Process p = wine.start(launcher, List.of("killed"), env, tmp.resolve("kill.out"), tmp.resolve("kill.err"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (FixturePython.readLog(log).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(FixturePython.readLog(log)).as("the interpreter started").hasSize(1);
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        Thread.sleep(5000);
        assertThat(FixturePython.readLog(log)).as("the interpreter died with the launcher")
                .extracting(LogEntry::mode).containsExactly("-c");
    }

    @Test
    void signedLauncherStillWorks() throws Exception {
        Path certs = Files.createDirectories(tmp.resolve("certs"));
        exec(certs, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-out", "cert.pem",
                "-days", "30", "-subj", "/CN=Packyard Test Signing");
        exec(certs, "openssl", "pkcs12", "-export", "-out", "cert.pfx", "-inkey", "key.pem", "-in", "cert.pem",
                "-passout", "pass:test-password");

        // the writer's launcher, and one whose payload leaves the file unaligned (the signing
        // tool then pads with zeros before the certificate table)
        Path unsigned = app.resolve("Scripts/notes.exe");
        byte[] exe = Files.readAllBytes(unsigned);
        String payload = WindowsLauncherWriter.readPayload(exe).strip() + "\n";
        byte[] base = resourceBytes(WindowsLauncherWriter.CONSOLE_RESOURCE);
        byte[] p = payload.getBytes(StandardCharsets.UTF_8);
        byte[] unaligned = ByteBuffer.allocate(base.length + p.length + 12).order(ByteOrder.LITTLE_ENDIAN)
                .put(base).put(p).putInt(p.length).put(WindowsLauncherWriter.MAGIC).array();
        assertThat(unaligned.length % 8).isNotZero();
        Path unalignedFile = certs.resolve("unaligned.exe");
        Files.write(unalignedFile, unaligned);

        for (Path input : List.of(unsigned, unalignedFile)) {
            String name = input == unsigned ? "signed-notes.exe" : "signed-unaligned.exe";
            Path signed = app.resolve("Scripts/" + name);
            exec(certs, "osslsigncode", "sign", "-pkcs12", "cert.pfx", "-pass", "test-password", "-h", "sha256",
                    "-n", "Notes", "-in", input.toString(), "-out", signed.toString());
            String verify = exec(certs, "osslsigncode", "verify", "-CAfile", "cert.pem", "-in", signed.toString());
            assertThat(verify).contains("Signature verification: ok");
            byte[] signedBytes = Files.readAllBytes(signed);
            ByteBuffer b = ByteBuffer.wrap(signedBytes).order(ByteOrder.LITTLE_ENDIAN);
            int security = b.getInt(0x3c) + 24 + 112 + 8 * 4;
            assertThat(b.getInt(security)).as("certificate table offset").isGreaterThanOrEqualTo(input == unsigned
                    ? exe.length : unaligned.length);
            assertThat(b.getInt(security + 4)).as("certificate table size").isPositive();

            Wine.Result r = run(signed, List.of("after signing", "ü"), Map.of(FixturePython.EXIT_VARIABLE, "9"));

            assertThat(r.exitCode()).as(r.toString()).isEqualTo(9);
            Report report = FixturePython.parseReport(r.stdout());
            assertThat(report.sysArgv()).containsExactly("-c", wine.toWindows(signed), "after signing", "ü");
            assertThat(report.code().orElseThrow()).contains("import_module('notes.cli')");
        }
    }

    static byte[] resourceBytes(String name) throws IOException {
        try (InputStream in = WindowsLauncherWriter.class.getResourceAsStream(name)) {
            return in.readAllBytes();
        }
    }

    static String exec(Path dir, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", command) + "\n" + out).isZero();
        return out;
    }
}
