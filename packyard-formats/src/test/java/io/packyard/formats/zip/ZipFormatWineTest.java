package io.packyard.formats.zip;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.bundle.Bundle;
import io.packyard.bundle.BundleEntry;
import io.packyard.bundle.project.SignSettings;
import io.packyard.formats.sign.AuthenticodeSigner;
import io.packyard.formats.testkit.Cmd;
import io.packyard.formats.testkit.Packages;
import io.packyard.formats.testkit.WindowsFixtureBundle;
import io.packyard.testkit.FixturePython;
import io.packyard.testkit.Wine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The portable zip on "Windows": a fixture bundle (mingw-built stand-in interpreter, Packyard's
 * launchers, signed with a test certificate as [tool.packyard.sign] would) is zipped, unpacked
 * into a folder with a space on the C: drive of a wine prefix, and its command runs from there.
 */
@Tag("system")
class ZipFormatWineTest {
    private static final String NAME = "h7-zipwine";

    @TempDir
    static Path tmp;

    static Wine wine;
    static Bundle bundle;
    static Path archive;
    static Path trustPem;

    @BeforeAll
    static void build() throws Exception {
        wine = Wine.create(tmp.resolve("prefix"));
        WindowsFixtureBundle fixture = WindowsFixtureBundle.named(NAME);
        Path root = tmp.resolve("stage");
        Bundle staged = fixture.build(root);

        // sign the launchers before the bundle is scanned, as the pipeline does
        Path certs = Files.createDirectories(tmp.resolve("certs"));
        trustPem = certs.resolve("cert.pem");
        Cmd.run(List.of("openssl", "req", "-x509", "-newkey", "rsa:3072", "-nodes", "-keyout", "key.pem", "-out",
                "cert.pem", "-days", "30", "-subj", "/CN=Packyard Zip Test Signing",
                "-addext", "extendedKeyUsage=codeSigning"), Map.of(), certs).ok();
        Cmd.run(List.of("openssl", "pkcs12", "-export", "-out", "cert.pfx", "-inkey", "key.pem", "-in", "cert.pem",
                "-passout", "pass:zip test"), Map.of(), certs).ok();
        Files.writeString(certs.resolve("password.txt"), "zip test\n");
        AuthenticodeSigner signer = AuthenticodeSigner.from(new SignSettings(certs.resolve("cert.pfx"),
                certs.resolve("password.txt"), Optional.empty(), "pyproject.toml:1: [tool.packyard.sign]"));
        List<String> launchers = staged.entries().stream().filter(BundleEntry::isFile)
                .map(BundleEntry::path).filter(p -> p.startsWith("Scripts/") || p.startsWith("hooks/")).toList();
        assertThat(launchers).contains("Scripts/" + fixture.command() + ".exe");
        signer.signAll(root, launchers);
        bundle = Bundle.builder().metadata(staged.metadata()).root(root).sourceDateEpoch(staged.sourceDateEpoch()).build();

        archive = Packages.build(new ZipFormat(), bundle, tmp.resolve("dist"));
    }

    @AfterAll
    static void stop() throws IOException {
        if (wine != null) {
            wine.close();
        }
    }

    @Test
    void unpackedAnywhereTheSignedCommandRunsWithTheBundledInterpreter() throws IOException {
        Path dest = Files.createDirectories(wine.driveC().resolve("Portable Apps"));
        Cmd.run(List.of("unzip", "-q", archive.toString(), "-d", dest.toString()), Map.of("LC_ALL", "C.UTF-8"), null).ok();
        Path app = dest.resolve(NAME + "-1.0");
        Path launcher = app.resolve("Scripts/" + NAME + "-hello.exe");

        String verify = Cmd.run("osslsigncode", "verify", "-CAfile", trustPem.toString(), "-in", launcher.toString())
                .ok().output();
        assertThat(verify).contains("Signature verification: ok");

        List<String> args = List.of("one", "two words", "ünïcødé");
        Wine.Result r = wine.run(launcher, args, Map.of(FixturePython.EXIT_VARIABLE, "7"), Duration.ofMinutes(1));
        assertThat(r.timedOut()).isFalse();
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(7);
        FixturePython.Report report = FixturePython.parseReport(r.stdout());
        assertThat(report.executable()).isEqualTo(wine.toWindows(app.resolve("python/python.exe")));
        assertThat(report.executable()).startsWith("C:\\Portable Apps\\" + NAME + "-1.0\\python\\");
        assertThat(report.sysArgv()).containsExactly("-c", wine.toWindows(launcher), "one", "two words", "ünïcødé");
        assertThat(report.code().orElseThrow()).contains("fixture_app.cli");

        assertThat(Files.readString(app.resolve("README.txt"))).contains("Scripts\\" + NAME + "-hello.exe");
    }
}
