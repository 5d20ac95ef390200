package io.packyard.server.routes;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.packyard.repository.Repository;
import io.packyard.repository.index.Catalog;
import io.packyard.repository.index.IndexConfig;
import io.packyard.repository.storage.BlobStore;
import io.packyard.server.http.HttpError;
import io.packyard.server.http.Responses;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Distribution files and their PEP 658 metadata:
 * <pre>
 *   GET|HEAD /{index}/files/{sha256}/{filename}            the file
 *   GET|HEAD /{index}/files/{sha256}/{filename}.metadata   its core metadata, byte for byte
 * </pre>
 * The URL holds the file's hash, so responses are immutable ({@code Cache-Control: max-age=31536000,
 * immutable}, {@code ETag} the sha256) and support single {@code Range} requests. A mirror (or a
 * group through its mirror members) downloads and checks the file on its first request.
 */
public final class FileRoutes {

    private static final String METADATA_SUFFIX = ".metadata";

    private final Repository repo;
    private final Guard guard;

    FileRoutes(Repository repo, Guard guard) {
        this.repo = repo;
        this.guard = guard;
    }

    public void register(RoutesConfig r) {
        r.get("/{index}/files/{sha256}/{filename}", this::file);
        r.head("/{index}/files/{sha256}/{filename}", this::file);
    }

    private void file(Context ctx) {
        IndexConfig index = guard.index(ctx);
        guard.read(ctx, index);
        String sha256 = ctx.pathParam("sha256");
        String filename = ctx.pathParam("filename");
        if (!BlobStore.isSha256(sha256)) {
            throw HttpError.notFound("not a file URL: '" + sha256 + "' is not a sha256 digest");
        }
        Optional<Catalog.ServedBlob> blob;
        if (filename.endsWith(METADATA_SUFFIX)) {
            String dist = filename.substring(0, filename.length() - METADATA_SUFFIX.length());
            blob = repo.catalog().metadata(index, sha256, dist);
        } else {
            blob = repo.catalog().file(index, sha256, filename);
        }
        Catalog.ServedBlob b = blob.orElseThrow(() -> HttpError.notFound("index '" + index.name() + "' has no file "
                + filename + " with sha256 " + sha256));
        Path path = repo.blobs().find(b.sha256()).orElseThrow(() -> new IllegalStateException(
                "blob " + b.sha256() + " of " + index.name() + "/" + b.filename() + " is missing from the store (run packyard fsck)"));
        Responses.file(ctx, path, b.sha256(), "application/octet-stream", index.privateRead());
    }
}
