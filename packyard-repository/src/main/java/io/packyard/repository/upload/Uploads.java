package io.packyard.repository.upload;

import io.packyard.python.names.ProjectName;
import io.packyard.python.upload.FileType;
import io.packyard.python.upload.UploadForm;
import io.packyard.python.upload.UploadRejectedException;
import io.packyard.python.upload.UploadValidator;
import io.packyard.python.upload.ValidatedUpload;
import io.packyard.repository.auth.Access;
import io.packyard.repository.auth.ApiToken;
import io.packyard.repository.auth.Permission;
import io.packyard.repository.db.Database;
import io.packyard.repository.db.FileDao;
import io.packyard.repository.index.HostedFile;
import io.packyard.repository.index.IndexConfig;
import io.packyard.repository.storage.Blob;
import io.packyard.repository.storage.BlobStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

/**
 * Storing an upload to a hosted index (the twine legacy API's {@code file_upload}), after the
 * rules of {@link UploadValidator} (packyard-python) and the index's own:
 * <ol>
 *   <li>a file name already in the index: the same content is accepted again (200, nothing
 *       changes); other content is refused with "File already exists" (twine's
 *       {@code --skip-existing} recognizes those words);</li>
 *   <li>a deleted file name can never be used again;</li>
 *   <li>a release has at most one sdist;</li>
 *   <li>a token limited to a project may upload only that project (checked against the name in the
 *       file's metadata, not only the form);</li>
 *   <li>the blob (and the wheel's METADATA blob) is durable before the row naming it commits.</li>
 * </ol>
 */
public final class Uploads {

    /** What happened to an accepted upload. */
    public enum Outcome {
        /** A new file was stored. */
        STORED,
        /** The same file was already there; nothing changed. */
        IDENTICAL
    }

    /** An accepted upload. */
    public record Result(Outcome outcome, HostedFile file) {}

    private final Database db;
    private final BlobStore blobs;
    private final Clock clock;
    private final long defaultMaxBytes;

    /**
     * @param defaultMaxBytes the upload size limit for hosted indexes that do not set their own
     */
    public Uploads(Database db, BlobStore blobs, Clock clock, long defaultMaxBytes) {
        this.db = db;
        this.blobs = blobs;
        this.clock = clock;
        this.defaultMaxBytes = defaultMaxBytes;
    }

    /** The size limit of uploads to an index. */
    public long maxBytes(IndexConfig index) {
        return index.maxUploadBytes().orElse(defaultMaxBytes);
    }

    /** The validator for an index's uploads (its size limit, the default archive limits). */
    public UploadValidator validator(IndexConfig index) {
        return UploadValidator.builder().maxFileSize(maxBytes(index)).build();
    }

