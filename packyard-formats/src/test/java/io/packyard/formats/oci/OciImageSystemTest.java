package io.packyard.formats.oci;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.bundle.Bundle;
import io.packyard.bundle.OciOptions;
import io.packyard.formats.testkit.Cmd;
import io.packyard.python.json.Json;
import io.packyard.python.util.Progress;
import io.packyard.testkit.HostRootfsImage;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image as the container tools see it: skopeo reads its configuration and layers, umoci
 * unpacks it into a runtime bundle, and the unpacked root file system, entered with chroot as
 * the image's user, runs the image's entry point. The base is {@link HostRootfsImage}, a fixture
 * made from this machine's files; a local registry (Debian's docker-registry, on 127.0.0.1)
 * receives a push. Needs skopeo, umoci, docker-registry, chroot and root.
 */
@Tag("system")
class OciImageSystemTest {
    @TempDir
    static Path dir;

    static Bundle bundle;
    static Path image;
    static OciFixture.Archive archive;

    @BeforeAll
    static void build() throws Exception {
        Path base = HostRootfsImage.ociArchive(Files.createDirectories(dir.resolve("base")), List.of());
        bundle = OciFixture.bundle(dir.resolve("bundle"), "GREETING = 'system'\n");
        image = OciFixture.build(bundle, base, dir.resolve("fixture.oci.tar"));
        archive = OciFixture.Archive.read(image);
    }

    @Test
    void skopeoReadsConfigurationLayersUserAndEntryPoint() {
        Map<String, Object> inspect = json(Cmd.run("skopeo", "inspect", "oci-archive:" + image).ok().stdout());
        assertThat(inspect.get("Digest")).isEqualTo(archive.manifestDigest());
        assertThat(inspect.get("Os")).isEqualTo("linux");
        assertThat(inspect.get("Architecture")).isEqualTo(HostRootfsImage.architecture());
        assertThat((List<?>) inspect.get("Layers")).hasSize(5).isEqualTo(archive.layerDigests());
        assertThat((Map<String, Object>) cast(inspect.get("Labels")))
                .containsEntry("org.opencontainers.image.title", "Demo")
                .containsEntry("org.opencontainers.image.version", "1.0");

        Map<String, Object> config = json(Cmd.run("skopeo", "inspect", "--config", "oci-archive:" + image).ok().stdout());
        Map<String, Object> c = cast(config.get("config"));
        assertThat(c.get("User")).isEqualTo("10001:10001");
        assertThat(c.get("Entrypoint")).isEqualTo(List.of(
                bundle.metadata().layout().installPrefix() + "/bin/" + OciFixture.command()));
    }

    @Test
    void umociUnpacksItAndTheRootFileSystemRunsTheCommandAsTheUser() throws Exception {
        Path layout = Files.createDirectories(dir.resolve("layout"));
        Cmd.run("tar", "-C", layout.toString(), "-xf", image.toString()).ok();
        String ref = refName();
        Path unpacked = dir.resolve("unpacked");
        Cmd.run("umoci", "unpack", "--image", layout + ":" + ref, unpacked.toString()).ok();

        Map<String, Object> runtime = json(Files.readString(unpacked.resolve("config.json")));
        Map<String, Object> process = cast(runtime.get("process"));
        Map<String, Object> user = cast(process.get("user"));
        assertThat(((Number) user.get("uid")).intValue()).isEqualTo(10001);
        assertThat(((Number) user.get("gid")).intValue()).isEqualTo(10001);
        @SuppressWarnings("unchecked")
        List<String> args = (List<String>) process.get("args");
        assertThat(args).containsExactly(bundle.metadata().layout().installPrefix() + "/bin/" + OciFixture.command());
        assertThat(process.get("cwd")).isEqualTo("/home/app");

        Path rootfs = unpacked.resolve("rootfs");
        assertThat(rootfs.resolve(OciFixture.prefix(bundle) + "/python/bin/python")).isSymbolicLink();
        assertThat(Files.getOwner(rootfs.resolve("home/app")).getName()).isIn("10001", "app");

        // chroot into the unpacked image as its user, with its environment, and run its entry point
        @SuppressWarnings("unchecked")
        List<String> env = (List<String>) process.get("env");
        String path = env.stream().filter(e -> e.startsWith("PATH=")).findFirst().orElseThrow().substring(5);
        List<String> run = List.of("chroot", "--userspec=10001:10001", rootfs.toString(), "/bin/sh", "-c",
                "cd /home/app && PATH=" + path + " exec \"$0\" \"$@\"", args.get(0), "one", "two words");
        Cmd.Result r = Cmd.run(run, Map.of(), null).ok();
        assertThat(r.stdout()).isEqualTo("fixture python: -m hello one two words\n");

        // the command is on the image's PATH; the user has a name and a writable home
        r = Cmd.run(List.of("chroot", "--userspec=10001:10001", rootfs.toString(), "/bin/sh", "-c",
                "PATH=" + path + "; " + OciFixture.command() + " x && id -un && id -u && : > /home/app/w && echo ok"),
                Map.of(), null).ok();
        assertThat(r.stdout()).isEqualTo("fixture python: -m hello x\napp\n10001\nok\n");
    }

