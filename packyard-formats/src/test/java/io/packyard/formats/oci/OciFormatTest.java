package io.packyard.formats.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.packyard.bundle.Bundle;
import io.packyard.bundle.OciOptions;
import io.packyard.formats.PackageFormat;
import io.packyard.formats.PackageFormats;
import io.packyard.python.PackyardException;
import io.packyard.python.util.Progress;
import io.packyard.testkit.HostRootfsImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OCI image's structure, read back from the archive: layers split into account, interpreter,
 * dependencies and application; configuration (user, entry point, labels, environment);
 * reproducible bytes; a change to the application's code changes only the top layer. The base is
 * {@link HostRootfsImage}, a fixture made from this machine's files (no network).
 */
class OciFormatTest {
    @TempDir
    static Path shared;

    static Path base;
    static Bundle bundle;
    static OciFixture.Archive image;
    static Path imageFile;

    @BeforeAll
    static void build() throws Exception {
        base = HostRootfsImage.ociArchive(Files.createDirectories(shared.resolve("base")), List.of());
        bundle = OciFixture.bundle(shared.resolve("bundle"), "GREETING = 'one'\n");
        imageFile = OciFixture.build(bundle, base, shared.resolve("image.oci.tar"));
        image = OciFixture.Archive.read(imageFile);
    }

    @Test
    void isRegisteredAndBuiltOnlyWhenAskedFor() {
        PackageFormat f = PackageFormats.parse("oci").get(0);
        assertThat(f).isInstanceOf(OciFormat.class);
        assertThat(f.builtByDefault()).isFalse();
        assertThat(PackageFormats.defaultsFor(bundle.metadata().target())).doesNotContain(f);
        assertThat(f.fileName(bundle)).isEqualTo("packyard-oci-fixture-1.0-" + bundle.metadata().target().id() + ".oci.tar");
    }

    @Test
    void isAnOciImageLayout() {
        assertThat(image.members()).containsKeys("oci-layout", "index.json");
        assertThat(new String(image.members().get("oci-layout"), StandardCharsets.UTF_8)).contains("\"imageLayoutVersion\"");
        Map<String, Object> manifest = image.manifest();
        assertThat(manifest.get("mediaType")).isEqualTo("application/vnd.oci.image.manifest.v1+json");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> layers = (List<Map<String, Object>>) manifest.get("layers");
        assertThat(layers).allSatisfy(l -> assertThat(l.get("mediaType")).isEqualTo("application/vnd.oci.image.layer.v1.tar+gzip"));
        // base + account + interpreter + dependencies + application
        assertThat(layers).hasSize(5);
        // every blob is there and has the digest it is named by
        for (String name : image.members().keySet()) {
            if (name.startsWith("blobs/sha256/")) {
                byte[] data = image.members().get(name);
                assertThat("sha256:" + java.util.HexFormat.of().formatHex(LayerBlob.sha256().digest(data)))
                        .isEqualTo("sha256:" + name.substring("blobs/sha256/".length()));
            }
        }
    }

    @Test
    void configurationNamesUserEntryPointLabelsAndPath() {
        Map<String, Object> config = image.config();
        assertThat(config.get("architecture")).isEqualTo(HostRootfsImage.architecture());
        assertThat(config.get("os")).isEqualTo("linux");
        assertThat(config.get("created")).isEqualTo("2023-11-14T22:13:20Z");
        @SuppressWarnings("unchecked")
        Map<String, Object> c = (Map<String, Object>) config.get("config");
        String prefix = "/" + OciFixture.prefix(bundle);
        assertThat(c.get("User")).isEqualTo("10001:10001");
        assertThat(c.get("Entrypoint")).isEqualTo(List.of(prefix + "/bin/" + OciFixture.command()));
        assertThat(c.get("Cmd")).as("the base's Cmd is not inherited").isNull();
        assertThat(c.get("WorkingDir")).isEqualTo("/home/app");
        assertThat(c.get("Env")).asList().contains("PATH=" + prefix + "/bin:/usr/local/bin:/usr/bin:/bin");
        @SuppressWarnings("unchecked")
        Map<String, Object> labels = (Map<String, Object>) c.get("Labels");
        assertThat(labels).containsEntry("org.opencontainers.image.title", "Demo")
                .containsEntry("org.opencontainers.image.version", "1.0")
                .containsEntry("org.opencontainers.image.description", "Fixture application for Packyard format tests")
                .containsEntry("org.opencontainers.image.url", "https://example.org/packyard-fixture")
                .containsEntry("org.opencontainers.image.licenses", "MIT")
                .containsEntry("org.opencontainers.image.vendor", "Packyard packyard-oci-fixture");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> history = (List<Map<String, Object>>) config.get("history");
        assertThat(history).extracting(h -> (String) h.get("comment")).filteredOn(s -> s != null && s.startsWith("packyard"))
                .hasSize(4);
    }

