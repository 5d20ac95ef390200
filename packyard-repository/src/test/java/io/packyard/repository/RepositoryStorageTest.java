package io.packyard.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.packyard.python.PackyardException;
import io.packyard.python.upload.UploadForm;
import io.packyard.python.upload.UploadRejectedException;
import io.packyard.repository.auth.Access;
import io.packyard.repository.auth.ApiToken;
import io.packyard.repository.auth.Permission;
import io.packyard.repository.auth.Tokens;
import io.packyard.repository.index.HostedFile;
import io.packyard.repository.index.IndexConfig;
import io.packyard.repository.index.IndexSpec;
import io.packyard.repository.index.PageFile;
import io.packyard.repository.index.ProjectPage;
import io.packyard.repository.storage.BlobStore;
import io.packyard.repository.upload.Uploads;
import io.packyard.testkit.SettableClock;
import io.packyard.testkit.TestDistributions;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Indexes, tokens, uploads and maintenance on both database backends. */
class RepositoryStorageTest {

    @TempDir
    Path dir;

    private final SettableClock clock = new SettableClock(Instant.parse("2025-06-01T10:00:00Z"));

    private Repository open(Backends backend) {
        return backend.open(dir.resolve("data"), clock, w -> { });
    }

    static UploadForm form(Path file, String name, String version, String filetype) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        return UploadForm.builder()
                .field(":action", "file_upload")
                .field("protocol_version", "1")
                .field("metadata_version", "2.1")
                .field("name", name)
                .field("version", version)
                .field("filetype", filetype)
                .field("pyversion", filetype.equals("sdist") ? "source" : "py3")
                .field("sha256_digest", hex("SHA-256", bytes))
                .field("md5_digest", hex("MD5", bytes))
                .filename(file.getFileName().toString())
                .build();
    }

    static String hex(String alg, byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(alg).digest(b));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static Uploads.Result upload(Repository repo, IndexConfig index, Optional<ApiToken> token, Path file, String name,
            String version, String filetype) throws IOException {
        try (BlobStore.Staged staged = repo.blobs().stage(repo.uploads().maxBytes(index))) {
            byte[] bytes = Files.readAllBytes(file);
            staged.write(bytes, 0, bytes.length);
            return repo.uploads().store(index, token, form(file, name, version, filetype), staged);
        }
    }

    @ParameterizedTest
    @MethodSource("io.packyard.repository.Backends#all")
    void indexesAreValidated(Backends backend) {
        try (Repository repo = open(backend)) {
            repo.indexes().create(IndexSpec.hosted("main"));
            repo.indexes().create(IndexSpec.mirror("pypi", URI.create("https://pypi.org/simple")));
            IndexConfig group = repo.indexes().create(IndexSpec.group("all", List.of("main", "pypi"))
                    .withAllowUpstream(Set.of("Shared_Name")));
            assertThat(group.members()).containsExactly("main", "pypi");
            assertThat(group.allowUpstream()).containsExactly("shared-name");
            assertThat(repo.indexes().require("pypi").upstream()).contains(URI.create("https://pypi.org/simple/"));
            assertThat(repo.indexes().list()).extracting(IndexConfig::name).containsExactly("all", "main", "pypi");

            assertThatThrownBy(() -> repo.indexes().create(IndexSpec.hosted("main")))
                    .isInstanceOf(PackyardException.class).hasMessage("index 'main' already exists");
            assertThatThrownBy(() -> repo.indexes().create(IndexSpec.hosted("Bad Name")))
                    .hasMessageContaining("use lower-case letters");
            assertThatThrownBy(() -> repo.indexes().create(IndexSpec.hosted("api")))
                    .hasMessageContaining("reserved");
            assertThatThrownBy(() -> repo.indexes().create(IndexSpec.group("g2", List.of("all"))))
                    .hasMessageContaining("is a group");
            assertThatThrownBy(() -> repo.indexes().create(IndexSpec.group("g3", List.of("nope"))))
                    .hasMessageContaining("member 'nope' does not exist");
            assertThatThrownBy(() -> repo.indexes().create(IndexSpec.mirror("m2", URI.create("ftp://x/simple/"))))
                    .hasMessageContaining("expected an http(s) URL");
        }
    }

    @ParameterizedTest
    @MethodSource("io.packyard.repository.Backends#all")
    void tokensAuthenticateExpireAndRevoke(Backends backend) {
        try (Repository repo = open(backend)) {
            IndexConfig main = repo.indexes().create(IndexSpec.hosted("main"));
            IndexConfig other = repo.indexes().create(IndexSpec.hosted("other"));
            Tokens.Created t = repo.tokens().create("alice", "main", Optional.of("Demo_App"), Permission.UPLOAD,
                    Optional.of(Duration.ofDays(1)), Optional.of("ci"));
            assertThat(t.secret()).startsWith("pyd_").hasSize(59);
            assertThat(t.token().project()).contains("demo-app");
            ApiToken auth = repo.tokens().authenticate(t.secret());
            assertThat(auth.user()).isEqualTo("alice");
            assertThat(auth.index()).isEqualTo("main");

            assertThat(Access.write(main, Optional.of(auth), Permission.UPLOAD, "demo-app"))
                    .isInstanceOf(Access.Decision.Allowed.class);
            assertThat(Access.write(main, Optional.of(auth), Permission.UPLOAD, "other-app"))
                    .isInstanceOf(Access.Decision.Forbidden.class);
            assertThat(Access.write(main, Optional.of(auth), Permission.MAINTAIN, "demo-app"))
                    .isInstanceOf(Access.Decision.Forbidden.class);
            assertThat(Access.write(other, Optional.of(auth), Permission.UPLOAD, "demo-app"))
                    .isInstanceOf(Access.Decision.Forbidden.class);
            assertThat(Access.write(main, Optional.empty(), Permission.UPLOAD, "demo-app"))
                    .isInstanceOf(Access.Decision.Unauthenticated.class);

            // a wrong secret with a real public id, a malformed token, an unknown one
            String wrong = t.secret().substring(0, 20) + (t.secret().charAt(20) == 'A' ? 'B' : 'A') + t.secret().substring(21);
            assertThatThrownBy(() -> repo.tokens().authenticate(wrong)).isInstanceOf(Tokens.InvalidTokenException.class);
            assertThatThrownBy(() -> repo.tokens().authenticate("hunter2")).isInstanceOf(Tokens.InvalidTokenException.class);

            clock.advance(Duration.ofDays(2));
            assertThatThrownBy(() -> repo.tokens().authenticate(t.secret())).hasMessageContaining("expired");

            Tokens.Created t2 = repo.tokens().create("bob", "main", Optional.empty(), Permission.MAINTAIN,
                    Optional.empty(), Optional.empty());
            repo.tokens().authenticate(t2.secret());
            repo.tokens().revoke(t2.token().publicId());
            assertThatThrownBy(() -> repo.tokens().authenticate(t2.secret())).hasMessageContaining("revoked");
            assertThatThrownBy(() -> repo.tokens().revoke(t2.token().publicId())).hasMessageContaining("already revoked");
            assertThat(repo.tokens().list()).extracting(ApiToken::user).containsExactly("alice", "bob");
            // only the hash is stored
            String stored = repo.database().jdbi().withHandle(h -> h.createQuery(
                    "SELECT secret_sha256 FROM api_token WHERE public_id = :p").bind("p", t.token().publicId())
                    .mapTo(String.class).one()).strip();
            assertThat(t.secret()).doesNotContain(stored);
            assertThat(stored).hasSize(64);
        }
    }

    @ParameterizedTest
    @MethodSource("io.packyard.repository.Backends#all")
    void uploadsAreStoredIdempotentAndNeverOverwritten(Backends backend) throws Exception {
        try (Repository repo = open(backend)) {
            IndexConfig main = repo.indexes().create(IndexSpec.hosted("main"));
            Optional<ApiToken> token = Optional.of(repo.tokens().authenticate(repo.tokens().create("ci", "main",
                    Optional.empty(), Permission.MAINTAIN, Optional.empty(), Optional.empty()).secret()));
            Path whl = TestDistributions.wheel("Demo_App", "1.0").requires("helper>=1.0").requiresPython(">=3.8")
                    .build(dir.resolve("d1"));
            Uploads.Result r = upload(repo, main, token, whl, "Demo_App", "1.0", "bdist_wheel");
            assertThat(r.outcome()).isEqualTo(Uploads.Outcome.STORED);
            HostedFile f = r.file();
            assertThat(f.project()).isEqualTo("demo-app");
            assertThat(f.requiresPython()).contains(">=3.8");
            assertThat(repo.blobs().pathOf(f.sha256())).hasSameBinaryContentAs(whl);
            assertThat(f.metadataSha256()).isPresent();
            String metadata = Files.readString(repo.blobs().pathOf(f.metadataSha256().get()));
            assertThat(metadata).contains("Requires-Dist: helper>=1.0");

            // identical re-upload: accepted, nothing new
            assertThat(upload(repo, main, token, whl, "Demo_App", "1.0", "bdist_wheel").outcome())
                    .isEqualTo(Uploads.Outcome.IDENTICAL);
            // other content under the same name: refused
            Path other = TestDistributions.wheel("Demo_App", "1.0").file("demo_app/extra.py", "X = 1\n")
                    .build(dir.resolve("d2"));
            assertThatThrownBy(() -> upload(repo, main, token, other, "Demo_App", "1.0", "bdist_wheel"))
                    .isInstanceOf(UploadRejectedException.class).hasMessageStartingWith("File already exists");

            ProjectPage page = repo.catalog().page(main, "demo-app").orElseThrow();
            assertThat(page.files()).extracting(PageFile::filename).containsExactly(whl.getFileName().toString());
            assertThat(page.versions()).containsExactly("1.0");
            assertThat(page.files().get(0).size()).hasValue(Files.size(whl));

            // one sdist per release
            Path sdist = TestDistributions.sdist("demo-app", "1.0").build(dir.resolve("s1"));
            upload(repo, main, token, sdist, "demo-app", "1.0", "sdist");
            // 1.0.0 is the same release as 1.0 (PEP 440): a second sdist of it is refused
            Path sdist2 = TestDistributions.sdist("demo-app", "1.0.0").build(dir.resolve("s2"));
            assertThatThrownBy(() -> upload(repo, main, token, sdist2, "demo-app", "1.0.0", "sdist"))
                    .isInstanceOf(UploadRejectedException.class).hasMessageStartingWith("Only one sdist");

            // yank with a reason, un-yank, delete: the name is never usable again
            HostedFile y = repo.hostedFiles().setYanked(main, "demo-app", whl.getFileName().toString(), Optional.of("broken"));
            assertThat(y.yanked()).contains("broken");
            assertThat(repo.catalog().page(main, "demo-app").orElseThrow().files().get(0).yanked()).contains("broken");
            assertThat(repo.hostedFiles().setYanked(main, "demo-app", whl.getFileName().toString(), Optional.empty())
                    .yanked()).isEmpty();
            repo.hostedFiles().delete(main, "demo-app", whl.getFileName().toString());
            assertThat(repo.catalog().page(main, "demo-app").orElseThrow().files())
                    .extracting(PageFile::filename).containsExactly(sdist.getFileName().toString());
            assertThatThrownBy(() -> upload(repo, main, token, whl, "Demo_App", "1.0", "bdist_wheel"))
                    .isInstanceOf(UploadRejectedException.class).hasMessageContaining("already been used");
        }
    }

    @ParameterizedTest
    @MethodSource("io.packyard.repository.Backends#all")
    void projectLimitedTokenCannotUploadAnotherProjectEvenWithAFalseFormName(Backends backend) throws Exception {
        try (Repository repo = open(backend)) {
            IndexConfig main = repo.indexes().create(IndexSpec.hosted("main"));
            Optional<ApiToken> token = Optional.of(repo.tokens().authenticate(repo.tokens().create("ci", "main",
                    Optional.of("allowed"), Permission.UPLOAD, Optional.empty(), Optional.empty()).secret()));
            Path whl = TestDistributions.wheel("intruder", "1.0").build(dir);
            assertThatThrownBy(() -> upload(repo, main, token, whl, "intruder", "1.0", "bdist_wheel"))
                    .isInstanceOfSatisfying(UploadRejectedException.class, e -> assertThat(e.status()).isEqualTo(403));
            assertThat(repo.blobs().list()).isEmpty();
        }
    }
}
