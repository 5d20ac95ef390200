package io.packyard.formats.oci;

import io.packyard.python.PackyardException;
import io.packyard.python.json.Json;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * A base image read from a local archive: an OCI image layout (a directory, or a tar of one,
 * possibly gzipped) or a {@code docker save} archive (either its classic layout or the OCI-style
 * one newer Docker writes). Gives the image configuration and the layers bottom to top; checks
 * every digest it can.
 */
final class BaseImage {
    private static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    private static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";

    /**
     * One layer of the base.
     *
     * @param file the layer blob as stored (gzip or plain tar; zstd is refused)
     * @param diffId the digest of its uncompressed tar, from the configuration
     * @param gzip whether {@code file} is gzip-compressed
     */
    record Layer(Path file, String diffId, boolean gzip) {}

    private final String source;
    private final Map<String, Object> config;
    private final List<Layer> layers;

    private BaseImage(String source, Map<String, Object> config, List<Layer> layers) {
        this.source = source;
        this.config = config;
        this.layers = List.copyOf(layers);
    }

    /** How messages name the base, e.g. {@code base image archive images/base.tar}. */
    String source() {
        return source;
    }

    /** The image configuration (architecture, os, config, rootfs, history), as parsed. */
    Map<String, Object> config() {
        return config;
    }

    List<Layer> layers() {
        return layers;
    }

    /**
     * Reads an archive or layout directory. {@code scratch} is an empty directory the archive is
     * unpacked into; {@code architecture} is the OCI name of the target's ({@code amd64},
     * {@code arm64}), used to pick an image from a multi-platform index and to refuse a base of
     * another architecture.
     */
    static BaseImage read(Path archive, Path scratch, String architecture) {
        String source = "base image archive " + archive;
        try {
            Path dir;
            if (Files.isDirectory(archive)) {
                dir = archive;
            } else if (Files.isRegularFile(archive)) {
                dir = Files.createDirectories(scratch.resolve("unpacked"));
                unpack(archive, dir, source);
            } else {
                throw PackyardException.build(source + ": no such file or directory");
            }
            BaseImage image;
            if (Files.isRegularFile(dir.resolve("index.json"))) {
                image = oci(dir, source, architecture);
            } else if (Files.isRegularFile(dir.resolve("manifest.json"))) {
                image = docker(dir, source);
            } else {
                throw PackyardException.build(source + ": not an OCI image layout or docker-save archive"
                        + " (it has neither index.json nor manifest.json)");
            }
            image.checkPlatform(architecture);
            return image;
        } catch (Json.JsonException e) {
            throw PackyardException.build(source + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw PackyardException.build(source + ": cannot read: " + e.getMessage(), e);
        }
    }

    private void checkPlatform(String architecture) {
        Object os = config.get("os");
        Object arch = config.get("architecture");
        if (os != null && !"linux".equals(os)) {
            throw PackyardException.build(source + ": the image is for " + os + ", not linux");
        }
        if (arch != null && !architecture.equals(arch)) {
            throw PackyardException.build(source + ": the image is for " + arch + ", the bundle for " + architecture);
        }
    }

    private static BaseImage oci(Path dir, String source, String architecture) throws IOException {
        Map<String, Object> index = Json.parseObject(read(dir.resolve("index.json")), "index.json");
        Map<String, Object> descriptor = choose(index, "index.json", source, architecture);
        for (int depth = 0; ; depth++) {
            String mediaType = String.valueOf(descriptor.get("mediaType"));
            Map<String, Object> blob = Json.parseObject(
                    new String(readBlob(dir, descriptor, source), StandardCharsets.UTF_8), "manifest " + descriptor.get("digest"));
            if (!(mediaType.equals(OCI_INDEX) || mediaType.equals(DOCKER_LIST) || blob.containsKey("manifests"))) {
                return fromManifest(dir, source, blob);
            }
            if (depth > 4) {
                throw PackyardException.build(source + ": image indexes nested too deeply");
            }
            descriptor = choose(blob, "index " + descriptor.get("digest"), source, architecture);
        }
    }

    /** The one image of an index, or the one for linux/{@code architecture} among several. */
    private static Map<String, Object> choose(Map<String, Object> index, String what, String source, String architecture) {
        List<Map<String, Object>> manifests = new ArrayList<>();
        for (Object o : Json.array(index, "manifests", what)) {
            if (o instanceof Map<?, ?> m) {
                @SuppressWarnings("unchecked")
                Map<String, Object> d = (Map<String, Object>) m;
                manifests.add(d);
            }
        }
        if (manifests.isEmpty()) {
            throw PackyardException.build(source + ": " + what + " lists no image");
        }
        if (manifests.size() == 1) {
            return manifests.get(0);
        }
        List<Map<String, Object>> matching = new ArrayList<>();
        for (Map<String, Object> m : manifests) {
            if (m.get("platform") instanceof Map<?, ?> p && "linux".equals(p.get("os"))
                    && architecture.equals(p.get("architecture"))) {
                matching.add(m);
            }
        }
        if (matching.size() != 1) {
            throw PackyardException.build(source + ": " + what + " lists " + manifests.size() + " images and "
                    + (matching.isEmpty() ? "none" : matching.size()) + " for linux/" + architecture
                    + "; keep only the one to build on (skopeo copy ... oci-archive:base.tar)");
        }
        return matching.get(0);
    }

    private static BaseImage fromManifest(Path dir, String source, Map<String, Object> manifest) throws IOException {
        Map<String, Object> configDescriptor = Json.object(manifest, "config", "image manifest");
        Map<String, Object> config = Json.parseObject(
                new String(readBlob(dir, configDescriptor, source), StandardCharsets.UTF_8), "image configuration");
        List<String> diffIds = diffIds(config);
        List<Object> layerDescriptors = Json.array(manifest, "layers", "image manifest");
        if (layerDescriptors.size() != diffIds.size()) {
            throw PackyardException.build(source + ": the manifest lists " + layerDescriptors.size()
                    + " layers but the configuration " + diffIds.size());
        }
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < layerDescriptors.size(); i++) {
            @SuppressWarnings("unchecked")
            Map<String, Object> d = (Map<String, Object>) layerDescriptors.get(i);
            Path file = blobPath(dir, Json.string(d, "digest", "layer " + (i + 1)), source);
            checkDigest(file, Json.string(d, "digest", "layer " + (i + 1)), source);
            layers.add(new Layer(file, diffIds.get(i), compression(file, source)));
        }
        return new BaseImage(source, config, layers);
    }

