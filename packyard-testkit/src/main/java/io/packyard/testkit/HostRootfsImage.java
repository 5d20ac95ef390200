package io.packyard.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A test fixture: a minimal base image made from this machine's own files, for OCI image tests
 * that must not touch the network (no registry, no debootstrap mirror). Its root file system holds
 * {@code /bin/sh} (a copy of dash), a few coreutils the launchers use (readlink, dirname) and some
 * for checks (id, cat, ls), the shared libraries they need (found with {@code ldd}), plus those
 * of any extra ELF files given (a host Python, say), {@code /etc/passwd} and {@code /etc/group}
 * with root and nobody, and {@code /tmp} (mode 1777). The usr-merged layout of current
 * distributions ({@code /bin -> usr/bin}, {@code /lib -> usr/lib}, {@code /lib64 -> usr/lib64}).
 *
 * <p>It is packed as an OCI image layout archive (one uncompressed layer, like a {@code skopeo copy
 * oci-archive:} of a small image) or as a classic {@code docker save} archive. Needs {@code tar}
 * and {@code ldd}.
 */
public final class HostRootfsImage {
    /** Programs copied into the fixture: {host path, path in the image}. */
    private static final String[][] PROGRAMS = {
        {"/bin/dash", "/usr/bin/sh"},
        {"/bin/dash", "/usr/bin/dash"},
        {"/usr/bin/readlink", "/usr/bin/readlink"},
        {"/usr/bin/dirname", "/usr/bin/dirname"},
        {"/usr/bin/id", "/usr/bin/id"},
        {"/usr/bin/cat", "/usr/bin/cat"},
        {"/usr/bin/ls", "/usr/bin/ls"},
    };
    private static final Pattern LDD_PATH = Pattern.compile("(?:=>\\s*)?(/\\S+)\\s+\\(0x[0-9a-f]+\\)");

    private HostRootfsImage() {}

    /** The architecture of this machine in OCI terms. */
    public static String architecture() {
        String a = System.getProperty("os.arch");
        return a.equals("aarch64") || a.equals("arm64") ? "arm64" : "amd64";
    }

    /** Builds the root file system under {@code dir/rootfs}; {@code extraElfs} add their libraries. */
    public static Path rootfs(Path dir, List<Path> extraElfs) throws IOException {
        Path root = dir.resolve("rootfs");
        Files.createDirectories(root.resolve("usr/bin"));
        Files.createDirectories(root.resolve("usr/lib"));
        Files.createDirectories(root.resolve("usr/lib64"));
        Files.createSymbolicLink(root.resolve("bin"), Path.of("usr/bin"));
        Files.createSymbolicLink(root.resolve("lib"), Path.of("usr/lib"));
        Files.createSymbolicLink(root.resolve("lib64"), Path.of("usr/lib64"));
        Files.createSymbolicLink(root.resolve("sbin"), Path.of("usr/bin"));
        Files.createDirectories(root.resolve("usr/sbin"));
        Set<String> libs = new LinkedHashSet<>();
        for (String[] p : PROGRAMS) {
            copy(Path.of(p[0]), root, p[1]);
            libs.addAll(libraries(Path.of(p[0])));
        }
        for (Path elf : extraElfs) {
            libs.addAll(libraries(elf));
        }
        for (String lib : libs) {
            if (lib.startsWith("/lib") || lib.startsWith("/usr/lib")) {
                copy(Path.of(lib), root, lib.startsWith("/usr/") ? lib : "/usr" + lib);
            }
        }
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/passwd"),
                "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
        Files.writeString(root.resolve("etc/group"), "root:x:0:\nnogroup:x:65534:\n");
        Files.createDirectories(root.resolve("tmp"));
        Files.setPosixFilePermissions(root.resolve("tmp"), PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.createDirectories(root.resolve("root"));
        Files.createDirectories(root.resolve("dev"));
        Files.createDirectories(root.resolve("proc"));
        return root;
    }

    /**
     * An OCI image layout archive ({@code oci-layout}, {@code index.json}, {@code blobs/sha256/})
     * of the fixture, with one uncompressed layer and a configuration with an Env PATH and a Cmd,
     * tagged {@code fixture}. Returns the archive file {@code dir/base-oci.tar}.
     */
    public static Path ociArchive(Path dir, List<Path> extraElfs) throws IOException {
        Path root = rootfs(dir, extraElfs);
        Path layout = Files.createDirectories(dir.resolve("oci-layout"));
        Path blobs = Files.createDirectories(layout.resolve("blobs/sha256"));
        Path layer = dir.resolve("layer.tar");
        tarRootfs(root, layer);
        String layerDigest = sha256(layer);
        Files.copy(layer, blobs.resolve(layerDigest));
        byte[] config = config(layerDigest).getBytes(StandardCharsets.UTF_8);
        String configDigest = sha256(config);
        Files.write(blobs.resolve(configDigest), config);
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:"
                + configDigest + "\",\"size\":" + config.length + "},\"layers\":[{\"mediaType\":"
                + "\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"sha256:" + layerDigest + "\",\"size\":"
                + Files.size(layer) + "}]}").getBytes(StandardCharsets.UTF_8);
        String manifestDigest = sha256(manifest);
        Files.write(blobs.resolve(manifestDigest), manifest);
        Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        Files.writeString(layout.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
                + "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:" + manifestDigest
                + "\",\"size\":" + manifest.length + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"fixture\"}}]}");
        Path out = dir.resolve("base-oci.tar");
        run(List.of("tar", "-C", layout.toString(), "-cf", out.toString(), "oci-layout", "index.json", "blobs"));
        return out;
    }

