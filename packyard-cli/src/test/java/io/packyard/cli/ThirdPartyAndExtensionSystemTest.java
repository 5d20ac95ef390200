package io.packyard.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * A real third-party wheel (pip, from Debian's python3-pip-whl) packaged as an app, and the C
 * extension example (a platform wheel built with gcc), both installed with dpkg and run.
 */
@Tag("system")
@ResourceLock("dpkg")
class ThirdPartyAndExtensionSystemTest {
    static final Map<String, String> PATH = Map.of("PATH", "/usr/bin:/bin");

    @Test
    void pipWheelAsAnApp() {
        assumeTrue(Sh.isRoot(), "dpkg -i needs root");
        Path deb = Builds.file(Builds.build("pip-app", "examples/pip-app", "--python", "host:3.11", "--format", "deb"), ".deb");
        Sh.run("dpkg", "--purge", "pip-app");
        try {
            Sh.run("dpkg", "-i", deb.toString()).ok();
            String v = Sh.runClean(PATH, "/opt/packyard-examples/pip-app/bin/pip", "--version").ok().output();
            assertThat(v).startsWith("pip 23.0.1 from /opt/packyard-examples/pip-app/python/lib/python3.11/site-packages/pip")
                    .contains("(python 3.11)");
            String shown = Sh.runClean(PATH, "/opt/packyard-examples/pip-app/python/bin/python3", "-m", "pip", "show", "pip")
                    .ok().output();
            assertThat(shown).contains("Version: 23.0.1").contains("Location: /opt/packyard-examples/pip-app");
            assertThat(Sh.run("dpkg", "--verify", "pip-app").output()).isEmpty();
        } finally {
            Sh.run("dpkg", "--purge", "pip-app").ok();
        }
        assertThat(Path.of("/opt/packyard-examples/pip-app")).doesNotExist();
    }

    @Test
    void cExtensionInstallsAndImports() {
        assumeTrue(Sh.isRoot(), "dpkg -i needs root");
        Path out = Builds.build("fastsum", "examples/fastsum", "--python", "host:3.11", "--format", "deb,tar.gz");
        Path deb = Builds.file(out, ".deb");
        String files = Sh.run("dpkg-deb", "--contents", deb.toString()).ok().output();
        assertThat(files).containsPattern("site-packages/fastsum/_speedups\\.cpython-311-x86_64-linux-gnu\\.so");
        Sh.require("lintian");
        Sh.Result lint = Sh.run("lintian", "--allow-root", deb.toString());
        assertThat(lint.output().lines().filter(l -> l.startsWith("E:"))).as(lint.output()).isEmpty();
        Sh.run("dpkg", "--purge", "fastsum");
        try {
            Sh.run("dpkg", "-i", deb.toString()).ok();
            assertThat(Sh.runClean(PATH, "fastsum", "--check").ok().output())
                    .contains("fastsum OK").contains("/opt/packyard-examples/fastsum/python/lib/python3.11/site-packages/fastsum/_speedups");
            assertThat(Sh.runClean(PATH, "fastsum", "10").ok().output().trim()).isEqualTo("385");
        } finally {
            Sh.run("dpkg", "--purge", "fastsum").ok();
        }
    }
}
