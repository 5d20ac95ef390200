package io.packyard.formats.deb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.packyard.bundle.Target;
import io.packyard.formats.testkit.Cmd;
import io.packyard.formats.testkit.FixtureBundle;
import io.packyard.formats.testkit.Packages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real installs with dpkg (as root, on a machine whose architecture matches the host target). */
@Tag("system")
@org.junit.jupiter.api.parallel.ResourceLock("dpkg")
class DebInstallTest {
    private static final String NAME = "h5-debinst";
    private static final Path PREFIX = Path.of("/opt/packyard-" + NAME + "/demo");
    private static final Path COMPANY_OPT = Path.of("/opt/packyard-" + NAME);
    private static final Path LOG_DIR = Path.of("/var/log/packyard-" + NAME + "/demo");
    private static final Path COMPANY_LOG = Path.of("/var/log/packyard-" + NAME);
    private static final Path COMPANY_STATE = Path.of("/var/lib/packyard-" + NAME);

    @TempDir
    Path tmp;

    private Path hookOut;
    private String command;

    @BeforeEach
    void requireRootAndDpkg() {
        assumeTrue(Cmd.available("dpkg") && Packages.isRoot(), "needs dpkg and root");
        assumeTrue(Target.host().runsOnHost(), "host is not a supported Linux target");
        hookOut = tmp.resolve("hook-calls.txt");
        purge();
    }

    @AfterEach
    void purge() {
        if (Cmd.available("dpkg") && Packages.isRoot()) {
            Packages.packageManager(Map.of("NO_CUSTOM_ACTIONS", "1"), "dpkg", "--purge", NAME);
        }
    }

    private Path deb(String version, String extraFile) throws IOException {
        FixtureBundle f = FixtureBundle.named(NAME).version(version);
        if (extraFile != null) {
            f.extraFile(extraFile);
        }
        command = f.command();
        return Packages.build(new DebFormat(), f.build(tmp.resolve("bundle-" + version)), tmp.resolve("out"));
    }

    private Cmd.Result dpkg(Map<String, String> extraEnv, String... args) {
        Map<String, String> env = new HashMap<>(extraEnv);
        env.put("HOOK_OUT", hookOut.toString());
        String[] cmd = new String[args.length + 1];
        cmd[0] = "dpkg";
        System.arraycopy(args, 0, cmd, 1, args.length);
        return Packages.packageManager(env, cmd);
    }

    private List<String> hookCalls() throws IOException {
        return Files.exists(hookOut) ? Files.readAllLines(hookOut) : List.of();
    }

    @Test
    void installRunUpgradeRemovePurge() throws IOException {
        Path v1 = deb("1.0", "only-in-1.txt");
        Path v2 = deb("2.0", null);

        dpkg(Map.of(), "-i", v1.toString()).ok();
        assertThat(hookCalls()).containsExactly("post-install install|");
        Cmd.Result hello = Cmd.run("/usr/bin/" + command, "x", "y z").ok();
        assertThat(hello.stdout()).isEqualTo("fixture python: -m hello x y z\n");
        assertThat(Cmd.run(command, "from-path").ok().stdout()).isEqualTo("fixture python: -m hello from-path\n");
        assertThat(PREFIX.resolve("data/only-in-1.txt")).exists();
        assertThat(Files.readString(LOG_DIR.resolve("install.log"))).contains(NAME + " 1.0: install (previous version: none)");

        dpkg(Map.of(), "-i", v2.toString()).ok();
        assertThat(hookCalls()).containsExactly("post-install install|", "post-install upgrade|1.0");
        assertThat(PREFIX.resolve("data/only-in-1.txt")).doesNotExist();
        assertThat(Files.readString(PREFIX.resolve("data/version.txt"))).isEqualTo("2.0\n");
        assertThat(Cmd.run("dpkg-query", "-W", "-f", "${Version} ${Status}", NAME).ok().stdout())
                .isEqualTo("2.0-1 install ok installed");

        dpkg(Map.of(), "-r", NAME).ok();
        assertThat(hookCalls()).last().isEqualTo("pre-uninstall remove|2.0");
        assertThat(COMPANY_OPT).doesNotExist();
        assertThat(Path.of("/usr/bin/" + command)).doesNotExist();
        assertThat(LOG_DIR.resolve("install.log")).exists(); // remove keeps logs

        dpkg(Map.of(), "--purge", NAME).ok();
        assertThat(COMPANY_LOG).doesNotExist();
        assertThat(COMPANY_STATE).doesNotExist();
        assertThat(Files.exists(Path.of("/usr/bin/" + command), LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(Files.isDirectory(Path.of("/opt"))).isTrue();
    }

    @Test
    void noCustomActionsSkipsTheHooks() throws IOException {
        Path v1 = deb("1.0", null);
        dpkg(Map.of("NO_CUSTOM_ACTIONS", "1"), "-i", v1.toString()).ok();
        dpkg(Map.of("NO_CUSTOM_ACTIONS", "1"), "--purge", NAME).ok();
        assertThat(hookCalls()).isEmpty();
        assertThat(COMPANY_OPT).doesNotExist();
        assertThat(COMPANY_LOG).doesNotExist();
    }

    @Test
    void noCustomActionsSkipIsLogged() throws IOException {
        Path v1 = deb("1.0", null);
        dpkg(Map.of("NO_CUSTOM_ACTIONS", "1"), "-i", v1.toString()).ok();
        assertThat(hookCalls()).isEmpty();
        assertThat(Files.readString(LOG_DIR.resolve("install.log"))).contains("custom actions skipped");
        assertThat(Cmd.run("/usr/bin/" + command).ok().stdout()).startsWith("fixture python:");
    }

    @Test
    void failingHookFailsConfigurationUntilSkipped() throws IOException {
        Path v1 = deb("1.0", null);
        Cmd.Result r = dpkg(Map.of("HOOK_FAIL", "1"), "-i", v1.toString());
        assertThat(r.exitCode()).isNotZero();
        assertThat(r.output()).contains("the post-install hook failed; see " + LOG_DIR.resolve("install.log"));
        assertThat(Cmd.run("dpkg-query", "-W", "-f", "${Status}", NAME).stdout()).isEqualTo("install ok half-configured");
        dpkg(Map.of("NO_CUSTOM_ACTIONS", "1"), "--configure", NAME).ok();
        assertThat(Cmd.run("dpkg-query", "-W", "-f", "${Status}", NAME).ok().stdout()).isEqualTo("install ok installed");
    }

    @Test
    void dpkgReconfigureRunsTheHookWithReconfigure() throws IOException {
        assumeTrue(Cmd.available("dpkg-reconfigure"), "debconf not installed");
        Path v1 = deb("1.0", null);
        dpkg(Map.of(), "-i", v1.toString()).ok();
        Map<String, String> env = Map.of("HOOK_OUT", hookOut.toString(), "DEBIAN_FRONTEND", "noninteractive");
        Packages.packageManager(env, "dpkg-reconfigure", NAME).ok();
        assertThat(hookCalls()).containsExactly("post-install install|", "post-install reconfigure|1.0");
    }
}
