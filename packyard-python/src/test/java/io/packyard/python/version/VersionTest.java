package io.packyard.python.version;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class VersionTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        // case, leading v, surrounding whitespace
        "1.0|1.0", "V1.0|1.0", "v1.0|1.0", "' 1.0\t'|1.0", "1.0RC1|1.0rc1",
        // pre-release spellings and separators
        "1.0a1|1.0a1", "1.0alpha1|1.0a1", "1.0-alpha-1|1.0a1", "1.0.alpha.1|1.0a1", "1.0_a_1|1.0a1",
        "1.0-a.1|1.0a1", "1.0b2|1.0b2", "1.0beta2|1.0b2", "1.0c1|1.0rc1", "1.0pre1|1.0rc1",
        "1.0preview1|1.0rc1", "1.0-rc1|1.0rc1", "1.0rc|1.0rc0", "1.0a|1.0a0", "1.0c|1.0rc0",
        // post releases, incl. implicit
        "1.0.post1|1.0.post1", "1.0post1|1.0.post1", "1.0-post1|1.0.post1", "1.0-post.1|1.0.post1",
        "1.0-1|1.0.post1", "1.0.1-1|1.0.1.post1", "1.0r1|1.0.post1", "1.0rev1|1.0.post1",
        "1.0.post|1.0.post0", "1.0-r|1.0.post0",
        // dev releases
        "1.0.dev1|1.0.dev1", "1.0dev1|1.0.dev1", "1.0-dev1|1.0.dev1", "1.0-dev.1|1.0.dev1",
        "1.0.dev|1.0.dev0",
        // combinations
        "1.0a1.dev1|1.0a1.dev1", "1.0a1.post2.dev3|1.0a1.post2.dev3", "1.0B2-POST345-DEV456|1.0b2.post345.dev456",
        // epochs, leading zeros, long releases
        "1!1.0|1!1.0", "0!1.0|1.0", "00.01|0.1", "1.0.0.0.0|1.0.0.0.0", "2!0.1|2!0.1",
        // local labels
        "1.0+abc|1.0+abc", "1.0+ABC-1_2.3|1.0+abc.1.2.3", "1.0+01|1.0+1", "1.0+abc.01|1.0+abc.1",
        "1.0+ubuntu-1|1.0+ubuntu.1", "7.1.0-beta.4+ba18d4f|7.1.0b4+ba18d4f", "1!1.0+abc|1!1.0+abc",
    })
    void normalizes(String input, String normalized) {
        assertThat(Version.parse(input)).hasToString(normalized);
        // normalization is idempotent
        assertThat(Version.parse(normalized)).hasToString(normalized);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "abc", "1.0.x", "1.0-", "1..0", ".1.0", "1.0a1a2", "1.0.post1.post2",
        "1.0-1-1", "1.0.dev1.dev2", "1.0 a1", "1.0+", "1.0+_abc", "1.0+abc_", "1.0+abc..def", "v", "1.0-+local",
        "1!", "!1.0", "1.0.*", "French toast", "1.0+ä", "١.٠"})
    void rejectsInvalid(String input) {
        assertThatThrownBy(() -> Version.parse(input))
                .isInstanceOf(InvalidVersionException.class)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("invalid version '" + input + "': ");
        assertThat(Version.tryParse(input)).isEmpty();
        assertThat(Version.isValid(input)).isFalse();
    }

    @Test
    void messageNamesTheInput() {
        assertThatThrownBy(() -> Version.parse("1.0.x")).hasMessageStartingWith("invalid version '1.0.x': ");
    }

    @Test
    void tooLargeNumbersAreInvalidNotCrashes() {
        assertThatThrownBy(() -> Version.parse("1.99999999999999999999999"))
                .isInstanceOf(InvalidVersionException.class)
                .hasMessageContaining("too large");
        // but local segments are strings and may be any size
        assertThat(Version.parse("1.0+99999999999999999999999")).hasToString("1.0+99999999999999999999999");
    }

    @Test
    void accessors() {
        Version v = Version.parse("2!1.2.3rc4.post5.dev6+Ubuntu-7");
        assertThat(v.epoch()).isEqualTo(2);
        assertThat(v.release()).containsExactly(1L, 2L, 3L);
        assertThat(v.major()).isEqualTo(1);
        assertThat(v.minor()).isEqualTo(2);
        assertThat(v.micro()).isEqualTo(3);
        assertThat(v.pre()).contains(new Version.Pre("rc", 4));
        assertThat(v.post()).hasValue(5);
        assertThat(v.dev()).hasValue(6);
        assertThat(v.local()).contains("ubuntu.7");
        assertThat(v.isPrerelease()).isTrue();
        assertThat(v.isPostrelease()).isTrue();
        assertThat(v.isDevrelease()).isTrue();
        assertThat(v.publicVersion()).hasToString("2!1.2.3rc4.post5.dev6");
        assertThat(v.baseVersion()).hasToString("2!1.2.3");

        Version plain = Version.parse("1.0");
        assertThat(plain.pre()).isEmpty();
        assertThat(plain.post()).isEmpty();
        assertThat(plain.dev()).isEmpty();
        assertThat(plain.local()).isEmpty();
        assertThat(plain.isPrerelease()).isFalse();
        assertThat(plain.isPostrelease()).isFalse();
        assertThat(plain.micro()).isZero();
    }

    @Test
    void prereleaseFlags() {
        assertThat(Version.parse("1.0.dev1").isPrerelease()).isTrue();
        assertThat(Version.parse("1.0.dev1").isDevrelease()).isTrue();
        assertThat(Version.parse("1.0a1").isPrerelease()).isTrue();
        assertThat(Version.parse("1.0a1").isDevrelease()).isFalse();
        assertThat(Version.parse("1.0.post1").isPrerelease()).isFalse();
        assertThat(Version.parse("1.0.post1.dev1").isPrerelease()).isTrue();
        assertThat(Version.parse("1.0+local").isPrerelease()).isFalse();
    }

    @Test
    void trailingZerosAreEqualAndHashAlike() {
        Version a = Version.parse("1.0");
        Version b = Version.parse("1.0.0");
        Version c = Version.parse("1");
        assertThat(a).isEqualTo(b).isEqualTo(c).hasSameHashCodeAs(b).hasSameHashCodeAs(c);
        assertThat(a.compareTo(b)).isZero();
        assertThat(a.sameText(b)).isFalse();
        assertThat(a).hasToString("1.0");
        assertThat(b).hasToString("1.0.0");
        assertThat(Version.parse("1.0+ABC")).isEqualTo(Version.parse("1.0.0+abc"));
        assertThat(Version.parse("1.0+01")).isEqualTo(Version.parse("1.0+1"));
        assertThat(Version.parse("1.0")).isNotEqualTo(Version.parse("1.0+0"));
        assertThat(Version.parse("1.0.post0")).isNotEqualTo(Version.parse("1.0"));
        assertThat(Version.parse("0!1.0")).isEqualTo(Version.parse("1.0"));
    }

    /** The ordering examples of PEP 440 and packaging's test suite, in ascending order. */
    static final List<String> SORTED = List.of(
            "1.0.dev456", "1.0a1", "1.0a2.dev456", "1.0a12.dev456", "1.0a12",
            "1.0b1.dev456", "1.0b2", "1.0b2.post345.dev456", "1.0b2.post345", "1.0b2-346",
            "1.0c1.dev456", "1.0c1", "1.0rc2", "1.0c3", "1.0",
            "1.0.post456.dev34", "1.0.post456", "1.1.dev1",
            "1.2+123abc", "1.2+123abc456", "1.2+abc", "1.2+abc123", "1.2+abc123def", "1.2+1234.abc",
            "1.2+123456",
            "1.2.r32+123456", "1.2.rev33+123456",
            "1!1.0.dev456", "1!1.0a1", "1!1.0a2.dev456", "1!1.0a12.dev456", "1!1.0a12",
            "1!1.0b1.dev456", "1!1.0b2", "1!1.0b2.post345.dev456", "1!1.0b2.post345",
            "1!1.0b2-346", "1!1.0c1.dev456", "1!1.0c1", "1!1.0rc2", "1!1.0c3", "1!1.0",
            "1!1.0.post456.dev34", "1!1.0.post456", "1!1.1.dev1",
            "1!1.2+123abc", "1!1.2+123abc456", "1!1.2+abc", "1!1.2+abc123", "1!1.2+abc123def",
            "1!1.2+1234.abc", "1!1.2+123456",
            "1!1.2.r32+123456", "1!1.2.rev33+123456");

    @Test
    void ordersTheSpecificationExamples() {
        List<Version> expected = SORTED.stream().map(Version::parse).toList();
        for (long seed = 1; seed <= 5; seed++) {
            List<Version> shuffled = new ArrayList<>(expected);
            Collections.shuffle(shuffled, new Random(seed));
            Collections.sort(shuffled);
            assertThat(shuffled).containsExactlyElementsOf(expected);
        }
        // strict: no two neighbours compare equal
        for (int i = 1; i < expected.size(); i++) {
            assertThat(expected.get(i - 1)).as("%s < %s", SORTED.get(i - 1), SORTED.get(i))
                    .isLessThan(expected.get(i));
        }
    }

    @Test
    void devOfPostAndPreOrdering() {
        assertOrder("1.0.dev0", "1.0a0", "1.0a1.dev1", "1.0a1", "1.0a1.post1.dev1", "1.0a1.post1", "1.0b0",
                "1.0rc0", "1.0", "1.0+0", "1.0.post0.dev0", "1.0.post0", "1.0.post1", "1.0.0.1.dev0", "1.0.0.1");
    }

    @Test
    void localVersionOrdering() {
        // no local < any local; strings < numbers; numbers numerically; shorter prefix first
        assertOrder("1.0", "1.0+a", "1.0+abc", "1.0+abc.def", "1.0+abc.1", "1.0+abc.5", "1.0+abc.10",
                "1.0+abc.10.a", "1.0+zzz", "1.0+1", "1.0+1.a", "1.0+1.1", "1.0+9", "1.0+10",
                "1.0+99999999999999999999999", "1.0+100000000000000000000000", "1.0.post0");
    }

    @Test
    void epochDominates() {
        assertOrder("2013.10", "2014.04", "1!1.0", "1!2.0", "2!0.1");
    }

    @Test
    void releaseSegmentsCompareNumericallyZeroPadded() {
        assertOrder("0.9", "0.10", "1", "1.0.0.1", "1.1", "1.10", "2");
        assertThat(Version.parse("1.0.0.0").compareTo(Version.parse("1"))).isZero();
    }

    @Test
    void derivedVersions() {
        assertThat(Version.parse("1.0+local").publicVersion()).hasToString("1.0");
        assertThat(Version.parse("1.0").publicVersion()).isEqualTo(Version.parse("1.0"));
        assertThat(Version.parse("1.0a1.post2.dev3+x").baseVersion()).hasToString("1.0");
        assertThat(Version.parse("1!2.0.0rc1").baseVersion()).hasToString("1!2.0.0");
        assertThat(Version.of(3, 12, 1)).hasToString("3.12.1");
    }

    private static void assertOrder(String... ascending) {
        for (int i = 1; i < ascending.length; i++) {
            Version a = Version.parse(ascending[i - 1]);
            Version b = Version.parse(ascending[i]);
            assertThat(a).as("%s < %s", a, b).isLessThan(b);
            assertThat(b).as("%s > %s", b, a).isGreaterThan(a);
            assertThat(a).isNotEqualTo(b);
        }
    }
}
