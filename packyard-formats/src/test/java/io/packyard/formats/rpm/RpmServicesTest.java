package io.packyard.formats.rpm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.packyard.bundle.Target;
import io.packyard.formats.services.ServiceBundles;
import io.packyard.formats.services.ServiceFiles;
import io.packyard.formats.services.SystemdUnit;
import io.packyard.formats.services.UnitVerifier;
import io.packyard.formats.testkit.Cmd;
import io.packyard.formats.testkit.Packages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * An .rpm with services, for real: %config(noreplace) flags, the %pre scriptlet and its
 * requirements, rpmlint, {@code systemd-analyze verify} on the unpacked units, then rpm -i,
 * rpm -U over a changed configuration file (.rpmnew) and rpm -e on this machine, where systemd
 * does not run as PID 1. On Debian rpm has its own empty database, hence {@code --nodeps}.
 */
@Tag("system")
@org.junit.jupiter.api.parallel.ResourceLock("rpm")
class RpmServicesTest {
    private static final String NAME = "h5-rpmsvc";
    private static final Path ETC = Path.of("/etc/packyard-" + NAME);
    private static final Path CONFIG = ETC.resolve("demo");
    private static final Path UNIT = Path.of(SystemdUnit.UNIT_DIR, NAME + "-web.service");
    private static final Path WANTS = Path.of("/etc/systemd/system/multi-user.target.wants/" + NAME + "-web.service");

    @RegisterExtension
    static final ServiceBundles.Upgrade PACKAGES = ServiceBundles.upgrade(new RpmFormat(), NAME);

    @TempDir
    Path tmp;

    @BeforeEach
    @AfterEach
    void erase() throws IOException {
        if (Packages.isRoot() && Cmd.available("rpm")) {
            if (Cmd.run("rpm", "-q", NAME).exitCode() == 0) {
                Packages.packageManager("rpm", "-e", "--nodeps", "--allmatches", NAME).ok();
            }
            Cmd.run("rm", "-rf", ETC.toString());
            Cmd.run("userdel", NAME);
            Cmd.run("groupdel", NAME);
        }
    }

    @Test
    void configurationFilesAreConfigNoreplaceAndPreCreatesTheAccount() {
        String flags = Cmd.run("rpm", "-qp", "--qf", "[%{FILENAMES} %{FILEFLAGS:fflags} %{FILEMODES:perms}\n]",
                PACKAGES.v1().toString()).ok().stdout();
        assertThat(flags).contains(CONFIG + "/app.env cn -rw-------\n", CONFIG + "/app.conf cn -rw-r--r--\n",
                CONFIG + "/nginx/" + NAME + "-web.conf cn -rw-r--r--\n", UNIT + "  -rw-r--r--\n",
                ServiceFiles.presetPath(NAME) + "  -rw-r--r--\n", ETC + "  drwxr-xr-x\n");
        String scripts = Cmd.run("rpm", "-qp", "--scripts", PACKAGES.v1().toString()).ok().stdout();
        assertThat(scripts).contains("preinstall scriptlet (using /bin/sh)", "useradd -r -g '" + NAME + "'");
        assertThat(Cmd.run("rpm", "-qpR", PACKAGES.v1().toString()).ok().stdout())
                .contains("/usr/sbin/useradd", "/usr/sbin/groupadd", "/usr/bin/getent");
        assertThat(Cmd.run("rpm", "-qp", "--qf", "[%{REQUIRENAME} %{REQUIREFLAGS:deptype}\n]", PACKAGES.v1().toString()).ok().stdout())
                .contains("/usr/sbin/useradd pre\n");
    }

