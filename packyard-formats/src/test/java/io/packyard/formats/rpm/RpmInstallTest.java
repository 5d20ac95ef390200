package io.packyard.formats.rpm;

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

/**
 * Real installs with rpm as root. On Debian rpm keeps its own database under /var/lib/rpm and
 * knows none of the system's packages, hence {@code --nodeps}.
 */
@Tag("system")
@org.junit.jupiter.api.parallel.ResourceLock("rpm")
class RpmInstallTest {
    private static final String NAME = "h5-rpminst";
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
    void requireRootAndRpm() {
        assumeTrue(Cmd.available("rpm") && Packages.isRoot(), "needs rpm and root");
        assumeTrue(Target.host().runsOnHost(), "host is not a supported Linux target");
        hookOut = tmp.resolve("hook-calls.txt");
        erase();
    }

    @AfterEach
    void erase() {
        if (Cmd.available("rpm") && Packages.isRoot() && Cmd.run("rpm", "-q", NAME).exitCode() == 0) {
            Packages.packageManager(Map.of("NO_CUSTOM_ACTIONS", "1"), "rpm", "-e", "--nodeps", "--allmatches", NAME);
        }
    }

    private Path rpm(String version, String extraFile) throws IOException {
        FixtureBundle f = FixtureBundle.named(NAME).version(version);
        if (extraFile != null) {
            f.extraFile(extraFile);
        }
        command = f.command();
        return Packages.build(new RpmFormat(), f.build(tmp.resolve("bundle-" + version)), tmp.resolve("out"));
    }

    private Cmd.Result rpmCmd(Map<String, String> extraEnv, String... args) {
        Map<String, String> env = new HashMap<>(extraEnv);
        env.put("HOOK_OUT", hookOut.toString());
        String[] cmd = new String[args.length + 1];
        cmd[0] = "rpm";
        System.arraycopy(args, 0, cmd, 1, args.length);
        return Packages.packageManager(env, cmd);
    }

    private List<String> hookCalls() throws IOException {
        return Files.exists(hookOut) ? Files.readAllLines(hookOut) : List.of();
    }

    @Test
    void installRunUpgradeErase() throws IOException {
        Path v1 = rpm("1.0", "only-in-1.txt");
        Path v2 = rpm("1.1rc1", null);

        rpmCmd(Map.of(), "-i", "--nodeps", v1.toString()).ok();
        assertThat(hookCalls()).containsExactly("post-install install|");
        assertThat(Cmd.run("/usr/bin/" + command, "a", "b c").ok().stdout()).isEqualTo("fixture python: -m hello a b c\n");
        assertThat(Files.readString(LOG_DIR.resolve("install.log"))).contains(NAME + " 1.0: install (previous version: none)");
        assertThat(Cmd.run("rpm", "-V", "--nodeps", NAME).output()).as("rpm -V").isEmpty();

        rpmCmd(Map.of(), "-U", "--nodeps", v2.toString()).ok();
        assertThat(hookCalls()).containsExactly("post-install install|", "post-install upgrade|1.0");
        assertThat(PREFIX.resolve("data/only-in-1.txt")).doesNotExist();
        assertThat(Cmd.run("rpm", "-q", NAME).ok().stdout().trim()).startsWith(NAME + "-1.1~rc1-1.");

        rpmCmd(Map.of(), "-e", NAME).ok();
        assertThat(hookCalls()).last().isEqualTo("pre-uninstall remove|1.1rc1");
        assertThat(COMPANY_OPT).doesNotExist();
        assertThat(Files.exists(Path.of("/usr/bin/" + command), LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(COMPANY_LOG).doesNotExist(); // rpm has no purge: erase removes logs
        assertThat(COMPANY_STATE).doesNotExist();
    }

    @Test
    void noCustomActionsSkipsTheHooks() throws IOException {
        Path v1 = rpm("1.0", null);
        rpmCmd(Map.of("NO_CUSTOM_ACTIONS", "1"), "-i", "--nodeps", v1.toString()).ok();
        assertThat(Files.readString(LOG_DIR.resolve("install.log"))).contains("custom actions skipped");
        rpmCmd(Map.of("NO_CUSTOM_ACTIONS", "1"), "-e", NAME).ok();
        assertThat(hookCalls()).isEmpty();
        assertThat(COMPANY_OPT).doesNotExist();
    }

    @Test
    void downgradeIsRefusedLikePep440Says() throws IOException {
        Path newer = rpm("1.0", null);
        Path older = rpm("1.0rc1", null);
        rpmCmd(Map.of("NO_CUSTOM_ACTIONS", "1"), "-i", "--nodeps", newer.toString()).ok();
        Cmd.Result r = rpmCmd(Map.of("NO_CUSTOM_ACTIONS", "1"), "-U", "--nodeps", older.toString());
        assertThat(r.exitCode()).isNotZero();
        assertThat(r.output()).contains("is already installed");
    }
}