    @Test
    void layersSplitInterpreterDependenciesAndApplication() throws Exception {
        List<String> layers = image.layerDigests();
        String prefix = OciFixture.prefix(bundle) + "/";
        Map<String, TarArchiveEntry> account = image.layer(layers.get(1));
        Map<String, TarArchiveEntry> interpreter = image.layer(layers.get(2));
        Map<String, TarArchiveEntry> deps = image.layer(layers.get(3));
        Map<String, TarArchiveEntry> app = image.layer(layers.get(4));

        assertThat(account.keySet()).containsExactly("etc/", "etc/group", "etc/passwd", "home/", "home/app/");
        assertThat(account.get("home/app/").getLongUserId()).isEqualTo(10001);
        assertThat(account.get("home/app/").getLongGroupId()).isEqualTo(10001);
        String passwd = image.layerFile(layers.get(1), "etc/passwd");
        assertThat(passwd).startsWith("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534")
                .endsWith("\napp:x:10001:10001:Demo:/home/app:/usr/sbin/nologin\n");
        assertThat(image.layerFile(layers.get(1), "etc/group")).endsWith("\napp:x:10001:\n");

        assertThat(interpreter).containsKeys("opt/", prefix + "python/bin/python3");
        assertThat(interpreter.get(prefix + "python/bin/python").isSymbolicLink()).isTrue();
        assertThat(interpreter.get(prefix + "python/bin/python").getLinkName()).isEqualTo("python3");
        assertThat(interpreter.get(prefix + "python/bin/python3").getMode() & 07777).isEqualTo(0755);
        assertThat(interpreter.keySet()).noneMatch(n -> n.contains("site-packages/"));

        assertThat(deps).containsKeys(prefix + OciFixture.DEP_MODULE, prefix + OciFixture.SITE + "/depone-2.0.dist-info/RECORD",
                prefix + io.packyard.formats.testkit.FixtureBundle.LONG_PATH);
        assertThat(deps.keySet()).noneMatch(n -> n.contains("packyard_oci_fixture") || n.contains("/bin/") && !n.contains("python"));

        assertThat(app).containsKeys(prefix + OciFixture.APP_MODULE, prefix + "bin/" + OciFixture.command(),
                prefix + "hooks/post-install", prefix + "data/café.txt",
                prefix + OciFixture.SITE + "/packyard_oci_fixture-1.0.dist-info/RECORD");
        assertThat(app.keySet()).noneMatch(n -> n.contains("depone") || n.contains("python/bin"));
        assertThat(app.get(prefix + "bin/" + OciFixture.command()).getMode() & 07777).isEqualTo(0755);

        // every entry of our layers: root-owned except the home directory, mtime SOURCE_DATE_EPOCH
        for (Map<String, TarArchiveEntry> l : List.of(account, interpreter, deps, app)) {
            for (TarArchiveEntry e : l.values()) {
                assertThat(e.getLastModifiedDate().getTime()).as(e.getName()).isEqualTo(OciFixture.EPOCH * 1000);
                if (!e.getName().equals("home/app/")) {
                    assertThat(e.getLongUserId()).as(e.getName()).isZero();
                }
            }
        }
    }

    @Test
    void twoBuildsGiveTheSameBytes() throws Exception {
        Bundle again = OciFixture.bundle(shared.resolve("bundle-again"), "GREETING = 'one'\n");
        Path second = OciFixture.build(again, base, shared.resolve("again.oci.tar"));
        assertThat(Files.mismatch(imageFile, second)).isEqualTo(-1L);
    }

