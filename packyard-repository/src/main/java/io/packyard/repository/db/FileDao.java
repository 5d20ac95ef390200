package io.packyard.repository.db;

import io.packyard.repository.index.HostedFile;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/** SQL for hosted indexes: projects, files and tombstones. */
public final class FileDao {

    private FileDao() {}

    /** A project row of a hosted index. */
    public record ProjectRow(long id, long indexId, String name, String displayName, Instant changed) {}

    /** A deleted file name. */
    public record Tombstone(String filename, String sha256, Instant deleted) {}

    /** A blob a row names, for fsck. */
    public record BlobRef(String sha256, long size, String what) {}

    private static final String FILE_COLUMNS = "f.id, f.index_id, p.name AS project, f.filename, f.version, f.packagetype,"
            + " f.python_version, f.requires_python, f.sha256, f.md5, f.blake2_256, f.size, f.metadata_sha256,"
            + " f.upload_time, f.yanked, f.yanked_reason";

    private static HostedFile file(ResultSet rs) throws SQLException {
        return new HostedFile(rs.getLong("id"), rs.getLong("index_id"), rs.getString("project"),
                rs.getString("filename"), rs.getString("version"), rs.getString("packagetype"),
                rs.getString("python_version"), Sql.optString(rs, "requires_python"), Sql.fixed(rs, "sha256"),
                Sql.fixed(rs, "md5"), Sql.fixed(rs, "blake2_256"), rs.getLong("size"),
                Sql.optFixed(rs, "metadata_sha256"), Sql.instant(rs, "upload_time"), Sql.yanked(rs));
    }

    private static ProjectRow project(ResultSet rs) throws SQLException {
        return new ProjectRow(rs.getLong("id"), rs.getLong("index_id"), rs.getString("name"),
                rs.getString("display_name"), Sql.instant(rs, "changed_at"));
    }

    public static Optional<ProjectRow> findProject(Handle h, long indexId, String name) {
        return h.createQuery("SELECT * FROM project WHERE index_id = :i AND name = :n")
                .bind("i", indexId).bind("n", name)
                .map((rs, ctx) -> project(rs)).findOne();
    }

    /** Projects of several indexes that have the name (for the dependency-confusion rule). */
    public static boolean anyHasProject(Handle h, List<Long> indexIds, String name) {
        if (indexIds.isEmpty()) {
            return false;
        }
        return h.createQuery("SELECT COUNT(*) FROM project WHERE index_id IN (<ids>) AND name = :n")
                .bindList("ids", indexIds).bind("n", name)
                .mapTo(Long.class).one() > 0;
    }

    public static long insertProject(Handle h, long indexId, String name, String displayName, Instant now) {
        return h.createUpdate("INSERT INTO project (index_id, name, display_name, created_at, changed_at)"
                        + " VALUES (:i, :n, :d, :now, :now)")
                .bind("i", indexId).bind("n", name).bind("d", displayName).bind("now", now.toEpochMilli())
                .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
    }

    /**
     * Marks a project changed: {@code changed_at} strictly increases with every change (even two in
     * the same millisecond), so that it can key caches of the rendered page.
     */
    public static void touchProject(Handle h, long projectId, Instant now) {
        h.createUpdate("UPDATE project SET changed_at = CASE WHEN changed_at >= :now THEN changed_at + 1 ELSE :now END"
                        + " WHERE id = :id")
                .bind("id", projectId).bind("now", now.toEpochMilli()).execute();
    }

    /** A project's change stamp (see {@link #touchProject}), when the project exists. */
    public static Optional<Long> changeStamp(Handle h, long indexId, String name) {
        return h.createQuery("SELECT changed_at FROM project WHERE index_id = :i AND name = :n")
                .bind("i", indexId).bind("n", name).mapTo(Long.class).findOne();
    }

    public static List<ProjectRow> projects(Handle h, long indexId) {
        return h.createQuery("SELECT * FROM project WHERE index_id = :i ORDER BY name")
                .bind("i", indexId).map((rs, ctx) -> project(rs)).list();
    }

    public static Optional<HostedFile> findFile(Handle h, long indexId, String filename) {
        return h.createQuery("SELECT " + FILE_COLUMNS + " FROM dist_file f JOIN project p ON p.id = f.project_id"
                        + " WHERE f.index_id = :i AND f.filename = :fn")
                .bind("i", indexId).bind("fn", filename)
                .map((rs, ctx) -> file(rs)).findOne();
    }

