package io.packyard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The portable .tar.gz unpacks anywhere, even under a directory with spaces, and runs in place. */
@Tag("system")
class TarGzSystemTest {

    @Test
    void runsFromADirectoryWithASpace(@TempDir Path tmp) throws Exception {
        Path tgz = Builds.file(Builds.build("hello-cli", "examples/hello-cli", "--python", "host:3.11"), ".tar.gz");
        assertThat(tgz.getFileName().toString()).isEqualTo("hello-cli-1.0.0-linux-x86_64.tar.gz");
        Path dir = Files.createDirectories(tmp.resolve("my apps/with spaces"));
        Sh.run(Map.of(), dir, List.of("tar", "xzf", tgz.toString())).ok();
        Path hello = dir.resolve("hello-cli-1.0.0/bin/hello");
        assertThat(hello).isExecutable();
        Sh.Result r = Sh.runClean(Map.of("PATH", "/usr/bin:/bin"), hello.toString(), "--name", "tar ball").ok();
        assertThat(r.output()).contains("Hello, tar ball!").contains("Python 3.11.7");

        // moved elsewhere, through a symlink: still runs (relocatable launchers and interpreter)
        Path moved = tmp.resolve("elsewhere");
        Files.move(dir.resolve("hello-cli-1.0.0"), moved);
        Files.createSymbolicLink(tmp.resolve("hello-link"), moved.resolve("bin/hello"));
        assertThat(Sh.runClean(Map.of("PATH", "/usr/bin:/bin"), tmp.resolve("hello-link").toString()).ok().output())
                .contains("Hello, World!");
    }
}
