package io.packyard.python.upload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.packyard.python.PackyardException;
import io.packyard.python.index.Hashes;
import io.packyard.python.util.Progress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link UploadClient} against {@link FakeUploadIndex}, a com.sun.net.httpserver stand-in for the
 * real {@code packyard serve} upload endpoint (being written concurrently) that parses the
 * multipart body and, by default, runs the real validator on what arrived.
 */
class UploadClientTest {

    static final String TOKEN = "pypi-AgEIcHlwaS5vcmc";
    static final String AUTH = "Basic " + Base64.getEncoder()
            .encodeToString(("__token__:" + TOKEN).getBytes(StandardCharsets.UTF_8));
    static final String WHEEL = "foo_bar-1.0-py3-none-any.whl";
    static final String SDIST = "foo_bar-1.0.tar.gz";

    @TempDir
    Path tmp;

    FakeUploadIndex index;
    Path wheel;
    Path sdist;
    byte[] wheelBytes;

    @BeforeEach
    void setUp() throws Exception {
        Files.createDirectories(tmp.resolve("server"));
        index = new FakeUploadIndex(tmp.resolve("server"), AUTH);
        Path dist = Files.createDirectories(tmp.resolve("dist"));
        String md = UploadFixtures.metadata("Foo.Bar", "1.0",
                "Classifier: Programming Language :: Python :: 3",
                "Classifier: License :: OSI Approved :: MIT License",
                "Project-URL: Homepage, https://example.org/foo",
                "Description-Content-Type: text/markdown");
        wheelBytes = UploadFixtures.wheel("foo_bar", "1.0", md, UploadFixtures.packageFiles("foo_bar"), r -> r).toBytes();
        wheel = Files.write(dist.resolve(WHEEL), wheelBytes);
        sdist = Files.write(dist.resolve(SDIST), UploadFixtures.validSdist().tarGz());
    }

    @AfterEach
    void tearDown() {
        index.close();
    }

    private UploadClient.Builder client() {
        return UploadClient.builder().repositoryUrl(index.url()).token(TOKEN).retryBackoff(Duration.ofMillis(10));
    }