    @Test
    void rpmlintFindsNoErrors() throws IOException {
        Path rc = tmp.resolve("services.rpmlintrc");
        // the fixture's interpreter is a shell script: the test package holds no ELF file
        Files.writeString(rc, "addFilter(\"no-binary\")\n"
                // environment files may hold secrets: systemd reads them as root, nobody else needs to
                // (for packaging/rpmlint.toml; rpmlint's only built-in exception is /var/log)
                + "addFilter(\"non-readable /etc/\\S+ 600\")\n");
        Path config = ServiceBundles.repositoryFile("packaging/rpmlint.toml");
        Cmd.Result r = Cmd.run(List.of("rpmlint", "-c", config.toString(), "-r", rc.toString(), PACKAGES.v1().toString()), Map.of(), tmp);
        System.out.println("rpmlint " + PACKAGES.v1().getFileName() + ":\n" + r.output());
        assertThat(r.output().lines().filter(l -> l.contains(": E: ")).toList()).isEmpty();
        assertThat(r.output()).contains(" 0 errors");
    }

    @Test
    void systemdAnalyzeAcceptsTheUnitsAsPackaged() throws IOException {
        Path root = Files.createDirectories(tmp.resolve("root"));
        Cmd.run(List.of("sh", "-c", "rpm2cpio \"$0\" | cpio -idm --quiet", PACKAGES.v1().toString()), Map.of(), root).ok();
        UnitVerifier.verify(root, List.of(UNIT.toString(), SystemdUnit.UNIT_DIR + "/" + NAME + "-worker.service"));
    }

    @Test
    void installWithoutSystemdUpgradeWritesRpmnewEraseCleans() throws IOException {
        assumeTrue(Packages.isRoot(), "rpm -i needs root");
        assumeTrue(Target.host().runsOnHost(), "host is not a supported Linux target");
        assertThat(Files.isDirectory(Path.of("/run/systemd/system"))).as("this test is for a machine without systemd").isFalse();

        Packages.packageManager("rpm", "-i", "--nodeps", PACKAGES.v1().toString()).ok();
        assertThat(Cmd.run("getent", "passwd", NAME).ok().stdout())
                .matches(NAME + ":x:\\d+:\\d+:Demo:/var/lib/packyard-" + NAME + "/demo/web:/sbin/nologin\n");
        PosixFileAttributes web = Files.readAttributes(Path.of("/var/lib/packyard-" + NAME + "/demo/web"),
                PosixFileAttributes.class);
        assertThat(web.owner().getName()).isEqualTo(NAME);
        assertThat(UNIT).isRegularFile();
        // systemctl preset works without a running systemd: the package's preset enabled the unit
        assertThat(WANTS.toRealPath()).isEqualTo(UNIT.toRealPath());
        Cmd.Result verify = Cmd.run("systemd-analyze", "verify", UNIT.toString());
        assertThat(verify.output()).isEmpty();
        assertThat(verify.exitCode()).isZero();

        Files.writeString(CONFIG.resolve("app.env"), "PORT=9090\n", StandardOpenOption.APPEND);
        String changed = Files.readString(CONFIG.resolve("app.env"));
        Packages.packageManager("rpm", "-U", "--nodeps", PACKAGES.v2().toString()).ok();
        assertThat(Files.readString(CONFIG.resolve("app.env"))).isEqualTo(changed);
        assertThat(Files.readString(CONFIG.resolve("app.env.rpmnew"))).contains("(2.0)", "LOG_LEVEL=info");
        assertThat(Files.readString(CONFIG.resolve("nginx/" + NAME + "-web.conf"))).startsWith("# Demo 2.0:");
        assertThat(WANTS.toRealPath()).isEqualTo(UNIT.toRealPath());

        Packages.packageManager("rpm", "-e", "--nodeps", NAME).ok();
        assertThat(UNIT).doesNotExist();
        assertThat(Files.exists(WANTS, LinkOption.NOFOLLOW_LINKS)).isFalse();
        // rpm keeps a changed configuration file as .rpmsave; everything else is gone
        assertThat(CONFIG.resolve("app.env.rpmsave")).exists();
        assertThat(CONFIG.resolve("app.conf")).doesNotExist();
        assertThat(Path.of("/var/lib/packyard-" + NAME)).doesNotExist();
        assertThat(Path.of("/opt/packyard-" + NAME)).doesNotExist();
    }
}
