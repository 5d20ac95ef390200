package io.packyard.repository.index;

import io.packyard.python.PackyardException;
import io.packyard.python.version.Version;
import io.packyard.repository.db.Database;
import io.packyard.repository.db.FileDao;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Maintenance of a hosted index's files: yank and un-yank (PEP 592, with a reason), delete.
 * A deleted file name leaves a tombstone and can never be uploaded again; its blob stays until
 * {@code packyard fsck --repair} removes unreferenced blobs.
 */
public final class HostedFiles {

    /** A file or project that does not exist (HTTP 404). */
    public static final class NotFoundException extends PackyardException {
        public NotFoundException(String message) {
            super(Kind.CONFIG, message);
        }
    }

    private final Database db;
    private final Clock clock;

    public HostedFiles(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    /** The files of a project (normalized name), in upload order. */
    public List<HostedFile> files(IndexConfig index, String project) {
        requireHosted(index);
        return db.jdbi().withHandle(h -> FileDao.findProject(h, index.id(), project)
                .map(p -> FileDao.files(h, p.id()))
                .orElseThrow(() -> new NotFoundException("project '" + project + "' is not in index '" + index.name() + "'")));
    }

    /** A file by name within a project. */
    public HostedFile file(IndexConfig index, String project, String filename) {
        requireHosted(index);
        return db.jdbi().withHandle(h -> FileDao.findFile(h, index.id(), filename))
                .filter(f -> f.project().equals(project))
                .orElseThrow(() -> new NotFoundException("file '" + filename + "' is not in project '" + project
                        + "' of index '" + index.name() + "'"));
    }

    /** Yanks (reason present) or un-yanks (reason empty) one file; returns the updated file. */
    public HostedFile setYanked(IndexConfig index, String project, String filename, Optional<String> reason) {
        HostedFile f = file(index, project, filename);
        Instant now = clock.instant();
        db.jdbi().useTransaction(h -> {
            FileDao.setYanked(h, f.id(), reason.isPresent(), reason.map(String::strip).orElse(null));
            FileDao.findProject(h, index.id(), project).ifPresent(p -> FileDao.touchProject(h, p.id(), now));
        });
        return file(index, project, filename);
    }

    /** Yanks or un-yanks every file of a version (PyPI yanks releases); returns the updated files. */
    public List<HostedFile> setVersionYanked(IndexConfig index, String project, String version, Optional<String> reason) {
        Version want = Version.tryParse(version).orElseThrow(() ->
                PackyardException.config("'" + version + "' is not a valid version"));
        List<HostedFile> matching = new ArrayList<>();
        for (HostedFile f : files(index, project)) {
            if (Version.tryParse(f.version()).map(want::equals).orElse(false)) {
                matching.add(f);
            }
        }
        if (matching.isEmpty()) {
            throw new NotFoundException("project '" + project + "' of index '" + index.name() + "' has no files of version "
                    + version);
        }
        List<HostedFile> out = new ArrayList<>();
        for (HostedFile f : matching) {
            out.add(setYanked(index, project, f.filename(), reason));
        }
        return out;
    }

    /** Deletes a file for good: the row goes, a tombstone keeps its name from being reused. */
    public HostedFile delete(IndexConfig index, String project, String filename) {
        HostedFile f = file(index, project, filename);
        Instant now = clock.instant();
        db.jdbi().useTransaction(h -> {
            FileDao.deleteFile(h, f.id());
            FileDao.insertTombstone(h, index.id(), f.filename(), f.sha256(), now);
            FileDao.findProject(h, index.id(), project).ifPresent(p -> FileDao.touchProject(h, p.id(), now));
        });
        return f;
    }

    private static void requireHosted(IndexConfig index) {
        if (!index.isHosted()) {
            throw PackyardException.config("index '" + index.name() + "' is a " + index.kind().id()
                    + " index; only hosted indexes have files to maintain");
        }
    }
}
