package io.packyard.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.packyard.python.index.Hashes;
import io.packyard.repository.storage.Blob;
import io.packyard.repository.storage.BlobStore;
import io.packyard.repository.storage.BlobTooLargeException;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlobStoreTest {

    @TempDir
    Path dir;

    @Test
    void storesContentUnderItsSha256AndDeduplicates() throws Exception {
        BlobStore store = BlobStore.open(dir.resolve("blobs"));
        byte[] content = "hello packyard".getBytes(StandardCharsets.UTF_8);
        Blob a = store.put(content);
        assertThat(a.sha256()).isEqualTo(Hashes.sha256(content));
        assertThat(a.size()).isEqualTo(content.length);
        Path p = store.pathOf(a.sha256());
        assertThat(p).hasBinaryContent(content);
        assertThat(p.getParent().getFileName().toString()).isEqualTo(a.sha256().substring(0, 2));
        Blob b = store.put(new ByteArrayInputStream(content), 1000);
        assertThat(b).isEqualTo(a);
        assertThat(store.list()).containsExactly(a.sha256());
        assertThat(store.tempFiles()).isEmpty();
        assertThat(store.hashOf(a.sha256())).isEqualTo(a.sha256());
    }

    @Test
    void tooLargeLeavesNothingBehind() throws Exception {
        BlobStore store = BlobStore.open(dir.resolve("blobs"));
        assertThatThrownBy(() -> store.put(new ByteArrayInputStream(new byte[5000]), 4096))
                .isInstanceOf(BlobTooLargeException.class);
        assertThat(store.list()).isEmpty();
        assertThat(store.tempFiles()).isEmpty();
    }

    @Test
    void uncommittedStagedBlobIsATempFileUntilClosed() throws Exception {
        BlobStore store = BlobStore.open(dir.resolve("blobs"));
        BlobStore.Staged s = store.stage(100);
        s.write(new byte[] {1, 2, 3}, 0, 3);
        assertThat(store.tempFiles()).hasSize(1);
        assertThat(store.list()).isEmpty();
        s.close();
        assertThat(store.tempFiles()).isEmpty();
        // a crash leaves temp files: they are removed when old enough
        Files.write(dir.resolve("blobs/tmp/left-over.part"), new byte[] {9});
        assertThat(store.deleteTempFilesOlderThan(Duration.ofHours(1))).isZero();
        assertThat(store.deleteTempFilesOlderThan(Duration.ZERO)).isEqualTo(1);
    }

    @Test
    void refusesBadDigests() {
        BlobStore store = BlobStore.open(dir.resolve("blobs"));
        assertThatThrownBy(() -> store.pathOf("../../etc/passwd")).isInstanceOf(IllegalArgumentException.class);
        assertThat(BlobStore.isSha256("A".repeat(64))).isFalse();
    }
}
