package io.packyard.python.version;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SpecifierSetTest {

    private static List<Version> versions(String... v) {
        return Arrays.stream(v).map(Version::parse).toList();
    }

    private static List<String> filter(String spec, boolean pre, String... v) {
        return SpecifierSet.parse(spec).filter(versions(v), pre).stream().map(Version::toString).toList();
    }

    @Test
    void emptyIsAny() {
        assertThat(SpecifierSet.parse("")).isSameAs(SpecifierSet.ANY);
        assertThat(SpecifierSet.parse("  ")).isSameAs(SpecifierSet.ANY);
        assertThat(SpecifierSet.parse(",")).isSameAs(SpecifierSet.ANY);
        assertThat(SpecifierSet.ANY.isEmpty()).isTrue();
        assertThat(SpecifierSet.ANY).hasToString("");
        assertThat(SpecifierSet.ANY.contains(Version.parse("0.0.1"))).isTrue();
        assertThat(SpecifierSet.ANY.contains(Version.parse("1!99.0.post3+x"))).isTrue();
        assertThat(SpecifierSet.ANY.contains(Version.parse("1.0a1"))).isFalse();
        assertThat(SpecifierSet.ANY.contains(Version.parse("1.0a1"), true)).isTrue();
    }

    @Test
    void allClausesMustMatch() {
        SpecifierSet s = SpecifierSet.parse(">=1.0, !=1.3.4, <2.0");
        assertThat(s.contains(Version.parse("1.0"))).isTrue();
        assertThat(s.contains(Version.parse("1.3.3"))).isTrue();
        assertThat(s.contains(Version.parse("1.3.4"))).isFalse();
        assertThat(s.contains(Version.parse("1.3.4+local"))).isFalse();
        assertThat(s.contains(Version.parse("2.0"))).isFalse();
        assertThat(s.contains(Version.parse("0.9"))).isFalse();
        assertThat(s.specifiers()).hasSize(3);
        assertThat(s.isEmpty()).isFalse();
    }

    @Test
    void emptyPartsAreIgnored() {
        assertThat(SpecifierSet.parse(">=1.0,,<2,")).isEqualTo(SpecifierSet.parse(">=1.0,<2"));
    }

    @Test
    void toStringIsSortedNormalized() {
        assertThat(SpecifierSet.parse(">=1.0.0, !=1.0.1")).hasToString("!=1.0.1,>=1.0.0");
        assertThat(SpecifierSet.parse("< 2 , >= 1.0RC1")).hasToString("<2,>=1.0rc1");
        // duplicates collapse, also when equal only canonically
        assertThat(SpecifierSet.parse(">=1.0,>=1.0.0").specifiers()).hasSize(1);
        // round trip
        SpecifierSet s = SpecifierSet.parse("~=1.4.2, ==1.4.*, !=1.4.5");
        assertThat(SpecifierSet.parse(s.toString())).isEqualTo(s);
    }

    @Test
    void equalityIgnoresOrder() {
        assertThat(SpecifierSet.parse(">=1,<2")).isEqualTo(SpecifierSet.parse("<2,>=1"))
                .hasSameHashCodeAs(SpecifierSet.parse("<2,>=1"));
        assertThat(SpecifierSet.parse(">=1,<2")).isNotEqualTo(SpecifierSet.parse(">=1"));
    }

    @Test
    void intersection() {
        SpecifierSet a = SpecifierSet.parse(">=1.0.0,!=1.0.1");
        SpecifierSet b = SpecifierSet.parse("<=2.0.0,!=2.0.1");
        SpecifierSet both = a.and(b);
        assertThat(both).hasToString("!=1.0.1,!=2.0.1,<=2.0.0,>=1.0.0");
        assertThat(both.contains(Version.parse("1.5"))).isTrue();
        assertThat(both.contains(Version.parse("2.0.1"))).isFalse();
        assertThat(both.contains(Version.parse("1.0.1"))).isFalse();
        assertThat(a.and(SpecifierSet.ANY)).isSameAs(a);
        assertThat(SpecifierSet.ANY.and(b)).isSameAs(b);
        assertThat(a.and(a)).isEqualTo(a);
    }

    @Test
    void invalidClauseFailsTheWholeSet() {
        assertThatThrownBy(() -> SpecifierSet.parse(">=1.0, foo"))
                .isInstanceOf(InvalidSpecifierException.class)
                .hasMessage("invalid version specifier '>=1.0, foo': 'foo': must start with an operator "
                        + "(~=, ==, !=, <=, >=, <, >, ===)");
        assertThatThrownBy(() -> SpecifierSet.parse(">=1.0 <2")).isInstanceOf(InvalidSpecifierException.class);
        assertThatThrownBy(() -> SpecifierSet.parse(">=3.6.*")).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest(name = "{0} explicit={1}")
    @CsvSource(delimiter = '|', value = {
        ">=1.0|false", ">=1.0,<2.0a1|true", "!=2.0a1|false", ">=1.0,!=2.0b1|false", "==2.0rc1|true", "''|false",
    })
    void explicitPrereleases(String spec, boolean explicit) {
        assertThat(SpecifierSet.parse(spec).allowsPrereleasesExplicitly()).isEqualTo(explicit);
    }

    @Test
    void containsWithPrereleasesNamed() {
        SpecifierSet s = SpecifierSet.parse(">=1.0,<2.0a1");
        assertThat(s.contains(Version.parse("1.5a1"))).isTrue();
        assertThat(s.contains(Version.parse("1.5a1"), false)).isFalse();
        assertThat(s.contains(Version.parse("2.0a1"))).isFalse();
        SpecifierSet t = SpecifierSet.parse(">=1.0");
        assertThat(t.contains(Version.parse("1.5a1"))).isFalse();
        assertThat(t.contains(Version.parse("1.5a1"), true)).isTrue();
    }

    @Test
    void filterPrefersFinalReleases() {
        // packaging's doctests
        assertThat(filter(">=1.2.3", false, "1.2", "1.3", "1.5a1")).containsExactly("1.3");
        assertThat(filter(">=1.2.3", false, "1.2", "1.5a1")).containsExactly("1.5a1");
        assertThat(filter(">=1.2.3", true, "1.3", "1.5a1")).containsExactly("1.3", "1.5a1");
        assertThat(filter("", false, "1.3", "1.5a1")).containsExactly("1.3");
        assertThat(filter("", false, "1.5a1")).containsExactly("1.5a1");
        assertThat(filter("", true, "1.3", "1.5a1")).containsExactly("1.3", "1.5a1");
        // post releases count as final releases
        assertThat(filter(">=1.0", false, "1.0.post1", "1.1a1")).containsExactly("1.0.post1");
        // nothing matches at all
        assertThat(filter(">=3", false, "1.0", "2.0a1")).isEmpty();
        // a clause naming a pre-release lets every matching pre-release through
        assertThat(filter(">=1.0b1", false, "0.9", "1.0b1", "1.0", "1.1a1")).containsExactly("1.0b1", "1.0", "1.1a1");
        // the fallback is decided for the whole set: 2.0a1 only matches when no final does
        assertThat(filter(">=1.0,<3", false, "0.5", "2.0a1", "3.0")).containsExactly("2.0a1");
        assertThat(filter(">=1.0,<3", false, "0.5", "1.1", "2.0a1", "3.0")).containsExactly("1.1");
    }

    @Test
    void filterKeepsOrderAndUsesKey() {
        record File(String name, String version) {}
        List<File> files = List.of(new File("c", "2.0"), new File("a", "1.0"), new File("b", "3.0b1"),
                new File("d", "1.5"));
        Function<File, Version> key = f -> Version.parse(f.version());
        assertThat(SpecifierSet.parse("<2.0").filter(files, key, false)).extracting(File::name)
                .containsExactly("a", "d");
        assertThat(SpecifierSet.parse(">=2.0").filter(files, key, false)).extracting(File::name)
                .containsExactly("c");
        assertThat(SpecifierSet.parse(">=2.0").filter(files, key, true)).extracting(File::name)
                .containsExactly("c", "b");
        assertThat(SpecifierSet.parse(">=2.5").filter(files, key, false)).extracting(File::name)
                .containsExactly("b");
    }

    @Test
    void requiresPythonStyleChecks() {
        SpecifierSet rp = SpecifierSet.parse(">=3.8, !=3.9.*");
        assertThat(rp.contains(Version.parse("3.12.1"))).isTrue();
        assertThat(rp.contains(Version.parse("3.9.18"))).isFalse();
        assertThat(rp.contains(Version.parse("3.7.17"))).isFalse();
        // a CPython release candidate is a pre-release: checks against the target's version
        // therefore pass allowPrereleases=true, as pip does for Requires-Python
        assertThat(rp.contains(Version.parse("3.13.0rc1"), true)).isTrue();
    }
}