    private static BaseImage docker(Path dir, String source) throws IOException {
        Object parsed = Json.parse(read(dir.resolve("manifest.json")));
        if (!(parsed instanceof List<?> list) || list.isEmpty() || !(list.get(0) instanceof Map<?, ?>)) {
            throw PackyardException.build(source + ": manifest.json is not a list of images");
        }
        if (list.size() > 1) {
            throw PackyardException.build(source + ": the archive holds " + list.size()
                    + " images; save only the one to build on (docker save IMAGE)");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> entry = (Map<String, Object>) list.get(0);
        Path configFile = inside(dir, Json.string(entry, "Config", "manifest.json"), source);
        Map<String, Object> config = Json.parseObject(read(configFile), "image configuration");
        List<String> diffIds = diffIds(config);
        List<Object> files = Json.array(entry, "Layers", "manifest.json");
        if (files.size() != diffIds.size()) {
            throw PackyardException.build(source + ": manifest.json lists " + files.size()
                    + " layers but the configuration " + diffIds.size());
        }
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            Path file = inside(dir, String.valueOf(files.get(i)), source);
            if (!Files.isRegularFile(file)) {
                throw PackyardException.build(source + ": layer " + files.get(i) + " is missing");
            }
            layers.add(new Layer(file, diffIds.get(i), compression(file, source)));
        }
        return new BaseImage(source, config, layers);
    }

