package io.packyard.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.repository.auth.Permission;
import io.packyard.repository.index.IndexSpec;
import io.packyard.testkit.TestDistributions;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Broken and hostile uploads are refused with a clear reason, and nothing of them is stored. */
class BadUploadsTest {

    @TempDir
    static Path dir;

    static PackyardServer server;
    static TestClient client;
    static String token;

    @BeforeAll
    static void start() {
        server = PackyardServer.builder().dataDir(dir.resolve("data")).port(0).log(new RecordingLog())
                .defaultMaxUploadBytes(256 << 10).build().start();
        server.repository().indexes().create(IndexSpec.hosted("main"));
        token = server.repository().tokens().create("ci", "main", Optional.empty(), Permission.UPLOAD, Optional.empty(),
                Optional.empty()).secret();
        client = new TestClient(server.url());
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    @AfterEach
    void nothingStored() throws Exception {
        assertThat(server.repository().blobs().list()).isEmpty();
        assertThat(server.repository().blobs().tempFiles()).isEmpty();
        assertThat(server.repository().catalog().projects(server.repository().indexes().require("main"))).isEmpty();
    }

    private static String refused(Path file, String name, String version, int status) throws Exception {
        HttpResponse<byte[]> r = client.upload("main/", token, file, TestClient.twineFields(file, name, version));
        String text = TestClient.text(r);
        System.err.println("refused " + file.getFileName() + ": " + r.statusCode() + " " + text.strip());
        assertThat(r.statusCode()).as(text).isEqualTo(status);
        assertThat(text.strip().lines().count()).isEqualTo(1);
        return text;
    }

    @Test
    void corruptZip() throws Exception {
        Path good = TestDistributions.wheel("corrupt", "1.0").build(dir.resolve("corrupt"));
        byte[] b = Files.readAllBytes(good);
        Files.write(good, Arrays.copyOf(b, b.length / 2));
        assertThat(refused(good, "corrupt", "1.0", 400)).contains("corrupt-1.0-py3-none-any.whl".replace("corrupt-", "corrupt-"))
                .containsIgnoringCase("zip");
    }

    @Test
    void zipSlip() throws Exception {
        Path w = TestDistributions.wheel("slip", "1.0").rawMember("../../evil.py", "import os\n").build(dir.resolve("slip"));
        assertThat(refused(w, "slip", "1.0", 400)).contains("../../evil.py");
    }

    @Test
    void zipBomb() throws Exception {
        Path w = TestDistributions.wheel("bomb", "1.0").zeros("bomb/zeros.bin", 64L << 20).build(dir.resolve("bomb"));
        assertThat(Files.size(w)).isLessThan(256 << 10);
        assertThat(refused(w, "bomb", "1.0", 400)).containsIgnoringCase("compress");
    }

    @Test
    void metadataNameDoesNotMatchTheFilename() throws Exception {
        Path w = TestDistributions.wheel("honest", "1.0").metadataName("impostor").build(dir.resolve("name"));
        assertThat(refused(w, "honest", "1.0", 400)).contains("impostor");
    }

    @Test
    void overTheSizeLimit() throws Exception {
        byte[] noise = new byte[400 << 10];
        new Random(1).nextBytes(noise);
        String text = new String(Base64Chars.encode(noise));
        Path w = TestDistributions.wheel("huge", "1.0").file("huge/data.txt", text).build(dir.resolve("huge"));
        assertThat(Files.size(w)).isGreaterThan(256 << 10);
        assertThat(refused(w, "huge", "1.0", 413)).contains("too large").contains("256 KiB");
    }

    @Test
    void nonNormalizedSdistName() throws Exception {
        Path s = TestDistributions.sdist("Odd.Name", "1.0").filename("Odd.Name-1.0.tar.gz").build(dir.resolve("sdist"));
        assertThat(refused(s, "Odd.Name", "1.0", 400)).contains("Odd.Name-1.0.tar.gz");
    }

    /** Printable but incompressible text. */
    static final class Base64Chars {
        static char[] encode(byte[] b) {
            return java.util.Base64.getEncoder().encodeToString(b).toCharArray();
        }
    }
}
