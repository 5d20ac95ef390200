package io.packyard.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The wine test kit itself: paths, running programs, the registry, the fixture interpreter. */
@Tag("system")
class WineTest {

    @TempDir
    static Path tmp;

    static Wine wine;

    @BeforeAll
    static void prefix() throws IOException {
        wine = Wine.create(tmp.resolve("prefix"));
    }

    @AfterAll
    static void stop() throws IOException {
        if (wine != null) {
            wine.close();
            try (var links = Files.walk(wine.prefix())) {
                assertThat(links.filter(Files::isSymbolicLink).toList()).as("no links left").isEmpty();
            }
        }
    }

    @Test
    void pathsConvertBothWays() {
        Path file = tmp.resolve("a dir/file.txt");
        assertThat(wine.toWindows(file)).isEqualTo("Z:" + file.toAbsolutePath().toString().replace('/', '\\'));
        assertThat(wine.toUnix(wine.toWindows(file))).isEqualTo(file.toAbsolutePath());
        Path inC = wine.driveC().resolve("Program Files/Acme");
        assertThat(wine.toWindows(inC)).isEqualTo("C:\\Program Files\\Acme");
        assertThat(wine.toUnix("C:\\Program Files\\Acme")).isEqualTo(inC);
        assertThat(Files.isDirectory(wine.driveC().resolve("windows/system32"))).isTrue();
        // the profile folders do not lead out of the prefix
        assertThat(wine.environment().get("HOME")).startsWith(wine.prefix().toString());
    }

    @Test
    void registryValuesOfEveryTypeSurviveIncludingUnicode() throws IOException {
        String key = "HKLM\\Software\\Packyard Test\\Käse";
        List<List<String>> adds = List.of(
                List.of("/v", "Install Dir", "/t", "REG_SZ", "/d", "C:\\Program Files\\Ünïcode ✓"),
                List.of("/ve", "/d", "default"),
                List.of("/v", "Empty", "/t", "REG_SZ", "/d", ""),
                List.of("/v", "Count", "/t", "REG_DWORD", "/d", "42"),
                List.of("/v", "Big", "/t", "REG_QWORD", "/d", "5"),
                List.of("/v", "Path", "/t", "REG_EXPAND_SZ", "/d", "%ProgramFiles%\\Acme"),
                List.of("/v", "Many", "/t", "REG_MULTI_SZ", "/d", "one\\0two"),
                List.of("/v", "Raw", "/t", "REG_BINARY", "/d", "0102ff"));
        for (List<String> add : adds) {
            List<String> args = new java.util.ArrayList<>(List.of("add", key));
            args.addAll(add);
            args.add("/f");
            wine.run("reg", args, Map.of(), Duration.ofMinutes(1)).assertSuccess();
        }
        wine.run("reg", List.of("add", key + "\\Sub", "/f"), Map.of(), Duration.ofMinutes(1)).assertSuccess();

        Map<String, Wine.RegistryValue> values = wine.registryValues(key).orElseThrow();
        assertThat(values.get("install dir").string()).as("case-insensitive names").isEqualTo("C:\\Program Files\\Ünïcode ✓");
        assertThat(values.get("").string()).isEqualTo("default");
        assertThat(values.get("Empty").string()).isEmpty();
        assertThat(values.get("Count").type()).isEqualTo("REG_DWORD");
        assertThat(values.get("Count").number()).isEqualTo(42);
        assertThat(values.get("Big").number()).isEqualTo(5);
        assertThat(values.get("Path").type()).isEqualTo("REG_EXPAND_SZ");
        assertThat(values.get("Path").string()).isEqualTo("%ProgramFiles%\\Acme");
        assertThat(values.get("Many").strings()).containsExactly("one", "two");
        assertThat(values.get("Raw").bytes()).containsExactly(1, 2, 0xff);
        assertThat(wine.registryTree(key).keySet())
                .containsExactly("HKEY_LOCAL_MACHINE\\Software\\Packyard Test\\Käse",
                        "HKEY_LOCAL_MACHINE\\Software\\Packyard Test\\Käse\\Sub");
        assertThat(wine.registryValue(key, "Nope")).isEmpty();
        assertThat(wine.registryValues("HKLM\\Software\\No Such Key")).isEmpty();

        // after the wineserver has ended, the registry is on disk
        wine.waitForShutdown();
        String systemReg = Files.readString(wine.prefix().resolve("system.reg"), StandardCharsets.UTF_8);
        assertThat(systemReg).contains("[Software\\\\Packyard Test\\\\K");
    }