    @Test
    void changingOnlyTheApplicationChangesOnlyTheTopLayer() throws Exception {
        Bundle changed = OciFixture.bundle(shared.resolve("bundle-changed"), "GREETING = 'two'\n");
        OciFixture.Archive other = OciFixture.Archive.read(OciFixture.build(changed, base, shared.resolve("changed.oci.tar")));
        List<String> before = image.layerDigests();
        List<String> after = other.layerDigests();
        assertThat(after).hasSize(before.size());
        assertThat(after.subList(0, 4)).isEqualTo(before.subList(0, 4));
        assertThat(after.get(4)).isNotEqualTo(before.get(4));
        assertThat(other.manifestDigest()).isNotEqualTo(image.manifestDigest());
    }

    @Test
    void aDockerSaveArchiveServesAsBaseToo() throws Exception {
        Path docker = HostRootfsImage.dockerArchive(Files.createDirectories(shared.resolve("docker-base")), List.of());
        Bundle b = OciFixture.bundle(shared.resolve("bundle-docker"), "GREETING = 'one'\n");
        OciFixture.Archive other = OciFixture.Archive.read(OciFixture.build(b, docker, shared.resolve("docker.oci.tar")));
        // same base content (same diff_id), same application layers
        assertThat(other.config().get("rootfs")).isEqualTo(image.config().get("rootfs"));
        assertThat(other.layerDigests()).isEqualTo(image.layerDigests());
    }

    @Test
    void anImageServesAsBaseOfAnother() throws Exception {
        // our own output is a valid OCI archive base: its layers are kept and ours go on top
        Bundle b = OciFixture.bundle(shared.resolve("bundle-on-image"), "GREETING = 'three'\n");
        OciFixture.Archive stacked = OciFixture.Archive.read(OciFixture.build(b, imageFile, shared.resolve("stacked.oci.tar")));
        assertThat(stacked.layerDigests()).hasSize(9);
        assertThat(stacked.layerDigests().subList(0, 5)).isEqualTo(image.layerDigests());
        // the account exists already in that base with the same uid: no second passwd line
        String passwd = stacked.layerFile(stacked.layerDigests().get(5), "etc/passwd");
        assertThat(passwd.lines().filter(l -> l.startsWith("app:"))).hasSize(1);
    }

    @Test
    void anUnreadableBaseIsAClearError() throws Exception {
        Path garbage = Files.writeString(shared.resolve("garbage.tar"), "this is not an image\n".repeat(100));
        assertThatThrownBy(() -> OciFixture.build(bundle, garbage, shared.resolve("bad1.oci.tar")))
                .isInstanceOf(PackyardException.class)
                .hasMessageStartingWith("base image archive " + garbage + ": not a tar archive");

        Path missing = shared.resolve("no-such-base.tar");
        assertThatThrownBy(() -> OciFixture.build(bundle, missing, shared.resolve("bad2.oci.tar")))
                .isInstanceOf(PackyardException.class)
                .hasMessage("base image archive " + missing + ": no such file or directory");

        Path notAnImage = shared.resolve("plain.tar");
        io.packyard.formats.testkit.Cmd.run("tar", "-C", shared.resolve("bundle").toString(), "-cf", notAnImage.toString(),
                "data").ok();
        assertThatThrownBy(() -> OciFixture.build(bundle, notAnImage, shared.resolve("bad3.oci.tar")))
                .isInstanceOf(PackyardException.class)
                .hasMessage("base image archive " + notAnImage
                        + ": not an OCI image layout or docker-save archive (it has neither index.json nor manifest.json)");

        // a layout whose layer blob was altered
        Path layout = Files.createDirectories(shared.resolve("corrupt"));
        io.packyard.formats.testkit.Cmd.run("tar", "-C", layout.toString(), "-xf", base.toString()).ok();
        Path blobs = layout.resolve("blobs/sha256");
        Path biggest;
        try (var s = Files.list(blobs)) {
            biggest = s.max(java.util.Comparator.comparingLong(p -> p.toFile().length())).orElseThrow();
        }
        byte[] data = Files.readAllBytes(biggest);
        data[data.length / 2] ^= 1;
        Files.write(biggest, data);
        assertThatThrownBy(() -> OciFixture.build(bundle, layout, shared.resolve("bad4.oci.tar")))
                .isInstanceOf(PackyardException.class)
                .hasMessageStartingWith("base image archive " + layout + ": blob sha256:" + biggest.getFileName()
                        + " is corrupt");
        // nothing was left behind
        assertThat(shared.resolve("bad1.oci.tar")).doesNotExist();
    }

