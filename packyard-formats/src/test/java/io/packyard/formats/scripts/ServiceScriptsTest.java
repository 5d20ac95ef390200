package io.packyard.formats.scripts;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.bundle.Bundle;
import io.packyard.bundle.BundleEntry;
import io.packyard.bundle.BundleMetadata;
import io.packyard.formats.services.ServiceBundles;
import io.packyard.formats.testkit.Cmd;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service parts of the maintainer scripts, run with /bin/sh in a sandbox (every path under a
 * temporary root) with recording stand-ins for the tools they call: adduser, addgroup, useradd,
 * groupadd, getent, chown, systemctl, deb-systemd-helper and deb-systemd-invoke. Each stand-in
 * appends its command line to one file that the fixture's hooks append to as well, so the tests
 * see the order of accounts, hooks and unit actions. "systemd runs" is the sandbox's
 * {@code run/systemd/system} directory, which the scripts test exactly as they test
 * {@code /run/systemd/system} on a real machine. Real installs with dpkg and rpm (where systemd
 * does not run) are in DebServicesTest and RpmServicesTest.
 */
@Tag("system")
class ServiceScriptsTest {
    private static final String NAME = "svc-scripts";
    private static final String WEB = "'" + NAME + "-web.service'";
    private static final String WORKER = "'" + NAME + "-worker.service'";

    @TempDir
    Path tmp;

    private Path sandbox;
    private Path calls;
    private Path fakes;
    private String company;

    @BeforeEach
    void fakeTools() throws IOException {
        sandbox = tmp.resolve("root");
        calls = tmp.resolve("calls.txt");
        fakes = Files.createDirectories(tmp.resolve("fake-bin"));
        Path accounts = tmp.resolve("accounts.txt");
        Files.writeString(accounts, "");
        String record = "printf '%s\\n' \"$(basename \"$0\") $*\" >>\"$CALLS\"\n";
        fake("adduser", record + "eval \"last=\\${$#}\"; echo \"passwd $last\" >>\"$ACCOUNTS\"\n");
        fake("addgroup", record + "eval \"last=\\${$#}\"; echo \"group $last\" >>\"$ACCOUNTS\"\n");
        fake("useradd", record + "eval \"last=\\${$#}\"; echo \"passwd $last\" >>\"$ACCOUNTS\"\n");
        fake("groupadd", record + "eval \"last=\\${$#}\"; echo \"group $last\" >>\"$ACCOUNTS\"\n");
        fake("getent", "grep -qx \"$1 $2\" \"$ACCOUNTS\" || exit 2\n");
        fake("chown", record);
        fake("systemctl", record + "case \"$*\" in *is-enabled*) exit \"${FAKE_DISABLED:-0}\" ;; esac\n"
                + "case \"$*\" in start*|restart*) exit \"${FAKE_START_FAILS:-0}\" ;; esac\n");
        fake("deb-systemd-helper", record);
        fake("deb-systemd-invoke", record + "case \"$1\" in start|restart) exit \"${FAKE_START_FAILS:-0}\" ;; esac\n");
    }

