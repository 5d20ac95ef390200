package io.packyard.formats.services;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.bundle.Bundle;
import io.packyard.bundle.BundleMetadata;
import io.packyard.bundle.Service;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SystemdUnitTest {
    @TempDir
    Path tmp;

    @Test
    void commandLineWordsAreQuotedForSystemd() {
        assertThat(SystemdUnit.word("serve")).isEqualTo("serve");
        assertThat(SystemdUnit.word("--port=8000")).isEqualTo("--port=8000");
        assertThat(SystemdUnit.word("a b")).isEqualTo("\"a b\"");
        assertThat(SystemdUnit.word("")).isEqualTo("\"\"");
        assertThat(SystemdUnit.word("100%")).isEqualTo("\"100%%\"");
        assertThat(SystemdUnit.word("${PORT}")).isEqualTo("\"${PORT}\"");
        assertThat(SystemdUnit.word("--bind=${HOST}:${PORT}")).isEqualTo("\"--bind=${HOST}:${PORT}\"");
        assertThat(SystemdUnit.word("$HOME")).isEqualTo("\"$$HOME\"");
        assertThat(SystemdUnit.word("${not a name}")).isEqualTo("\"$${not a name}\"");
        assertThat(SystemdUnit.word("x\\y\"z")).isEqualTo("\"x\\\\y\\\"z\"");
        assertThat(SystemdUnit.word(";")).isEqualTo("\";\"");
        assertThat(SystemdUnit.word("'q'")).isEqualTo("\"'q'\"");
        assertThat(SystemdUnit.execStart("/opt/a/b/bin/x", List.of("serve", "a b")))
                .isEqualTo("/opt/a/b/bin/x serve \"a b\"");
    }

    @Test
    void unitOfTheFixtureService() throws IOException {
        Bundle b = ServiceBundles.build("unit-fix", "1.0", tmp);
        BundleMetadata m = b.metadata();
        String web = SystemdUnit.render(m, m.services().get(0));
        assertThat(web).contains(
                "Description=Fixture web service\n",
                "Documentation=https://example.org/packyard-fixture\n",
                "After=network.target\n",
                "User=unit-fix\nGroup=unit-fix\n",
                "EnvironmentFile=/etc/packyard-unit-fix/demo/app.env\n",
                "ExecStart=/opt/packyard-unit-fix/demo/bin/unit-fix-hello serve --port \"${PORT}\" \"a b\" \"100%%\"\n",
                "WorkingDirectory=/var/lib/packyard-unit-fix/demo/web\n",
                "StateDirectory=packyard-unit-fix/demo/web\nStateDirectoryMode=0750\n",
                "Restart=on-failure\nRestartSec=5\n",
                "NoNewPrivileges=yes\n",
                "[Install]\nWantedBy=multi-user.target\n");
        String worker = SystemdUnit.render(m, m.services().get(1));
        assertThat(worker).contains("User=root\n", "WorkingDirectory=/tmp\n", "StateDirectoryMode=0755\n", "Restart=always\n")
                .doesNotContain("EnvironmentFile");
        assertThat(SystemdUnit.path(m.services().get(0))).isEqualTo("/usr/lib/systemd/system/unit-fix-web.service");
    }

    @Test
    @Tag("system")
    void systemdAnalyzeAcceptsQuotedArgumentsAndRejectsAMissingProgram() throws IOException {
        Bundle b = ServiceBundles.build("unit-verify", "1.0", tmp.resolve("b"));
        Service s = b.metadata().services().get(0);
        Service odd = new Service(s.name(), "100% odd; \"quoted\" $HOME", s.command(),
                List.of("--x=${PORT}", "a b", "%n", "$HOME", "back\\slash", "\"", ";", "", "é"), "root", "root",
                Optional.empty(), "odd", Optional.empty(), "no", Optional.empty(), s.launcher(), s.where());
        Path root = tmp.resolve("root");
        Path unit = root.resolve("usr/lib/systemd/system/" + odd.unitName());
        Files.createDirectories(unit.getParent());
        Files.writeString(unit, SystemdUnit.render(b.metadata(), odd));
        Path launcher = root.resolve(b.metadata().layout().installPrefix().substring(1)).resolve(odd.launcher());
        Files.createDirectories(launcher.getParent());
        Files.writeString(launcher, "#!/bin/sh\n");
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        UnitVerifier.verify(root, List.of("/usr/lib/systemd/system/" + odd.unitName()));

        Files.delete(launcher);
        org.assertj.core.api.Assertions.assertThatThrownBy(() ->
                UnitVerifier.verify(root, List.of("/usr/lib/systemd/system/" + odd.unitName())))
                .hasMessageContaining("is not executable");
    }
}
