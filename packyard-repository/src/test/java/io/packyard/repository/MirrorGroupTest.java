package io.packyard.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.packyard.repository.auth.ApiToken;
import io.packyard.repository.auth.Permission;
import io.packyard.repository.index.Catalog;
import io.packyard.repository.index.IndexConfig;
import io.packyard.repository.index.IndexSpec;
import io.packyard.repository.index.PageFile;
import io.packyard.repository.index.ProjectPage;
import io.packyard.repository.index.UpstreamException;
import io.packyard.testkit.SettableClock;
import io.packyard.testkit.TestDistributions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Mirror caching (TTL, ETag revalidation, stale pages, verified files) and group merging. */
class MirrorGroupTest {

    @TempDir
    Path dir;

    private final SettableClock clock = new SettableClock(Instant.parse("2025-06-01T10:00:00Z"));
    private final List<String> warnings = Collections.synchronizedList(new ArrayList<>());

    @ParameterizedTest
    @MethodSource("io.packyard.repository.Backends#all")
    void mirrorCachesPagesForTheirTtlRevalidatesAndServesStaleWhenUpstreamFails(Backends backend) throws Exception {
        Path whl = TestDistributions.wheel("requests-lite", "2.0").build(dir.resolve("w"));
        byte[] content = Files.readAllBytes(whl);
        byte[] metadata = "Metadata-Version: 2.1\nName: requests-lite\nVersion: 2.0\n".getBytes();
        try (FakeUpstream up = new FakeUpstream();
                Repository repo = backend.open(dir.resolve("data"), clock, warnings::add)) {
            up.add("requests-lite", whl.getFileName().toString(), content, metadata);
            IndexConfig m = repo.indexes().create(IndexSpec.mirror("pypi", up.simpleUrl()).withPageTtl(Duration.ofMinutes(5)));

            ProjectPage page = repo.catalog().page(m, "requests-lite").orElseThrow();
            assertThat(page.files()).extracting(PageFile::filename).containsExactly(whl.getFileName().toString());
            PageFile f = page.files().get(0);
            assertThat(f.sha256()).isEqualTo(io.packyard.python.index.Hashes.sha256(content));
            assertThat(f.metadataSha256()).isPresent();
            assertThat(page.versions()).containsExactly("2.0");
            assertThat(up.count("GET /simple/requests-lite/")).isEqualTo(1);

            // within the TTL: upstream is not asked
            clock.advance(Duration.ofMinutes(4));
            repo.catalog().page(m, "requests-lite").orElseThrow();
            assertThat(up.count("GET /simple/requests-lite/")).isEqualTo(1);
            // after it: revalidated with the ETag (304)
            clock.advance(Duration.ofMinutes(2));
            repo.catalog().page(m, "requests-lite").orElseThrow();
            assertThat(up.requests).contains("GET /simple/requests-lite/ If-None-Match");

            // files and metadata: downloaded once, checked, kept
            Catalog.ServedBlob b = repo.catalog().file(m, f.sha256(), f.filename()).orElseThrow();
            assertThat(repo.blobs().pathOf(b.sha256())).hasBinaryContent(content);
            repo.catalog().file(m, f.sha256(), f.filename()).orElseThrow();
            assertThat(up.count("GET /files/" + f.filename())).isEqualTo(1);
            Catalog.ServedBlob mb = repo.catalog().metadata(m, f.sha256(), f.filename()).orElseThrow();
            assertThat(repo.blobs().pathOf(mb.sha256())).hasBinaryContent(metadata);
            // a known size makes the page API 1.1 complete
            assertThat(repo.catalog().page(m, "requests-lite").orElseThrow().files().get(0).size()).hasValue(content.length);

            // upstream gone: the stale page and the cached file are still served, the failure is logged
            up.close();
            clock.advance(Duration.ofMinutes(10));
            warnings.clear();
            assertThat(repo.catalog().page(m, "requests-lite").orElseThrow().files()).hasSize(1);
            assertThat(warnings).anySatisfy(w -> assertThat(w).contains("upstream failed for requests-lite")
                    .contains("serving the copy"));
            assertThat(repo.catalog().file(m, f.sha256(), f.filename())).isPresent();
            // a project never fetched cannot be served
            assertThatThrownBy(() -> repo.catalog().page(m, "never-seen")).isInstanceOf(UpstreamException.class);
        }
    }

