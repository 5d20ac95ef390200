package io.packyard.repository;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.repository.auth.ApiToken;
import io.packyard.repository.auth.Permission;
import io.packyard.repository.index.HostedFile;
import io.packyard.repository.index.IndexConfig;
import io.packyard.repository.index.IndexSpec;
import io.packyard.testkit.TestDistributions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class FsckTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @MethodSource("io.packyard.repository.Backends#all")
    void findsMissingCorruptAndGarbageAndRepairsGarbageOnly(Backends backend) throws Exception {
        try (Repository repo = backend.open(dir.resolve("data"))) {
            IndexConfig main = repo.indexes().create(IndexSpec.hosted("main"));
            Optional<ApiToken> token = Optional.of(repo.tokens().authenticate(repo.tokens().create("ci", "main",
                    Optional.empty(), Permission.UPLOAD, Optional.empty(), Optional.empty()).secret()));
            HostedFile a = RepositoryStorageTest.upload(repo, main, token,
                    TestDistributions.wheel("alpha", "1.0").build(dir.resolve("w")), "alpha", "1.0", "bdist_wheel").file();
            HostedFile b = RepositoryStorageTest.upload(repo, main, token,
                    TestDistributions.wheel("beta", "1.0").build(dir.resolve("w")), "beta", "1.0", "bdist_wheel").file();

            Fsck.Report clean = Fsck.run(repo, Fsck.Options.check());
            assertThat(clean.clean()).isTrue();
            assertThat(clean.rowsChecked()).isEqualTo(4); // two files and their metadata

            // garbage: an unreferenced blob and a temporary file
            String orphan = repo.blobs().put("nobody names me".getBytes()).sha256();
            Files.write(repo.blobs().root().resolve("tmp").resolve("crashed.part"), new byte[] {1});
            Fsck.Report garbage = Fsck.run(repo, Fsck.Options.check());
            assertThat(garbage.consistent()).isTrue();
            assertThat(garbage.orphans()).containsExactly(orphan);
            assertThat(garbage.tempFiles()).hasSize(1);
            // repair with a grace period keeps young garbage (a running server may be writing it)
            assertThat(Fsck.run(repo, new Fsck.Options(true, Duration.ofHours(1), true)).removed()).isZero();
            Fsck.Report repaired = Fsck.run(repo, new Fsck.Options(true, Duration.ZERO, true));
            assertThat(repaired.removed()).isEqualTo(2);
            assertThat(Fsck.run(repo, Fsck.Options.check()).clean()).isTrue();

            // inconsistency: a lost blob and a damaged one
            Files.delete(repo.blobs().pathOf(a.sha256()));
            Path bPath = repo.blobs().pathOf(b.sha256());
            byte[] bytes = Files.readAllBytes(bPath);
            bytes[10] ^= 0x55;
            Files.write(bPath, bytes);
            Fsck.Report bad = Fsck.run(repo, new Fsck.Options(true, Duration.ZERO, true));
            assertThat(bad.consistent()).isFalse();
            assertThat(bad.missing()).singleElement().asString().contains("main/" + a.filename()).contains(a.sha256());
            assertThat(bad.corrupt()).singleElement().asString().contains("main/" + b.filename());
            // repair never deletes what a row names
            assertThat(bPath).exists();
        }
    }
}
