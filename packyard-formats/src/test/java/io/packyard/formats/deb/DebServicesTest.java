package io.packyard.formats.deb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.packyard.bundle.Target;
import io.packyard.formats.services.ServiceBundles;
import io.packyard.formats.services.SystemdUnit;
import io.packyard.formats.services.UnitVerifier;
import io.packyard.formats.testkit.Cmd;
import io.packyard.formats.testkit.Packages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A .deb with services, for real: lintian, {@code systemd-analyze verify} on the units as
 * unpacked from the package, then dpkg -i, an upgrade over changed configuration files, remove
 * and purge on this machine, where systemd does not run as PID 1 (the "not running" path of the
 * maintainer scripts; the "running" path is ServiceScriptsTest's).
 */
@Tag("system")
@org.junit.jupiter.api.parallel.ResourceLock("dpkg")
class DebServicesTest {
    private static final String NAME = "h5-debsvc";
    private static final Path ETC = Path.of("/etc/packyard-" + NAME);
    private static final Path CONFIG = ETC.resolve("demo");
    private static final Path UNIT = Path.of(SystemdUnit.UNIT_DIR, NAME + "-web.service");
    private static final Path WANTS = Path.of("/etc/systemd/system/multi-user.target.wants/" + NAME + "-web.service");
    private static final Path STATE = Path.of("/var/lib/packyard-" + NAME + "/demo");

    @RegisterExtension
    static final ServiceBundles.Upgrade PACKAGES = ServiceBundles.upgrade(new DebFormat(), NAME);

    @TempDir
    Path tmp;

    @BeforeEach
    @AfterEach
    void purge() {
        if (Packages.isRoot() && Cmd.available("dpkg")) {
            Packages.packageManager("dpkg", "--purge", NAME);
            Cmd.run("userdel", NAME);
            Cmd.run("groupdel", NAME);
        }
    }

    private static Cmd.Result dpkg(String... args) {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "dpkg";
        System.arraycopy(args, 0, cmd, 1, args.length);
        return Packages.packageManager(Map.of(), cmd);
    }

    @Test
    void controlListsTheConffilesAndDependsOnAdduser() {
        String conffiles = Cmd.run("sh", "-c", "dpkg-deb --ctrl-tarfile " + PACKAGES.v1() + " | tar -xOf - ./conffiles").ok().stdout();
        assertThat(conffiles).isEqualTo(CONFIG + "/app.conf\n" + CONFIG + "/app.env\n"
                + CONFIG + "/nginx/" + NAME + "-web.conf\n");
        assertThat(Cmd.run("dpkg-deb", "-f", PACKAGES.v1().toString(), "Depends").ok().stdout()).contains("adduser");
        String files = Cmd.run("dpkg-deb", "-c", PACKAGES.v1().toString()).ok().stdout();
        assertThat(files).contains("-rw------- 0/0 ", "./etc/packyard-" + NAME + "/demo/app.env",
                "./usr/lib/systemd/system/" + NAME + "-web.service", "./usr/lib/systemd/system/" + NAME + "-worker.service");
        assertThat(files).doesNotContain("system-preset");
    }

    @Test
    void lintianFindsNoErrors() {
        Cmd.Result r = Cmd.run(List.of("lintian", "--no-cfg", "--display-info", PACKAGES.v1().toString()), Map.of(), null);
        System.out.println("lintian " + PACKAGES.v1().getFileName() + ":\n" + r.output());
        assertThat(r.output().lines().filter(l -> l.startsWith("E: "))).isEmpty();
        assertThat(r.output()).doesNotContain("maintainer-script-calls-systemctl", "maintainer-script-needs-depends-on-adduser",
                "file-in-etc-not-marked-as-conffile", "systemd-service-file", "non-standard-file-perm");
    }

    @Test
    void systemdAnalyzeAcceptsTheUnitsAsPackaged() throws IOException {
        Path root = tmp.resolve("root");
        Cmd.run("dpkg-deb", "-x", PACKAGES.v1().toString(), root.toString()).ok();
        UnitVerifier.verify(root, List.of(SystemdUnit.UNIT_DIR + "/" + NAME + "-web.service",
                SystemdUnit.UNIT_DIR + "/" + NAME + "-worker.service"));
    }

    @Test
    void installWithoutSystemdUpgradeKeepsChangedConfigurationPurgeCleans() throws IOException {
        assumeTrue(Packages.isRoot(), "dpkg -i needs root");
        assumeTrue(Target.host().runsOnHost(), "host is not a supported Linux target");
        assertThat(Files.isDirectory(Path.of("/run/systemd/system"))).as("this test is for a machine without systemd").isFalse();

        dpkg("-i", PACKAGES.v1().toString()).ok();
        // the account, the state directory it owns, the unit, its enablement (deb-systemd-helper needs no systemd)
        assertThat(Cmd.run("getent", "passwd", NAME).ok().stdout())
                .matches(NAME + ":x:\\d+:\\d+:.*:" + STATE + "/web:/usr/sbin/nologin\n");
        assertThat(Cmd.run("getent", "group", NAME).ok().stdout()).startsWith(NAME + ":");
        PosixFileAttributes web = Files.readAttributes(STATE.resolve("web"), PosixFileAttributes.class);
        assertThat(web.owner().getName()).isEqualTo(NAME);
        assertThat(web.group().getName()).isEqualTo(NAME);
        assertThat(web.permissions()).isEqualTo(PosixFilePermissions.fromString("rwxr-x---"));
        assertThat(UNIT).isRegularFile();
        assertThat(WANTS.toRealPath()).isEqualTo(UNIT.toRealPath());
        assertThat(Files.getPosixFilePermissions(CONFIG.resolve("app.env"))).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.readString(Path.of("/var/log/packyard-" + NAME + "/demo/install.log")))
                .contains("created user " + NAME, "systemd is not running: services not started");
        // the installed unit, where it is: systemd-analyze verify on the real file system
        Cmd.Result verify = Cmd.run("systemd-analyze", "verify", UNIT.toString());
        assertThat(verify.output()).isEmpty();
        assertThat(verify.exitCode()).isZero();

        // the administrator changes the environment file; v2 ships a different one: dpkg keeps theirs
        Files.writeString(CONFIG.resolve("app.env"), "PORT=9090\n", java.nio.file.StandardOpenOption.APPEND);
        String changed = Files.readString(CONFIG.resolve("app.env"));
        dpkg("-i", "--force-confold", PACKAGES.v2().toString()).ok();
        assertThat(Files.readString(CONFIG.resolve("app.env"))).isEqualTo(changed);
        assertThat(Files.readString(CONFIG.resolve("app.env.dpkg-dist"))).contains("(2.0)", "LOG_LEVEL=info");
        // an unchanged conffile is replaced by the new version's
        assertThat(Files.readString(CONFIG.resolve("nginx/" + NAME + "-web.conf"))).startsWith("# Demo 2.0:");
        assertThat(Files.readString(UNIT)).startsWith("# Demo 2.0:");
        assertThat(WANTS.toRealPath()).isEqualTo(UNIT.toRealPath());

        // remove keeps configuration (and masks the leftover enablement), purge removes everything
        dpkg("-r", NAME).ok();
        assertThat(UNIT).doesNotExist();
        assertThat(CONFIG.resolve("app.env")).exists();
        dpkg("--purge", NAME).ok();
        assertThat(ETC).doesNotExist();
        assertThat(Files.exists(WANTS, LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(Files.exists(Path.of("/etc/systemd/system/" + NAME + "-web.service"), LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(Path.of("/var/lib/packyard-" + NAME)).doesNotExist();
        // the account stays, as Debian packages leave theirs
        assertThat(Cmd.run("getent", "passwd", NAME).exitCode()).isZero();
    }
}
