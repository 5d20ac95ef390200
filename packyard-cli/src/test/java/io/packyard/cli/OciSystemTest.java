package io.packyard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.testkit.HostRootfsImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code packyard build examples/hello-cli --format oci --python host:3.11} end to end: the image
 * archive is read by skopeo, unpacked by umoci, and its root file system, entered with chroot as
 * the image's non-root user, runs {@code hello} with the bundled interpreter. A second build with
 * only the application's code changed differs in the top layer only.
 *
 * <p>No network: the base image is {@link HostRootfsImage}, a fixture built here from this
 * machine's files (dash, a few coreutils, and the shared libraries the host Python 3.11 and its
 * extension modules need), given as {@code [tool.packyard.oci] base = "archive:..."} in a copy
 * of the example. Needs skopeo, umoci, chroot and root.
 */
@Tag("system")
class OciSystemTest {
    private static final Path HOST_PYTHON = Path.of("/root/.pyenv/versions/3.11.7");

    @TempDir
    static Path tmp;

    static Path image;
    static Path changedImage;

    @BeforeAll
    static void build() throws Exception {
        List<Path> elfs = new ArrayList<>(List.of(HOST_PYTHON.resolve("bin/python3.11")));
        try (Stream<Path> s = Files.list(HOST_PYTHON.resolve("lib/python3.11/lib-dynload"))) {
            s.filter(p -> p.toString().endsWith(".so")).sorted().forEach(elfs::add);
        }
        Path base = HostRootfsImage.ociArchive(Files.createDirectories(tmp.resolve("base")), elfs);

        Path project = copy(Builds.REPO.resolve("examples/hello-cli"), tmp.resolve("hello-cli"));
        Files.writeString(project.resolve("pyproject.toml"), Files.readString(project.resolve("pyproject.toml"))
                + "\n[tool.packyard.oci]\nbase = \"archive:" + base + "\"\n");
        image = buildImage(project, tmp.resolve("out"));

        Path main = project.resolve("src/hello_cli/main.py");
        Files.writeString(main, Files.readString(main) + "\n# a change to the application only\n");
        changedImage = buildImage(project, tmp.resolve("out-changed"));
    }

    private static Path buildImage(Path project, Path out) {
        Builds.Cli r = Builds.cli("build", project.toString(), "--out", out.toString(), "--source-date-epoch",
                Long.toString(Builds.EPOCH), "--python", "host:3.11", "--format", "oci", "--quiet");
        assertThat(r.exit()).as(r.err()).isZero();
        Path file = out.resolve("hello-cli-1.0.0-linux-x86_64.oci.tar");
        assertThat(file).isRegularFile();
        return file;
    }

    /** {@code --push}: the image the CLI pushes is the one it wrote (same digest, reproducible build). */
    @Test
    void pushesTheImageToARegistry() throws Exception {
        try (io.packyard.testkit.LocalRegistry registry = io.packyard.testkit.LocalRegistry.start(
                Files.createDirectories(tmp.resolve("registry")))) {
            String ref = registry.host() + "/packyard/hello-cli:1.0.0";
            Builds.Cli r = Builds.cli("build", tmp.resolve("hello-cli").toString(), "--out", tmp.resolve("out-pushed").toString(),
                    "--source-date-epoch", Long.toString(Builds.EPOCH), "--python", "host:3.11", "--format", "oci",
                    "--push", ref, "--quiet");
            assertThat(r.exit()).as(r.err()).isZero();
            String archiveDigest = digest(Sh.run("skopeo", "inspect", "oci-archive:" + changedImage).ok().output());
            assertThat(r.out()).contains("pushed " + ref + "@" + archiveDigest);
            String pushed = digest(Sh.run("skopeo", "inspect", "--tls-verify=false", "docker://" + ref).ok().output());
            assertThat(pushed).isEqualTo(archiveDigest);
        }
        Builds.Cli refused = Builds.cli("build", tmp.resolve("hello-cli").toString(), "--format", "deb", "--push",
                "127.0.0.1:1/x:1", "--quiet");
        assertThat(refused.exit()).isEqualTo(2);
        assertThat(refused.err()).contains("--push: only an OCI image can be pushed; add --format oci");
    }

