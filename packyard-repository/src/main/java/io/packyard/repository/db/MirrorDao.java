package io.packyard.repository.db;

import io.packyard.repository.index.MirrorFile;
import java.net.URI;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;

/** SQL for mirror indexes: cached upstream pages, their files, and downloaded files and metadata. */
public final class MirrorDao {

    private MirrorDao() {}

    /** When an upstream page was fetched, whether the last attempt failed, and whether upstream has the project. */
    public record PageState(Instant fetched, Optional<Instant> failed, boolean missing) {}

    /** What a mirror has downloaded for a file (by the file's sha256). */
    public record Cached(String fileSha256, String filename, boolean fileCached, Optional<Long> size,
            Optional<String> metadataSha256) {}

    private static MirrorFile file(ResultSet rs) throws SQLException {
        return new MirrorFile(rs.getLong("index_id"), rs.getString("project"), rs.getInt("position"),
                rs.getString("filename"), URI.create(rs.getString("upstream_url")), Sql.fixed(rs, "sha256"),
                Sql.optString(rs, "requires_python"), Sql.yanked(rs), rs.getBoolean("has_metadata"),
                Sql.optFixed(rs, "metadata_sha256"));
    }

    public static Optional<PageState> page(Handle h, long indexId, String project) {
        return h.createQuery("SELECT fetched_at, failed_at, missing FROM mirror_page WHERE index_id = :i AND project = :p")
                .bind("i", indexId).bind("p", project)
                .map((rs, ctx) -> new PageState(Sql.instant(rs, "fetched_at"), Sql.optInstant(rs, "failed_at"),
                        rs.getBoolean("missing")))
                .findOne();
    }

    /** Replaces a project's page (its files) with a fresh copy from upstream. */
    public static void replacePage(Handle h, long indexId, String project, List<MirrorFile> files, boolean missing,
            Instant now) {
        h.createUpdate("DELETE FROM mirror_file WHERE index_id = :i AND project = :p")
                .bind("i", indexId).bind("p", project).execute();
        h.createUpdate("DELETE FROM mirror_page WHERE index_id = :i AND project = :p")
                .bind("i", indexId).bind("p", project).execute();
        h.createUpdate("INSERT INTO mirror_page (index_id, project, fetched_at, failed_at, missing)"
                        + " VALUES (:i, :p, :now, NULL, :m)")
                .bind("i", indexId).bind("p", project).bind("now", now.toEpochMilli()).bind("m", missing).execute();
        if (files.isEmpty()) {
            return;
        }
        PreparedBatch b = h.prepareBatch("INSERT INTO mirror_file (index_id, project, position, filename, upstream_url,"
                + " sha256, requires_python, yanked, yanked_reason, has_metadata, metadata_sha256) VALUES"
                + " (:i, :p, :pos, :fn, :url, :sha, :rp, :y, :yr, :hm, :msha)");
        for (MirrorFile f : files) {
            b.bind("i", indexId).bind("p", project).bind("pos", f.position()).bind("fn", f.filename())
                    .bind("url", f.upstreamUrl().toString()).bind("sha", f.sha256())
                    .bind("rp", f.requiresPython().orElse(null)).bind("y", f.yanked().isPresent())
                    .bind("yr", f.yanked().filter(s -> !s.isEmpty()).orElse(null)).bind("hm", f.hasMetadata())
                    .bind("msha", f.metadataSha256().orElse(null))
                    .add();
        }
        b.execute();
    }

    /** Records a failed refresh (the stale copy stays). */
    public static void markFailed(Handle h, long indexId, String project, Instant now) {
        h.createUpdate("UPDATE mirror_page SET failed_at = :now WHERE index_id = :i AND project = :p")
                .bind("i", indexId).bind("p", project).bind("now", now.toEpochMilli()).execute();
    }

    public static List<MirrorFile> files(Handle h, long indexId, String project) {
        return h.createQuery("SELECT * FROM mirror_file WHERE index_id = :i AND project = :p ORDER BY position")
                .bind("i", indexId).bind("p", project).map((rs, ctx) -> file(rs)).list();
    }

