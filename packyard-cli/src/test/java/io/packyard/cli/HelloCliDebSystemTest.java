package io.packyard.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The console example as a .deb, checked with lintian and installed with dpkg on this machine:
 * the command runs from /usr/bin with no python3 on PATH, and purge leaves nothing behind.
 */
@Tag("system")
@ResourceLock("dpkg")
class HelloCliDebSystemTest {
    static Path deb;

    @BeforeAll
    static void build() {
        Path out = Builds.build("hello-cli", "examples/hello-cli", "--python", "host:3.11");
        deb = Builds.file(out, ".deb");
    }

    @Test
    void lintianReportsNoErrors() {
        Sh.require("lintian");
        Sh.Result r = Sh.run("lintian", "--allow-root", "--no-tag-display-limit", deb.toString());
        assertThat(r.output().lines().filter(l -> l.startsWith("E:"))).as(r.output()).isEmpty();
        assertThat(r.exit()).as(r.output()).isZero();
    }

    @Test
    void controlFieldsAndFileName() {
        assertThat(deb.getFileName().toString()).isEqualTo("hello-cli_1.0.0-1_amd64.deb");
        String control = Sh.run("dpkg-deb", "--field", deb.toString()).ok().output();
        assertThat(control).contains("Package: hello-cli", "Version: 1.0.0-1", "Architecture: amd64",
                "Installed-Size: ", "Maintainer: ", "Description: ");
        String files = Sh.run("dpkg-deb", "--contents", deb.toString()).ok().output();
        assertThat(files).contains("./opt/packyard-examples/hello-cli/python/bin/python3.11",
                "./opt/packyard-examples/hello-cli/bin/hello", "./usr/bin/hello -> /opt/packyard-examples/hello-cli/bin/hello");
        assertThat(files).doesNotContain("/test/", "idlelib", "ensurepip", "site-packages/IPython");
        // nothing in hello-cli imports tkinter or lib2to3: left out, and with _tkinter the
        // host interpreter's dependency on libtk/libtcl (and through them on X11)
        assertThat(files).doesNotContain("/tkinter/", "_tkinter", "turtle", "/lib2to3/", "bin/2to3")
                .contains("/python3.11/json/__init__.py", "/python3.11/lib-dynload/_ssl.");
        // bytecode of the standard library (compiled while the wheels were installed) and of
        // the application; none of the parts left out
        assertThat(files).contains("/python3.11/__pycache__/os.cpython-311.pyc",
                "/python3.11/json/__pycache__/__init__.cpython-311.pyc",
                "/python3.11/site-packages/hello_cli/__pycache__/__init__.cpython-311.pyc")
                .doesNotContain("__pycache__/turtle.", "tkinter/__pycache__");
        assertThat(control).contains("Depends: ").contains("libc6 (>= ").doesNotContain("libtk", "libtcl");
    }

    @Test
    void installsRunsWithoutPythonOnPathAndPurgesClean(@TempDir Path tmp) throws Exception {
        assumeTrue(Sh.isRoot(), "dpkg -i needs root");
        Sh.run("dpkg", "--purge", "hello-cli");
        try {
            Sh.run("dpkg", "-i", deb.toString()).ok();

            // the README's promise: runs from PATH with a minimal environment
            Sh.Result r = Sh.runClean(Map.of("PATH", "/usr/bin:/bin"), "hello", "--name", "Ada Lovelace").ok();
            assertThat(r.output()).contains("Hello, Ada Lovelace!").contains("Python 3.11.7");

            // and with no python3 anywhere on PATH: only the tools the launcher itself uses
            Path bin = Files.createDirectories(tmp.resolve("bin"));
            for (String tool : new String[] {"sh", "readlink", "dirname"}) {
                Files.createSymbolicLink(bin.resolve(tool), Path.of(Sh.sh("command -v " + tool).ok().output().trim()));
            }
            Files.createSymbolicLink(bin.resolve("hello"), Path.of("/usr/bin/hello"));
            Map<String, String> noPython = Map.of("PATH", bin.toString());
            assertThat(Sh.runClean(noPython, "/bin/sh", "-c", "command -v python3 || command -v python").exit()).isNotZero();
            assertThat(Sh.runClean(noPython, "/bin/sh", "-c", "hello --name 'no python'").ok().output())
                    .contains("Hello, no python!");

            // exit codes propagate through the launcher
            assertThat(Sh.runClean(Map.of("PATH", "/usr/bin:/bin"), "hello", "--fail").exit()).isEqualTo(3);

            // the post-install hook ran with the bundled interpreter and logged
            String log = Files.readString(Path.of("/var/log/packyard-examples/hello-cli/install.log"));
            assertThat(log).contains("action=install previous_version=")
                    .contains("/opt/packyard-examples/hello-cli/python/bin/python3");

            // nothing was written under /opt at run time (bytecode was compiled at build time)
            String modified = Sh.run("dpkg", "--verify", "hello-cli").output();
            assertThat(modified).isEmpty();
            assertThat(Sh.sh("find /opt/packyard-examples/hello-cli -newer " + deb + " -type f | head").output()).isEmpty();
        } finally {
            Sh.run("dpkg", "--purge", "hello-cli").ok();
        }
        assertThat(Path.of("/opt/packyard-examples")).doesNotExist();
        assertThat(Path.of("/usr/bin/hello")).doesNotExist();
        assertThat(Path.of("/var/log/packyard-examples")).doesNotExist();
        assertThat(Path.of("/var/lib/packyard-examples/hello-cli")).doesNotExist();
    }
}
