package io.packyard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Two builds with the same inputs and SOURCE_DATE_EPOCH give byte-identical packages. */
@Tag("system")
class ReproducibleSystemTest {

    @Test
    void sameInputsSameBytes() throws Exception {
        Path first = Builds.build("hello-cli", "examples/hello-cli", "--python", "host:3.11");
        Path second = Builds.build("hello-cli-again", "examples/hello-cli", "--python", "host:3.11");
        for (String suffix : new String[] {".deb", ".rpm", ".tar.gz"}) {
            Path a = Builds.file(first, suffix);
            Path b = Builds.file(second, suffix);
            assertThat(a.getFileName()).isEqualTo(b.getFileName());
            assertThat(Files.mismatch(a, b)).as(a.getFileName() + " differs between two builds").isEqualTo(-1L);
        }
    }
}
