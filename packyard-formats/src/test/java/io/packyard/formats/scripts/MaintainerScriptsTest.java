package io.packyard.formats.scripts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.packyard.bundle.Bundle;
import io.packyard.bundle.BundleEntry;
import io.packyard.bundle.BundleMetadata;
import io.packyard.formats.testkit.Cmd;
import io.packyard.formats.testkit.FixtureBundle;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the generated scripts with /bin/sh in a sandbox: every path the scripts use is prefixed
 * with a temporary directory, so the whole install/upgrade/remove/purge flow is exercised
 * without root and without a package manager.
 */
@Tag("system")
class MaintainerScriptsTest {
    @TempDir
    Path tmp;

    private Path sandbox;
    private Path hookOut;
    private String company;

    private Map<String, String> scripts(String version) throws IOException {
        Bundle b = FixtureBundle.named("h5-scripts").version(version).build(tmp.resolve("bundle-" + version));
        BundleMetadata m = b.metadata();
        company = m.layout().companySlug();
        sandbox = tmp.resolve("root");
        hookOut = tmp.resolve("hook-calls.txt");
        // "install" the files the way a package manager would: the bundle under the prefix
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
        MaintainerScripts s = MaintainerScripts.sandboxed(m, m.name(), sandbox.toString());
        Map<String, String> out = new HashMap<>();
        out.put("postinst", s.debPostinst());
        out.put("prerm", s.debPrerm());
        out.put("postrm", s.debPostrm());
        out.put("%post", s.rpmPost());
        out.put("%preun", s.rpmPreun());
        out.put("%postun", s.rpmPostun());
        return out;
    }

    private Cmd.Result run(String script, Map<String, String> env, String... args) throws IOException {
        Path file = Files.createTempFile(tmp, "script-", ".sh");
        Files.writeString(file, script, StandardCharsets.UTF_8);
        List<String> cmd = new ArrayList<>(List.of("/bin/sh", file.toString()));
        cmd.addAll(List.of(args));
        Map<String, String> e = new HashMap<>(env);
        e.put("HOOK_OUT", hookOut.toString());
        return Cmd.run(cmd, e, tmp);
    }

    private List<String> hookCalls() throws IOException {
        return Files.exists(hookOut) ? Files.readAllLines(hookOut) : List.of();
    }

    private Path log() {
        return sandbox.resolve("var/log/" + company + "/demo/install.log");
    }

    private Path state() {
        return sandbox.resolve("var/lib/" + company + "/demo/installed-version");
    }

    @Test
    void debianInstallUpgradeReconfigureRemovePurge() throws IOException {
        Map<String, String> v1 = scripts("1.0");
        run(v1.get("postinst"), Map.of(), "configure", "").ok();
        assertThat(hookCalls()).containsExactly("post-install install|");
        assertThat(Files.readString(state())).isEqualTo("1.0\n");
        String log = Files.readString(log());
        assertThat(log).containsPattern("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ h5-scripts 1.0: install \\(previous version: none\\)");
        assertThat(log).contains("post-install: install", "hooks/post-install exited with status 0");
        assertThat(Files.getPosixFilePermissions(log()).toString()).doesNotContain("OTHERS_READ");

        // upgrade: old prerm upgrade runs nothing, new postinst sees the old PEP 440 version
        run(v1.get("prerm"), Map.of(), "upgrade", "2.0rc1-1").ok();
        run(v1.get("postrm"), Map.of(), "upgrade", "2.0rc1-1").ok();
        Map<String, String> v2 = scripts("2.0rc1");
        run(v2.get("postinst"), Map.of(), "configure", "1.0-1").ok();
        assertThat(hookCalls()).containsExactly("post-install install|", "post-install upgrade|1.0");
        assertThat(Files.readString(state())).isEqualTo("2.0rc1\n");

        // dpkg-reconfigure
        run(v2.get("postinst"), Map.of("DEBCONF_RECONFIGURE", "1"), "configure", "2.0~rc1-1").ok();
        assertThat(hookCalls()).last().isEqualTo("post-install reconfigure|2.0rc1");

        // removal runs the pre-uninstall hook, keeps logs, forgets the version
        run(v2.get("prerm"), Map.of(), "remove").ok();
        assertThat(hookCalls()).last().isEqualTo("pre-uninstall remove|2.0rc1");
        run(v2.get("postrm"), Map.of(), "remove").ok();
        assertThat(state()).doesNotExist();
        assertThat(log()).exists();

        // reinstall after remove (config-files state): dpkg passes the old version, but it is an install
        run(v2.get("postinst"), Map.of(), "configure", "2.0~rc1-1").ok();
        assertThat(hookCalls()).last().isEqualTo("post-install install|");

        run(v2.get("prerm"), Map.of(), "remove").ok();
        run(v2.get("postrm"), Map.of(), "remove").ok();
        run(v2.get("postrm"), Map.of(), "purge").ok();
        assertThat(sandbox.resolve("var/log/" + company)).doesNotExist();
        assertThat(sandbox.resolve("var/lib/" + company)).doesNotExist();
        assertThat(sandbox.resolve("var/log")).isDirectory();
    }