    private static List<String> diffIds(Map<String, Object> config) {
        Map<String, Object> rootfs = Json.object(config, "rootfs", "image configuration");
        List<String> out = new ArrayList<>();
        for (Object o : Json.array(rootfs, "diff_ids", "image configuration rootfs")) {
            if (!(o instanceof String s) || !s.matches("sha256:[0-9a-f]{64}")) {
                throw new Json.JsonException("image configuration: rootfs.diff_ids holds " + o
                        + ", not a sha256 digest");
            }
            out.add(s);
        }
        return out;
    }

    /** True for gzip, false for a plain tar; zstd and anything else are refused with the reason. */
    private static boolean compression(Path layer, String source) throws IOException {
        byte[] head;
        try (InputStream in = Files.newInputStream(layer)) {
            head = in.readNBytes(512);
        }
        if (head.length >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
            return true;
        }
        if (head.length >= 4 && (head[0] & 0xff) == 0x28 && (head[1] & 0xff) == 0xb5 && (head[2] & 0xff) == 0x2f
                && (head[3] & 0xff) == 0xfd) {
            throw PackyardException.build(source + ": layer " + layer.getFileName()
                    + " is zstd-compressed; convert the base to gzip layers (skopeo copy --dest-compress-format gzip)");
        }
        if (head.length == 512 && new String(head, 257, 5, StandardCharsets.US_ASCII).equals("ustar")) {
            return false;
        }
        if (head.length == 0 || allZero(head)) {
            return false; // an empty layer: a tar of only end-of-archive records
        }
        throw PackyardException.build(source + ": layer " + layer.getFileName() + " is neither a tar nor gzip");
    }

    private static boolean allZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static byte[] readBlob(Path dir, Map<String, Object> descriptor, String source) throws IOException {
        String digest = Json.string(descriptor, "digest", "descriptor");
        Path p = blobPath(dir, digest, source);
        byte[] data = Files.readAllBytes(p);
        String actual = "sha256:" + HexFormat.of().formatHex(LayerBlob.sha256().digest(data));
        if (!actual.equals(digest)) {
            throw PackyardException.build(source + ": blob " + digest + " is corrupt (its digest is " + actual + ")");
        }
        return data;
    }

    private static Path blobPath(Path dir, String digest, String source) {
        if (!digest.matches("sha256:[0-9a-f]{64}")) {
            throw PackyardException.build(source + ": unsupported digest " + digest + " (only sha256 is)");
        }
        Path p = dir.resolve("blobs/sha256").resolve(digest.substring("sha256:".length()));
        if (!Files.isRegularFile(p)) {
            throw PackyardException.build(source + ": blob " + digest + " is missing");
        }
        return p;
    }

