package io.packyard.repository.db;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;

/** Small JDBC helpers for the DAOs (nullable columns, epoch-millisecond times). */
final class Sql {

    private Sql() {}

    static Optional<String> optString(ResultSet rs, String column) throws SQLException {
        return Optional.ofNullable(rs.getString(column));
    }

    /** A CHAR column without the padding some drivers add. */
    static String fixed(ResultSet rs, String column) throws SQLException {
        String s = rs.getString(column);
        return s == null ? null : s.strip();
    }

    static Optional<String> optFixed(ResultSet rs, String column) throws SQLException {
        return Optional.ofNullable(fixed(rs, column));
    }

    static Optional<Long> optLong(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? Optional.empty() : Optional.of(v);
    }

    static Optional<Instant> optInstant(ResultSet rs, String column) throws SQLException {
        return optLong(rs, column).map(Instant::ofEpochMilli);
    }

    static Instant instant(ResultSet rs, String column) throws SQLException {
        return Instant.ofEpochMilli(rs.getLong(column));
    }

    /** The yanked state: present (the reason, possibly empty) when the flag is set. */
    static Optional<String> yanked(ResultSet rs) throws SQLException {
        if (!rs.getBoolean("yanked")) {
            return Optional.empty();
        }
        String reason = rs.getString("yanked_reason");
        return Optional.of(reason == null ? "" : reason);
    }
}
