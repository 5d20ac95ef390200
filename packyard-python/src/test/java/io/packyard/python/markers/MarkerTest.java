package io.packyard.python.markers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class MarkerTest {

    static final MarkerEnvironment LINUX = MarkerEnvironment.linux("x86_64", "3.12.1");
    static final MarkerEnvironment WINDOWS = MarkerEnvironment.windows("AMD64", "3.12.1");

    @Test
    void environments() {
        assertThat(LINUX.osName()).isEqualTo("posix");
        assertThat(LINUX.sysPlatform()).isEqualTo("linux");
        assertThat(LINUX.platformSystem()).isEqualTo("Linux");
        assertThat(LINUX.platformMachine()).isEqualTo("x86_64");
        assertThat(LINUX.implementationName()).isEqualTo("cpython");
        assertThat(LINUX.platformPythonImplementation()).isEqualTo("CPython");
        assertThat(LINUX.pythonVersion()).isEqualTo("3.12");
        assertThat(LINUX.pythonFullVersion()).isEqualTo("3.12.1");
        assertThat(LINUX.implementationVersion()).isEqualTo("3.12.1");
        assertThat(WINDOWS.osName()).isEqualTo("nt");
        assertThat(WINDOWS.sysPlatform()).isEqualTo("win32");
        assertThat(WINDOWS.platformSystem()).isEqualTo("Windows");
        assertThat(WINDOWS.platformMachine()).isEqualTo("AMD64");
        assertThat(MarkerEnvironment.windows("ARM64", "3.13.0rc1").pythonVersion()).isEqualTo("3.13");
        assertThat(WINDOWS.asMap()).containsEntry("os_name", "nt").containsEntry("sys_platform", "win32")
                .containsEntry("platform_system", "Windows").containsEntry("python_version", "3.12")
                .containsKeys("platform_release", "platform_version", "implementation_version")
                .hasSize(11);
        assertThat(WINDOWS.get("os.name")).contains("nt");
        assertThat(WINDOWS.withPythonFullVersion("3.11.7").pythonVersion()).isEqualTo("3.11");
        assertThatThrownBy(() -> MarkerEnvironment.linux("x86_64", "three")).isInstanceOf(IllegalArgumentException.class);
    }

    /** marker | linux x86_64 3.12.1 | windows AMD64 3.12.1 */
    @ParameterizedTest(name = "{0}: linux={1} windows={2}")
    @CsvSource(delimiter = '|', value = {
        "os_name == 'nt'|false|true",
        "os_name == \"posix\"|true|false",
        "sys_platform == 'win32'|false|true",
        "sys_platform != 'win32'|true|false",
        "sys_platform == 'linux' and platform_machine == 'x86_64'|true|false",
        "platform_machine == 'AMD64' or platform_machine == 'x86_64'|true|true",
        "platform_system == 'Windows' or platform_system == 'Darwin'|false|true",
        "'win' in sys_platform|false|true",
        "'lin' not in sys_platform|false|true",
        "os_name in 'posix nt'|true|true",
        "implementation_name == 'cpython'|true|true",
        "platform_python_implementation != 'PyPy'|true|true",
        "python_version >= '3.8'|true|true",
        "python_version < '3.12'|false|false",
        "python_version == '3.12'|true|true",
        "python_version > '3.11'|true|true",
        "python_version > '3.12'|false|false",
        "python_version ~= '3.10'|true|true",
        "python_version === '3.12'|true|true",
        "python_version == '3.12.*'|true|true",
        "python_version in '3.11 3.12'|true|true",
        "python_full_version >= '3.12.1'|true|true",
        "python_full_version < '3.12.1'|false|false",
        "python_full_version == '3.12.*'|true|true",
        "python_full_version != '3.12.*'|false|false",
        "'3.8' < python_version|true|true",
        "'3.13' <= python_version|false|false",
        "python_version >= '3.8' and (sys_platform == 'win32' or os_name == 'posix')|true|true",
        "python_version >= '3.8' and sys_platform == 'win32' or os_name == 'posix'|true|true",
        "os_name == 'posix' or os_name == 'nt' and python_version < '3'|true|false",
        "(os_name == 'posix' or os_name == 'nt') and python_version < '3'|false|false",
        "sys.platform == 'win32'|false|true",
        "os.name == 'posix'|true|false",
        "platform.python_implementation == 'CPython'|true|true",
        // string variables: no ordering, <= and >= mean equality
        "os_name < 'x'|false|false",
        "os_name >= 'nt'|false|true",
        "os_name <= 'posix'|true|false",
        "os_name > 'a'|false|false",
        // version variables whose value or literal is not a version
        "python_version == 'foo'|false|false",
        "python_version != 'foo'|true|true",
        "python_version >= 'foo'|false|false",
        // platform_release is unknown ("") for a cross target
        "platform_release >= '5'|false|false",
        "platform_release == ''|true|true",
    })
    void evaluatesForTarget(String marker, boolean linux, boolean windows) {
        Marker m = Marker.parse(marker);
        assertThat(m.evaluate(LINUX)).as("linux: %s", marker).isEqualTo(linux);
        assertThat(m.evaluate(WINDOWS)).as("windows: %s", marker).isEqualTo(windows);
    }

    @Test
    void prereleasePythonCompareAsVersions() {
        MarkerEnvironment rc = MarkerEnvironment.linux("x86_64", "3.13.0rc1");
        assertThat(Marker.parse("python_full_version >= '3.13.0b1'").evaluate(rc)).isTrue();
        // "<V must not allow a pre-release of V": 3.13.0rc1 is not < 3.13 for a marker either
        assertThat(Marker.parse("python_full_version < '3.13'").evaluate(rc)).isFalse();
        assertThat(Marker.parse("python_full_version < '3.13.0rc2'").evaluate(rc)).isTrue();
        assertThat(Marker.parse("python_version >= '3.13'").evaluate(rc)).isTrue();
        // a string comparison would say "3.9" > "3.13"
        assertThat(Marker.parse("python_version > '3.9'").evaluate(rc)).isTrue();
        // "3.13.0+" (an unreleased build) is repaired into a valid local version
        MarkerEnvironment plus = MarkerEnvironment.linux("x86_64", "3.13.0+");
        assertThat(Marker.parse("python_full_version >= '3.13'").evaluate(plus)).isTrue();
    }

    @Test
    void extras() {
        Marker m = Marker.parse("extra == 'Test_Stuff'");
        assertThat(m).hasToString("extra == \"test-stuff\"");
        assertThat(m.evaluate(LINUX)).isFalse();
        assertThat(m.evaluate(LINUX, Set.of())).isFalse();
        assertThat(m.evaluate(LINUX, Set.of("test-stuff"))).isTrue();
        assertThat(m.evaluate(LINUX, Set.of("TEST.STUFF"))).isTrue();
        assertThat(m.evaluate(LINUX, Set.of("doc", "test_stuff"))).isTrue();
        assertThat(m.evaluate(LINUX, Set.of("doc"))).isFalse();
        assertThat(m.evaluate(LINUX, "Test-Stuff")).isTrue();
        assertThat(m.referencesExtra()).isTrue();

        Marker combined = Marker.parse("python_version >= '3.8' and extra == 'win'");
        assertThat(combined.evaluate(WINDOWS, Set.of("win"))).isTrue();
        assertThat(combined.evaluate(WINDOWS, Set.of())).isFalse();
        // "extra != x" holds for other extras and for no extra
        Marker not = Marker.parse("extra != 'doc'");
        assertThat(not.evaluate(LINUX, Set.of())).isTrue();
        assertThat(not.evaluate(LINUX, Set.of("doc"))).isFalse();
        // no extra referenced: the set does not matter
        Marker plain = Marker.parse("os_name == 'nt'");
        assertThat(plain.referencesExtra()).isFalse();
        assertThat(plain.evaluate(WINDOWS, Set.of("doc"))).isTrue();
        assertThat(Marker.parse("'Foo_Bar' == extra").evaluate(LINUX, Set.of("foo-bar"))).isTrue();
    }

    @Test
    void lockFileContext() {
        Marker m = Marker.parse("'Doc' in extras and 'test' not in dependency_groups");
        assertThat(m.evaluateLockFile(LINUX, Set.of("doc"), Set.of())).isTrue();
        assertThat(m.evaluateLockFile(LINUX, Set.of("doc"), Set.of("test"))).isFalse();
        assertThat(m.evaluateLockFile(LINUX, Set.of(), Set.of())).isFalse();
        // sets only make sense in the lock-file context, "extra" only in the metadata one
        assertThatThrownBy(() -> m.evaluate(LINUX)).isInstanceOf(InvalidMarkerException.class)
                .hasMessageContaining("extras");
        assertThatThrownBy(() -> Marker.parse("extra == 'a'").evaluateLockFile(LINUX, Set.of(), Set.of()))
                .isInstanceOf(InvalidMarkerException.class);
        assertThatThrownBy(() -> Marker.parse("extras == 'a'").evaluateLockFile(LINUX, Set.of(), Set.of()))
                .isInstanceOf(InvalidMarkerException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"os_name ~= 'nt'", "os_name === 'nt'", "extra ~= 'x'"})
    void undefinedComparisonsAreErrors(String marker) {
        Marker m = Marker.parse(marker);
        assertThatThrownBy(() -> m.evaluate(LINUX)).isInstanceOf(InvalidMarkerException.class)
                .hasMessageContaining("undefined marker comparison");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "python_version>='3.8'|python_version >= \"3.8\"",
        "  python_version  >=  \"3.8\"  |python_version >= \"3.8\"",
        "'3.8' < python_version|\"3.8\" < python_version",
        "(python_version >= '3.8')|python_version >= \"3.8\"",
        "((python_version >= '3.8'))|python_version >= \"3.8\"",
        "(python_version >= '3.8') and (os_name == 'nt')|python_version >= \"3.8\" and os_name == \"nt\"",
        "(python_version >= '3.8' or os_name == 'nt') and extra == 'foo'|(python_version >= \"3.8\" or os_name == \"nt\") and extra == \"foo\"",
        "((python_version >= '3.8' or os_name == 'nt'))|python_version >= \"3.8\" or os_name == \"nt\"",
        "os.name == 'nt'|os_name == \"nt\"",
        "python_implementation == 'CPython'|platform_python_implementation == \"CPython\"",
        "platform.machine == 'x86_64'|platform_machine == \"x86_64\"",
        "os_name not   in 'posix'|os_name not in \"posix\"",
        "python_version>\"3\"and os_name==\"nt\"|python_version > \"3\" and os_name == \"nt\"",
        "extra == 'a\"b'|extra == 'a\"b'",
        "python_version === '3.8'|python_version === \"3.8\"",
        "'a' in extras|\"a\" in extras",
    })
    void normalizedText(String input, String expected) {
        Marker m = Marker.parse(input);
        assertThat(m).hasToString(expected);
        assertThat(Marker.parse(m.toString())).isEqualTo(m);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "python_version", "foo == 'bar'", "python_version >= 3.8", "python_version >= '3.8' and",
        "python_version >= '3.8' or or os_name == 'nt'", "python_version >= '3.8' andos_name == 'nt'",
        "(python_version >= '3.8'", "python_version >= '3.8')", "os_name notin 'posix'", "os_namein 'posix'",
        "os_name = 'nt'", "os_name == 'nt", "os_name => 'nt'", "os_name == 'nt' ; os_name == 'nt'",
        "python_version >= \"3.8\" && os_name == 'nt'", "()"})
    void rejectsInvalid(String input) {
        assertThatThrownBy(() -> Marker.parse(input))
                .isInstanceOf(InvalidMarkerException.class)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("invalid marker '");
        assertThat(Marker.tryParse(input)).isEmpty();
    }

    @Test
    void combinators() {
        Marker a = Marker.parse("os_name == 'nt' or os_name == 'posix'");
        Marker b = Marker.parse("python_version < '3.9'");
        assertThat(a.and(b)).hasToString("(os_name == \"nt\" or os_name == \"posix\") and python_version < \"3.9\"");
        assertThat(a.and(b).evaluate(LINUX)).isFalse();
        assertThat(a.or(b).evaluate(LINUX)).isTrue();
        assertThat(a.and(b).variablesReferenced()).containsExactly("os_name", "python_version");
    }

    @Test
    void equalityByNormalizedText() {
        assertThat(Marker.parse("os_name=='nt'")).isEqualTo(Marker.parse("os.name == \"nt\""))
                .hasSameHashCodeAs(Marker.parse("os.name == \"nt\""));
        assertThat(Marker.parse("os_name=='nt'")).isNotEqualTo(Marker.parse("os_name=='posix'"));
    }
}
