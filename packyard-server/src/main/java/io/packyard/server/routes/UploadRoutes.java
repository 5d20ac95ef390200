package io.packyard.server.routes;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.packyard.python.names.ProjectName;
import io.packyard.python.upload.UploadForm;
import io.packyard.python.upload.UploadRejectedException;
import io.packyard.repository.Repository;
import io.packyard.repository.auth.Access;
import io.packyard.repository.auth.ApiToken;
import io.packyard.repository.auth.Permission;
import io.packyard.repository.index.IndexConfig;
import io.packyard.repository.storage.BlobStore;
import io.packyard.repository.storage.BlobTooLargeException;
import io.packyard.repository.upload.Uploads;
import io.packyard.server.http.HttpError;
import io.packyard.server.http.MultipartReader;
import io.packyard.server.http.Responses;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Optional;

/**
 * Uploads, compatible with twine and the legacy PyPI API:
 * <pre>
 *   POST /{index}/          (also /{index} and /{index}/legacy/: never redirected, twine refuses redirects)
 *     multipart/form-data: :action=file_upload, protocol_version=1, content (the file), name,
 *     version, filetype, pyversion, metadata_version, sha256_digest / blake2_256_digest / md5_digest,
 *     and the metadata fields
 * </pre>
 * The token is checked before the body is read (401 without, 403 when it cannot upload here);
 * the file streams into the blob store's temporary area with the index's size limit (413 past
 * it); {@link Uploads} validates and stores it. Answers are plain text, one line.
 */
public final class UploadRoutes {

    /** Largest form text field (long descriptions included). */
    private static final int MAX_FIELD = 4 << 20;
    /** Largest total of form text. */
    private static final long MAX_FIELDS_TOTAL = 16 << 20;

    private final Repository repo;
    private final Guard guard;
    private final PageCache pages;

    UploadRoutes(Repository repo, Guard guard, PageCache pages) {
        this.repo = repo;
        this.guard = guard;
        this.pages = pages;
    }

    public void register(RoutesConfig r) {
        r.post("/{index}/", this::upload);
        r.post("/{index}", this::upload);
        r.post("/{index}/legacy/", this::upload);
        r.post("/{index}/legacy", this::upload);
    }

    private void upload(Context ctx) {
        IndexConfig index = guard.index(ctx);
        Optional<ApiToken> token = guard.token(ctx);
        Guard.enforce(Access.writeAnyProject(index, token, Permission.UPLOAD), index);
        if (!index.isHosted()) {
            throw HttpError.badRequest("index '" + index.name() + "' is a " + index.kind().id()
                    + " index; upload to a hosted index");
        }
        long limit = repo.uploads().maxBytes(index);
        long declared = ctx.req().getContentLengthLong();
        if (declared > limit + MAX_FIELDS_TOTAL) {
            throw tooLarge(index, limit, null);
        }
        UploadForm.Builder form = UploadForm.builder();
        BlobStore.Staged staged = null;
        try {
            InputStream body = ctx.req().getInputStream();
            MultipartReader reader = MultipartReader.open(body, ctx.header("Content-Type"));
            long fieldBytes = 0;
            String filename = null;
            Optional<MultipartReader.Part> next;
            while ((next = reader.next()).isPresent()) {
                MultipartReader.Part part = next.get();
                if (part.name().equals("content")) {
                    if (staged != null) {
                        throw HttpError.badRequest("the upload has more than one 'content' part");
                    }
                    filename = part.filename().map(UploadRoutes::baseName).orElse(null);
                    // a token limited to a project is refused before the file is received
                    String name = formName(form);
                    if (name != null && ProjectName.isValid(name)) {
                        guard.write(ctx, index, Permission.UPLOAD, ProjectName.normalize(name));
                    }
                    staged = repo.blobs().stage(limit);
                    try (InputStream in = part.body()) {
                        byte[] buf = new byte[1 << 16];
                        int n;
                        while ((n = in.read(buf)) > 0) {
                            staged.write(buf, 0, n);
                        }
                    } catch (BlobTooLargeException e) {
                        throw tooLarge(index, limit, filename);
                    }
                } else {
                    String value = part.text(MAX_FIELD);
                    fieldBytes += value.length();
                    if (fieldBytes > MAX_FIELDS_TOTAL) {
                        throw HttpError.badRequest("the upload's form fields exceed " + human(MAX_FIELDS_TOTAL));
                    }
                    form.field(part.name(), value);
                }
            }
            form.filename(filename);
            UploadForm f = form.build();
            String action = f.get(":action").orElse("");
            if (!action.equals("file_upload")) {
                throw HttpError.badRequest(action.isEmpty() ? "the upload has no ':action' field (expected file_upload)"
                        : "unsupported ':action' '" + action + "' (only file_upload is supported)");
            }
            if (staged == null) {
                throw UploadRejectedException.badRequest("Upload payload does not have a file.");
            }
            Uploads.Result result = repo.uploads().store(index, token, f, staged);
            pages.invalidate(index.id(), result.file().project());
            String msg = result.outcome() == Uploads.Outcome.STORED
                    ? "OK: stored " + result.file().filename() + " in " + index.name()
                    : "OK: " + result.file().filename() + " is already in " + index.name() + " with the same content";
            Responses.text(ctx, 200, msg);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (staged != null) {
                staged.close();
            }
        }
    }

    private static UploadRejectedException tooLarge(IndexConfig index, long limit, String filename) {
        return new UploadRejectedException(413, "File too large. Limit for index '" + index.name() + "' is "
                + human(limit) + (filename == null ? "." : " (" + filename + ")."));
    }

    private static String formName(UploadForm.Builder form) {
        return form.build().get("name").orElse(null);
    }

    /** The last path segment of a client-sent file name (some clients send a path). */
    private static String baseName(String name) {
        String n = name.replace('\\', '/');
        return n.substring(n.lastIndexOf('/') + 1);
    }

    static String human(long bytes) {
        if (bytes % (1L << 30) == 0) {
            return (bytes >> 30) + " GiB";
        }
        if (bytes % (1L << 20) == 0) {
            return (bytes >> 20) + " MiB";
        }
        if (bytes % (1L << 10) == 0) {
            return (bytes >> 10) + " KiB";
        }
        return bytes + " bytes";
    }
}