    /** A classic {@code docker save} archive of the fixture ({@code manifest.json}, {@code <id>/layer.tar}). */
    public static Path dockerArchive(Path dir, List<Path> extraElfs) throws IOException {
        Path root = rootfs(dir, extraElfs);
        Path content = Files.createDirectories(dir.resolve("docker-save"));
        Path layer = dir.resolve("layer.tar");
        tarRootfs(root, layer);
        String layerDigest = sha256(layer);
        Files.createDirectories(content.resolve(layerDigest));
        Files.copy(layer, content.resolve(layerDigest + "/layer.tar"));
        byte[] config = config(layerDigest).getBytes(StandardCharsets.UTF_8);
        String configDigest = sha256(config);
        Files.write(content.resolve(configDigest + ".json"), config);
        Files.writeString(content.resolve("manifest.json"), "[{\"Config\":\"" + configDigest + ".json\",\"RepoTags\":"
                + "[\"fixture:latest\"],\"Layers\":[\"" + layerDigest + "/layer.tar\"]}]");
        Path out = dir.resolve("base-docker.tar");
        run(List.of("tar", "-C", content.toString(), "-cf", out.toString(), "manifest.json", configDigest + ".json",
                layerDigest));
        return out;
    }

    private static String config(String layerDigest) {
        return "{\"architecture\":\"" + architecture() + "\",\"os\":\"linux\",\"config\":{\"Env\":"
                + "[\"PATH=/usr/local/bin:/usr/bin:/bin\"],\"Cmd\":[\"/bin/sh\"]},\"rootfs\":{\"type\":\"layers\","
                + "\"diff_ids\":[\"sha256:" + layerDigest + "\"]},\"history\":[{\"created_by\":"
                + "\"packyard test fixture: host files\"}]}";
    }

    private static void tarRootfs(Path root, Path out) {
        run(List.of("tar", "--sort=name", "--owner=0", "--group=0", "--numeric-owner", "--mtime=@1700000000",
                "-C", root.toString(), "-cf", out.toString(), "."));
    }

    private static void copy(Path from, Path root, String inImage) throws IOException {
        Path to = root.resolve(inImage.substring(1));
        if (Files.exists(to, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.createDirectories(to.getParent());
        Files.copy(from.toRealPath(), to, StandardCopyOption.COPY_ATTRIBUTES);
        Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** The shared libraries and program interpreter {@code ldd} lists for an ELF file. */
    static List<String> libraries(Path elf) {
        String out = run(List.of("ldd", elf.toString()));
        List<String> libs = new ArrayList<>();
        for (String line : out.split("\n")) {
            Matcher m = LDD_PATH.matcher(line.trim());
            if (m.find()) {
                libs.add(m.group(1));
            }
        }
        return libs;
    }

    private static String run(List<String> command) {
        try {
            Path log = Files.createTempFile("packyard-rootfs-", ".out");
            try {
                Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
                if (!p.waitFor(2, TimeUnit.MINUTES)) {
                    p.destroyForcibly();
                    throw new IllegalStateException("timed out: " + command);
                }
                String out = Files.readString(log);
                if (p.exitValue() != 0) {
                    throw new IllegalStateException(String.join(" ", command) + " exited with " + p.exitValue() + ":\n" + out);
                }
                return out;
            } finally {
                Files.deleteIfExists(log);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String sha256(Path file) throws IOException {
        return sha256(Files.readAllBytes(file));
    }

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
