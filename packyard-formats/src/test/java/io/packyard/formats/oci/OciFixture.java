package io.packyard.formats.oci;

import io.packyard.bundle.Bundle;
import io.packyard.bundle.OciOptions;
import io.packyard.formats.testkit.FixtureBundle;
import io.packyard.python.json.Json;
import io.packyard.python.util.Progress;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * The formats' {@link FixtureBundle} (a sh script standing in for the interpreter) made into a
 * Python-shaped bundle: the project's dist-info with a RECORD naming its module and launcher, and
 * one dependency with its own dist-info, so the layer split has something to split.
 */
final class OciFixture {
    static final String NAME = "packyard-oci-fixture";
    static final String SITE = "lib/python3.12/site-packages";
    static final String APP_MODULE = SITE + "/packyard_oci_fixture/__init__.py";
    static final String DEP_MODULE = SITE + "/depone/__init__.py";
    static final long EPOCH = 1_700_000_000L;

    private OciFixture() {}

    /** The bundle under {@code root}; {@code appCode} is the content of the project's module. */
    static Bundle bundle(Path root, String appCode) throws IOException {
        FixtureBundle f = FixtureBundle.named(NAME).sourceDateEpoch(EPOCH);
        Bundle b = f.build(root);
        write(root.resolve(APP_MODULE), appCode);
        write(root.resolve(SITE + "/packyard_oci_fixture-1.0.dist-info/METADATA"), "Name: packyard-oci-fixture\nVersion: 1.0\n");
        write(root.resolve(SITE + "/packyard_oci_fixture-1.0.dist-info/RECORD"),
                "packyard_oci_fixture/__init__.py,sha256=x,1\n"
                        + "packyard_oci_fixture-1.0.dist-info/METADATA,,\n"
                        + "packyard_oci_fixture-1.0.dist-info/RECORD,,\n"
                        + "../../../bin/" + f.command() + ",,\n");
        write(root.resolve(DEP_MODULE), "VALUE = 2\n");
        write(root.resolve(SITE + "/depone-2.0.dist-info/RECORD"), "depone/__init__.py,,\ndepone-2.0.dist-info/RECORD,,\n");
        return Bundle.builder().metadata(b.metadata()).root(root).sourceDateEpoch(EPOCH).build();
    }

    static String command() {
        return NAME + "-hello";
    }

    /** The image's install prefix inside its root file system (no leading slash). */
    static String prefix(Bundle b) {
        return b.metadata().layout().installPrefix().substring(1);
    }

    static OciOptions options(Path baseArchive) {
        return OciOptions.defaults().withBase(new OciOptions.ArchiveBase(baseArchive));
    }

    static Path build(Bundle bundle, Path baseArchive, Path out) throws IOException {
        new OciFormat(options(baseArchive), Map.of()).write(bundle, out, Progress.NONE);
        return out;
    }

    private static void write(Path p, String s) throws IOException {
        Files.createDirectories(p.getParent());
        Files.writeString(p, s, StandardCharsets.UTF_8);
    }

    /** An image archive read back: its members by name. */
    record Archive(Map<String, byte[]> members) {
        static Archive read(Path file) throws IOException {
            Map<String, byte[]> m = new LinkedHashMap<>();
            try (TarArchiveInputStream tar = new TarArchiveInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
                TarArchiveEntry e;
                while ((e = tar.getNextEntry()) != null) {
                    if (e.isFile()) {
                        m.put(e.getName(), tar.readAllBytes());
                    }
                }
            }
            return new Archive(m);
        }

        Map<String, Object> json(String member) {
            return Json.parseObject(new String(members.get(member), StandardCharsets.UTF_8), member);
        }

        Map<String, Object> blobJson(String digest) {
            return json("blobs/sha256/" + digest.substring("sha256:".length()));
        }

        Map<String, Object> manifest() {
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> ms = (List<Map<String, Object>>) json("index.json").get("manifests");
            return blobJson((String) ms.get(0).get("digest"));
        }

        String manifestDigest() {
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> ms = (List<Map<String, Object>>) json("index.json").get("manifests");
            return (String) ms.get(0).get("digest");
        }

        @SuppressWarnings("unchecked")
        Map<String, Object> config() {
            return blobJson((String) ((Map<String, Object>) manifest().get("config")).get("digest"));
        }

        @SuppressWarnings("unchecked")
        List<String> layerDigests() {
            return ((List<Map<String, Object>>) manifest().get("layers")).stream().map(l -> (String) l.get("digest")).toList();
        }

        /** The entries of a layer: name → entry (content in {@link #layerFile}). */
        Map<String, TarArchiveEntry> layer(String digest) throws IOException {
            Map<String, TarArchiveEntry> out = new LinkedHashMap<>();
            try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(
                    members.get("blobs/sha256/" + digest.substring(7))))) {
                TarArchiveInputStream tar = new TarArchiveInputStream(in);
                TarArchiveEntry e;
                while ((e = tar.getNextEntry()) != null) {
                    out.put(e.getName(), e);
                }
            }
            return out;
        }

        String layerFile(String digest, String name) throws IOException {
            try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(
                    members.get("blobs/sha256/" + digest.substring(7))))) {
                TarArchiveInputStream tar = new TarArchiveInputStream(in);
                TarArchiveEntry e;
                while ((e = tar.getNextEntry()) != null) {
                    if (e.getName().equals(name)) {
                        return new String(tar.readAllBytes(), StandardCharsets.UTF_8);
                    }
                }
            }
            throw new AssertionError(name + " not in layer " + digest);
        }
    }
}