    @Test
    void runReportsOutputExitCodeAndTimeouts() throws IOException {
        Wine.Result echo = wine.run("cmd", List.of("/c", "echo hello& exit /b 7"), Map.of(), Duration.ofMinutes(1));
        assertThat(echo.exitCode()).as(echo.toString()).isEqualTo(7);
        assertThat(echo.stdout()).contains("hello");
        assertThat(echo.timedOut()).isFalse();

        Wine.Result env = wine.run("cmd", List.of("/c", "echo %PACKYARD_TEST_VALUE%"),
                Map.of("PACKYARD_TEST_VALUE", "from-test"), Duration.ofMinutes(1));
        assertThat(env.stdout()).contains("from-test");
    }

    @Test
    void fixtureInterpreterReportsAndLogs() throws IOException {
        FixturePython.Executables fixture = FixturePython.build(tmp.resolve("fixture"));
        Path log = tmp.resolve("fixture.log");
        Wine.Result r = wine.run(fixture.python(), List.of("-Es", "-X", "utf8", "-c", "print(1)", "a b", "", "\\\"q"),
                Map.of(FixturePython.LOG_VARIABLE, wine.toWindows(log), FixturePython.EXIT_VARIABLE, "4"),
                Duration.ofMinutes(1));

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(4);
        FixturePython.Report report = FixturePython.parseReport(r.stdout());
        assertThat(report.executable()).isEqualTo(wine.toWindows(fixture.python()));
        assertThat(report.options()).containsExactly("-E", "-s", "-X", "utf8");
        assertThat(report.mode()).isEqualTo("-c");
        assertThat(report.code()).contains("print(1)");
        assertThat(report.sysArgv()).containsExactly("-c", "a b", "", "\\\"q");
        assertThat(report.exit()).isEqualTo(4);
        assertThat(FixturePython.readLog(log)).containsExactly(new FixturePython.LogEntry("python.exe", "-c",
                List.of("-E", "-s", "-X", "utf8"), List.of("-c", "a b", "", "\\\"q")));

        Wine.Result script = wine.run(fixture.python(), List.of("-I", "C:\\nowhere\\x.py", "-c", "z"), Map.of(),
                Duration.ofMinutes(1));
        FixturePython.Report s = FixturePython.parseReport(script.stdout());
        assertThat(s.mode()).isEqualTo("script");
        assertThat(s.script()).contains("C:\\nowhere\\x.py");
        assertThat(s.scriptExists()).contains(false);
        assertThat(s.sysArgv()).containsExactly("C:\\nowhere\\x.py", "-c", "z");
        assertThat(s.exit()).isZero();
    }

    @Test
    void regFileParsing() {
        String reg = "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_CURRENT_USER\\Software\\X]\r\n"
                + "\"A\\\"b\"=\"c:\\\\d\"\r\n\"H\"=hex(2):41,00,\\\r\n  42,00,00,00\r\n@=\"\"\r\n";
        byte[] utf16 = ("\ufeff" + reg).getBytes(StandardCharsets.UTF_16LE);
        Map<String, Map<String, Wine.RegistryValue>> parsed = Wine.parseRegFile(utf16);
        Map<String, Wine.RegistryValue> values = parsed.get("HKEY_CURRENT_USER\\Software\\X");
        assertThat(values.get("A\"b").string()).isEqualTo("c:\\d");
        assertThat(values.get("H").string()).isEqualTo("AB");
        assertThat(values.get("").string()).isEmpty();
    }
}
