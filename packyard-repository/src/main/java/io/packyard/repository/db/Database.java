package io.packyard.repository.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.packyard.python.PackyardException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;
import java.util.Properties;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.jdbi.v3.core.Jdbi;

/**
 * The metadata database: a HikariCP pool, the schema migrated by Flyway (the scripts in
 * {@code db/migration}, shared by both dialects) and a {@link Jdbi} over it.
 *
 * <p>The default is an embedded H2 database in {@code <data>/db/}, opened in H2's "automatic mixed
 * mode" so that {@code packyard token ...} and {@code packyard fsck} work while the server runs
 * (the second process connects through the first one's loopback TCP port, authenticated by a
 * password generated into {@code <data>/db/credentials}, readable by its owner only). H2 runs with
 * {@code WRITE_DELAY=0}: a committed transaction is written out before the commit returns, so a
 * killed process loses nothing it acknowledged.
 *
 * <p>PostgreSQL: {@code jdbc:postgresql://host:5432/db?user=u&password=p}, or the libpq form
 * {@code postgresql://u:p@host:5432/db}.
 */
public final class Database implements AutoCloseable {

    /** The SQL dialects Packyard runs on. */
    public enum Dialect { H2, POSTGRESQL }

    private final HikariDataSource dataSource;
    private final Jdbi jdbi;
    private final Dialect dialect;
    private final String displayUrl;

    private Database(HikariDataSource dataSource, Dialect dialect, String displayUrl) {
        this.dataSource = dataSource;
        this.jdbi = Jdbi.create(dataSource);
        this.dialect = dialect;
        this.displayUrl = displayUrl;
    }

    /**
     * Opens the database and migrates its schema.
     *
     * @param dataDir the server's data directory (holds the default H2 database)
     * @param url     a JDBC URL, a {@code postgresql://} URL, or null for the default H2 database
     */
    public static Database open(Path dataDir, String url) {
        HikariConfig cfg = new HikariConfig();
        cfg.setPoolName("packyard-db");
        cfg.setMaximumPoolSize(16);
        cfg.setConnectionTimeout(30_000);
        cfg.setInitializationFailTimeout(-1);
        Dialect dialect;
        String display;
        if (url == null || url.isBlank()) {
            Path dbDir = dataDir.toAbsolutePath().normalize().resolve("db");
            String password = h2Password(dbDir);
            // retry: a thread interrupted while H2 writes (a cancelled build, a stopping worker) would
            // otherwise close the file channel under H2, which then closes the whole database
            cfg.setJdbcUrl("jdbc:h2:retry:file:" + dbDir.resolve("packyard") + ";AUTO_SERVER=TRUE;WRITE_DELAY=0;LOCK_TIMEOUT=20000");
            cfg.setUsername("packyard");
            cfg.setPassword(password);
            dialect = Dialect.H2;
            display = "h2:" + dbDir.resolve("packyard");
        } else {
            String u = url.strip();
            String lower = u.toLowerCase(Locale.ROOT);
            if (lower.startsWith("postgres://") || lower.startsWith("postgresql://")) {
                Properties p = new Properties();
                u = libpqToJdbc(u, p);
                if (p.containsKey("user")) {
                    cfg.setUsername(p.getProperty("user"));
                }
                if (p.containsKey("password")) {
                    cfg.setPassword(p.getProperty("password"));
                }
                lower = u.toLowerCase(Locale.ROOT);
            }
            if (lower.startsWith("jdbc:postgresql:")) {
                dialect = Dialect.POSTGRESQL;
                cfg.setDriverClassName("org.postgresql.Driver");
            } else if (lower.startsWith("jdbc:h2:")) {
                dialect = Dialect.H2;
                cfg.setDriverClassName("org.h2.Driver");
            } else {
                throw PackyardException.config("--database: expected a jdbc:postgresql:, postgresql:// or jdbc:h2: URL, got '"
                        + redact(u) + "'");
            }
            cfg.setJdbcUrl(u);
            display = redact(u);
        }
        HikariDataSource ds;
        try {
            ds = new HikariDataSource(cfg);
            try (var c = ds.getConnection()) {
                Objects.requireNonNull(c);
            }
        } catch (SQLException | RuntimeException e) {
            throw PackyardException.config("database " + display + ": cannot connect: " + rootMessage(e));
        }
        try {
            Flyway.configure()
                    .dataSource(ds)
                    .locations("classpath:db/migration")
                    .table("packyard_schema_history")
                    .baselineOnMigrate(false)
                    .load()
                    .migrate();
        } catch (FlywayException e) {
            ds.close();
            throw PackyardException.config("database " + display + ": schema migration failed: " + rootMessage(e));
        }
        return new Database(ds, dialect, display);
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    public Dialect dialect() {
        return dialect;
    }

    /** The URL without credentials, for messages. */
    public String displayUrl() {
        return displayUrl;
    }

    @Override
    public void close() {
        dataSource.close();
    }

    /** True when the exception (or a cause) is a unique-constraint violation (SQLState 23505 on both dialects). */
    public static boolean isUniqueViolation(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && "23505".equals(s.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    private static String h2Password(Path dbDir) {
        Path file = dbDir.resolve("credentials");
        try {
            Files.createDirectories(dbDir);
            if (Files.isRegularFile(file)) {
                String s = Files.readString(file, StandardCharsets.UTF_8).strip();
                if (!s.isEmpty()) {
                    return s;
                }
            }
            byte[] b = new byte[24];
            new SecureRandom().nextBytes(b);
            String pw = HexFormat.of().formatHex(b);
            Path tmp = dbDir.resolve("credentials.tmp");
            Files.deleteIfExists(tmp);
            try {
                Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                Files.createFile(tmp);
            }
            Files.writeString(tmp, pw + "\n", StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.SYNC);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return pw;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot set up the database directory " + dbDir + ": " + e.getMessage(), e);
        }
    }

    /** {@code postgresql://user:pw@host:port/db?opts} → {@code jdbc:postgresql://host:port/db?opts}; credentials into {@code props}. */
    static String libpqToJdbc(String url, Properties props) {
        URI u;
        try {
            u = new URI(url);
        } catch (URISyntaxException e) {
            throw PackyardException.config("--database: not a valid URL: " + e.getMessage());
        }
        String userInfo = u.getRawUserInfo();
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            String user = colon < 0 ? userInfo : userInfo.substring(0, colon);
            props.setProperty("user", URLDecoder.decode(user, StandardCharsets.UTF_8));
            if (colon >= 0) {
                props.setProperty("password", URLDecoder.decode(userInfo.substring(colon + 1), StandardCharsets.UTF_8));
            }
        }
        if (u.getHost() == null) {
            throw PackyardException.config("--database: no host in '" + redact(url) + "'");
        }
        StringBuilder b = new StringBuilder("jdbc:postgresql://").append(u.getHost());
        if (u.getPort() > 0) {
            b.append(':').append(u.getPort());
        }
        b.append(u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath());
        if (u.getRawQuery() != null) {
            b.append('?').append(u.getRawQuery());
        }
        return b.toString();
    }

    /** Hides passwords in a database URL. */
    public static String redact(String url) {
        return url.replaceAll("(?i)(password=)[^&;]*", "$1***").replaceAll("(//[^/:@]*:)[^@/]*@", "$1***@");
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return (m == null ? t.getClass().getSimpleName() : m).lines().findFirst().orElse("").strip();
    }
}
