package io.packyard.bundle.interpreter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.packyard.python.PackyardException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class InterpreterSpecTest {

    private static final Path BASE = Path.of("/work/project");
    private static final String FIELD = "pyproject.toml:7: [tool.packyard].python";
    private static final String SHA = "74d4516a64abc63ae4bcbffb35482879a85b7faa187fcfa47c1ca8f00faebf5f";

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', textBlock = """
            3.12                                   | Standalone   | 3.12
            3.12.7                                 | Standalone   | 3.12.7
            ' 3.13 '                               | Standalone   | 3.13
            3.12.7+20241016                        | Standalone   | 3.12.7+20241016
            3.12+20251014                          | Standalone   | 3.12+20251014
            archive:dist/cpython.tar.gz            | Archive      | archive:/work/project/dist/cpython.tar.gz
            archive:/abs/py.tar.gz                 | Archive      | archive:/abs/py.tar.gz
            archive:../x/../py.tar.gz              | Archive      | archive:/work/py.tar.gz
            archive:file:///abs/py.tar.gz          | Archive      | archive:/abs/py.tar.gz
            archive:/abs/py.tar.gz#sha256=74D4516A64ABC63AE4BCBFFB35482879A85B7FAA187FCFA47C1CA8F00FAEBF5F | Archive | archive:/abs/py.tar.gz#sha256=74d4516a64abc63ae4bcbffb35482879a85b7faa187fcfa47c1ca8f00faebf5f
            archive:https://example.org/a/cpython-3.12.12%2B20251014-x86_64-unknown-linux-gnu-install_only.tar.gz#sha256=74d4516a64abc63ae4bcbffb35482879a85b7faa187fcfa47c1ca8f00faebf5f | Archive | archive:https://example.org/a/cpython-3.12.12%2B20251014-x86_64-unknown-linux-gnu-install_only.tar.gz#sha256=74d4516a64abc63ae4bcbffb35482879a85b7faa187fcfa47c1ca8f00faebf5f
            host:/root/.pyenv/versions/3.12.1      | Host         | host:/root/.pyenv/versions/3.12.1
            host:/usr/bin/python3.11               | Host         | host:/usr/bin/python3.11
            host:pythons/3.12                      | Host         | host:/work/project/pythons/3.12
            host:./3.12                            | Host         | host:/work/project/3.12
            host:3.12                              | Host         | host:3.12
            host:3.12.1                            | Host         | host:3.12.1
            system                                 | SystemPython | system
            system:3.11                            | SystemPython | system:3.11
            """)
    void parsesStringForms(String value, String kind, String canonical) {
        InterpreterSpec spec = InterpreterSpec.parse(value, "--python", BASE);
        assertThat(spec.getClass().getSimpleName()).isEqualTo(kind);
        assertThat(spec.text()).isEqualTo(canonical);
        // the canonical form parses to the same spec
        assertThat(InterpreterSpec.parse(spec.text(), "--python", BASE)).isEqualTo(spec);
    }

    @Test
    void standaloneFields() {
        var s = (InterpreterSpec.Standalone) InterpreterSpec.parse("3.12.7+20241016", "--python", BASE);
        assertThat(s.version()).isEqualTo("3.12.7");
        assertThat(s.release()).contains("20241016");
        assertThat(s.exact()).isTrue();
        assertThat(s.minor()).isEqualTo("3.12");
        var m = (InterpreterSpec.Standalone) InterpreterSpec.parse("3.10", "--python", BASE);
        assertThat(m.exact()).isFalse();
        assertThat(m.release()).isEmpty();
    }

    @Test
    void hostVersionAndPathAreDistinguished() {
        var v = (InterpreterSpec.Host) InterpreterSpec.parse("host:3.12", "--python", BASE);
        assertThat(v.version()).contains("3.12");
        assertThat(v.path()).isEmpty();
        var p = (InterpreterSpec.Host) InterpreterSpec.parse("host:~/py", "--python", BASE);
        assertThat(p.path()).contains(Path.of(System.getProperty("user.home"), "py"));
    }

    @Test
    void archiveKnowsRemoteAndLocal() {
        var local = (InterpreterSpec.Archive) InterpreterSpec.parse("archive:py.tar.gz", "--python", BASE);
        assertThat(local.remote()).isFalse();
        assertThat(local.path()).isEqualTo(Path.of("/work/project/py.tar.gz"));
        assertThat(local.sha256()).isEmpty();
        var remote = (InterpreterSpec.Archive) InterpreterSpec.parse("archive:https://mirror.example.org/p.tar.gz#sha256=" + SHA, "--python", BASE);
        assertThat(remote.remote()).isTrue();
        assertThat(remote.sha256()).contains(SHA);
        assertThat(remote.uri().getHost()).isEqualTo("mirror.example.org");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', textBlock = """
            ''                                  | empty interpreter
            python3                             | unknown interpreter 'python3'
            2.7                                 | not a CPython 3 version
            3                                   | not a CPython 3 version
            3.12.x                              | unknown interpreter
            3.012                               | not a CPython 3 version
            3.12+latest                         | release after '+' is a date tag
            archive:                            | 'archive:' needs a path or URL
            archive:/a.tar.gz#sha256=abc        | sha256 must be 64 hexadecimal digits
            archive:https://mirror.example.org/p.tar.gz          | needs a sha256
            archive:ftp://h/p.tar.gz            | only http(s) and file URLs
            host:                               | 'host:' needs a prefix
            system:3                            | system:VERSION takes the target's Python as X.Y
            system:3.11.2                       | system:VERSION takes the target's Python as X.Y
            """)
    void rejectsBadStrings(String value, String message) {
        assertThatThrownBy(() -> InterpreterSpec.parse(value, FIELD, BASE))
                .isInstanceOfSatisfying(PackyardException.class, e -> {
                    assertThat(e.kind()).isEqualTo(PackyardException.Kind.CONFIG);
                    assertThat(e.getMessage()).startsWith(FIELD + ": ").contains(message).doesNotContain("\n");
                });
    }

    @Test
    void tableForms() {
        assertThat(InterpreterSpec.fromToml(Map.of("archive", "py.tar.gz", "sha256", SHA), FIELD, BASE))
                .isEqualTo(new InterpreterSpec.Archive("/work/project/py.tar.gz", Optional.of(SHA)));
        assertThat(InterpreterSpec.fromToml(Map.of("archive", "https://mirror.example.org/p.tar.gz", "sha256", SHA), FIELD, BASE))
                .isEqualTo(new InterpreterSpec.Archive("https://mirror.example.org/p.tar.gz", Optional.of(SHA)));
        assertThat(InterpreterSpec.fromToml(Map.of("host", "/opt/python"), FIELD, BASE))
                .isEqualTo(new InterpreterSpec.Host(Optional.of(Path.of("/opt/python")), Optional.empty()));
        assertThat(InterpreterSpec.fromToml(Map.of("version", "3.12", "release", "20251014"), FIELD, BASE))
                .isEqualTo(new InterpreterSpec.Standalone("3.12", Optional.of("20251014")));
        assertThat(InterpreterSpec.fromToml("system:3.11", FIELD, BASE))
                .isEqualTo(new InterpreterSpec.SystemPython(Optional.of("3.11")));
    }

    @Test
    void tableErrorsNameTheKey() {
        Map<String, Object> twoKinds = new LinkedHashMap<>();
        twoKinds.put("archive", "a.tar.gz");
        twoKinds.put("host", "/opt/py");
        List<Object[]> cases = List.of(
                new Object[] {Map.of("archive", 7), FIELD + ".archive: expected a string"},
                new Object[] {Map.of("archive", "https://mirror.example.org/p.tar.gz"), FIELD + ".archive: archive URL https://mirror.example.org/p.tar.gz needs a sha256"},
                new Object[] {Map.of("archive", "a.tar.gz", "sha256", "nothex"), FIELD + ".sha256: sha256 must be 64 hexadecimal digits"},
                new Object[] {Map.of("host", "/p", "sha256", SHA), FIELD + ".sha256: only goes with archive"},
                new Object[] {Map.of("version", "3.12", "relase", "x"), FIELD + ": unknown key relase"},
                new Object[] {twoKinds, FIELD + ": expected exactly one of archive, host or version"},
                new Object[] {Map.of(), FIELD + ": expected exactly one of archive, host or version"},
                new Object[] {Map.of("version", "2.7"), FIELD + ".version: '2.7' is not a CPython 3 version"},
                new Object[] {Map.of("version", "3.12", "release", "tomorrow"), FIELD + ".release: 'tomorrow' is not"},
                new Object[] {Map.of("host", ""), FIELD + ".host: must not be empty"});
        for (Object[] c : cases) {
            assertThatThrownBy(() -> InterpreterSpec.fromToml(c[0], FIELD, BASE))
                    .as("%s", c[0])
                    .isInstanceOf(PackyardException.class)
                    .hasMessageStartingWith((String) c[1]);
        }
        assertThatThrownBy(() -> InterpreterSpec.fromToml(List.of("3.12"), FIELD, BASE))
                .hasMessageStartingWith(FIELD + ": expected a string or a table");
    }
}
