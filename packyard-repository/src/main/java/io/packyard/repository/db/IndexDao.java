package io.packyard.repository.db;

import io.packyard.repository.index.IndexConfig;
import io.packyard.repository.index.IndexKind;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import org.jdbi.v3.core.Handle;

/** SQL for indexes, group members and group allow-lists. */
public final class IndexDao {

    private IndexDao() {}

    private record Row(long id, String name, IndexKind kind, boolean privateRead, String upstream,
            Integer ttl, Long maxUpload, long created) {}

    public static long insert(Handle h, String name, IndexKind kind, boolean privateRead, Optional<URI> upstream,
            Optional<Duration> pageTtl, OptionalLong maxUploadBytes, Instant now) {
        return h.createUpdate("INSERT INTO pkg_index (name, kind, private_read, upstream_url, page_ttl_seconds,"
                        + " max_upload_bytes, created_at) VALUES (:name, :kind, :priv, :up, :ttl, :max, :now)")
                .bind("name", name)
                .bind("kind", kind.id())
                .bind("priv", privateRead)
                .bind("up", upstream.map(URI::toString).orElse(null))
                .bind("ttl", pageTtl.map(d -> (Integer) (int) d.toSeconds()).orElse(null))
                .bind("max", maxUploadBytes.isPresent() ? (Long) maxUploadBytes.getAsLong() : null)
                .bind("now", now.toEpochMilli())
                .executeAndReturnGeneratedKeys("id")
                .mapTo(Long.class)
                .one();
    }

    public static void setMembers(Handle h, long groupId, List<Long> memberIds) {
        h.createUpdate("DELETE FROM group_member WHERE group_id = :g").bind("g", groupId).execute();
        int pos = 0;
        for (long m : memberIds) {
            h.createUpdate("INSERT INTO group_member (group_id, position, member_id) VALUES (:g, :p, :m)")
                    .bind("g", groupId).bind("p", pos++).bind("m", m).execute();
        }
    }

    public static void setAllowUpstream(Handle h, long groupId, Set<String> projects) {
        h.createUpdate("DELETE FROM group_allow WHERE group_id = :g").bind("g", groupId).execute();
        for (String p : new TreeSet<>(projects)) {
            h.createUpdate("INSERT INTO group_allow (group_id, project) VALUES (:g, :p)")
                    .bind("g", groupId).bind("p", p).execute();
        }
    }

    public static void update(Handle h, long id, boolean privateRead, Optional<URI> upstream, Optional<Duration> pageTtl,
            OptionalLong maxUploadBytes) {
        h.createUpdate("UPDATE pkg_index SET private_read = :priv, upstream_url = :up, page_ttl_seconds = :ttl,"
                        + " max_upload_bytes = :max WHERE id = :id")
                .bind("id", id)
                .bind("priv", privateRead)
                .bind("up", upstream.map(URI::toString).orElse(null))
                .bind("ttl", pageTtl.map(d -> (Integer) (int) d.toSeconds()).orElse(null))
                .bind("max", maxUploadBytes.isPresent() ? (Long) maxUploadBytes.getAsLong() : null)
                .execute();
    }

    public static Optional<IndexConfig> findByName(Handle h, String name) {
        return h.createQuery("SELECT * FROM pkg_index WHERE name = :n").bind("n", name)
                .map((rs, ctx) -> new Row(rs.getLong("id"), rs.getString("name"), IndexKind.parse(rs.getString("kind")),
                        rs.getBoolean("private_read"), rs.getString("upstream_url"),
                        (Integer) rs.getObject("page_ttl_seconds", Integer.class),
                        (Long) rs.getObject("max_upload_bytes", Long.class), rs.getLong("created_at")))
                .findOne()
                .map(r -> complete(h, r));
    }

    public static List<IndexConfig> list(Handle h) {
        List<Row> rows = h.createQuery("SELECT * FROM pkg_index ORDER BY name")
                .map((rs, ctx) -> new Row(rs.getLong("id"), rs.getString("name"), IndexKind.parse(rs.getString("kind")),
                        rs.getBoolean("private_read"), rs.getString("upstream_url"),
                        (Integer) rs.getObject("page_ttl_seconds", Integer.class),
                        (Long) rs.getObject("max_upload_bytes", Long.class), rs.getLong("created_at")))
                .list();
        List<IndexConfig> out = new ArrayList<>();
        for (Row r : rows) {
            out.add(complete(h, r));
        }
        return out;
    }

    /** Indexes whose group membership includes {@code memberId}. */
    public static List<String> groupsContaining(Handle h, long memberId) {
        return h.createQuery("SELECT i.name FROM group_member m JOIN pkg_index i ON i.id = m.group_id"
                        + " WHERE m.member_id = :m ORDER BY i.name")
                .bind("m", memberId).mapTo(String.class).list();
    }

    private static IndexConfig complete(Handle h, Row r) {
        List<String> members = List.of();
        Set<String> allow = Set.of();
        if (r.kind == IndexKind.GROUP) {
            members = h.createQuery("SELECT i.name FROM group_member m JOIN pkg_index i ON i.id = m.member_id"
                            + " WHERE m.group_id = :g ORDER BY m.position")
                    .bind("g", r.id).mapTo(String.class).list();
            allow = new TreeSet<>(h.createQuery("SELECT project FROM group_allow WHERE group_id = :g")
                    .bind("g", r.id).mapTo(String.class).list());
        }
        return new IndexConfig(r.id, r.name, r.kind, r.privateRead,
                Optional.ofNullable(r.upstream).map(URI::create),
                r.ttl == null ? IndexConfig.DEFAULT_PAGE_TTL : Duration.ofSeconds(r.ttl),
                r.maxUpload == null ? OptionalLong.empty() : OptionalLong.of(r.maxUpload),
                members, allow, Instant.ofEpochMilli(r.created));
    }
}
