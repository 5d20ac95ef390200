package io.packyard.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;

/** The console example as an .rpm: rpmlint, then rpm -i (--nodeps on this Debian host), run, rpm -e. */
@Tag("system")
@ResourceLock("rpm")
class RpmSystemTest {
    static Path rpm;

    @BeforeAll
    static void build() {
        rpm = Builds.file(Builds.build("hello-cli", "examples/hello-cli", "--python", "host:3.11"), ".rpm");
    }

    @Test
    void rpmlintReportsNoErrors() {
        Sh.require("rpmlint");
        Sh.Result r = Sh.run("rpmlint", "-c", Builds.REPO.resolve("packaging/rpmlint.toml").toString(), rpm.toString());
        assertThat(r.output()).as(r.output()).contains(" 0 errors");
    }

    @Test
    void headerCarriesTheMetadata() {
        assertThat(rpm.getFileName().toString()).isEqualTo("hello-cli-1.0.0-1.x86_64.rpm");
        String info = Sh.run("rpm", "-qpi", rpm.toString()).ok().output();
        assertThat(info).contains("hello-cli", "1.0.0", "x86_64", "Packyard Examples");
        String files = Sh.run("rpm", "-qpl", rpm.toString()).ok().output();
        assertThat(files).contains("/opt/packyard-examples/hello-cli/bin/hello", "/usr/bin/hello");
        assertThat(Sh.run("rpm", "-qp", "--scripts", rpm.toString()).ok().output())
                .contains("NO_CUSTOM_ACTIONS").contains("install.log");
    }

    @Test
    void installsRunsAndErases() {
        assumeTrue(Sh.isRoot(), "rpm -i needs root");
        Sh.require("rpm");
        Sh.run("rpm", "-e", "hello-cli");
        try {
            Sh.run("rpm", "-i", "--nodeps", rpm.toString()).ok();
            Sh.Result r = Sh.runClean(Map.of("PATH", "/usr/bin:/bin"), "hello", "--name", "RPM").ok();
            assertThat(r.output()).contains("Hello, RPM!").contains("Python 3.11.7");
            assertThat(Sh.run("rpm", "-V", "--nodeps", "hello-cli").output()).isEmpty();
        } finally {
            Sh.run("rpm", "-e", "hello-cli").ok();
        }
        assertThat(Path.of("/opt/packyard-examples/hello-cli")).doesNotExist();
        assertThat(Files.exists(Path.of("/usr/bin/hello"), java.nio.file.LinkOption.NOFOLLOW_LINKS)).isFalse();
    }
}
