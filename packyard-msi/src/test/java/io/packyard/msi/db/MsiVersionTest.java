package io.packyard.msi.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.packyard.python.PackyardException;
import io.packyard.python.version.Version;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MsiVersionTest {

    @ParameterizedTest
    @CsvSource({
        "1.2.3, 1.2.3400",
        "1.2, 1.2.400",
        "1, 1.0.400",
        "2.0.0, 2.0.400",
        "1.2.3.0, 1.2.3400",
        "1.2.3.dev4, 1.2.3004",
        "1.2.3.dev0, 1.2.3000",
        "1.2.3a1, 1.2.3101",
        "1.2.3b2, 1.2.3202",
        "1.2.3rc1, 1.2.3301",
        "1.2.3rc99, 1.2.3399",
        "1.2.3.post0, 1.2.3401",
        "1.2.3.post1, 1.2.3402",
        "1.2.3.post598, 1.2.3999",
        "255.255.64, 255.255.64400",
        "0.0.65, 0.0.65400",
        "v1.0-1, 1.0.402",
    })
    void mapsByTheDocumentedRule(String pep440, String msi) {
        assertThat(MsiVersion.fromPep440(pep440).toString()).isEqualTo(msi);
    }

    @Test
    void preservesPep440OrderAndNeverMapsTwoVersionsToOne() {
        List<String> texts = new ArrayList<>();
        for (String release : List.of("0.1", "0.9.9", "1.0", "1.0.1", "1.1", "2.0", "2.0.64", "3.255.7", "255.0")) {
            texts.add(release);
            for (String suffix : List.of(".dev0", ".dev7", ".dev99", "a0", "a1", "a99", "b1", "b12", "rc1", "rc2",
                    ".post0", ".post1", ".post10", ".post598")) {
                texts.add(release + suffix);
            }
        }
        List<Version> versions = new ArrayList<>(texts.stream().map(Version::parse).toList());
        Collections.shuffle(versions, new Random(42));
        versions.sort(null);
        for (int i = 1; i < versions.size(); i++) {
            MsiVersion a = MsiVersion.fromPep440(versions.get(i - 1));
            MsiVersion b = MsiVersion.fromPep440(versions.get(i));
            assertThat(a.compareTo(b)).as("%s (%s) < %s (%s)", versions.get(i - 1), a, versions.get(i), b)
                    .isNegative();
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "1!1.0 | an epoch",
        "1.0+local.7 | a local version label",
        "1.2.3.4 | a fourth non-zero release number",
        "256.0 | at most 255",
        "1.256 | at most 255",
        "1.2.66 | micro version 66 does not fit",
        "1.0a1.dev1 | combines pre-, post- or dev-release parts",
        "1.0.post1.dev1 | combines pre-, post- or dev-release parts",
        "1.0rc1.post1 | combines pre-, post- or dev-release parts",
        "1.0a100 | pre-release number 100 is above 99",
        "1.0.dev100 | dev-release number 100 is above 99",
        "1.0.dev20240101 | dev-release number",
        "1.0.post599 | post-release number 599 is above 598",
        "not-a-version | bundle version",
    })
    void refusesWhatCannotBeOrderedWithAClearOneLineError(String pep440, String reason) {
        assertThatThrownBy(() -> MsiVersion.fromPep440(pep440))
                .isInstanceOf(PackyardException.class)
                .satisfies(e -> assertThat(((PackyardException) e).kind()).isEqualTo(PackyardException.Kind.BUILD))
                .hasMessageContaining(reason)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void theLargestMicroVersionStillFitsTheBuildField() {
        assertThat(MsiVersion.fromPep440("1.0.65").build()).isEqualTo(65400);
        assertThat(MsiVersion.fromPep440("1.0.65.post134").build()).isEqualTo(65535);
        assertThatThrownBy(() -> MsiVersion.fromPep440("1.0.65.post135")).hasMessageContaining("does not fit");
    }
}
