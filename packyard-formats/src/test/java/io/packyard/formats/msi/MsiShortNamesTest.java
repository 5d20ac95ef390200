package io.packyard.formats.msi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.packyard.python.PackyardException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class MsiShortNamesTest {
    /** What ICE03 accepts as a short file name: 1-8 characters, an optional extension of 1-3. */
    private static final Pattern SHORT = Pattern.compile("^[A-Za-z0-9_\\-~!#$%&'()@^`{}]{1,8}(\\.[A-Za-z0-9_\\-~!#$%&'()@^`{}]{1,3})?$");

    @Test
    void keepsNamesThatAreAlreadyShortAndGeneratesTheOthers() {
        List<String> out = MsiShortNames.of(List.of("python.exe", "README", "file with spaces.txt", "café.txt",
                "site-packages", "__pycache__", "os.cpython-312.pyc", ".hidden", "a.b.c"), "test");
        assertThat(out).containsExactly("python.exe", "README", "FILEWI~1.TXT|file with spaces.txt", "CAF~1.TXT|café.txt",
                "SITE-P~1|site-packages", "__PYCA~1|__pycache__", "OSCPYT~1.PYC|os.cpython-312.pyc", "HIDDEN~1|.hidden",
                "AB~1.C|a.b.c");
    }

    @Test
    void shortNamesAreValidAndUniqueIgnoringCaseAcrossShortAndLongNames() {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            names.add("a_module_with_a_long_name_" + i + ".py");
        }
        names.add("A_MODU~1.PY"); // real short names that generated ones must not repeat
        names.add("a_modu~2.py");
        List<String> out = MsiShortNames.of(names, "test");
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < out.size(); i++) {
            String value = out.get(i);
            String shortName = value.contains("|") ? value.substring(0, value.indexOf('|')) : value;
            String longName = value.contains("|") ? value.substring(value.indexOf('|') + 1) : value;
            assertThat(longName).isEqualTo(names.get(i));
            assertThat(shortName).matches(SHORT);
            assertThat(seen.add(shortName.toUpperCase(Locale.ROOT))).as("duplicate short name %s", shortName).isTrue();
        }
        assertThat(out.get(0)).isEqualTo("A_MODU~3.PY|a_module_with_a_long_name_0.py");
        assertThat(out.get(7)).isEqualTo("A_MOD~10.PY|a_module_with_a_long_name_7.py");
        assertThat(out.get(97)).isEqualTo("A_MO~100.PY|a_module_with_a_long_name_97.py");
    }

    @Test
    void theSameInputGivesTheSameNames() {
        List<String> names = List.of("zeta long name.txt", "alpha long name.txt", "alpha long name.txt2");
        assertThat(MsiShortNames.of(names, "t")).isEqualTo(MsiShortNames.of(List.copyOf(names), "t"));
    }

    @Test
    void refusesNamesThatDifferOnlyInCase() {
        assertThatThrownBy(() -> MsiShortNames.of(List.of("Readme.txt", "README.TXT"), "bundle directory data"))
                .isInstanceOf(PackyardException.class)
                .hasMessage("bundle directory data: 'Readme.txt' and 'README.TXT' differ only in case;"
                        + " on Windows one would overwrite the other");
    }

    @Test
    void recognisesShortNames() {
        assertThat(MsiShortNames.isShortName("PYTHON.EXE")).isTrue();
        assertThat(MsiShortNames.isShortName("a.b")).isTrue();
        assertThat(MsiShortNames.isShortName("12345678.123")).isTrue();
        assertThat(MsiShortNames.isShortName("123456789")).isFalse();
        assertThat(MsiShortNames.isShortName("a.1234")).isFalse();
        assertThat(MsiShortNames.isShortName("a b")).isFalse();
        assertThat(MsiShortNames.isShortName("a.b.c")).isFalse();
        assertThat(MsiShortNames.isShortName(".a")).isFalse();
        assertThat(MsiShortNames.isShortName("a+b")).isFalse();
        assertThat(MsiShortNames.isShortName("é")).isFalse();
    }
}
