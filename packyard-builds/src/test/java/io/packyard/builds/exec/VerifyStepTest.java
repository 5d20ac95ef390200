package io.packyard.builds.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real dpkg installs in the copy-on-write sandbox; the host must stay untouched. */
@Tag("system")
class VerifyStepTest {

    private static final String PKG = "packyard-verify-probe";

    @TempDir
    static Path shared;

    private static Path good;
    private static Path badPostinst;
    private static Path sloppyPrerm;
    private static Path tarball;
    private static String hostDpkgBefore;

    @TempDir
    Path tmp;

    private final List<String> log = Collections.synchronizedList(new ArrayList<>());

    @BeforeAll
    static void buildPackages() throws Exception {
        assertThat(Path.of("/opt/acme")).as("the host must not have /opt/acme").doesNotExist();
        hostDpkgBefore = exec("dpkg-query", "-W", "-f", "${Package} ${Version} ${Status}\\n");
        good = deb("good", "exit 0", "rm -f /opt/acme/tool/marker");
        badPostinst = deb("bad-postinst", "echo 'postinst: cannot configure' >&2; exit 1", "rm -f /opt/acme/tool/marker");
        sloppyPrerm = deb("sloppy", "exit 0", "exit 0");

        Path root = Files.createDirectories(shared.resolve("tar/tool-1.0/bin"));
        script(root.resolve("tool"), "#!/bin/sh\necho \"tool 1.0 from $0\"\n");
        tarball = shared.resolve("tool-1.0-linux-x86_64.tar.gz");
        exec("tar", "-czf", tarball.toString(), "-C", shared.resolve("tar").toString(), "tool-1.0");
    }

    @AfterAll
    static void hostIsUntouched() throws Exception {
        assertThat(Path.of("/opt/acme")).doesNotExist();
        assertThat(Path.of("/usr/bin/tool")).doesNotExist();
        assertThat(exec("dpkg-query", "-W", "-f", "${Package} ${Version} ${Status}\\n")).isEqualTo(hostDpkgBefore);
    }

    /** A package with /opt/acme/tool/bin/tool, /usr/bin/tool → it, a postinst writing a marker, a prerm. */
    private static Path deb(String name, String postinstEnd, String prermBody) throws Exception {
        Path root = shared.resolve("deb-" + name);
        Path bin = Files.createDirectories(root.resolve("opt/acme/tool/bin"));
        script(bin.resolve("tool"), "#!/bin/sh\necho \"tool 1.0 ($1)\"\n");
        Files.createDirectories(root.resolve("usr/bin"));
        Files.createSymbolicLink(root.resolve("usr/bin/tool"), Path.of("/opt/acme/tool/bin/tool"));
        Path debian = Files.createDirectories(root.resolve("DEBIAN"));
        Files.writeString(debian.resolve("control"), """
                Package: %s
                Version: 1.0
                Architecture: all
                Maintainer: Acme <dev@acme.example>
                Description: verify probe
                """.formatted(PKG));
        script(debian.resolve("postinst"), "#!/bin/sh\nset -e\necho configured > /opt/acme/tool/marker\n" + postinstEnd + "\n");
        script(debian.resolve("prerm"), "#!/bin/sh\nset -e\n" + prermBody + "\n");
        Path deb = shared.resolve(PKG + "-" + name + "_1.0_all.deb");
        exec("dpkg-deb", "--root-owner-group", "--build", root.toString(), deb.toString());
        return deb;
    }