    @Test
    void aBaseOfAnotherArchitectureIsRefused() throws Exception {
        Path layout = Files.createDirectories(shared.resolve("other-arch"));
        io.packyard.formats.testkit.Cmd.run("tar", "-C", layout.toString(), "-xf", base.toString()).ok();
        // rewrite the configuration with another architecture (and the manifest and index that name it)
        Path blobs = layout.resolve("blobs/sha256");
        String idx = Files.readString(layout.resolve("index.json"));
        String manifestDigest = idx.replaceAll("(?s).*\"digest\":\"sha256:([0-9a-f]{64})\".*", "$1");
        String manifest = Files.readString(blobs.resolve(manifestDigest));
        String configDigest = manifest.replaceAll("(?s).*\"config\":\\{[^}]*\"digest\":\"sha256:([0-9a-f]{64})\".*", "$1");
        String other = HostRootfsImage.architecture().equals("amd64") ? "arm64" : "amd64";
        String config = Files.readString(blobs.resolve(configDigest))
                .replace("\"architecture\":\"" + HostRootfsImage.architecture() + "\"", "\"architecture\":\"" + other + "\"");
        String newConfig = sha(config);
        Files.writeString(blobs.resolve(newConfig), config);
        String newManifestText = manifest.replace(configDigest, newConfig)
                .replaceAll("\"size\":\\d+\\},\"layers\"", "\"size\":" + config.length() + "},\"layers\"");
        String newManifest = sha(newManifestText);
        Files.writeString(blobs.resolve(newManifest), newManifestText);
        Files.writeString(layout.resolve("index.json"), idx.replace(manifestDigest, newManifest)
                .replaceAll("\"size\":\\d+", "\"size\":" + newManifestText.length()));
        assertThatThrownBy(() -> OciFixture.build(bundle, layout, shared.resolve("arch.oci.tar")))
                .isInstanceOf(PackyardException.class)
                .hasMessage("base image archive " + layout + ": the image is for " + other + ", the bundle for "
                        + HostRootfsImage.architecture());
    }

    @Test
    void aUserClashingWithTheBaseIsAConfigError() throws Exception {
        OciOptions nobody = new OciOptions(new OciOptions.ArchiveBase(base), "app", 65534, List.of(), Map.of(), Map.of());
        assertThatThrownBy(() -> new OciFormat(nobody, Map.of()).write(bundle, shared.resolve("clash.oci.tar"), Progress.NONE))
                .isInstanceOf(PackyardException.class)
                .hasMessageContaining("[tool.packyard.oci].user: base image archive " + base
                        + " has etc/passwd entry 'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin', which clashes"
                        + " with app:65534");
    }

    @Test
    void portsLabelsAndEnvironmentFromTheOptions() throws Exception {
        OciOptions o = new OciOptions(new OciOptions.ArchiveBase(base), "notes", 4242, List.of("8000/tcp", "53/udp"),
                Map.of("org.opencontainers.image.source", "https://example.org/src.git",
                        "org.opencontainers.image.title", "Overridden"),
                Map.of("NOTES_MODE", "production"));
        Path out = shared.resolve("options.oci.tar");
        new OciFormat(o, Map.of()).write(bundle, out, Progress.NONE);
        @SuppressWarnings("unchecked")
        Map<String, Object> c = (Map<String, Object>) OciFixture.Archive.read(out).config().get("config");
        assertThat(c.get("User")).isEqualTo("4242:4242");
        assertThat(c.get("WorkingDir")).isEqualTo("/home/notes");
        assertThat((Map<String, Object>) c.get("ExposedPorts")).containsOnlyKeys("8000/tcp", "53/udp");
        assertThat(c.get("Env")).asList().contains("NOTES_MODE=production");
        assertThat((Map<String, Object>) c.get("Labels")).containsEntry("org.opencontainers.image.source", "https://example.org/src.git")
                .containsEntry("org.opencontainers.image.title", "Overridden");
    }

    @Test
    void versionsBecomeValidTags() {
        assertThat(OciImageBuilder.tag("1.0rc1")).isEqualTo("1.0rc1");
        assertThat(OciImageBuilder.tag("1.0+local.7")).isEqualTo("1.0-local.7");
        assertThat(OciImageBuilder.tag("1!2.0")).isEqualTo("1-2.0");
    }

    private static String sha(String s) {
        return java.util.HexFormat.of().formatHex(LayerBlob.sha256().digest(s.getBytes(StandardCharsets.UTF_8)));
    }
}