    @Test
    void noCustomActionsSkipsHooksAndSaysSoInTheLog() throws IOException {
        Map<String, String> v1 = scripts("1.0");
        run(v1.get("postinst"), Map.of("NO_CUSTOM_ACTIONS", "1"), "configure", "").ok();
        run(v1.get("prerm"), Map.of("NO_CUSTOM_ACTIONS", "1"), "remove").ok();
        assertThat(hookCalls()).isEmpty();
        assertThat(Files.readString(log()))
                .contains("custom actions skipped (NO_CUSTOM_ACTIONS=1): hooks/post-install install",
                        "custom actions skipped (NO_CUSTOM_ACTIONS=1): hooks/pre-uninstall remove 1.0");
        // any other value runs them
        run(v1.get("postinst"), Map.of("NO_CUSTOM_ACTIONS", "0"), "configure", "").ok();
        assertThat(hookCalls()).containsExactly("post-install upgrade|1.0");
    }

    @Test
    void failingPostInstallHookFailsAndPointsAtTheLog() throws IOException {
        Map<String, String> v1 = scripts("1.0");
        Cmd.Result r = run(v1.get("postinst"), Map.of("HOOK_FAIL", "1"), "configure", "");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stderr()).contains("the post-install hook failed; see " + log());
        assertThat(Files.readString(log())).contains("hook asked to fail", "hooks/post-install exited with status 3");
        assertThat(state()).doesNotExist();
        // the retry (dpkg --configure -a) runs the same action again
        run(v1.get("postinst"), Map.of(), "configure", "").ok();
        assertThat(hookCalls()).containsExactly("post-install install|", "post-install install|");

        // a failing pre-uninstall hook warns but lets the removal go on
        Cmd.Result rm = run(v1.get("prerm"), Map.of("HOOK_FAIL", "1"), "remove");
        assertThat(rm.exitCode()).isZero();
        assertThat(rm.stderr()).contains("warning: the pre-uninstall hook failed, removing anyway");
    }

    @Test
    void rpmScriptletsFollowTheInstanceCount() throws IOException {
        Map<String, String> v1 = scripts("1.0");
        run(v1.get("%post"), Map.of(), "1").ok();
        Map<String, String> v2 = scripts("1.1");
        // rpm -U: new %post (2), then old %preun (1) and old %postun (1)
        run(v2.get("%post"), Map.of(), "2").ok();
        run(v1.get("%preun"), Map.of(), "1").ok();
        run(v1.get("%postun"), Map.of(), "1").ok();
        assertThat(hookCalls()).containsExactly("post-install install|", "post-install upgrade|1.0");
        assertThat(Files.readString(state())).isEqualTo("1.1\n");
        // rpm -e: %preun 0, %postun 0 removes logs and state (rpm has no purge)
        run(v2.get("%preun"), Map.of(), "0").ok();
        assertThat(hookCalls()).last().isEqualTo("pre-uninstall remove|1.1");
        run(v2.get("%postun"), Map.of(), "0").ok();
        assertThat(sandbox.resolve("var/log/" + company)).doesNotExist();
        assertThat(sandbox.resolve("var/lib/" + company)).doesNotExist();
    }

    @Test
    void companyDirectoriesSharedWithAnotherProductStay() throws IOException {
        Map<String, String> v1 = scripts("1.0");
        run(v1.get("postinst"), Map.of(), "configure", "").ok();
        Path other = sandbox.resolve("var/log/" + company + "/other-product");
        Files.createDirectories(other);
        run(v1.get("postrm"), Map.of(), "purge").ok();
        assertThat(log()).doesNotExist();
        assertThat(other).isDirectory();
    }

    @Test
    void unknownArgumentsFail() throws IOException {
        Map<String, String> v1 = scripts("1.0");
        for (String s : List.of("postinst", "prerm", "postrm")) {
            Cmd.Result r = run(v1.get(s), Map.of(), "bogus");
            assertThat(r.exitCode()).as(s).isEqualTo(1);
            assertThat(r.stderr()).contains("called with unknown argument 'bogus'");
        }
        // error-unwind calls do nothing and succeed
        run(v1.get("postinst"), Map.of(), "abort-upgrade", "1.0-1").ok();
        assertThat(hookCalls()).isEmpty();
    }

    @Test
    void scriptsAreShellcheckClean() throws IOException {
        assumeTrue(Cmd.available("shellcheck"), "shellcheck not installed");
        Map<String, String> v1 = scripts("1.0");
        for (Map.Entry<String, String> e : v1.entrySet()) {
            Path file = tmp.resolve(e.getKey().replace("%", "rpm-"));
            Files.writeString(file, e.getValue());
            Cmd.Result r = Cmd.run("shellcheck", "-s", "sh", "-S", "style", file.toString());
            assertThat(r.exitCode()).as(e.getKey() + ":\n" + r.output()).isZero();
        }
    }

    @Test
    void quotingSurvivesTheShell() {
        for (String s : List.of("plain", "it's", "a b", "$HOME `x` \"q\" \\", "'")) {
            String printed = Cmd.run("/bin/sh", "-c", "printf %s " + MaintainerScripts.quote(s)).ok().stdout();
            assertThat(printed).isEqualTo(s);
        }
    }
}