    @ParameterizedTest
    @MethodSource("io.packyard.repository.Backends#all")
    void mirrorRefusesAFileWhoseHashDoesNotMatch(Backends backend) throws Exception {
        try (FakeUpstream up = new FakeUpstream();
                Repository repo = backend.open(dir.resolve("data"), clock, warnings::add)) {
            up.addWithWrongHash("evil", "evil-1.0-py3-none-any.whl", new byte[] {1, 2, 3});
            IndexConfig m = repo.indexes().create(IndexSpec.mirror("pypi", up.simpleUrl()));
            PageFile f = repo.catalog().page(m, "evil").orElseThrow().files().get(0);
            assertThatThrownBy(() -> repo.catalog().file(m, f.sha256(), f.filename()))
                    .isInstanceOf(UpstreamException.class).hasMessageContaining("sha256 mismatch");
            assertThat(repo.blobs().list()).isEmpty();
            assertThat(repo.blobs().tempFiles()).isEmpty();
        }
    }

    @ParameterizedTest
    @MethodSource("io.packyard.repository.Backends#all")
    void groupHidesUpstreamFilesOfHostedNames(Backends backend) throws Exception {
        try (FakeUpstream up = new FakeUpstream();
                Repository repo = backend.open(dir.resolve("data"), clock, warnings::add)) {
            Path upstreamInternal = TestDistributions.wheel("internal-lib", "99.0").build(dir.resolve("u"));
            up.add("internal-lib", upstreamInternal.getFileName().toString(), Files.readAllBytes(upstreamInternal), null);
            Path helper = TestDistributions.wheel("helper", "1.0").build(dir.resolve("u"));
            up.add("helper", helper.getFileName().toString(), Files.readAllBytes(helper), null);

            IndexConfig hosted = repo.indexes().create(IndexSpec.hosted("internal"));
            repo.indexes().create(IndexSpec.mirror("pypi", up.simpleUrl()));
            IndexConfig group = repo.indexes().create(IndexSpec.group("all", List.of("internal", "pypi")));
            Optional<ApiToken> token = Optional.of(repo.tokens().authenticate(repo.tokens().create("ci", "internal",
                    Optional.empty(), Permission.UPLOAD, Optional.empty(), Optional.empty()).secret()));
            Path mine = TestDistributions.wheel("internal-lib", "1.0").build(dir.resolve("h"));
            RepositoryStorageTest.upload(repo, hosted, token, mine, "internal-lib", "1.0", "bdist_wheel");

            ProjectPage p = repo.catalog().page(group, "internal-lib").orElseThrow();
            assertThat(p.files()).extracting(PageFile::filename).containsExactly(mine.getFileName().toString());
            assertThat(p.versions()).containsExactly("1.0");
            // the upstream was not even asked about the internal name
            assertThat(up.count("GET /simple/internal-lib/")).isZero();
            // and its file cannot be fetched through the group
            String upstreamSha = io.packyard.python.index.Hashes.sha256(Files.readAllBytes(upstreamInternal));
            assertThat(repo.catalog().file(group, upstreamSha, upstreamInternal.getFileName().toString())).isEmpty();
            // other names come from upstream
            assertThat(repo.catalog().page(group, "helper").orElseThrow().files()).hasSize(1);
            assertThat(repo.catalog().projects(group)).extracting(Catalog.ProjectEntry::normalized)
                    .contains("internal-lib", "helper");

            // an explicit allow-list entry merges both
            IndexConfig allowed = repo.indexes().setAllowUpstream("all", Set.of("internal-lib"));
            assertThat(repo.catalog().page(allowed, "internal-lib").orElseThrow().versions()).containsExactly("1.0", "99.0");
            assertThat(repo.catalog().page(group, "no-such-project-anywhere")).isEmpty();
        }
    }
}
