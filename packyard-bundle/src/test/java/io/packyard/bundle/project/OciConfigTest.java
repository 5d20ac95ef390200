package io.packyard.bundle.project;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.bundle.OciOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tomlj.Toml;

class OciConfigTest {
    @TempDir
    Path dir;

    /** Parses {@code body} as the [tool.packyard.oci] table of a pyproject.toml (line 1 is the header). */
    private OciOptions parse(String body) {
        String text = "[tool.packyard.oci]\n" + body;
        TomlFields root = new TomlFields("pyproject.toml", Toml.parse(text), List.of(), null);
        TomlFields oci = root.table("tool").flatMap(t -> t.table("packyard")).flatMap(t -> t.table("oci")).orElseThrow();
        return OciConfig.oci(oci, dir);
    }

    private void fails(String body, String message) {
        PyprojectFixture.configError(() -> parse(body)).hasMessage(message);
    }

    @Test
    void defaults() {
        OciOptions o = parse("");
        assertThat(o).isEqualTo(OciOptions.defaults());
        assertThat(o.base()).isEqualTo(new OciOptions.RegistryBase("debian:12-slim"));
        assertThat(o.user()).isEqualTo("app");
        assertThat(o.uid()).isEqualTo(10001);
    }

    @Test
    void readsEveryKey() throws Exception {
        Files.createDirectories(dir.resolve("images"));
        Files.writeString(dir.resolve("images/base.tar"), "x");
        OciOptions o = parse("""
                base = "archive:images/base.tar"
                user = "notes:4242"
                ports = ["8000", "8000/tcp", "53/udp"]
                labels = { "org.opencontainers.image.source" = "https://example.org/notes.git" }
                env = { NOTES_MODE = "production" }
                """);
        assertThat(o.base()).isEqualTo(new OciOptions.ArchiveBase(dir.resolve("images/base.tar").toAbsolutePath()));
        assertThat(o.base().text()).isEqualTo("archive:" + dir.resolve("images/base.tar").toAbsolutePath());
        assertThat(o.user()).isEqualTo("notes");
        assertThat(o.uid()).isEqualTo(4242);
        assertThat(o.ports()).containsExactly("8000/tcp", "53/udp");
        assertThat(o.labels()).isEqualTo(Map.of("org.opencontainers.image.source", "https://example.org/notes.git"));
        assertThat(o.env()).isEqualTo(Map.of("NOTES_MODE", "production"));
    }

    @Test
    void registryReferences() {
        for (String ref : List.of("debian:12-slim", "ubuntu", "registry.example.org:5000/team/base:1.0",
                "localhost/base@sha256:" + "a".repeat(64), "ghcr.io/acme/python-base:3.12-bookworm")) {
            assertThat(parse("base = \"" + ref + "\"\n").base()).isEqualTo(new OciOptions.RegistryBase(ref));
        }
        assertThat(parse("base = \"docker://debian:12\"\n").base()).isEqualTo(new OciOptions.RegistryBase("debian:12"));
        assertThat(parse("user = \"svc\"\n").uid()).isEqualTo(10001);
    }

    @Test
    void badValuesNameKeyAndLine() throws Exception {
        fails("base = \"archive:missing.tar\"\n",
                "pyproject.toml:2: [tool.packyard.oci].base: missing.tar: no such image archive or OCI layout directory");
        fails("\nbase = \"archive:\"\n", "pyproject.toml:3: [tool.packyard.oci].base: 'archive:' names no file"
                + " (archive:path/to/image.tar)");
        fails("base = \"Debian:Bad Ref\"\n", "pyproject.toml:2: [tool.packyard.oci].base: 'Debian:Bad Ref' is neither an"
                + " image reference such as debian:12-slim or registry.example.org/base:1@sha256:<hex>, nor archive:PATH");
        fails("user = \"App User\"\n", "pyproject.toml:2: [tool.packyard.oci].user: 'App User' is not name or name:uid"
                + " with a user name such as app (lower-case letters, digits, _ and -, at most 32 characters)");
        fails("user = \"app:0\"\n", "pyproject.toml:2: [tool.packyard.oci].user: 'app:0': the uid must be a number from 1"
                + " to 2147483647 (0 is root)");
        fails("user = \"root\"\n", "pyproject.toml:2: [tool.packyard.oci].user: the image runs as a non-root account;"
                + " choose another name than root");
        fails("ports = [\"http\"]\n", "pyproject.toml:2: [tool.packyard.oci].ports: 'http' is not a port such as 8000,"
                + " 8000/tcp or 53/udp");
        fails("ports = [\"70000\"]\n", "pyproject.toml:2: [tool.packyard.oci].ports: '70000' is not a port such as 8000,"
                + " 8000/tcp or 53/udp");
        fails("ports = [8000]\n", "pyproject.toml:2: [tool.packyard.oci].ports: expected an array of strings, but item 1"
                + " is the number 8000");
        fails("env = { \"1BAD\" = \"x\" }\n", "pyproject.toml:2: [tool.packyard.oci].env: '1BAD' is not an environment"
                + " variable name");
        fails("labels = { \"bad key\" = \"x\" }\n", "pyproject.toml:2: [tool.packyard.oci].labels: 'bad key' is not a"
                + " label key such as org.opencontainers.image.source");
        fails("tag = \"x\"\n", "pyproject.toml:2: [tool.packyard.oci].tag: unknown key (known keys: base, env, labels,"
                + " ports, user)");
    }
}