    private void fake(String name, String body) throws IOException {
        Path p = fakes.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private void systemdRuns() throws IOException {
        Files.createDirectories(sandbox.resolve("run/systemd/system"));
    }

    private MaintainerScripts scripts(String version) throws IOException {
        Bundle b = ServiceBundles.build(NAME, version, tmp.resolve("bundle-" + version));
        BundleMetadata m = b.metadata();
        company = m.layout().companySlug();
        Path prefix = sandbox.resolve(m.layout().installPrefix().substring(1));
        for (BundleEntry e : b.entries()) {
            Path p = prefix.resolve(e.path());
            if (e.isDirectory()) {
                Files.createDirectories(p);
            } else if (e.isFile()) {
                Files.createDirectories(p.getParent());
                Files.copy(e.source(), p, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
        return MaintainerScripts.sandboxed(m, m.name(), sandbox.toString());
    }

    private Cmd.Result run(String script, Map<String, String> env, String... args) throws IOException {
        Path file = Files.createTempFile(tmp, "script-", ".sh");
        Files.writeString(file, script, StandardCharsets.UTF_8);
        List<String> cmd = new ArrayList<>(List.of("/bin/sh", file.toString()));
        cmd.addAll(List.of(args));
        Map<String, String> e = new HashMap<>(env);
        e.put("HOOK_OUT", calls.toString());
        e.put("CALLS", calls.toString());
        e.put("ACCOUNTS", tmp.resolve("accounts.txt").toString());
        e.putIfAbsent("PATH", fakes + ":/usr/bin:/bin");
        return Cmd.run(cmd, e, tmp);
    }

    private Cmd.Result run(String script, String... args) throws IOException {
        return run(script, Map.of(), args);
    }

    /** The recorded calls since the last look, with the sandbox root shown as ROOT. */
    private List<String> calls() throws IOException {
        if (!Files.exists(calls)) {
            return List.of();
        }
        List<String> out = Files.readAllLines(calls).stream().map(l -> l.replace(sandbox.toString(), "ROOT")).toList();
        Files.delete(calls);
        return out;
    }

    /**
     * What handing a state directory to its user calls: chown -h on each root-owned entry, here the
     * directory itself (the fixture's hook creates nothing in it). The tests run as root, as CI does.
     */
    private static String handOver(String dir) {
        assertThat(io.packyard.formats.testkit.Packages.isRoot()).as("the sandboxed scripts run as root here").isTrue();
        return "chown -h " + NAME + ":" + NAME + " " + dir;
    }

    private Path state(String dir) {
        return sandbox.resolve("var/lib/" + company + "/demo/" + dir);
    }

    private String log() throws IOException {
        return Files.readString(sandbox.resolve("var/log/" + company + "/demo/install.log"));
    }

    @Test
    void debianWithoutSystemdCreatesAccountsAndEnablesButStartsNothing() throws IOException {
        MaintainerScripts v1 = scripts("1.0");
        run(v1.debPostinst(), "configure", "").ok();
        String home = "ROOT/var/lib/" + company + "/demo/web";
        assertThat(calls()).containsExactly(
                "addgroup --system --quiet " + NAME,
                "adduser --system --quiet --ingroup " + NAME + " --home " + home + " --no-create-home " + NAME,
                "chown " + NAME + ":" + NAME + " " + home,
                "post-install install|",
                handOver(home),
                "deb-systemd-helper unmask " + NAME + "-web.service",
                "deb-systemd-helper --quiet was-enabled " + NAME + "-web.service",
                "deb-systemd-helper enable " + NAME + "-web.service",
                "deb-systemd-helper unmask " + NAME + "-worker.service",
                "deb-systemd-helper --quiet was-enabled " + NAME + "-worker.service",
                "deb-systemd-helper enable " + NAME + "-worker.service");
        assertThat(state("web")).isDirectory();
        assertThat(Files.getPosixFilePermissions(state("web"))).isEqualTo(PosixFilePermissions.fromString("rwxr-x---"));
        assertThat(Files.getPosixFilePermissions(state("worker"))).isEqualTo(PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThat(log()).contains("created group " + NAME, "created user " + NAME,
                "systemd is not running: services not started");

        // a second configure finds the accounts and creates nothing
        run(v1.debPostinst(), "configure", "1.0-1").ok();
        assertThat(calls()).noneMatch(c -> c.startsWith("adduser") || c.startsWith("addgroup"))
                .noneMatch(c -> c.startsWith("deb-systemd-invoke") || c.startsWith("systemctl"));

        // removal without systemd: nothing to stop; postrm masks and purge forgets the enablement
        run(v1.debPrerm(), "remove").ok();
        assertThat(calls()).containsExactly("pre-uninstall remove|1.0");
        run(v1.debPostrm(), "remove").ok();
        assertThat(calls()).containsExactly("deb-systemd-helper mask " + NAME + "-web.service",
                "deb-systemd-helper mask " + NAME + "-worker.service");
        run(v1.debPostrm(), "purge").ok();
        assertThat(calls()).containsExactly(
                "deb-systemd-helper purge " + NAME + "-web.service", "deb-systemd-helper unmask " + NAME + "-web.service",
                "deb-systemd-helper purge " + NAME + "-worker.service", "deb-systemd-helper unmask " + NAME + "-worker.service");
        assertThat(sandbox.resolve("var/lib/" + company)).doesNotExist();
    }

    @Test
    void debianWithSystemdStartsStopsForTheUpgradeAndRestartsAfterTheHook() throws IOException {
        systemdRuns();
        MaintainerScripts v1 = scripts("1.0");
        run(v1.debPostinst(), "configure", "").ok();
        assertThat(calls()).endsWith(
                "systemctl --system daemon-reload",
                "deb-systemd-invoke start " + NAME + "-web.service",
                "deb-systemd-invoke start " + NAME + "-worker.service");
        assertThat(log()).contains("start " + NAME + "-web.service", "start " + NAME + "-worker.service");

        // upgrade: the old prerm stops, the new postinst runs the hook, then restarts
        run(v1.debPrerm(), "upgrade", "2.0-1").ok();
        run(v1.debPostrm(), "upgrade", "2.0-1").ok();
        MaintainerScripts v2 = scripts("2.0");
        run(v2.debPostinst(), "configure", "1.0-1").ok();
        List<String> upgrade = calls();
        assertThat(upgrade).startsWith("deb-systemd-invoke stop " + NAME + "-web.service",
                "deb-systemd-invoke stop " + NAME + "-worker.service");
        assertThat(upgrade.indexOf("post-install upgrade|1.0"))
                .isGreaterThan(upgrade.indexOf("deb-systemd-invoke stop " + NAME + "-worker.service"))
                .isLessThan(upgrade.indexOf("deb-systemd-invoke restart " + NAME + "-web.service"));
        assertThat(upgrade).endsWith("systemctl --system daemon-reload",
                "deb-systemd-invoke restart " + NAME + "-web.service",
                "deb-systemd-invoke restart " + NAME + "-worker.service");

        // a failed upgrade's unwind starts the old version's services again
        run(v1.debPostinst(), "abort-upgrade", "2.0-1").ok();
        assertThat(calls()).contains("deb-systemd-invoke restart " + NAME + "-web.service")
                .doesNotContain("post-install upgrade|2.0");

        // removal: stop before the pre-uninstall hook, reload after the files are gone
        run(v2.debPrerm(), "remove").ok();
        assertThat(calls()).containsExactly("deb-systemd-invoke stop " + NAME + "-web.service",
                "deb-systemd-invoke stop " + NAME + "-worker.service", "pre-uninstall remove|2.0");
        run(v2.debPostrm(), "remove").ok();
        assertThat(calls()).startsWith("systemctl --system daemon-reload");
    }

    @Test
    void aServiceThatFailsToStartIsReportedButTheInstallSucceeds() throws IOException {
        systemdRuns();
        MaintainerScripts v1 = scripts("1.0");
        Cmd.Result deb = run(v1.debPostinst(), Map.of("FAKE_START_FAILS", "1"), "configure", "").ok();
        assertThat(deb.stderr()).contains(NAME + ": warning: " + NAME + "-web.service did not start, see: journalctl -u "
                + NAME + "-web.service");
        assertThat(log()).contains("start " + NAME + "-web.service failed");
        Cmd.Result rpm = run(v1.rpmPost(), Map.of("FAKE_START_FAILS", "1"), "1").ok();
        assertThat(rpm.stderr()).contains(NAME + "-worker.service did not start");
    }

    @Test
    void rpmFollowsTheSystemdMacrosAndStopsBeforeAnUpgrade() throws IOException {
        systemdRuns();
        MaintainerScripts v1 = scripts("1.0");
        assertThat(v1.hasRpmPre()).isTrue();
        run(v1.rpmPre(), "1").ok();
        String home = "ROOT/var/lib/" + company + "/demo/web";
        assertThat(calls()).containsExactly(
                "groupadd -r " + NAME,
                "useradd -r -g " + NAME + " -d " + home + " -s /sbin/nologin -c Demo " + NAME);
        run(v1.rpmPost(), "1").ok();
        assertThat(calls()).containsExactly(
                "chown " + NAME + ":" + NAME + " " + home,
                "post-install install|",
                handOver(home),
                "systemctl --no-reload preset " + NAME + "-web.service",
                "systemctl --no-reload preset " + NAME + "-worker.service",
                "systemctl daemon-reload",
                "systemctl --quiet is-enabled " + NAME + "-web.service",
                "systemctl start " + NAME + "-web.service",
                "systemctl --quiet is-enabled " + NAME + "-worker.service",
                "systemctl start " + NAME + "-worker.service");

        // rpm -U: new %pre (2) stops, new %post (2) runs the hook and restarts; old %preun/%postun (1)
        MaintainerScripts v2 = scripts("2.0");
        run(v2.rpmPre(), "2").ok();
        run(v2.rpmPost(), "2").ok();
        run(v1.rpmPreun(), "1").ok();
        run(v1.rpmPostun(), "1").ok();
        assertThat(calls()).containsExactly(
                "systemctl stop " + NAME + "-web.service",
                "systemctl stop " + NAME + "-worker.service",
                "chown " + NAME + ":" + NAME + " " + home,
                "post-install upgrade|1.0",
                handOver(home),
                "systemctl daemon-reload",
                "systemctl --quiet is-enabled " + NAME + "-web.service",
                "systemctl restart " + NAME + "-web.service",
                "systemctl --quiet is-enabled " + NAME + "-worker.service",
                "systemctl restart " + NAME + "-worker.service",
                "systemctl daemon-reload");

        // a disabled unit is not started
        run(v2.rpmPost(), Map.of("FAKE_DISABLED", "1"), "2").ok();
        assertThat(calls()).noneMatch(c -> c.startsWith("systemctl restart"));
        assertThat(log()).contains(NAME + "-web.service is disabled: not started");

        // rpm -e: stop and disable before the hook, reload after
        run(v2.rpmPreun(), "0").ok();
        assertThat(calls()).containsExactly(
                "systemctl stop " + NAME + "-web.service", "systemctl stop " + NAME + "-worker.service",
                "systemctl --no-reload disable " + NAME + "-web.service",
                "systemctl --no-reload disable " + NAME + "-worker.service",
                "pre-uninstall remove|2.0");
        run(v2.rpmPostun(), "0").ok();
        assertThat(calls()).containsExactly("systemctl daemon-reload");
        assertThat(sandbox.resolve("var/lib/" + company)).doesNotExist();
    }

    @Test
    void rpmWithoutSystemdEnablesByPresetAndStartsNothing() throws IOException {
        MaintainerScripts v1 = scripts("1.0");
        run(v1.rpmPre(), "1").ok();
        calls();
        run(v1.rpmPost(), "1").ok();
        assertThat(calls()).containsExactly(
                "chown " + NAME + ":" + NAME + " ROOT/var/lib/" + company + "/demo/web",
                "post-install install|",
                handOver("ROOT/var/lib/" + company + "/demo/web"),
                "systemctl --no-reload preset " + NAME + "-web.service",
                "systemctl --no-reload preset " + NAME + "-worker.service");
        run(v1.rpmPreun(), "0").ok();
        assertThat(calls()).containsExactly("systemctl --no-reload disable " + NAME + "-web.service",
                "systemctl --no-reload disable " + NAME + "-worker.service", "pre-uninstall remove|1.0");
        run(v1.rpmPostun(), "0").ok();
        assertThat(calls()).isEmpty();
    }

    @Test
    void withoutAnySystemdToolNothingFails() throws IOException {
        systemdRuns();
        for (String tool : List.of("systemctl", "deb-systemd-helper", "deb-systemd-invoke")) {
            Files.delete(fakes.resolve(tool));
        }
        // /usr/bin and /bin may hold the real tools: give the scripts a PATH with only the fakes and sh's basics
        Path bin = Files.createDirectories(tmp.resolve("basic-bin"));
        for (String tool : List.of("sh", "cat", "date", "mkdir", "chmod", "rm", "rmdir", "mv", "printf", "basename", "find",
                "grep")) {
            String real = Cmd.run("sh", "-c", "command -v " + tool).ok().stdout().strip();
            Files.writeString(bin.resolve(tool), "#!/bin/sh\nexec " + real + " \"$@\"\n");
            Files.setPosixFilePermissions(bin.resolve(tool), PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        MaintainerScripts v1 = scripts("1.0");
        Map<String, String> path = Map.of("PATH", fakes + ":" + bin);
        run(v1.rpmPre(), path, "1").ok();
        run(v1.rpmPost(), path, "1").ok();
        assertThat(calls()).containsExactly(
                "groupadd -r " + NAME,
                "useradd -r -g " + NAME + " -d ROOT/var/lib/" + company + "/demo/web -s /sbin/nologin -c Demo " + NAME,
                "chown " + NAME + ":" + NAME + " ROOT/var/lib/" + company + "/demo/web",
                "post-install install|",
                handOver("ROOT/var/lib/" + company + "/demo/web"));
        assertThat(log()).contains("systemd is not running: services not started");
        run(v1.rpmPreun(), path, "0").ok();
        run(v1.rpmPostun(), path, "0").ok();
        run(v1.debPrerm(), path, "remove").ok();
        run(v1.debPostrm(), path, "remove").ok();
        run(v1.debPostrm(), path, "purge").ok();
        assertThat(calls()).containsExactly("pre-uninstall remove|1.0", "pre-uninstall remove|1.0");
    }

    @Test
    void serviceScriptsAreShellcheckClean() throws IOException {
        MaintainerScripts v1 = scripts("1.0");
        Map<String, String> all = Map.of("postinst", v1.debPostinst(), "prerm", v1.debPrerm(), "postrm", v1.debPostrm(),
                "rpm-pre", v1.rpmPre(), "rpm-post", v1.rpmPost(), "rpm-preun", v1.rpmPreun(), "rpm-postun", v1.rpmPostun());
        for (Map.Entry<String, String> e : all.entrySet()) {
            Path file = tmp.resolve(e.getKey());
            Files.writeString(file, e.getValue());
            Cmd.Result r = Cmd.run("shellcheck", "-s", "sh", "-S", "style", file.toString());
            assertThat(r.exitCode()).as(e.getKey() + ":\n" + r.output()).isZero();
        }
        // lintian's rule: Debian maintainer scripts call systemctl only for daemon-reload
        for (String deb : List.of(v1.debPostinst(), v1.debPrerm(), v1.debPostrm())) {
            assertThat(deb.lines().filter(l -> l.matches("^(?:.+;)?\\s*systemctl\\b.*") && !l.contains("daemon-reload")))
                    .isEmpty();
        }
    }
}
