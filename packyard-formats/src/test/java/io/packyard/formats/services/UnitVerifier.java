package io.packyard.formats.services;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.formats.testkit.Cmd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs {@code systemd-analyze verify --root=ROOT} on units inside a file tree (a package unpacked
 * with dpkg-deb -x or rpm2cpio): verify loads the units' dependencies (multi-user.target,
 * sysinit.target, ...) from the root, so this machine's own units are copied in beside them, and
 * it checks that each ExecStart= program exists in the root. Any message fails the test, warnings
 * such as "Unknown key" included (verify reports those with exit status 0).
 */
public final class UnitVerifier {
    private UnitVerifier() {}

    public static void verify(Path root, List<String> units) throws IOException {
        java.util.Set<Path> copied = new java.util.HashSet<>();
        for (String dir : List.of("/usr/lib/systemd/system", "/lib/systemd/system")) {
            if (Files.isDirectory(Path.of(dir)) && copied.add(Path.of(dir).toRealPath())) {
                Path into = Files.createDirectories(root.resolve(dir.substring(1)));
                Cmd.run("cp", "-an", dir + "/.", into.toString()).ok();
            }
        }
        List<String> cmd = new ArrayList<>(List.of("systemd-analyze", "verify", "--root=" + root));
        cmd.addAll(units);
        Cmd.Result r = Cmd.run(cmd, Map.of("SYSTEMD_LOG_COLOR", "0"), null);
        assertThat(r.output()).as(String.join(" ", cmd)).isEmpty();
        assertThat(r.exitCode()).as(String.join(" ", cmd)).isZero();
    }
}
