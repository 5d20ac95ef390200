package io.packyard.python.tags;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SupportedTagsTest {

    private static Tag tag(String s) {
        Set<Tag> set = Tag.parseSet(s);
        assertThat(set).hasSize(1);
        return set.iterator().next();
    }

    private static final List<String> LINUX_X64 = Platforms.manylinux("x86_64", 2, 17);
    private static final SupportedTags CP312_LINUX = SupportedTags.cpython(3, 12, LINUX_X64);

    @Test
    void manylinuxPlatformsForX86_64() {
        assertThat(LINUX_X64).containsExactly(
                "manylinux_2_17_x86_64", "manylinux2014_x86_64",
                "manylinux_2_16_x86_64", "manylinux_2_15_x86_64", "manylinux_2_14_x86_64",
                "manylinux_2_13_x86_64", "manylinux_2_12_x86_64", "manylinux2010_x86_64",
                "manylinux_2_11_x86_64", "manylinux_2_10_x86_64", "manylinux_2_9_x86_64",
                "manylinux_2_8_x86_64", "manylinux_2_7_x86_64", "manylinux_2_6_x86_64",
                "manylinux_2_5_x86_64", "manylinux1_x86_64",
                "linux_x86_64");
    }

    @Test
    void manylinuxFromANewerGlibc() {
        List<String> p = Platforms.manylinux("x86_64", 2, 28);
        assertThat(p.get(0)).isEqualTo("manylinux_2_28_x86_64");
        assertThat(p).containsSubsequence("manylinux_2_28_x86_64", "manylinux_2_27_x86_64", "manylinux_2_18_x86_64",
                "manylinux_2_17_x86_64", "manylinux2014_x86_64", "manylinux_2_16_x86_64");
        assertThat(p).hasSize(28 - 5 + 1 + 3 + 1);
        assertThat(p.get(p.size() - 1)).isEqualTo("linux_x86_64");
    }

    @Test
    void manylinuxForOtherArchitecturesStartsAt2_17() {
        assertThat(Platforms.manylinux("aarch64", 2, 17))
                .containsExactly("manylinux_2_17_aarch64", "manylinux2014_aarch64", "linux_aarch64");
        assertThat(Platforms.manylinux("aarch64", 2, 28)).contains("manylinux_2_28_aarch64", "manylinux2014_aarch64")
                .doesNotContain("manylinux_2_16_aarch64", "manylinux2010_aarch64", "manylinux1_aarch64");
        for (String arch : List.of("ppc64le", "s390x", "armv7l")) {
            assertThat(Platforms.manylinux(arch, 2, 17))
                    .containsExactly("manylinux_2_17_" + arch, "manylinux2014_" + arch, "linux_" + arch);
        }
        assertThat(Platforms.manylinux("i686", 2, 12)).containsSubsequence("manylinux_2_12_i686",
                "manylinux2010_i686", "manylinux_2_5_i686", "manylinux1_i686", "linux_i686");
        // a glibc older than any manylinux: only the plain linux tag
        assertThat(Platforms.manylinux("aarch64", 2, 12)).containsExactly("linux_aarch64");
        assertThatThrownBy(() -> Platforms.manylinux("x86_64", 3, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Platforms.manylinux("x86-64", 2, 17)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void musllinux() {
        assertThat(Platforms.musllinux("x86_64", 1, 2))
                .containsExactly("musllinux_1_2_x86_64", "musllinux_1_1_x86_64", "musllinux_1_0_x86_64", "linux_x86_64");
    }

    @Test
    void windowsPlatforms() {
        assertThat(Platforms.windows("AMD64")).containsExactly("win_amd64");
        assertThat(Platforms.windows("ARM64")).containsExactly("win_arm64");
        assertThat(Platforms.windows("x86")).containsExactly("win32");
        assertThat(Platforms.windows("amd64")).containsExactly("win_amd64");
        assertThatThrownBy(() -> Platforms.windows("sparc")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void cp312LinuxFirstEntries() {
        List<String> first = CP312_LINUX.tags().stream().limit(4).map(Tag::toString).toList();
        assertThat(first).containsExactly(
                "cp312-cp312-manylinux_2_17_x86_64", "cp312-cp312-manylinux2014_x86_64",
                "cp312-cp312-manylinux_2_16_x86_64", "cp312-cp312-manylinux_2_15_x86_64");
        int n = LINUX_X64.size();
        assertThat(CP312_LINUX.tags().get(n - 1)).hasToString("cp312-cp312-linux_x86_64");
        assertThat(CP312_LINUX.tags().get(n)).hasToString("cp312-abi3-manylinux_2_17_x86_64");
        assertThat(CP312_LINUX.tags().get(2 * n)).hasToString("cp312-none-manylinux_2_17_x86_64");
        assertThat(CP312_LINUX.tags().get(3 * n)).hasToString("cp311-abi3-manylinux_2_17_x86_64");
        assertThat(CP312_LINUX.rank(tag("cp312-cp312-manylinux_2_17_x86_64"))).hasValue(0);
    }

    @Test
    void cp312LinuxRelativeOrder() {
        String[] expectedOrder = {
            "cp312-cp312-manylinux_2_17_x86_64",
            "cp312-cp312-manylinux1_x86_64",
            "cp312-cp312-linux_x86_64",
            "cp312-abi3-manylinux2014_x86_64",
            "cp312-abi3-linux_x86_64",
            "cp312-none-manylinux_2_17_x86_64",
            "cp312-none-linux_x86_64",
            "cp311-abi3-manylinux_2_17_x86_64",
            "cp311-abi3-linux_x86_64",
            "cp310-abi3-manylinux_2_17_x86_64",
            "cp32-abi3-linux_x86_64",
            "py312-none-manylinux_2_17_x86_64",
            "py312-none-linux_x86_64",
            "py3-none-manylinux_2_17_x86_64",
            "py3-none-linux_x86_64",
            "py311-none-manylinux_2_17_x86_64",
            "py30-none-linux_x86_64",
            "cp312-none-any",
            "py312-none-any",
            "py3-none-any",
            "py311-none-any",
            "py30-none-any",
        };
        int previous = -1;
        for (String t : expectedOrder) {
            int r = CP312_LINUX.rank(tag(t)).orElseThrow(() -> new AssertionError("missing " + t));
            assertThat(r).as("rank of %s", t).isGreaterThan(previous);
            previous = r;
        }
        assertThat(CP312_LINUX.tags().get(CP312_LINUX.tags().size() - 1)).hasToString("py30-none-any");
        // the size: 3 ABI rows + 10 older abi3 rows + 14 py rows per platform, then 1 + 14 any tags
        int n = LINUX_X64.size();
        assertThat(CP312_LINUX.tags()).hasSize(n * (3 + 10 + 14) + 1 + 14).doesNotHaveDuplicates();
    }

    @Test
    void incompatibleTags() {
        for (String t : List.of("cp311-cp311-manylinux_2_17_x86_64", "cp313-cp313-manylinux_2_17_x86_64",
                "cp313-abi3-manylinux_2_17_x86_64", "cp312-cp312-win_amd64", "cp312-cp312-manylinux_2_17_aarch64",
                "cp312-cp312-manylinux_2_28_x86_64", "py2-none-any", "pp310-pypy310_pp73-manylinux_2_17_x86_64",
                "cp312-cp312-musllinux_1_1_x86_64", "cp312-abi3-any")) {
            assertThat(CP312_LINUX.rank(tag(t))).as(t).isEmpty();
        }
    }

    @Test
    void bestRankOfACompressedTagSet() {
        assertThat(CP312_LINUX.bestRank(Tag.parseSet("py2.py3-none-any")))
                .isEqualTo(CP312_LINUX.rank(tag("py3-none-any")));
        assertThat(CP312_LINUX.isCompatible(Tag.parseSet("py2.py3-none-any"))).isTrue();
        Set<Tag> numpy = Tag.parseSet("cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64");
        assertThat(CP312_LINUX.bestRank(numpy)).hasValue(0);
        assertThat(CP312_LINUX.isCompatible(Tag.parseSet("cp312-cp312-win_amd64"))).isFalse();
        assertThat(CP312_LINUX.bestRank(Tag.parseSet("cp312-cp312-win_amd64"))).isEmpty();
        // a binary wheel beats a pure one, abi3 beats none-platform, older abi3 beats py3
        assertThat(CP312_LINUX.bestRank(Tag.parseSet("cp38-abi3-manylinux2014_x86_64")).getAsInt())
                .isLessThan(CP312_LINUX.bestRank(Tag.parseSet("py3-none-manylinux2014_x86_64")).getAsInt());
        assertThat(CP312_LINUX.bestRank(Tag.parseSet("py3-none-manylinux1_x86_64")).getAsInt())
                .isLessThan(CP312_LINUX.bestRank(Tag.parseSet("cp312-none-any")).getAsInt());
    }

    @Test
    void windowsTarget() {
        SupportedTags win = SupportedTags.cpython(3, 12, Platforms.windows("AMD64"));
        assertThat(win.tags().stream().limit(5).map(Tag::toString)).containsExactly(
                "cp312-cp312-win_amd64", "cp312-abi3-win_amd64", "cp312-none-win_amd64",
                "cp311-abi3-win_amd64", "cp310-abi3-win_amd64");
        assertThat(win.isCompatible(Tag.parseSet("cp312-cp312-win_amd64"))).isTrue();
        assertThat(win.isCompatible(Tag.parseSet("cp312-cp312-win32"))).isFalse();
        assertThat(win.isCompatible(Tag.parseSet("py3-none-any"))).isTrue();
    }

    @Test
    void olderAndFreeThreadedInterpreters() {
        SupportedTags cp37 = SupportedTags.cpython(3, 7, List.of("linux_x86_64"));
        assertThat(cp37.tags().get(0)).hasToString("cp37-cp37m-linux_x86_64");
        assertThat(cp37.contains(tag("cp37-cp37-linux_x86_64"))).isFalse();

        SupportedTags ft = SupportedTags.cpython(3, 13, List.of("win_amd64"), true);
        assertThat(ft.tags().stream().limit(4).map(Tag::toString)).containsExactly(
                "cp313-cp313t-win_amd64", "cp313-abi3t-win_amd64", "cp313-none-win_amd64", "cp312-abi3t-win_amd64");
        assertThat(ft.contains(tag("cp313-cp313-win_amd64"))).isFalse();
        assertThat(ft.contains(tag("cp313-abi3-win_amd64"))).isFalse();
        assertThat(ft.contains(tag("py3-none-any"))).isTrue();
        assertThatThrownBy(() -> SupportedTags.cpython(3, 12, List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void explicitList() {
        SupportedTags s = SupportedTags.of(List.of(tag("py3-none-any"), tag("py2-none-any"), tag("py3-none-any")));
        assertThat(s.tags()).hasSize(2);
        assertThat(s.rank(tag("py2-none-any"))).hasValue(1);
    }
}
