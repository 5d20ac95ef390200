package io.packyard.python.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.packyard.python.markers.MarkerEnvironment;
import io.packyard.python.requirements.Requirement;
import io.packyard.python.version.SpecifierSet;
import io.packyard.python.version.Version;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CoreMetadataTest {

    static final String METADATA = """
            Metadata-Version: 2.1
            Name: Sample_Project
            Version: 2.0.0rc1
            Summary: A sample Python project
            Home-page: https://github.com/pypa/sampleproject
            Author-email: "A. Random Developer" <author@example.com>
            License: Copyright (c) 2016 The Python Packaging Authority (PyPA)
                    \s
                    Permission is hereby granted, free of charge, to any person obtaining a copy
                      of this software (indented line).
            Classifier: Development Status :: 3 - Alpha
            Classifier: Programming Language :: Python :: 3
            Requires-Python: >=3.8, <4
            Requires-Dist: peppercorn
            Requires-Dist: pywin32 (>=300) ; sys_platform == "win32"
            Requires-Dist: importlib-metadata>=4; python_version < "3.10"
            Requires-Dist: check-manifest ; extra == 'dev'
            Requires-Dist: coverage[toml]>=7; extra == "Test" and python_version >= "3.9"
            Requires-Dist: colorama;
             os_name == "nt"
            Provides-Extra: dev
            Provides-Extra: Test
            Description-Content-Type: text/markdown

            # A sample Python project

            A sample project that exists as an aid to the [Python Packaging User
            Guide][packaging guide]'s [Tutorial on Packaging and Distributing
            Projects][distribution tutorial].
            """;

    @Test
    void parsesFieldsAndBody() {
        CoreMetadata m = CoreMetadata.parse(METADATA);
        assertThat(m.metadataVersion()).isEqualTo("2.1");
        assertThat(m.name()).isEqualTo("Sample_Project");
        assertThat(m.normalizedName()).isEqualTo("sample-project");
        assertThat(m.version()).isEqualTo(Version.parse("2.0.0rc1"));
        assertThat(m.summary()).contains("A sample Python project");
        assertThat(m.get("home-page")).contains("https://github.com/pypa/sampleproject");
        assertThat(m.get("HOME-PAGE")).isEqualTo(m.get("Home-page"));
        assertThat(m.get("Author-email")).contains("\"A. Random Developer\" <author@example.com>");
        assertThat(m.get("Maintainer")).isEmpty();
        assertThat(m.getAll("Classifier"))
                .containsExactly("Development Status :: 3 - Alpha", "Programming Language :: Python :: 3");
        assertThat(m.getAll("Obsoletes-Dist")).isEmpty();
        assertThat(m.requiresPython()).isEqualTo(SpecifierSet.parse(">=3.8,<4"));
        assertThat(m.providesExtra()).containsExactly("dev", "Test");
        assertThat(m.providesExtraNormalized()).containsExactly("dev", "test");
        assertThat(m.description()).hasValueSatisfying(d -> {
            assertThat(d).startsWith("# A sample Python project\n\nA sample project");
            assertThat(d).endsWith("Projects][distribution tutorial].\n");
        });
        assertThat(m.body()).isEqualTo(m.description());
        assertThat(m.source()).isEqualTo("METADATA");
    }

    @Test
    void continuationLines() {
        CoreMetadata m = CoreMetadata.parse(METADATA);
        assertThat(m.get("License")).contains("""
                Copyright (c) 2016 The Python Packaging Authority (PyPA)

                Permission is hereby granted, free of charge, to any person obtaining a copy
                  of this software (indented line).""");
        // a folded structured field is unfolded before parsing
        assertThat(m.requiresDist().get(5)).hasToString("colorama; os_name == \"nt\"");
    }

    @Test
    void requiresDistInFileOrder() {
        CoreMetadata m = CoreMetadata.parse(METADATA);
        assertThat(m.requiresDist()).extracting(Requirement::name)
                .containsExactly("peppercorn", "pywin32", "importlib-metadata", "check-manifest", "coverage", "colorama");
        assertThat(m.requiresDist().get(1).specifier()).isEqualTo(SpecifierSet.parse(">=300"));
        assertThat(m.requiresDist().get(4).extras()).containsExactly("toml");
    }

    @Test
    void dependenciesPerTargetAndExtras() {
        CoreMetadata m = CoreMetadata.parse(METADATA);
        MarkerEnvironment linux312 = MarkerEnvironment.linux("x86_64", "3.12.1");
        MarkerEnvironment win39 = MarkerEnvironment.windows("AMD64", "3.9.13");
        assertThat(m.dependencies(linux312, Set.of())).extracting(Requirement::name).containsExactly("peppercorn");
        assertThat(m.dependencies(win39, Set.of())).extracting(Requirement::name)
                .containsExactly("peppercorn", "pywin32", "importlib-metadata", "colorama");
        assertThat(m.dependencies(linux312, Set.of("dev"))).extracting(Requirement::name)
                .containsExactly("peppercorn", "check-manifest");
        assertThat(m.dependencies(linux312, Set.of("test"))).extracting(Requirement::name)
                .containsExactly("peppercorn", "coverage");
        assertThat(m.dependencies(linux312, Set.of("TEST", "dev"))).extracting(Requirement::name)
                .containsExactly("peppercorn", "check-manifest", "coverage");
        assertThat(m.dependencies(linux312, Set.of("nonexistent"))).extracting(Requirement::name)
                .containsExactly("peppercorn");
    }

    @Test
    void legacyDescriptionHeaderWithPipes() {
        String text = "Metadata-Version: 1.2\r\n"
                + "Name: old\r\n"
                + "Version: 1.0\r\n"
                + "Description: This project provides powerful math functions\r\n"
                + "        |For example, you can use `sum()` to sum numbers:\r\n"
                + "        |\r\n"
                + "        |Example::\r\n"
                + "        |\r\n"
                + "        |    >>> sum(1, 2)\r\n"
                + "        |    3\r\n"
                + "        |\r\n"
                + "Platform: UNKNOWN\r\n";
        CoreMetadata m = CoreMetadata.parse(text, "old-1.0/PKG-INFO");
        assertThat(m.description()).contains("""
                This project provides powerful math functions
                For example, you can use `sum()` to sum numbers:

                Example::

                    >>> sum(1, 2)
                    3
                """);
        assertThat(m.body()).isEmpty();
        assertThat(m.get("Platform")).contains("UNKNOWN");
        assertThat(m.requiresPython()).isSameAs(SpecifierSet.ANY);
        assertThat(m.requiresDist()).isEmpty();
        assertThat(m.summary()).isEmpty();
    }

    @Test
    void legacyDescriptionIndentedWithoutPipes() {
        String text = "Metadata-Version: 1.1\nName: x\nVersion: 1\n"
                + "Description: First line\n        Second line\n        \n            indented\nKeywords: a b\n";
        CoreMetadata m = CoreMetadata.parse(text);
        assertThat(m.description()).contains("First line\nSecond line\n\n    indented");
        assertThat(m.get("Keywords")).contains("a b");
    }

    @Test
    void emptyBodyFallsBackToNoDescription() {
        CoreMetadata m = CoreMetadata.parse("Metadata-Version: 2.1\nName: x\nVersion: 1.0\n\n");
        assertThat(m.body()).contains("");
        assertThat(m.description()).isEmpty();
        CoreMetadata noBody = CoreMetadata.parse("Metadata-Version: 2.1\nName: x\nVersion: 1.0");
        assertThat(noBody.body()).isEmpty();
    }

    @Test
    void nonHeaderLineStartsTheBody() {
        // Python's email parser: a line that is neither a header nor a continuation ends the headers
        CoreMetadata m = CoreMetadata.parse("Metadata-Version: 2.1\nName: x\nVersion: 1.0\nthis is body\nmore\n");
        assertThat(m.body()).contains("this is body\nmore\n");
        assertThat(m.getAll("this is body")).isEmpty();
    }

    @Test
    void bodyMayContainHeaderLikeLines() {
        CoreMetadata m = CoreMetadata.parse(
                "Metadata-Version: 2.1\nName: x\nVersion: 1.0\n\nRequires-Dist: not-a-dependency\n");
        assertThat(m.requiresDist()).isEmpty();
        assertThat(m.description()).contains("Requires-Dist: not-a-dependency\n");
    }

    @Test
    void bytesMustBeUtf8() {
        byte[] ok = "Metadata-Version: 2.1\nName: x\nVersion: 1.0\nSummary: caf\u00e9\n".getBytes(StandardCharsets.UTF_8);
        assertThat(CoreMetadata.parse(ok, "x.dist-info/METADATA").summary()).contains("caf\u00e9");
        byte[] bad = "Metadata-Version: 2.1\nName: x\nVersion: 1.0\nSummary: caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1);
        assertThatThrownBy(() -> CoreMetadata.parse(bad, "x.dist-info/METADATA"))
                .isInstanceOf(InvalidMetadataException.class)
                .hasMessage("x.dist-info/METADATA: not valid UTF-8");
    }

    @Test
    void requiredFields() {
        assertThatThrownBy(() -> CoreMetadata.parse("Metadata-Version: 2.1\nVersion: 1.0\n", "a/METADATA"))
                .isInstanceOf(InvalidMetadataException.class)
                .hasMessage("a/METADATA: missing required field Name");
        assertThatThrownBy(() -> CoreMetadata.parse("Metadata-Version: 2.1\nName: x\n"))
                .hasMessage("METADATA: missing required field Version");
        assertThatThrownBy(() -> CoreMetadata.parse("Name: x\nVersion: 1\n"))
                .hasMessage("METADATA: missing required field Metadata-Version");
        assertThatThrownBy(() -> CoreMetadata.parse("Metadata-Version: 2.1\nName: x\nVersion: 1.0.x\n"))
                .isInstanceOf(InvalidMetadataException.class)
                .hasMessage("METADATA: Version: invalid version '1.0.x': "
                        + "not a PEP 440 version ([N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local])");
        assertThatThrownBy(() -> CoreMetadata.parse("  continuation first\nName: x\n"))
                .isInstanceOf(InvalidMetadataException.class).hasMessageContaining("line 1");
    }

    @Test
    void invalidFieldsNameTheField() {
        CoreMetadata m = CoreMetadata.parse(
                "Metadata-Version: 2.1\nName: x\nVersion: 1.0\nRequires-Dist: foo >= 1.0 bar\nRequires-Python: >=3.6.*\n",
                "x-1.0.dist-info/METADATA");
        assertThatThrownBy(m::requiresDist).isInstanceOf(InvalidMetadataException.class)
                .hasMessageStartingWith("x-1.0.dist-info/METADATA: Requires-Dist: invalid requirement 'foo >= 1.0 bar'");
        assertThatThrownBy(m::requiresPython).isInstanceOf(InvalidMetadataException.class)
                .hasMessageStartingWith("x-1.0.dist-info/METADATA: Requires-Python: invalid version specifier");
    }

    @Test
    void headersKeepOrderAndRawValues() {
        CoreMetadata m = CoreMetadata.parse("Metadata-Version: 2.1\nName:   x  \nVersion: 1.0\nDynamic: license\n");
        assertThat(m.headers()).extracting(e -> e.getKey())
                .containsExactly("Metadata-Version", "Name", "Version", "Dynamic");
        assertThat(m.name()).isEqualTo("x");
        assertThat(m.getAll("dynamic")).containsExactly("license");
    }
}