    /**
     * Validates and stores an uploaded file (already authenticated and allowed to upload the
     * form's project name).
     *
     * @param staged the received {@code content}, not yet committed; committed here when accepted
     * @throws UploadRejectedException with the HTTP status and one-line reason to send
     */
    public Result store(IndexConfig index, Optional<ApiToken> token, UploadForm form, BlobStore.Staged staged) {
        if (!index.isHosted()) {
            throw UploadRejectedException.badRequest("Index '" + index.name() + "' is a " + index.kind().id()
                    + " index; upload to a hosted index.");
        }
        String filename = form.filename();
        if (filename == null || filename.isBlank()) {
            throw UploadRejectedException.badRequest("Upload payload does not have a file.");
        }
        String sha256 = staged.sha256();
        Optional<Result> same = existing(index, filename, sha256);
        if (same.isPresent()) {
            return same.get();
        }
        ValidatedUpload v = validator(index).validate(form, staged.tempFile());
        if (!v.sha256().equals(sha256)) {
            // the validator read the same temporary file: anything else is a bug or a tampered disk
            throw new IllegalStateException("the stored file changed while it was validated: " + filename);
        }
        String project = v.normalizedName();
        Access.Decision d = Access.write(index, token, Permission.UPLOAD, project);
        if (!(d instanceof Access.Decision.Allowed)) {
            String reason = d instanceof Access.Decision.Forbidden f ? f.reason()
                    : ((Access.Decision.Unauthenticated) d).reason();
            throw new UploadRejectedException(d instanceof Access.Decision.Forbidden ? 403 : 401, reason);
        }
        if (v.filetype() == FileType.SDIST) {
            Optional<HostedFile> otherSdist = db.jdbi().withHandle(h -> FileDao.findProject(h, index.id(), project)
                    .map(p -> FileDao.files(h, p.id())).orElse(java.util.List.of()))
                    .stream()
                    .filter(f -> f.packagetype().equals(FileType.SDIST.formValue()))
                    .filter(f -> io.packyard.python.version.Version.tryParse(f.version()).map(v.version()::equals).orElse(false))
                    .findFirst();
            if (otherSdist.isPresent()) {
                throw UploadRejectedException.badRequest("Only one sdist may be uploaded per release ('"
                        + otherSdist.get().filename() + "' is the sdist of " + v.name() + " " + v.canonicalVersion() + ").");
            }
        }
        Optional<String> metadataSha256 = Optional.empty();
        try {
            Blob file = staged.commit();
            if (v.filetype() == FileType.BDIST_WHEEL) {
                metadataSha256 = Optional.of(blobs.put(v.metadata()).sha256());
            }
            if (file.size() != v.size()) {
                throw new IllegalStateException("stored " + file.size() + " bytes, validated " + v.size());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the blob store: " + e.getMessage(), e);
        }
        Instant now = clock.instant();
        HostedFile row = new HostedFile(0, index.id(), project, v.filename(), v.canonicalVersion(),
                v.filetype().formValue(), v.pythonVersion(), v.requiresPython(), v.sha256(), v.md5(), v.blake2b256(),
                v.size(), metadataSha256, now, Optional.empty());
        // the project (when new) and the file row commit together: a crash leaves neither
        for (int attempt = 0; ; attempt++) {
            try {
                db.jdbi().useTransaction(h -> {
                    long projectId = FileDao.findProject(h, index.id(), project).map(FileDao.ProjectRow::id)
                            .orElseGet(() -> FileDao.insertProject(h, index.id(), project,
                                    ProjectName.isValid(v.name()) ? v.name() : project, now));
                    FileDao.insertFile(h, projectId, row, token.map(ApiToken::id));
                    FileDao.touchProject(h, projectId, now);
                });
                break;
            } catch (RuntimeException e) {
                if (!Database.isUniqueViolation(e)) {
                    throw e;
                }
                // a concurrent upload of the same file name won the race: same content is fine
                Optional<Result> raced = existing(index, filename, sha256);
                if (raced.isPresent()) {
                    return raced.get();
                }
                // or a concurrent upload created the project first: try again
                if (attempt >= 3) {
                    throw e;
                }
            }
        }
        HostedFile stored = db.jdbi().withHandle(h -> FileDao.findFile(h, index.id(), v.filename())).orElseThrow();
        return new Result(Outcome.STORED, stored);
    }

    /** The answer for a file name the index already has or had; empty for a new name. */
    private Optional<Result> existing(IndexConfig index, String filename, String sha256) {
        Optional<HostedFile> f = db.jdbi().withHandle(h -> FileDao.findFile(h, index.id(), filename));
        if (f.isPresent()) {
            if (f.get().sha256().equals(sha256)) {
                return Optional.of(new Result(Outcome.IDENTICAL, f.get()));
            }
            throw UploadRejectedException.badRequest("File already exists ('" + filename + "', with sha256 hash '"
                    + f.get().sha256() + "'). A file name can hold only one content: upload a new version"
                    + " or another file name.");
        }
        Optional<FileDao.Tombstone> t = db.jdbi().withHandle(h -> FileDao.findTombstone(h, index.id(), filename));
        if (t.isPresent()) {
            throw UploadRejectedException.badRequest("This filename has already been used, use a different version."
                    + " ('" + filename + "' was deleted from index '" + index.name() + "' at " + t.get().deleted()
                    + "; a deleted file name is never reused.)");
        }
        return Optional.empty();
    }
}