    /** Sizes of the project's files that the mirror has downloaded, by sha256. */
    public static java.util.Map<String, Long> cachedSizes(Handle h, long indexId, String project) {
        java.util.Map<String, Long> out = new java.util.HashMap<>();
        h.createQuery("SELECT c.file_sha256, c.size FROM mirror_file f JOIN mirror_cache c ON c.index_id = f.index_id"
                        + " AND c.file_sha256 = f.sha256 WHERE f.index_id = :i AND f.project = :p AND c.file_cached = TRUE")
                .bind("i", indexId).bind("p", project)
                .map((rs, ctx) -> out.put(Sql.fixed(rs, "file_sha256"), rs.getLong("size")))
                .list();
        return out;
    }

    public static Optional<MirrorFile> fileBySha(Handle h, long indexId, String sha256, String filename) {
        return h.createQuery("SELECT * FROM mirror_file WHERE index_id = :i AND sha256 = :s AND filename = :fn"
                        + " ORDER BY project")
                .bind("i", indexId).bind("s", sha256).bind("fn", filename)
                .map((rs, ctx) -> file(rs)).list().stream().findFirst();
    }

    /** Projects the mirror has a page for (upstream has them), sorted. */
    public static List<String> projects(Handle h, long indexId) {
        return h.createQuery("SELECT project FROM mirror_page WHERE index_id = :i AND missing = FALSE ORDER BY project")
                .bind("i", indexId).mapTo(String.class).list();
    }

    public static Optional<Cached> cached(Handle h, long indexId, String fileSha256) {
        return h.createQuery("SELECT * FROM mirror_cache WHERE index_id = :i AND file_sha256 = :s")
                .bind("i", indexId).bind("s", fileSha256)
                .map((rs, ctx) -> new Cached(Sql.fixed(rs, "file_sha256"), rs.getString("filename"),
                        rs.getBoolean("file_cached"), Sql.optLong(rs, "size"), Sql.optFixed(rs, "metadata_sha256")))
                .findOne();
    }

    /** Records a downloaded file (its blob is the file's sha256). Returns false when the row existed. */
    public static boolean putFile(Handle h, long indexId, String sha256, String filename, long size, Instant now) {
        int n = h.createUpdate("UPDATE mirror_cache SET file_cached = TRUE, size = :size WHERE index_id = :i AND file_sha256 = :s")
                .bind("i", indexId).bind("s", sha256).bind("size", size).execute();
        if (n > 0) {
            return false;
        }
        h.createUpdate("INSERT INTO mirror_cache (index_id, file_sha256, filename, file_cached, size, metadata_sha256,"
                        + " cached_at) VALUES (:i, :s, :fn, TRUE, :size, NULL, :now)")
                .bind("i", indexId).bind("s", sha256).bind("fn", filename).bind("size", size)
                .bind("now", now.toEpochMilli()).execute();
        return true;
    }

    /** Records downloaded metadata for a file. */
    public static void putMetadata(Handle h, long indexId, String fileSha256, String filename, String metadataSha256,
            Instant now) {
        int n = h.createUpdate("UPDATE mirror_cache SET metadata_sha256 = :m WHERE index_id = :i AND file_sha256 = :s")
                .bind("i", indexId).bind("s", fileSha256).bind("m", metadataSha256).execute();
        if (n > 0) {
            return;
        }
        h.createUpdate("INSERT INTO mirror_cache (index_id, file_sha256, filename, file_cached, size, metadata_sha256,"
                        + " cached_at) VALUES (:i, :s, :fn, FALSE, NULL, :m, :now)")
                .bind("i", indexId).bind("s", fileSha256).bind("fn", filename).bind("m", metadataSha256)
                .bind("now", now.toEpochMilli()).execute();
    }

    /** Every blob mirrors name, for fsck. */
    public static List<FileDao.BlobRef> blobRefs(Handle h) {
        List<FileDao.BlobRef> out = new ArrayList<>();
        h.createQuery("SELECT i.name AS idx, c.filename, c.file_sha256, c.file_cached, c.size, c.metadata_sha256"
                        + " FROM mirror_cache c JOIN pkg_index i ON i.id = c.index_id ORDER BY i.name, c.filename")
                .map((rs, ctx) -> {
                    String where = rs.getString("idx") + " (mirror)/" + rs.getString("filename");
                    if (rs.getBoolean("file_cached")) {
                        out.add(new FileDao.BlobRef(Sql.fixed(rs, "file_sha256"), Sql.optLong(rs, "size").orElse(-1L), where));
                    }
                    Sql.optFixed(rs, "metadata_sha256").ifPresent(m -> out.add(new FileDao.BlobRef(m, -1, where + ".metadata")));
                    return 0;
                })
                .list();
        return out;
    }
}
