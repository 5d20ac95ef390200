package io.packyard.formats.oci;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** How RECORD rows are read to find the files of the project and of its dependencies. */
class OciLayersTest {

    @Test
    void readsTheFirstCsvField() {
        assertThat(OciLayers.firstCsvField("pkg/mod.py,sha256=abc,12")).isEqualTo("pkg/mod.py");
        assertThat(OciLayers.firstCsvField("\"pkg/a,b.py\",sha256=abc,12")).isEqualTo("pkg/a,b.py");
        assertThat(OciLayers.firstCsvField("\"pkg/say \"\"hi\"\".txt\",,")).isEqualTo("pkg/say \"hi\".txt");
        assertThat(OciLayers.firstCsvField("pkg-1.0.dist-info/RECORD,,")).isEqualTo("pkg-1.0.dist-info/RECORD");
        assertThat(OciLayers.firstCsvField("")).isEmpty();
    }

    @Test
    void resolvesPathsAgainstSitePackages() {
        String site = "python/lib/python3.11/site-packages";
        assertThat(OciLayers.resolve(site, "pkg/mod.py")).isEqualTo(site + "/pkg/mod.py");
        assertThat(OciLayers.resolve(site, "../../../../bin/hello")).isEqualTo("bin/hello");
        assertThat(OciLayers.resolve(site, "./pkg/../pkg/x.py")).isEqualTo(site + "/pkg/x.py");
        assertThat(OciLayers.resolve(site, "../../../../../etc/passwd")).isNull();
        assertThat(OciLayers.resolve(site, "/etc/passwd")).isNull();
        assertThat(OciLayers.resolve(site, "C:/x")).isNull();
    }
}