    @Test
    void wheelUploadSendsWhatTwineSends() throws Exception {
        UploadResult r = client().build().upload(wheel);

        assertThat(r.outcome()).as(r.toString()).isEqualTo(UploadResult.Outcome.UPLOADED);
        assertThat(r.status()).isEqualTo(200);
        assertThat(index.received).hasSize(1);
        FakeUploadIndex.Received got = index.received.get(0);
        assertThat(got.header("Authorization")).isEqualTo(AUTH);
        assertThat(Long.parseLong(got.header("Content-Length"))).isEqualTo(got.rawLength());
        assertThat(got.one(":action")).isEqualTo("file_upload");
        assertThat(got.one("protocol_version")).isEqualTo("1");
        assertThat(got.one("name")).isEqualTo("Foo.Bar");
        assertThat(got.one("version")).isEqualTo("1.0");
        assertThat(got.one("filetype")).isEqualTo("bdist_wheel");
        assertThat(got.one("pyversion")).isEqualTo("py3");
        assertThat(got.one("metadata_version")).isEqualTo("2.1");
        assertThat(got.one("summary")).isEqualTo("A package for tests");
        assertThat(got.one("requires_python")).isEqualTo(">=3.8");
        assertThat(got.all("requires_dist")).containsExactly("requests (>=2.0)");
        assertThat(got.all("classifiers")).containsExactly("Programming Language :: Python :: 3",
                "License :: OSI Approved :: MIT License");
        assertThat(got.all("project_urls")).containsExactly("Homepage, https://example.org/foo");
        assertThat(got.one("description_content_type")).isEqualTo("text/markdown");
        assertThat(got.one("description")).isEqualTo("Long description.\n");
        // the file arrives intact, and every digest describes it
        assertThat(got.filename()).isEqualTo(WHEEL);
        assertThat(got.content()).isEqualTo(wheelBytes);
        assertThat(got.one("sha256_digest")).isEqualTo(Hashes.sha256(wheelBytes));
        assertThat(got.one("md5_digest")).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(wheelBytes)));
        Blake2b b = Blake2b.blake2b256();
        b.update(wheelBytes);
        assertThat(got.one("blake2_256_digest")).isEqualTo(HexFormat.of().formatHex(b.digest()));
        // the content part comes last, after every field, as twine sends it
        assertThat(got.fields().get(got.fields().size() - 1).getKey()).isEqualTo("protocol_version");
        assertThat(index.stored).containsKey(WHEEL);
    }

    @Test
    void sdistUploadIsSourceTyped() {
        UploadResult r = client().build().upload(sdist);
        assertThat(r.outcome()).as(r.toString()).isEqualTo(UploadResult.Outcome.UPLOADED);
        FakeUploadIndex.Received got = index.received.get(0);
        assertThat(got.one("filetype")).isEqualTo("sdist");
        assertThat(got.one("pyversion")).isEqualTo("source");
        assertThat(got.filename()).isEqualTo(SDIST);
    }

    @Test
    void usernameAndPasswordGoInTheBasicHeader() {
        index.script = r -> {
            String expected = "Basic " + Base64.getEncoder().encodeToString("alice:s3cr\u00e9t".getBytes(StandardCharsets.UTF_8));
            return expected.equals(r.header("Authorization")) ? FakeUploadIndex.Answer.of(200, "OK")
                    : FakeUploadIndex.Answer.of(403, "bad credentials " + r.header("Authorization"));
        };
        UploadResult r = UploadClient.builder().repositoryUrl(index.url()).credentials("alice", "s3cr\u00e9t").build()
                .upload(wheel);
        assertThat(r.outcome()).as(r.toString()).isEqualTo(UploadResult.Outcome.UPLOADED);
    }

    @Test
    void wrongTokenIs403Rejected() {
        UploadResult r = client().token("pypi-wrong").build().upload(wheel);
        assertThat(r.outcome()).isEqualTo(UploadResult.Outcome.REJECTED);
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.message()).startsWith("Invalid or non-existent authentication information.");
        assertThat(r.toString()).startsWith(WHEEL + ": rejected (403): Invalid or non-existent");
    }

    @Test
    void serverRejectionIs400WithTheServersReason() {
        index.script = r -> FakeUploadIndex.Answer.of(400, "Invalid distribution file. Something the server dislikes.");
        UploadResult r = client().build().upload(wheel);
        assertThat(r.outcome()).isEqualTo(UploadResult.Outcome.REJECTED);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.message()).isEqualTo("Invalid distribution file. Something the server dislikes.");
        assertThat(index.requests.get()).isEqualTo(1);
    }

    @Test
    void sameFileTwiceIsIdempotent() {
        assertThat(client().build().upload(wheel).outcome()).isEqualTo(UploadResult.Outcome.UPLOADED);
        assertThat(client().build().upload(wheel).outcome()).isEqualTo(UploadResult.Outcome.UPLOADED);
    }

    @Test
    void existingFileIsRejectedUnlessSkipExisting() throws Exception {
        index.stored.put(WHEEL, "another file".getBytes(StandardCharsets.UTF_8));
        UploadResult r = client().build().upload(wheel);
        assertThat(r.outcome()).isEqualTo(UploadResult.Outcome.REJECTED);
        assertThat(r.message()).startsWith("File already exists ('" + WHEEL + "'");

        UploadResult skipped = client().skipExisting(true).build().upload(wheel);
        assertThat(skipped.outcome()).isEqualTo(UploadResult.Outcome.ALREADY_EXISTS);
        assertThat(skipped.ok()).isTrue();
        assertThat(skipped.toString()).isEqualTo(WHEEL + ": already exists, skipped");
    }

    @Test
    void skipExistingUnderstandsOtherIndexes() {
        assertThat(UploadClient.alreadyExists(409, "Conflict")).isTrue(); // pypiserver
        assertThat(UploadClient.alreadyExists(400, "Repository does not allow updating assets: pypi")).isTrue(); // Nexus
        assertThat(UploadClient.alreadyExists(403, "Not enough permissions to overwrite artifact")).isTrue(); // Artifactory
        assertThat(UploadClient.alreadyExists(400, "File name has already been taken")).isTrue(); // GitLab
        assertThat(UploadClient.alreadyExists(400, "Invalid distribution file.")).isFalse();
        assertThat(UploadClient.alreadyExists(403, "Invalid or non-existent authentication information.")).isFalse();

        index.script = r -> FakeUploadIndex.Answer.of(409, "Conflict");
        assertThat(client().skipExisting(true).build().upload(wheel).outcome())
                .isEqualTo(UploadResult.Outcome.ALREADY_EXISTS);
    }

    @Test
    void serverErrorsAreRetriedWithBackoff() {
        AtomicInteger calls = new AtomicInteger();
        index.script = r -> calls.incrementAndGet() <= 2 ? FakeUploadIndex.Answer.of(503, "busy") : null;
        UploadResult r = client().retries(3).build().upload(wheel);
        assertThat(r.outcome()).isEqualTo(UploadResult.Outcome.UPLOADED);
        assertThat(index.requests.get()).isEqualTo(3);
        // every attempt carried the whole file
        for (FakeUploadIndex.Received got : index.received) {
            assertThat(got.content()).isEqualTo(wheelBytes);
        }
    }

    @Test
    void persistentServerErrorIsARejectionAfterTheRetries() {
        index.script = r -> FakeUploadIndex.Answer.of(500, "Internal Server Error");
        UploadResult r = client().retries(2).build().upload(wheel);
        assertThat(r.outcome()).isEqualTo(UploadResult.Outcome.REJECTED);
        assertThat(r.status()).isEqualTo(500);
        assertThat(index.requests.get()).isEqualTo(3);
    }

    @Test
    void redirectsAreNotFollowed() {
        index.script = r -> new FakeUploadIndex.Answer(301, "text/plain", "", Map.of("Location", index.url() + "moved/"));
        UploadResult r = client().build().upload(wheel);
        assertThat(r.outcome()).isEqualTo(UploadResult.Outcome.REJECTED);
        assertThat(r.status()).isEqualTo(301);
        assertThat(r.message()).contains("redirected the upload to " + index.url() + "moved/");
        assertThat(index.requests.get()).isEqualTo(1);
    }

    @Test
    void htmlAndJsonErrorPagesGiveOneLine() {
        String pyramid = "<html>\n <head>\n  <title>400 File already exists</title>\n </head>\n <body>\n  <h1>400 Bad Request</h1>\n"
                + "  The server could not comply with the request since it is either malformed or otherwise incorrect.<br/><br/>\n"
                + "File already exists (&#x27;foo-1.0.tar.gz&#x27;).\n\n\n </body>\n</html>";
        assertThat(UploadClient.reason(400, "text/html", pyramid.getBytes(StandardCharsets.UTF_8)))
                .isEqualTo("File already exists ('foo-1.0.tar.gz').");
        assertThat(UploadClient.reason(400, "application/json", "{\"message\": \"bad \\\"thing\\\"\"}"
                .getBytes(StandardCharsets.UTF_8))).isEqualTo("bad \"thing\"");
        assertThat(UploadClient.reason(400, "text/plain", "a\n  b\r\n".getBytes(StandardCharsets.UTF_8))).isEqualTo("a b");
    }

    @Test
    void invalidFileIsRefusedBeforeSending() throws Exception {
        Path bad = Files.write(tmp.resolve("Foo-1.0-py3-none-any.whl"), wheelBytes);
        assertThatThrownBy(() -> client().build().upload(bad))
                .isInstanceOf(UploadRejectedException.class)
                .hasMessageContaining("should contain the normalized project name 'foo'");
        assertThat(index.requests.get()).isZero();
    }

    @Test
    void missingFileIsAConfigError() {
        assertThatThrownBy(() -> client().build().upload(tmp.resolve("nope.whl")))
                .isInstanceOfSatisfying(PackyardException.class, e -> assertThat(e.kind()).isEqualTo(PackyardException.Kind.CONFIG))
                .hasMessageContaining("nope.whl: no such file");
    }

    @Test
    void unreachableIndexFailsAfterRetries() {
        int port = index.port();
        index.close();
        UploadClient c = UploadClient.builder().repositoryUrl("http://127.0.0.1:" + port + "/legacy/").token(TOKEN)
                .retries(1).retryBackoff(Duration.ofMillis(10)).build();
        assertThatThrownBy(() -> c.upload(wheel))
                .isInstanceOfSatisfying(PackyardException.class, e -> assertThat(e.kind()).isEqualTo(PackyardException.Kind.BUILD))
                .hasMessageStartingWith("upload of " + WHEEL + " to http://127.0.0.1:" + port + "/legacy/ failed: ");
    }

    @Test
    void badRepositoryUrlsAreConfigErrors() {
        assertThatThrownBy(() -> UploadClient.builder().repositoryUrl("ftp://example.org/"))
                .hasMessageContaining("expected an http:// or https:// URL");
        assertThatThrownBy(() -> UploadClient.builder().repositoryUrl("https://user:pw@example.org/legacy/"))
                .hasMessageContaining("put credentials in a token");
        assertThatThrownBy(() -> UploadClient.builder().token("  ")).hasMessageContaining("token is empty");
        assertThatThrownBy(() -> UploadClient.builder().build()).hasMessageContaining("no repository URL");
    }

    @Test
    void progressReachesTheWholeRequest() {
        AtomicLong last = new AtomicLong();
        AtomicLong total = new AtomicLong();
        List<String> steps = new ArrayList<>();
        Progress p = new Progress() {
            @Override
            public void step(String message) {
                steps.add(message);
            }

            @Override
            public void advance(long done, long t) {
                last.set(done);
                total.set(t);
            }
        };
        client().progress(p).build().upload(wheel);
        assertThat(steps).singleElement().asString().startsWith("Uploading " + WHEEL);
        assertThat(last.get()).isEqualTo(total.get()).isEqualTo(index.received.get(0).rawLength());
    }

    @Test
    void fileNamesWithQuotesAreEscapedInTheHeader() {
        assertThat(UploadClient.quote("a\"b\r\nc")).isEqualTo("a%22b%0D%0Ac");
    }
}
