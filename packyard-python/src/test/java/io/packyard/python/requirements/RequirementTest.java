package io.packyard.python.requirements;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.packyard.python.markers.Marker;
import io.packyard.python.markers.MarkerEnvironment;
import io.packyard.python.version.SpecifierSet;
import io.packyard.python.version.Version;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RequirementTest {

    @Test
    void nameOnly() {
        Requirement r = Requirement.parse("requests");
        assertThat(r.name()).isEqualTo("requests");
        assertThat(r.normalizedName()).isEqualTo("requests");
        assertThat(r.extras()).isEmpty();
        assertThat(r.specifier()).isEqualTo(SpecifierSet.ANY);
        assertThat(r.specifier().isEmpty()).isTrue();
        assertThat(r.url()).isEmpty();
        assertThat(r.marker()).isEmpty();
        assertThat(r).hasToString("requests");
    }

    @Test
    void allFeaturesOfTheSpecExample() {
        Requirement r = Requirement.parse("requests [security,tests] >= 2.8.1, == 2.8.* ; python_version < \"2.7\"");
        assertThat(r.name()).isEqualTo("requests");
        assertThat(r.extras()).containsExactly("security", "tests");
        assertThat(r.specifier()).isEqualTo(SpecifierSet.parse(">=2.8.1,==2.8.*"));
        assertThat(r.specifier().contains(Version.parse("2.8.5"))).isTrue();
        assertThat(r.specifier().contains(Version.parse("2.9"))).isFalse();
        assertThat(r.marker()).contains(Marker.parse("python_version < '2.7'"));
        assertThat(r.url()).isEmpty();
        assertThat(r).hasToString("requests[security,tests]==2.8.*,>=2.8.1; python_version < \"2.7\"");
    }

    @Test
    void urlRequirement() {
        Requirement r = Requirement.parse(
                "pip @ https://github.com/pypa/pip/archive/1.3.1.zip#sha1=da9234ee9982d4bbb3c72346a6de940a148ea686");
        assertThat(r.name()).isEqualTo("pip");
        assertThat(r.url()).contains("https://github.com/pypa/pip/archive/1.3.1.zip#sha1=da9234ee9982d4bbb3c72346a6de940a148ea686");
        assertThat(r.specifier().isEmpty()).isTrue();
        assertThat(r.marker()).isEmpty();

        Requirement m = Requirement.parse("name[bar] @ http://foo.com ; python_version >= '3'");
        assertThat(m.url()).contains("http://foo.com");
        assertThat(m.extras()).containsExactly("bar");
        assertThat(m.marker()).isPresent();
        assertThat(m).hasToString("name[bar] @ http://foo.com ; python_version >= \"3\"");
        assertThat(Requirement.parse(m.toString())).isEqualTo(m);

        assertThat(Requirement.parse("name@http://foo.com").url()).contains("http://foo.com");
        assertThat(Requirement.parse("name @ file:///tmp/x-1.0-py3-none-any.whl").url())
                .contains("file:///tmp/x-1.0-py3-none-any.whl");
        // without whitespace the semicolon belongs to the URL (PEP 508: whitespace ends the URL)
        Requirement glued = Requirement.parse("name @ http://foo.com/a;b");
        assertThat(glued.url()).contains("http://foo.com/a;b");
        assertThat(glued.marker()).isEmpty();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "name>=1.0;python_version<'3.9'|name>=1.0; python_version < \"3.9\"",
        "name (>=1.0, <2)|name<2,>=1.0",
        "name(>=1.0)|name>=1.0",
        "name (>=1.0) ; os_name == 'nt'|name>=1.0; os_name == \"nt\"",
        "name [ extra1 , extra2 ] ( >= 1.0 )|name[extra1,extra2]>=1.0",
        "name[]|name",
        "name[ ]|name",
        "name[Bar_Baz.Qux]|name[bar-baz-qux]",
        "Name.With_Seps-1|Name.With_Seps-1",
        "name===arbitrary|name===arbitrary",
        "name ===arbitrary ; extra == 'x'|name===arbitrary; extra == \"x\"",
        "name; extra == 'Foo_Bar'|name; extra == \"foo-bar\"",
        "name==1.0.*|name==1.0.*",
        "name ~= 1.0|name~=1.0",
        "'   name   '|name",
        "name>1.0,|name>1.0",
        "name<2,>=1|name<2,>=1",
        "name!=1.0a1|name!=1.0a1",
        "name<=1.0|name<=1.0",
        "name >= 1.0 ;python_version<'3' and (os_name=='nt' or sys_platform==\"linux\")|name>=1.0; python_version < \"3\" and (os_name == \"nt\" or sys_platform == \"linux\")",
        "name @ http://foo.com ; |name @ http://foo.com",
    })
    void parsesAndNormalizes(String input, String expected) {
        if (expected.equals("name @ http://foo.com")) {
            // a ';' after the URL needs a marker
            assertThatThrownBy(() -> Requirement.parse(input)).isInstanceOf(InvalidRequirementException.class);
            return;
        }
        Requirement r = Requirement.parse(input);
        assertThat(r).hasToString(expected);
        assertThat(Requirement.parse(r.toString())).isEqualTo(r).hasSameHashCodeAs(r);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "-name", "name-", "name[bar,]", "name[,bar]", "name[bar", "name[bar baz]",
        "name>=1.0 foo", "name foo", "name >=", "name (>=1.0", "name >=1.0)", "name;", "name ; ",
        "name @", "name @ ", "name @ http://foo.com ;", "name=1.0", "name>=1.0; foo == 'bar'",
        "name>=1.0.*", "name (>=1.0) foo", "name[a]]", "name @ http://x.y junk", "name;python_version"})
    void rejectsInvalid(String input) {
        assertThatThrownBy(() -> Requirement.parse(input))
                .isInstanceOf(InvalidRequirementException.class)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("invalid requirement '");
        assertThat(Requirement.tryParse(input)).isEmpty();
    }

    @Test
    void namesAndExtrasNormalize() {
        Requirement r = Requirement.parse("Foo.Bar__Baz[Some_Extra, other.extra]>=1");
        assertThat(r.name()).isEqualTo("Foo.Bar__Baz");
        assertThat(r.normalizedName()).isEqualTo("foo-bar-baz");
        assertThat(r.extras()).containsExactly("other-extra", "some-extra");
        assertThat(Requirement.parse("foo-bar-baz[some-extra,other-extra]>=1.0"))
                .isEqualTo(r);
    }

    @Test
    void markerDecidesPerTarget() {
        Requirement r = Requirement.parse("pywin32>=300; sys_platform == 'win32'");
        assertThat(r.marker().orElseThrow().evaluate(MarkerEnvironment.windows("AMD64", "3.12.1"))).isTrue();
        assertThat(r.marker().orElseThrow().evaluate(MarkerEnvironment.linux("x86_64", "3.12.1"))).isFalse();
    }

    @Test
    void copiesAndFactories() {
        Requirement r = Requirement.parse("a[x]>=1; os_name == 'nt'");
        assertThat(r.withMarker(null)).hasToString("a[x]>=1");
        assertThat(r.withoutExtras()).hasToString("a>=1; os_name == \"nt\"");
        Requirement built = Requirement.of("My_Pkg", Set.of("Doc"), SpecifierSet.parse(">=2"), null, null);
        assertThat(built).hasToString("My_Pkg[doc]>=2");
        assertThat(built.normalizedName()).isEqualTo("my-pkg");
        assertThatThrownBy(() -> Requirement.of("bad name", Set.of(), null, null, null))
                .isInstanceOf(InvalidRequirementException.class);
        assertThat(Requirement.parseAll(List.of("a", "b>=1"))).extracting(Requirement::name).containsExactly("a", "b");
    }
}