    private static void checkDigest(Path file, String digest, String source) throws IOException {
        MessageDigest md = LayerBlob.sha256();
        try (InputStream in = new DigestInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16), md)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        String actual = "sha256:" + HexFormat.of().formatHex(md.digest());
        if (!actual.equals(digest)) {
            throw PackyardException.build(source + ": blob " + digest + " is corrupt (its digest is " + actual + ")");
        }
    }

    private static Path inside(Path dir, String rel, String source) {
        Path p = dir.resolve(rel).normalize();
        if (!p.startsWith(dir.normalize()) || rel.startsWith("/")) {
            throw PackyardException.build(source + ": " + rel + " points outside the archive");
        }
        return p;
    }

    private static String read(Path p) throws IOException {
        return Files.readString(p, StandardCharsets.UTF_8);
    }

    /** Unpacks a (possibly gzipped) tar; refuses names that leave the directory, resolves symlinks inside it. */
    private static void unpack(Path archive, Path dir, String source) throws IOException {
        Map<Path, String> links = new HashMap<>();
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(archive), 1 << 16)) {
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            InputStream in = b0 == 0x1f && b1 == 0x8b ? new GZIPInputStream(raw, 1 << 16) : raw;
            TarArchiveInputStream tar = new TarArchiveInputStream(in, StandardCharsets.UTF_8.name());
            TarArchiveEntry e;
            boolean any = false;
            while ((e = next(tar, source)) != null) {
                any = true;
                String name = e.getName();
                if (name.startsWith("/") || name.contains("\\")) {
                    throw PackyardException.build(source + ": unsafe member name " + name);
                }
                Path target = dir.resolve(name).normalize();
                if (!target.startsWith(dir) || target.equals(dir) && !e.isDirectory()) {
                    if (target.equals(dir)) {
                        continue;
                    }
                    throw PackyardException.build(source + ": member " + name + " points outside the archive");
                }
                if (e.isDirectory()) {
                    Files.createDirectories(target);
                } else if (e.isSymbolicLink()) {
                    links.put(target, e.getLinkName());
                } else if (e.isFile()) {
                    Files.createDirectories(target.getParent());
                    Files.copy(tar, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
            if (!any) {
                throw PackyardException.build(source + ": not a tar archive (or an empty one)");
            }
        } catch (java.util.zip.ZipException e) {
            throw PackyardException.build(source + ": corrupt gzip data: " + e.getMessage(), e);
        }
        // docker save (classic) links a layer used twice to its first copy
        for (Map.Entry<Path, String> l : links.entrySet()) {
            Path to = l.getKey().getParent().resolve(l.getValue()).normalize();
            if (!to.startsWith(dir) || !Files.isRegularFile(to)) {
                throw PackyardException.build(source + ": symlink " + dir.relativize(l.getKey()) + " -> "
                        + l.getValue() + " does not name a file in the archive");
            }
            Files.createDirectories(l.getKey().getParent());
            Files.copy(to, l.getKey(), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static TarArchiveEntry next(TarArchiveInputStream tar, String source) throws IOException {
        try {
            return tar.getNextEntry();
        } catch (java.util.zip.ZipException e) {
            throw PackyardException.build(source + ": corrupt gzip data: " + e.getMessage(), e);
        } catch (IOException | IllegalArgumentException e) {
            throw PackyardException.build(source + ": not a tar archive (" + e.getMessage() + ")", e);
        }
    }

    /**
     * The content of a file of the base's root file system (e.g. {@code etc/passwd}) as the layers
     * leave it: the topmost layer that has it wins, whiteouts ({@code .wh.NAME}, opaque
     * directories) remove it. Empty when no layer has it.
     */
    Optional<byte[]> file(String path) {
        byte[] content = null;
        String parent = path.contains("/") ? path.substring(0, path.lastIndexOf('/') + 1) : "";
        String whiteout = parent + ".wh." + path.substring(parent.length());
        for (Layer l : layers) {
            try (InputStream raw = new BufferedInputStream(Files.newInputStream(l.file()), 1 << 16);
                    InputStream in = l.gzip() ? new GZIPInputStream(raw, 1 << 16) : raw) {
                TarArchiveInputStream tar = new TarArchiveInputStream(in, StandardCharsets.UTF_8.name());
                TarArchiveEntry e;
                byte[] here = null;
                boolean removed = false;
                while ((e = tar.getNextEntry()) != null) {
                    String n = e.getName();
                    while (n.startsWith("./")) {
                        n = n.substring(2);
                    }
                    if (n.startsWith("/")) {
                        n = n.substring(1);
                    }
                    if (n.equals(path) && e.isFile()) {
                        here = tar.readAllBytes();
                    } else if (n.equals(path)) {
                        removed = true; // replaced by a directory or link: not a file we can extend
                    } else if (n.equals(whiteout) || isOpaqueAbove(n, path)) {
                        removed = true;
                    }
                }
                if (removed) {
                    content = null;
                }
                if (here != null) {
                    content = here;
                }
            } catch (IOException e) {
                throw PackyardException.build(source + ": cannot read layer " + l.file().getFileName() + ": "
                        + e.getMessage(), e);
            }
        }
        return Optional.ofNullable(content);
    }

    /** {@code dir/.wh..wh..opq} hides everything below {@code dir} in lower layers. */
    private static boolean isOpaqueAbove(String entry, String path) {
        if (!entry.endsWith("/.wh..wh..opq")) {
            return false;
        }
        String dir = entry.substring(0, entry.length() - ".wh..wh..opq".length());
        return path.startsWith(dir);
    }
}
