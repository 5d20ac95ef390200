package io.packyard.repository.db;

import io.packyard.repository.auth.ApiToken;
import io.packyard.repository.auth.Permission;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/** SQL for users and API tokens. */
public final class TokenDao {

    private TokenDao() {}

    /** A token row with its stored secret hash. */
    public record Stored(ApiToken token, String secretSha256) {}

    private static final String COLUMNS = "t.*, u.name AS user_name, i.name AS index_name";
    private static final String FROM = " FROM api_token t JOIN app_user u ON u.id = t.user_id JOIN pkg_index i ON i.id = t.index_id";

    private static ApiToken token(ResultSet rs) throws SQLException {
        return new ApiToken(rs.getLong("id"), rs.getString("public_id"), rs.getString("user_name"),
                rs.getString("index_name"), rs.getLong("index_id"), Sql.optString(rs, "project"),
                Permission.parse(rs.getString("permission")), Sql.optString(rs, "description"),
                Sql.instant(rs, "created_at"), Sql.optInstant(rs, "expires_at"), Sql.optInstant(rs, "revoked_at"),
                Sql.optInstant(rs, "last_used_at"));
    }

    public static Optional<Long> findUser(Handle h, String name) {
        return h.createQuery("SELECT id FROM app_user WHERE name = :n").bind("n", name).mapTo(Long.class).findOne();
    }

    public static long insertUser(Handle h, String name, Instant now) {
        return h.createUpdate("INSERT INTO app_user (name, created_at) VALUES (:n, :now)")
                .bind("n", name).bind("now", now.toEpochMilli())
                .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
    }

    public static List<String> users(Handle h) {
        return h.createQuery("SELECT name FROM app_user ORDER BY name").mapTo(String.class).list();
    }

    public static long insertToken(Handle h, String publicId, String secretSha256, long userId, long indexId,
            Optional<String> project, Permission permission, Optional<String> description, Instant now,
            Optional<Instant> expires) {
        return h.createUpdate("INSERT INTO api_token (public_id, secret_sha256, user_id, index_id, project, permission,"
                        + " description, created_at, expires_at) VALUES (:pid, :sec, :u, :i, :p, :perm, :d, :now, :exp)")
                .bind("pid", publicId).bind("sec", secretSha256).bind("u", userId).bind("i", indexId)
                .bind("p", project.orElse(null)).bind("perm", permission.id()).bind("d", description.orElse(null))
                .bind("now", now.toEpochMilli()).bind("exp", expires.map(Instant::toEpochMilli).orElse(null))
                .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
    }

    public static Optional<Stored> findByPublicId(Handle h, String publicId) {
        return h.createQuery("SELECT " + COLUMNS + FROM + " WHERE t.public_id = :pid")
                .bind("pid", publicId)
                .map((rs, ctx) -> new Stored(token(rs), Sql.fixed(rs, "secret_sha256")))
                .findOne();
    }

    public static List<ApiToken> list(Handle h) {
        return h.createQuery("SELECT " + COLUMNS + FROM + " ORDER BY t.created_at, t.id")
                .map((rs, ctx) -> token(rs)).list();
    }

    public static int revoke(Handle h, String publicId, Instant now) {
        return h.createUpdate("UPDATE api_token SET revoked_at = :now WHERE public_id = :pid AND revoked_at IS NULL")
                .bind("pid", publicId).bind("now", now.toEpochMilli()).execute();
    }

    public static void touch(Handle h, long id, Instant now) {
        h.createUpdate("UPDATE api_token SET last_used_at = :now WHERE id = :id")
                .bind("id", id).bind("now", now.toEpochMilli()).execute();
    }
}
