package io.packyard.bundle.project;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.packyard.python.PackyardException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProjectTest {
    @TempDir
    Path dir;

    private Project load(String toml) throws Exception {
        Files.writeString(dir.resolve("pyproject.toml"), toml);
        return Project.load(dir);
    }

    private void fails(String toml, String message) {
        assertThatThrownBy(() -> load(toml)).isInstanceOf(PackyardException.class)
                .hasMessageEndingWith(message)
                .satisfies(e -> assertThat(((PackyardException) e).kind()).isEqualTo(PackyardException.Kind.CONFIG))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void readsProjectAndPackyardTables() throws Exception {
        Files.writeString(dir.resolve("README.md"), "Long text.\n");
        Project p = load("""
                [build-system]
                requires = ["hatchling"]
                build-backend = "hatchling.build"

                [project]
                name = "Acme_Notes"
                version = "1.0-RC1"
                description = "Notes for teams"
                readme = "README.md"
                license = { text = "MIT" }
                authors = [{ name = "Ada", email = "ada@acme.example.org" }]
                dependencies = ["requests>=2; python_version >= '3.8'", "click"]
                urls = { Source = "https://src.example.org", Homepage = "https://acme.example.org" }

                [project.scripts]
                notes = "acme_notes.cli:main"

                [tool.packyard]
                company = "Acme Corp"
                product = "Notes"
                scripts = ["notes"]
                python = { host = "/opt/python" }
                lock = "pylock.toml"
                find-links = ["wheels/", "https://files.example.org/links.html"]
                post-install = "acme_notes.install:post_install"
                exclude = ["**/tests/**"]
                glibc = "2.28"
                strip = false
                python-keep = ["idlelib", "test"]
                deb = { depends = ["libpq5"] }
                rpm = { requires = ["libpq"] }
                """);
        assertThat(p.name()).isEqualTo("Acme_Notes");
        assertThat(p.normalizedName()).isEqualTo("acme-notes");
        assertThat(p.version()).contains("1.0rc1");
        assertThat(p.summary()).isEqualTo("Notes for teams");
        assertThat(p.description()).isEqualTo("Long text.\n");
        assertThat(p.license()).isEqualTo("MIT");
        assertThat(p.maintainer()).isEqualTo("Ada <ada@acme.example.org>");
        assertThat(p.homepage()).isEqualTo("https://acme.example.org");
        assertThat(p.dependencies()).extracting(r -> r.normalizedName()).containsExactly("requests", "click");
        assertThat(p.consoleScripts()).isEqualTo(Map.of("notes", "acme_notes.cli:main"));
        assertThat(p.buildSystem().backend()).isEqualTo("hatchling.build");
        Project.Settings s = p.packyard();
        assertThat(s.company()).isEqualTo("Acme Corp");
        assertThat(s.product()).isEqualTo("Notes");
        assertThat(s.scripts()).contains(List.of("notes"));
        assertThat(s.python()).contains(Map.of("host", "/opt/python"));
        assertThat(s.lock()).contains(dir.resolve("pylock.toml"));
        assertThat(s.findLinks()).containsExactly("wheels/", "https://files.example.org/links.html");
        assertThat(s.postInstall()).contains("acme_notes.install:post_install");
        assertThat(s.preUninstall()).isEmpty();
        assertThat(s.exclude()).containsExactly("**/tests/**");
        assertThat(s.glibc()).isEqualTo("2.28");
        assertThat(s.strip()).isFalse();
        assertThat(s.pythonKeep()).containsExactly("idlelib", "test");
        assertThat(s.debDepends()).containsExactly("libpq5");
        assertThat(s.rpmRequires()).containsExactly("libpq");
    }

    @Test
    void defaults() throws Exception {
        Project p = load("""
                [project]
                name = "tool"
                version = "2"
                authors = [{ name = "Grace Hopper" }]
                """);
        assertThat(p.packyard().company()).isEqualTo("Grace Hopper");
        assertThat(p.packyard().product()).isEqualTo("tool");
        assertThat(p.packyard().scripts()).isEmpty();
        assertThat(p.packyard().glibc()).isEqualTo("2.17");
        assertThat(p.packyard().strip()).isTrue();
        assertThat(p.packyard().deb()).isEqualTo(io.packyard.bundle.DebOptions.defaults());
        assertThat(p.packyard().deb().compression()).isEqualTo(io.packyard.bundle.Compression.XZ);
        assertThat(p.packyard().rpm().compression()).isEqualTo(io.packyard.bundle.Compression.ZSTD);
        assertThat(p.buildSystem().backend()).isEqualTo("setuptools.build_meta:__legacy__");
        assertThat(load("[project]\nname = \"x\"\ndynamic = [\"version\"]\n").version()).isEmpty();
    }

    @Test
    void errorsNameFileLineAndKey() {
        fails("[project]\nname = \"x\"\nversion = \"1\"\n\n[tool.packyard]\ncolor = 1\n",
                "pyproject.toml:6: [tool.packyard].color: unknown key (known keys: company, config-files, deb, exclude, find-links, glibc, gui-scripts, index-url, local-dependencies, lock, msi, oci, post-install, pre-uninstall, product, python, python-keep, rpm, scripts, services, sign, strip)");
        fails("[project]\nname = \"x\"\nversion = \"1\"\n[tool.packyard]\npython-keep = [\"idlelib\", \"tests\"]\n",
                "pyproject.toml:5: [tool.packyard].python-keep: unknown part 'tests' (known: bytecode, ensurepip, idlelib, lib2to3, site-packages, static-libs, test, tkinter)");
        fails("[project]\nname = \"x\"\nversion = \"1\"\n[tool.packyard]\nscripts = [\"a\", 2]\n",
                "pyproject.toml:5: [tool.packyard].scripts: expected an array of strings, but item 2 is the number 2");
        fails("[project]\nname = \"x\"\nversion = \"1\"\n[tool.packyard.deb]\ndepends = \"libc6\"\n",
                "pyproject.toml:5: [tool.packyard.deb].depends: expected an array of strings, got the string \"libc6\"");
        fails("[project]\nname = \"x\"\nversion = \"1\"\n[tool.packyard.deb]\ncompression = \"zstd\"\n",
                "pyproject.toml:5: [tool.packyard.deb].compression: 'zstd' is not a compression a .deb can use (known: \"xz\", \"gzip\")");
        fails("[project]\nname = \"x\"\nversion = \"1\"\n[tool.packyard.rpm]\ncompression = \"gzip\"\n",
                "pyproject.toml:5: [tool.packyard.rpm].compression: 'gzip' is not a compression an .rpm payload can use (known: \"zstd\", \"xz\")");
        fails("[project]\nname = \"x\"\nversion = \"1\"\n[tool.packyard.deb]\nlevel = 9\n",
                "pyproject.toml:5: [tool.packyard.deb].level: unknown key (known keys: compression, depends)");
        fails("[project]\nname = \"x\"\nversion = \"1\"\n[tool.packyard.rpm]\nrecommends = []\n",
                "pyproject.toml:5: [tool.packyard.rpm].recommends: unknown key (known keys: compression, requires)");
        fails("[project]\nname = \"x\"\nversion = \"one\"\n",
                "pyproject.toml:3: [project].version: 'one' is not a valid PEP 440 version");
        fails("[project]\nname = \"-x-\"\nversion = \"1\"\n", "pyproject.toml:2: [project].name: '-x-' is not a valid project name");
        fails("[project]\nname = \"x\"\n", "[project].version: missing (and not listed in [project].dynamic)");
        fails("[project]\nname = \"x\"\nversion = \"1\"\ndependencies = [\"requests >>> 2\"]\n",
                "pyproject.toml:4: [project].dependencies: invalid requirement 'requests >>> 2': invalid version specifier '>>> 2': whitespace inside the version");
        fails("[project]\nname = \"x\"\nversion = \"1\"\n[tool.packyard]\npost-install = \"just_a_module\"\n",
                "pyproject.toml:5: [tool.packyard].post-install: 'just_a_module' is not of the form module:function");
        fails("[project]\nname = \"x\"\nversion = \"1\"\n[tool.packyard]\nglibc = \"2\"\n",
                "pyproject.toml:5: [tool.packyard].glibc: '2' is not a glibc version such as 2.17 or 2.28");
        fails("[project]\nname = \"x\"\nversion = \"1\"\n[tool.packyard]\nindex-url = \"ftp://x\"\n",
                "pyproject.toml:5: [tool.packyard].index-url: 'ftp://x' is not an http(s) or file URL");
        fails("[project\nname = \"x\"\n", "pyproject.toml:1: TOML syntax error: Unexpected end of line, expected ]");
        fails("[tool.packyard]\ncompany = \"x\"\n", "pyproject.toml: [project]: missing (Packyard needs the PEP 621 project table)");
    }

    @Test
    void debCompression() throws Exception {
        Project p = load("[project]\nname = \"x\"\nversion = \"1\"\n[tool.packyard.deb]\ncompression = \"gzip\"\n"
                + "depends = [\"adduser\"]\n");
        assertThat(p.packyard().deb().compression()).isEqualTo(io.packyard.bundle.Compression.GZIP);
        assertThat(p.packyard().debDepends()).containsExactly("adduser");
        Project r = load("[project]\nname = \"x\"\nversion = \"1\"\n[tool.packyard.rpm]\ncompression = \"xz\"\n");
        assertThat(r.packyard().rpm().compression()).isEqualTo(io.packyard.bundle.Compression.XZ);
    }

    @Test
    void noPyproject() {
        assertThatThrownBy(() -> Project.load(dir)).isInstanceOf(PackyardException.class)
                .hasMessageEndingWith("pyproject.toml: no pyproject.toml in the project directory");
    }
}