    @Test
    void aPushToALocalRegistryGivesTheArchivesDigest() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path storage = Files.createDirectories(dir.resolve("registry"));
        Path config = dir.resolve("registry.yml");
        Files.writeString(config, "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: "
                + storage + "\nhttp:\n  addr: 127.0.0.1:" + port + "\n");
        Process registry = new ProcessBuilder("docker-registry", "serve", config.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile()).start();
        try {
            waitForRegistry(port, registry);
            String ref = "127.0.0.1:" + port + "/packyard/fixture:1.0";
            String digest = new OciFormat(OciFixture.options(dir.resolve("base/base-oci.tar")), Map.of())
                    .push(bundle, ref, Optional.empty(), true, Progress.NONE);
            assertThat(digest).isEqualTo(archive.manifestDigest());
            Map<String, Object> inspect = json(Cmd.run("skopeo", "inspect", "--tls-verify=false", "docker://" + ref)
                    .ok().stdout());
            assertThat(inspect.get("Digest")).isEqualTo(archive.manifestDigest());
            assertThat((List<?>) inspect.get("Layers")).isEqualTo(archive.layerDigests());

            // and a registry image serves as base: pulled by jib (loopback registries may be plain HTTP)
            Bundle next = OciFixture.bundle(dir.resolve("bundle-on-registry"), "GREETING = 'pulled'\n");
            Path stacked = dir.resolve("stacked.oci.tar");
            new OciFormat(OciOptions.defaults().withBase(new OciOptions.RegistryBase(ref)),
                    Map.of("HOME", dir.resolve("home").toString()))
                    .write(next, stacked, Progress.NONE);
            OciFixture.Archive s = OciFixture.Archive.read(stacked);
            assertThat(s.layerDigests()).hasSize(9);
            assertThat(s.layerDigests().subList(0, 5)).isEqualTo(archive.layerDigests());
            Map<String, Object> c = cast(s.config().get("config"));
            Map<String, Object> labels = cast(c.get("Labels"));
            assertThat(labels).containsEntry("org.opencontainers.image.base.name", ref);
        } finally {
            registry.destroy();
            registry.waitFor();
        }
    }

    private static void waitForRegistry(int port, Process registry) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (!registry.isAlive()) {
                throw new AssertionError("docker-registry exited: " + Files.readString(dir.resolve("registry.log")));
            }
            try {
                HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/v2/").toURL().openConnection();
                c.setConnectTimeout(500);
                if (c.getResponseCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // starting
            }
            Thread.sleep(100);
        }
        throw new AssertionError("docker-registry did not start: " + Files.readString(dir.resolve("registry.log")));
    }

    private static String refName() {
        List<Map<String, Object>> manifests = cast(archive.json("index.json").get("manifests"));
        Map<String, Object> annotations = cast(manifests.get(0).get("annotations"));
        return (String) annotations.get("org.opencontainers.image.ref.name");
    }

    private static Map<String, Object> json(String text) {
        return Json.parseObject(text, "tool output");
    }

    @SuppressWarnings("unchecked")
    private static <T> T cast(Object o) {
        return (T) o;
    }
}
