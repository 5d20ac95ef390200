package io.packyard.formats.onefile;

import static io.packyard.formats.onefile.OnefileRuns.cacheRoot;
import static io.packyard.formats.onefile.OnefileRuns.describe;
import static io.packyard.formats.onefile.OnefileRuns.home;
import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.bundle.Bundle;
import io.packyard.bundle.Target;
import io.packyard.formats.onefile.OnefileRuns.Run;
import io.packyard.formats.testkit.Cmd;
import io.packyard.formats.testkit.FixtureBundle;
import io.packyard.formats.testkit.Packages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The aarch64 stub runs: the fixture bundle (its launcher and "interpreter" are sh scripts, so
 * only the stub is aarch64 code) packed for linux-aarch64 and started under qemu-user
 * (qemu-aarch64-static, Debian package qemu-user-static). The stub's exec of the launcher goes to
 * the host kernel, so the sh scripts run natively. This exercises the aarch64 system call
 * numbers, flags and struct stat layout, which differ from x86_64.
 */
@Tag("system")
class OnefileAarch64Test {
    @TempDir
    Path tmp;

    @Test
    void unpacksRunsRepairsAndCleansUpUnderQemu() throws IOException {
        if (!Cmd.available("qemu-aarch64-static")) {
            throw new AssertionError("qemu-aarch64-static is not installed (Debian: qemu-user-static)");
        }
        Bundle host = FixtureBundle.named("of-arm64").build(tmp.resolve("bundle"));
        OnefileRuns.addBulk(host.root(), 40, 20_000, 3);
        Bundle arm = OnefileFormatTest.withTarget(OnefileRuns.rescan(host), Target.LINUX_AARCH64,
                host.metadata().commands());
        Path onefile = Packages.build(new OnefileFormat(), arm, tmp.resolve("out"));
        OnefileReader reader = new OnefileReader(onefile);
        Path home = tmp.resolve("home");
        Map<String, String> env = new HashMap<>(home(home));
        env.put("PACKYARD_ONEFILE_DEBUG", "1");
        String qemu = "qemu-aarch64-static";

        Run first = OnefileRuns.run(env, null, qemu, onefile.toString(), "one", "two words").ok();
        assertThat(first.out()).isEqualTo("fixture python: -m hello one two words\n");
        assertThat(first.err()).contains("debug: unpacked and checked");
        Path copy = cacheRoot(home).resolve("of-arm64-" + reader.id);
        Map<String, String> tree = describe(copy);
        assertThat(tree.remove(".packyard-onefile-stamp")).isNotNull();
        assertThat(tree).isEqualTo(describe(arm.root()));

        Run second = OnefileRuns.run(env, null, qemu, onefile.toString()).ok();
        assertThat(second.err()).contains("debug: every entry matches the stamp").doesNotContain("unpacked");

        OnefileStartTest.flip(copy.resolve("lib/bulk/d5/module_5.py"), 999);
        Run repaired = OnefileRuns.run(env, null, qemu, onefile.toString()).ok();
        assertThat(repaired.err()).contains("is damaged; replacing it");
        Map<String, String> again = describe(copy);
        again.remove(".packyard-onefile-stamp");
        assertThat(again).isEqualTo(describe(arm.root()));

        Run cleanup = OnefileRuns.run(env, null, qemu, onefile.toString(), "--packyard-cleanup").ok();
        assertThat(cleanup.out()).isEqualTo("removed " + copy + "\n");
        assertThat(Files.exists(copy)).isFalse();
    }
}
