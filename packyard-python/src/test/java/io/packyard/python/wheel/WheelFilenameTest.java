package io.packyard.python.wheel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.packyard.python.PackyardException;
import io.packyard.python.tags.Tag;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class WheelFilenameTest {

    @Test
    void parsesNameVersionAndExpandedTags() {
        WheelFilename w = WheelFilename.parse("Foo_Bar-1.0.post1-py2.py3-none-any.whl");
        assertThat(w.name()).isEqualTo("Foo_Bar");
        assertThat(w.normalizedName()).isEqualTo("foo-bar");
        assertThat(w.version()).isEqualTo("1.0.post1");
        assertThat(w.buildTag()).isEmpty();
        assertThat(w.tags()).containsExactly(new Tag("py2", "none", "any"), new Tag("py3", "none", "any"));
        assertThat(w.filename()).isEqualTo("Foo_Bar-1.0.post1-py2.py3-none-any.whl");
        assertThat(WheelFilename.parse("foo-1.0_1-py3-none-any.whl").parsedVersion().toString()).isEqualTo("1.0.post1");
    }

    @Test
    void parsesBuildTagAndCompressedPlatformTags() {
        WheelFilename w = WheelFilename.parse(
                "numpy-2.1.0-12abc-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl");
        assertThat(w.buildTag()).contains("12abc");
        assertThat(w.buildNumber()).hasValueSatisfying(n -> assertThat(n.intValue()).isEqualTo(12));
        assertThat(w.tags()).hasSize(2).contains(new Tag("cp312", "cp312", "manylinux2014_x86_64"));
    }

    @Test
    void refusesInvalidNames() {
        for (String bad : List.of(
                "foo-1.0-py3-none-any.zip",
                "foo-1.0-none-any.whl",
                "foo-bar-1.0-1-py3-none-any.whl-x",
                "foo-bar-baz-1.0-1-py3-none-any.whl",
                "foo-1.0-x1-py3-none-any.whl",
                "foo--1.0-py3-none-any.whl",
                "foo-1.0-py3-none-.whl",
                "foo-1.0-py3..x-none-any.whl",
                "fo__o-1.0-py3-none-any.whl",
                "foo-1.0/..-py3-none-any.whl",
                "foo-1.0.x-py3-none-any.whl")) {
            assertThatThrownBy(() -> WheelFilename.parse(bad))
                    .as(bad)
                    .isInstanceOf(PackyardException.class)
                    .hasMessageStartingWith("wheel " + bad + ": invalid wheel file name: ");
        }
    }

    @Test
    void buildTagsSortAsPipDoes() {
        List<Optional<String>> tags = new ArrayList<>(List.of(
                Optional.of("10"), Optional.of("2b"), Optional.empty(), Optional.of("2"), Optional.of("2a"),
                Optional.of("100000000000000000000")));
        tags.sort(WheelFilename.BUILD_TAG_ORDER);
        assertThat(tags).containsExactly(Optional.empty(), Optional.of("2"), Optional.of("2a"), Optional.of("2b"),
                Optional.of("10"), Optional.of("100000000000000000000"));

        List<WheelFilename> files = new ArrayList<>(List.of(
                WheelFilename.parse("a-1.0-9-py3-none-any.whl"), WheelFilename.parse("a-1.0-py3-none-any.whl"),
                WheelFilename.parse("a-1.0-10-py3-none-any.whl")));
        files.sort(Comparator.comparing(WheelFilename::buildTag, WheelFilename.BUILD_TAG_ORDER));
        assertThat(files).extracting(WheelFilename::filename).containsExactly(
                "a-1.0-py3-none-any.whl", "a-1.0-9-py3-none-any.whl", "a-1.0-10-py3-none-any.whl");
    }
}
