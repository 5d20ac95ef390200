package io.packyard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.testkit.FixturePython;
import io.packyard.testkit.Wine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The Windows installer of a real project, end to end through the CLI on Linux: examples/hello-cli
 * with its [tool.packyard.msi] settings (shortcut, icon, licence, Windows versions) and a
 * [tool.packyard.sign] section pointing at a self-signed code-signing certificate made here with
 * openssl. The .msi and the launchers inside it must verify with osslsigncode; msiexec under
 * wine installs it into Program Files, the launcher reaches the interpreter, the post-install
 * hook runs, and /x removes it. The interpreter is {@code FixtureWindowsInterpreter}, a TEST
 * FIXTURE (see {@link WindowsBuildSystemTest}).
 */
@Tag("system")
class WindowsInstallerSystemTest {
    static Path work;
    static Path msi;
    static Path certPem;
    static Wine wine;

    @BeforeAll
    static void buildSignedMsi() throws Exception {
        WindowsBuildSystemTest.fixture();
        work = Builds.OUT.resolve("windows-installer");
        deleteTree(work);
        Path project = work.resolve("hello-cli");
        copyTree(Builds.REPO.resolve("examples/hello-cli"), project);
        Path keys = work.resolve("keys");
        Files.createDirectories(keys);
        certPem = keys.resolve("cert.pem");
        Sh.run("openssl", "req", "-x509", "-newkey", "rsa:3072", "-nodes", "-days", "30", "-subj",
                "/CN=Packyard Test Signing", "-addext", "extendedKeyUsage=codeSigning", "-addext",
                "keyUsage=digitalSignature", "-keyout", keys.resolve("key.pem").toString(), "-out", certPem.toString()).ok();
        Sh.run("openssl", "pkcs12", "-export", "-inkey", keys.resolve("key.pem").toString(), "-in", certPem.toString(),
                "-out", keys.resolve("cert.pfx").toString(), "-passout", "pass:fixture-secret").ok();
        Files.writeString(keys.resolve("password.txt"), "fixture-secret\n");
        Files.writeString(project.resolve("pyproject.toml"), Files.readString(project.resolve("pyproject.toml")) + """

                [tool.packyard.sign]
                pfx = "../keys/cert.pfx"
                pfx-password-file = "../keys/password.txt"
                """);
        Path out = Builds.build("hello-cli-windows-signed", project.toString(), "--target", "windows-x64",
                "--format", "msi,zip", "--python", "archive:" + WindowsBuildSystemTest.fixtureArchive);
        msi = Builds.file(out, ".msi");
        wine = Wine.create(work.resolve("prefix"));
        // hello-cli accepts Windows 10, 11, Server 2019 and 2022; a new prefix says Windows 7
        wine.run("winecfg", List.of("-v", "win10"), Map.of(), Duration.ofMinutes(1)).assertSuccess();
        wine.waitForShutdown();
    }

    @AfterAll
    static void stopWine() throws IOException {
        if (wine != null) {
            wine.close();
        }
    }

    @Test
    void theMsiAndItsLaunchersAreSigned() throws Exception {
        assertThat(msi.getFileName().toString()).isEqualTo("hello-cli-1.0.0-x64.msi");
        assertThat(Sh.run("osslsigncode", "verify", "-CAfile", certPem.toString(), "-in", msi.toString()).ok().output())
                .contains("Signature verification: ok");
        Path extracted = work.resolve("extracted");
        Files.createDirectories(extracted);
        Sh.run(Map.of(), extracted, List.of("msiextract", "-C", extracted.toString(), msi.toString())).ok();
        List<Path> exes;
        try (Stream<Path> s = Files.walk(extracted)) {
            exes = s.filter(p -> p.getFileName().toString().endsWith(".exe")
                    && (p.getParent().getFileName().toString().equals("Scripts")
                            || p.getParent().getFileName().toString().equals("hooks"))).sorted().toList();
        }
        assertThat(exes).extracting(p -> p.getFileName().toString()).containsExactly("hello.exe", "post-install.exe");
        for (Path exe : exes) {
            assertThat(Sh.run("osslsigncode", "verify", "-CAfile", certPem.toString(), "-in", exe.toString()).ok().output())
                    .as(exe.toString()).contains("Signature verification: ok");
        }
        // the interpreter is not ours to sign: python.exe stays as it came
        assertThat(Sh.run("sh", "-c", "osslsigncode verify -in \"$(find " + extracted + " -name python.exe | head -1)\""
                + " >/dev/null 2>&1; echo $?").output().trim()).isNotEqualTo("0");
    }