    private static void script(Path p, String text) throws IOException {
        Files.writeString(p, text);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static String exec(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(String.join(" ", cmd) + ": " + out).isZero();
        return out;
    }

    private Sandbox sandbox() {
        return Sandbox.builder().workspace(tmp.resolve("ws")).isolation(Sandbox.Isolation.BUBBLEWRAP)
                .timeLimit(Duration.ofMinutes(2)).build();
    }

    private StepFailure failure(Path artifact, String smoke) {
        return catchThrowableOfType(StepFailure.class, () -> VerifyStep.run(artifact, smoke, sandbox(), log::add));
    }

    @Test
    void installsRunsTheSmokeCommandAndRemovesCleanly() throws Exception {
        // the marker proves postinst ran; the paths are the real absolute ones
        VerifyStep.run(good, "tool --version && test \"$(cat /opt/acme/tool/marker)\" = configured "
                + "&& test \"$(readlink /usr/bin/tool)\" = /opt/acme/tool/bin/tool "
                + "&& dpkg-query -W -f '${Status}' " + PKG, sandbox(), log::add);
        assertThat(log).contains("tool 1.0 (--version)", "install ok installed");
        assertThat(log).anyMatch(l -> l.contains("Removing " + PKG));
        assertThat(Path.of("/opt/acme")).doesNotExist();
    }

    @Test
    void aFailingPostinstFailsTheVerification() {
        StepFailure f = failure(badPostinst, "tool --version");
        assertThat(f.kind()).isEqualTo(StepFailure.Kind.BUILD);
        assertThat(f.getMessage()).startsWith("installing " + badPostinst.getFileName() + " failed (dpkg exit 1): ");
        assertThat(log).contains("postinst: cannot configure");
        assertThat(log).noneMatch(l -> l.startsWith("==> smoke test"));
    }

    @Test
    void aFailingSmokeCommandNamesTheCommandAndItsExitCode() {
        StepFailure f = failure(good, "tool --version; exit 3");
        assertThat(f.kind()).isEqualTo(StepFailure.Kind.BUILD);
        assertThat(f.getMessage()).isEqualTo("smoke command `tool --version; exit 3` failed (exit 3)");
        assertThat(log).contains("tool 1.0 (--version)");
    }

    @Test
    void filesLeftBehindAfterRemovalFailTheVerification() {
        StepFailure f = failure(sloppyPrerm, "tool");
        assertThat(f.kind()).isEqualTo(StepFailure.Kind.BUILD);
        assertThat(f.getMessage()).isEqualTo("uninstall left /opt/acme behind");
        assertThat(log).contains("left behind: /opt/acme");
    }

    @Test
    void theSmokeCommandCannotRemountOrUnmountAnything() {
        // /root is a read-only host bind (not overlaid); /usr is an overlay over the host's /usr
        String probe = "packyard-verify-escape-" + ProcessHandle.current().pid();
        String smoke = "if mount -o remount,bind,rw /root; then exit 1; fi; if umount /usr; then exit 2; fi; "
                + "if touch /root/" + probe + "; then exit 3; fi; exit 9";
        StepFailure f = failure(good, smoke);
        assertThat(f.getMessage()).isEqualTo("smoke command `" + smoke + "` failed (exit 9)");
        assertThat(Path.of("/root", probe)).doesNotExist();
    }

    @Test
    void portableArchiveRunsWithItsBinOnPath() throws Exception {
        VerifyStep.run(tarball, "tool", sandbox(), log::add);
        assertThat(log).anyMatch(l -> l.startsWith("tool 1.0 from ") && l.endsWith("/tool-1.0/bin/tool"));
        StepFailure f = failure(tarball, "tool && false");
        assertThat(f.getMessage()).isEqualTo("smoke command `tool && false` failed (exit 1)");
    }

    @Test
    void otherKindsCannotBeVerified() throws IOException {
        Path rpm = Files.writeString(tmp.resolve("tool-1.0.x86_64.rpm"), "x");
        StepFailure f = failure(rpm, "tool");
        assertThat(f.kind()).isEqualTo(StepFailure.Kind.BUILD);
        assertThat(f.getMessage()).startsWith("cannot verify tool-1.0.x86_64.rpm: ");
    }

    @Test
    void aBrokenDebIsTheProjectsFault() throws IOException {
        Path deb = Files.writeString(tmp.resolve("broken_1.0_all.deb"), "not an archive");
        StepFailure f = failure(deb, "true");
        assertThat(f.kind()).isEqualTo(StepFailure.Kind.BUILD);
        assertThat(f.getMessage()).startsWith("cannot verify broken_1.0_all.deb: not a valid .deb");
    }
}
