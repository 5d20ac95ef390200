package io.packyard.server;

import io.packyard.python.upload.UploadForm;
import io.packyard.repository.Repository;
import io.packyard.repository.auth.ApiToken;
import io.packyard.repository.auth.Permission;
import io.packyard.repository.index.IndexConfig;
import io.packyard.repository.storage.BlobStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Puts files into a hosted index directly (no HTTP), through the same upload rules. */
final class Seed {

    private Seed() {}

    static void store(Repository repo, IndexConfig index, Path file, String name, String version) throws Exception {
        Optional<ApiToken> token = Optional.of(repo.tokens().authenticate(repo.tokens().create("setup", index.name(),
                Optional.empty(), Permission.UPLOAD, Optional.empty(), Optional.empty()).secret()));
        byte[] b = Files.readAllBytes(file);
        boolean sdist = file.getFileName().toString().endsWith(".tar.gz");
        UploadForm form = UploadForm.builder().field(":action", "file_upload").field("protocol_version", "1")
                .field("name", name).field("version", version).field("filetype", sdist ? "sdist" : "bdist_wheel")
                .field("pyversion", sdist ? "source" : "py3").field("metadata_version", "2.1")
                .field("sha256_digest", TestClient.hex("SHA-256", b))
                .filename(file.getFileName().toString()).build();
        try (BlobStore.Staged s = repo.blobs().stage(repo.uploads().maxBytes(index))) {
            s.write(b, 0, b.length);
            repo.uploads().store(index, token, form, s);
        }
    }
}
