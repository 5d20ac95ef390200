package io.packyard.python.version;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SpecifierTest {

    /**
     * Operator semantics with pre-releases allowed (the bare comparison). Cases from PEP 440 and
     * packaging's test suite.
     */
    @ParameterizedTest(name = "{1} {0} -> {2}")
    @CsvSource(delimiter = '|', value = {
        // == and != exact, trailing zeros, local handling
        "2.0|==2|true", "2.0|==2.0|true", "2.0|==2.0.0|true", "2.0+deadbeef|==2|true",
        "2.0+deadbeef|==2.0+deadbeef|true", "2.0+DEADBEEF|==2.0+deadbeef|true", "2.0|==2.0+deadbeef|false",
        "2.0+other|==2.0+deadbeef|false", "2.0+deadbeef.0|==2.0+deadbeef|false", "2.1|==2.0|false",
        "2.0.post1|==2.0|false", "2.0a1|==2.0|false",
        "2.1|!=2|true", "2.0|!=2.0.0|false", "2.0+deadbeef|!=2|false", "2.0|!=2.0+deadbeef|true",
        // == and != with wildcards
        "2.0|==2.*|true", "2|==2.0.*|true", "2.0.0|==2.0.*|true", "2.0.1|==2.0.*|true", "2.1|==2.0.*|false",
        "2.0a1|==2.0.*|true", "2.0.dev1|==2.0.*|true", "2.0.post1|==2.0.*|true", "2.0+local|==2.0.*|true",
        "2.0.1.dev1|==2.0.*|true", "1!2.0|==2.0.*|false", "1!2.0|==1!2.*|true", "20.0|==2.*|false",
        "2.1|!=2.0.*|true", "2.0.5|!=2.0.*|false", "3.0|==3.0.0.0.*|true", "3.0.0.1|==3.0.0.0.*|false",
        // ~= (compatible release)
        "2.2|~=2.2|true", "2.3|~=2.2|true", "3.0|~=2.2|false", "2.1|~=2.2|false", "2.2.0|~=2.2.0|true",
        "2.2.9|~=2.2.0|true", "2.3|~=2.2.0|false", "2.2.post3|~=2.2.post3|true", "2.3|~=2.2.post3|true",
        "2.2|~=2.2.post3|false", "3.0|~=2.2.post3|false", "1.4.5a4|~=1.4.5a4|true", "1.4.5|~=1.4.5a4|true",
        "1.4.6|~=1.4.5a4|true", "1.5|~=1.4.5a4|false", "1.4.5a3|~=1.4.5a4|false", "2.2+local|~=2.2|true",
        "1!2.2|~=2.2|false", "1!2.2|~=1!2.2|true", "2.2.0.0.1|~=2.2.0|true",
        // <= and >= ignore the candidate's local label
        "2.0|<=2|true", "2.0+local|<=2.0|true", "2.0.post1|<=2.0|false", "2.0a1|<=2.0|true",
        "2.0|>=2|true", "2.0+local|>=2.0|true", "2.0.dev1|>=2.0|false", "1.9|>=2.0|false",
        // < : excludes pre-releases of V unless V is one
        "1.9|<2.0|true", "2.0|<2.0|false", "2.0a1|<2.0|false", "2.0.dev0|<2.0|false", "2.0rc1.post1|<2.0|false",
        "1.9a1|<2.0|true", "1.9.post1.dev1|<2.0|true", "2.0a1|<2.0b1|true", "2.0.dev1|<2.0b1|true",
        "2.0+local|<2.0|false", "1.9+local|<2.0|true",
        // < V.postN: pre-releases of V.postN (from V.postN.dev0) are excluded, earlier ones not
        "2.0a1|<2.0.post1|true", "2.0|<2.0.post1|true", "2.0.post1.dev0|<2.0.post1|false",
        "2.0.post0.dev1|<2.0.post1|true",
        // > : excludes post-releases and local versions of V unless V is a post-release
        "2.1|>2.0|true", "2.0|>2.0|false", "2.0.post1|>2.0|false", "2.0.post1.dev1|>2.0|false",
        "2.0+local|>2.0|false", "2.0.post1+local|>2.0|false", "2.0.1|>2.0|true", "2.1a1|>2.0|true",
        "2.0.post2|>2.0.post1|true", "2.0.post1|>2.0.post1|false", "2.0.post1+local|>2.0.post1|false",
        "1.0a2|>1.0a1|true", "1.0a1.post1|>1.0a1|false", "1.0a1+local|>1.0a1|false", "1.0a2+local|>1.0a1|true",
        "1.0b1.post1|>1.0a1|true",
        // === string identity of the normalized form, case-insensitive
        "1.0|===1.0|true", "1.0.0|===1.0|false", "1.0+local|===1.0|false", "1.0+Local|===1.0+LOCAL|true",
    })
    void matches(String version, String spec, boolean expected) {
        Specifier s = Specifier.parse(spec);
        Version v = Version.parse(version);
        assertThat(s.matches(v)).as("%s in %s", v, s).isEqualTo(expected);
        assertThat(s.contains(v, true)).isEqualTo(expected);
    }

    @Test
    void prereleasesExcludedUnlessNamed() {
        Version pre = Version.parse("2.1a1");
        assertThat(Specifier.parse(">=2.0").contains(pre)).isFalse();
        assertThat(Specifier.parse(">=2.0").contains(pre, true)).isTrue();
        assertThat(Specifier.parse(">=2.0a1").contains(pre)).isTrue();
        assertThat(Specifier.parse(">=2.0a1").contains(pre, false)).isFalse();
        // dev releases are pre-releases
        assertThat(Specifier.parse(">=2.0").contains(Version.parse("2.1.dev0"))).isFalse();
        // post releases and locals are not
        assertThat(Specifier.parse(">=2.0").contains(Version.parse("2.0.post1"))).isTrue();
        assertThat(Specifier.parse(">=2.0").contains(Version.parse("2.0+local"))).isTrue();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        ">=1.0a1|true", "<=1.0a1|true", "==1.0a1|true", "~=1.0a1|true", ">1.0a1|true", "<1.0a1|true",
        "===1.0a1|true", ">=1.0.dev1|true", "!=1.0a1|false", "==1.0.*|false", ">=1.0|false",
        "===foobar|false", ">=1.0.post1|false",
    })
    void explicitPrereleases(String spec, boolean expected) {
        assertThat(Specifier.parse(spec).allowsPrereleasesExplicitly()).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        ">=1.0|>=1.0", ">= 1.0|>=1.0", "  >=  1.0  |>=1.0", ">=v1.0ALPHA1|>=1.0a1", "==1.0.*|==1.0.*",
        "== 01.0.*|==1.0.*", "!=1.0-1|!=1.0.post1", "~=1.0.0|~=1.0.0", "===Foo|===Foo", "==1.0+ABC-1|==1.0+abc.1",
        "<1!2.0rc1|<1!2.0rc1",
    })
    void normalizedText(String input, String expected) {
        assertThat(Specifier.parse(input)).hasToString(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1.0", "=1.0", "=>1.0", "<>1.0", ">>1.0", "<==1.0", ">=", "==", "===",
        ">=1.0.*", "~=1.0.*", "<1.0.*", "==1.0a1.*", "==1.0+local.*", "==1.0.post1.*", "!=1.0.dev1.*",
        ">=1.0+local", "<1.0+local", "~=1.0+local", "~=1", "~=1!1", ">=1.0 foo", "== 1.0 .*", "==1. *",
        "===foo bar", "===a;b", "===a)", ">=1.0.x", "==1.0+-abc"})
    void rejectsInvalid(String input) {
        assertThatThrownBy(() -> Specifier.parse(input))
                .isInstanceOf(InvalidSpecifierException.class)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("invalid version specifier '");
        assertThat(Specifier.tryParse(input)).isEmpty();
    }

    @Test
    void accessors() {
        Specifier s = Specifier.parse("== 1.2.*");
        assertThat(s.operator()).isEqualTo(Specifier.Operator.EQUAL);
        assertThat(s.operator().symbol()).isEqualTo("==");
        assertThat(s.isWildcard()).isTrue();
        assertThat(s.version()).contains(Version.parse("1.2"));
        assertThat(s.versionText()).isEqualTo("1.2.*");
        assertThat(Specifier.parse("===abc").version()).isEmpty();
        assertThat(Specifier.Operator.fromSymbol("~=")).contains(Specifier.Operator.COMPATIBLE);
        assertThat(Specifier.Operator.fromSymbol("=")).isEmpty();
    }

    @Test
    void equalityIsCanonical() {
        assertThat(Specifier.parse("==1.2.3")).isEqualTo(Specifier.parse("== 1.2.3.0"))
                .hasSameHashCodeAs(Specifier.parse("== 1.2.3.0"));
        assertThat(Specifier.parse("==1.2.3")).isNotEqualTo(Specifier.parse("==1.2.4"));
        assertThat(Specifier.parse("==1.2.3")).isNotEqualTo(Specifier.parse("~=1.2.3"));
        // ~= keeps trailing zeros significant: ~=1.0 and ~=1.0.0 are different ranges
        assertThat(Specifier.parse("~=1.0")).isNotEqualTo(Specifier.parse("~=1.0.0"));
        assertThat(Specifier.parse("==1.0.*")).isNotEqualTo(Specifier.parse("==1.0"));
    }
}