    public static List<HostedFile> files(Handle h, long projectId) {
        return h.createQuery("SELECT " + FILE_COLUMNS + " FROM dist_file f JOIN project p ON p.id = f.project_id"
                        + " WHERE f.project_id = :p ORDER BY f.id")
                .bind("p", projectId).map((rs, ctx) -> file(rs)).list();
    }

    /** Inserts a file row; throws a unique violation when the file name exists in the index. */
    public static long insertFile(Handle h, long projectId, HostedFile f, Optional<Long> tokenId) {
        return h.createUpdate("INSERT INTO dist_file (index_id, project_id, filename, version, packagetype,"
                        + " python_version, requires_python, sha256, md5, blake2_256, size, metadata_sha256,"
                        + " upload_time, yanked, yanked_reason, uploaded_by) VALUES (:i, :p, :fn, :v, :pt, :pv, :rp,"
                        + " :sha, :md5, :b2, :size, :msha, :t, FALSE, NULL, :by)")
                .bind("i", f.indexId()).bind("p", projectId).bind("fn", f.filename()).bind("v", f.version())
                .bind("pt", f.packagetype()).bind("pv", f.pythonVersion())
                .bind("rp", f.requiresPython().orElse(null)).bind("sha", f.sha256()).bind("md5", f.md5())
                .bind("b2", f.blake2b256()).bind("size", f.size()).bind("msha", f.metadataSha256().orElse(null))
                .bind("t", f.uploadTime().toEpochMilli()).bind("by", tokenId.orElse(null))
                .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
    }

    public static int setYanked(Handle h, long fileId, boolean yanked, String reason) {
        return h.createUpdate("UPDATE dist_file SET yanked = :y, yanked_reason = :r WHERE id = :id")
                .bind("id", fileId).bind("y", yanked).bind("r", yanked ? reason : null).execute();
    }

    public static int deleteFile(Handle h, long fileId) {
        return h.createUpdate("DELETE FROM dist_file WHERE id = :id").bind("id", fileId).execute();
    }

    public static Optional<Tombstone> findTombstone(Handle h, long indexId, String filename) {
        return h.createQuery("SELECT filename, sha256, deleted_at FROM tombstone WHERE index_id = :i AND filename = :fn")
                .bind("i", indexId).bind("fn", filename)
                .map((rs, ctx) -> new Tombstone(rs.getString("filename"), Sql.fixed(rs, "sha256"),
                        Sql.instant(rs, "deleted_at")))
                .findOne();
    }

    public static void insertTombstone(Handle h, long indexId, String filename, String sha256, Instant now) {
        h.createUpdate("INSERT INTO tombstone (index_id, filename, sha256, deleted_at) VALUES (:i, :fn, :sha, :now)")
                .bind("i", indexId).bind("fn", filename).bind("sha", sha256).bind("now", now.toEpochMilli())
                .execute();
    }

    /** Every blob hosted files name (files and their metadata). */
    public static List<BlobRef> blobRefs(Handle h) {
        List<BlobRef> out = new java.util.ArrayList<>();
        h.createQuery("SELECT i.name AS idx, f.filename, f.sha256, f.size, f.metadata_sha256 FROM dist_file f"
                        + " JOIN pkg_index i ON i.id = f.index_id ORDER BY f.id")
                .map((rs, ctx) -> {
                    String where = rs.getString("idx") + "/" + rs.getString("filename");
                    out.add(new BlobRef(Sql.fixed(rs, "sha256"), rs.getLong("size"), where));
                    Sql.optFixed(rs, "metadata_sha256").ifPresent(m -> out.add(new BlobRef(m, -1, where + ".metadata")));
                    return 0;
                })
                .list();
        return out;
    }

    /** The blobs the build service keeps: source archives of builds and their artifacts. */
    public static List<BlobRef> buildBlobRefs(Handle h) {
        List<BlobRef> out = new java.util.ArrayList<>();
        h.createQuery("SELECT id, source_sha256, source_name FROM build WHERE source_sha256 IS NOT NULL ORDER BY id")
                .map((rs, ctx) -> out.add(new BlobRef(Sql.fixed(rs, "source_sha256"), -1,
                        "build " + rs.getLong("id") + " source " + rs.getString("source_name"))))
                .list();
        h.createQuery("SELECT build_id, filename, sha256, size FROM build_artifact ORDER BY id")
                .map((rs, ctx) -> out.add(new BlobRef(Sql.fixed(rs, "sha256"), rs.getLong("size"),
                        "build " + rs.getLong("build_id") + " artifact " + rs.getString("filename"))))
                .list();
        return out;
    }
}