    @Test
    void installsRunsAndUninstallsUnderWine() throws Exception {
        Path hookLog = work.resolve("fixture-python.log");
        Map<String, String> env = Map.of(FixturePython.LOG_VARIABLE, wine.toWindows(hookLog));
        Path installLog = work.resolve("install.log");
        Wine.Result install = wine.run("msiexec", List.of("/i", wine.toWindows(msi), "/qn", "/l*v",
                wine.toWindows(installLog)), env, Duration.ofMinutes(4));
        wine.waitForShutdown();
        assertThat(install.exitCode()).as(install + "\n" + read(installLog)).isZero();

        Path dir = wine.driveC().resolve("Program Files/Packyard Examples/Hello CLI");
        assertThat(dir.resolve("Scripts/hello.exe")).isRegularFile();
        assertThat(dir.resolve("python/python.exe")).isRegularFile();
        assertThat(dir.resolve("python/Lib/site-packages/hello_cli/main.py")).isRegularFile();
        assertThat(wine.registryValue("HKLM\\Software\\Packyard Examples\\Hello CLI", "Version"))
                .hasValueSatisfying(v -> assertThat(v.string()).isEqualTo("1.0.0"));
        List<Path> shortcuts;
        try (Stream<Path> s = Files.walk(wine.driveC())) {
            shortcuts = s.filter(p -> p.getFileName().toString().equals("Hello CLI.lnk")).toList();
        }
        assertThat(shortcuts).as("Start-menu shortcut").isNotEmpty();

        // the post-install hook ran with the bundled interpreter: "install" and no previous version
        List<FixturePython.LogEntry> runs = FixturePython.readLog(hookLog);
        assertThat(runs).anySatisfy(e -> {
            assertThat(e.sysArgv().get(1)).endsWith("\\hooks\\post-install.exe");
            assertThat(e.sysArgv().subList(2, e.sysArgv().size())).containsExactly("install", "");
        });

        Wine.Result hello = wine.run(dir.resolve("Scripts/hello.exe"), List.of("--name", "Ada"), Map.of(),
                Duration.ofMinutes(2));
        assertThat(hello.exitCode()).as(hello.toString()).isZero();
        FixturePython.Report report = FixturePython.parseReport(hello.stdout());
        assertThat(report.executable()).isEqualToIgnoringCase(
                "C:\\Program Files\\Packyard Examples\\Hello CLI\\python\\python.exe");
        assertThat(report.code()).hasValueSatisfying(c -> assertThat(c).contains("hello_cli.main"));

        Wine.Result remove = wine.run("msiexec", List.of("/x", wine.toWindows(msi), "/qn"), env, Duration.ofMinutes(4));
        wine.waitForShutdown();
        assertThat(remove.exitCode()).as(remove.toString()).isZero();
        List<Path> left = new ArrayList<>();
        if (Files.exists(dir)) {
            try (Stream<Path> s = Files.walk(dir)) {
                s.filter(Files::isRegularFile).forEach(left::add);
            }
        }
        assertThat(left).as("files left after msiexec /x").isEmpty();
        assertThat(wine.registryValues("HKLM\\Software\\Packyard Examples\\Hello CLI")).isEmpty();
    }

    private static String read(Path p) throws IOException {
        return Files.exists(p) ? new String(Files.readAllBytes(p), java.nio.charset.StandardCharsets.ISO_8859_1) : "";
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                String rel = from.relativize(p).toString();
                if (rel.startsWith("dist") || rel.contains("build/") || rel.contains(".egg-info")) {
                    continue;
                }
                Path t = to.resolve(rel);
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