    private static String digest(String skopeoJson) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"Digest\":\\s*\"(sha256:[0-9a-f]{64})\"")
                .matcher(skopeoJson);
        assertThat(m.find()).as(skopeoJson).isTrue();
        return m.group(1);
    }

    @Test
    void skopeoReadsTheImage() {
        String config = Sh.run("skopeo", "inspect", "--config", "oci-archive:" + image).ok().output()
                .replaceAll("\\n\\s*", "").replace("\": ", "\":");
        assertThat(config).contains("\"User\":\"10001:10001\"")
                .contains("\"Entrypoint\":[\"/opt/packyard-examples/hello-cli/bin/hello\"]")
                .contains("\"org.opencontainers.image.title\":\"Hello CLI\"")
                .contains("\"org.opencontainers.image.version\":\"1.0.0\"")
                .contains("\"org.opencontainers.image.vendor\":\"Packyard Examples\"")
                .contains("\"org.opencontainers.image.licenses\":\"MIT\"")
                .contains("PATH=/opt/packyard-examples/hello-cli/bin:");
        // base, account, interpreter, dependencies (greetlib), application
        assertThat(layers(image)).hasSize(5);
    }

    @Test
    void theUnpackedImageRunsHelloAsItsUser() throws Exception {
        Path layout = Files.createDirectories(tmp.resolve("layout"));
        Sh.run("tar", "-C", layout.toString(), "-xf", image.toString()).ok();
        String index = Files.readString(layout.resolve("index.json"));
        Matcher ref = Pattern.compile("\"org.opencontainers.image.ref.name\":\"([^\"]+)\"").matcher(index);
        assertThat(ref.find()).as(index).isTrue();
        Path unpacked = tmp.resolve("unpacked");
        Sh.run("umoci", "unpack", "--image", layout + ":" + ref.group(1), unpacked.toString()).ok();
        String runtime = Files.readString(unpacked.resolve("config.json"));
        assertThat(runtime).containsPattern("\"uid\":\\s*10001").containsPattern("\"gid\":\\s*10001")
                .contains("/opt/packyard-examples/hello-cli/bin/hello");

        // what a container runtime does, in a private mount namespace (gone when it exits): /proc
        // and /dev mounted in the root file system, then the entry point run in it as the user
        Path rootfs = unpacked.resolve("rootfs");
        Sh.Result r = Sh.runClean(Map.of("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"), "unshare", "--mount", "sh", "-c",
                "mount -t proc proc \"$0/proc\" && mount --rbind /dev \"$0/dev\""
                        + " && exec chroot --userspec=10001:10001 \"$0\" \"$@\"",
                rootfs.toString(), "/opt/packyard-examples/hello-cli/bin/hello", "--name", "container").ok();
        assertThat(r.output()).contains("Hello, container!").contains("Python 3.11.7");
        // the interpreter's symlinks stayed symlinks
        assertThat(rootfs.resolve("opt/packyard-examples/hello-cli/python/bin/python3")).isSymbolicLink();
    }

    @Test
    void changingTheApplicationChangesOnlyTheTopLayer() {
        List<String> before = layers(image);
        List<String> after = layers(changedImage);
        assertThat(after).hasSameSizeAs(before);
        assertThat(after.subList(0, after.size() - 1)).isEqualTo(before.subList(0, before.size() - 1));
        assertThat(after.get(after.size() - 1)).isNotEqualTo(before.get(before.size() - 1));
    }

    /** The layer digests skopeo reports, bottom to top. */
    private static List<String> layers(Path image) {
        String inspect = Sh.run("skopeo", "inspect", "oci-archive:" + image).ok().output();
        Matcher m = Pattern.compile("\"Layers\":\\s*\\[([^\\]]*)\\]").matcher(inspect);
        assertThat(m.find()).as(inspect).isTrue();
        List<String> out = new ArrayList<>();
        Matcher d = Pattern.compile("sha256:[0-9a-f]{64}").matcher(m.group(1));
        while (d.find()) {
            out.add(d.group());
        }
        return out;
    }

    private static Path copy(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path rel = from.relativize(p);
                if (rel.toString().contains("build") || rel.toString().endsWith(".egg-info")) {
                    continue; // setuptools leftovers of other builds
                }
                Path t = to.resolve(rel.toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        return to;
    }
}
