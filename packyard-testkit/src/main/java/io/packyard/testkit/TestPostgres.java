package io.packyard.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A throw-away PostgreSQL server for tests: {@code initdb} into a temporary directory, started
 * with {@code pg_ctl} on a free loopback port (unix socket in the same directory), stopped and
 * deleted by {@link #close()}. As root, the server runs as the unprivileged user {@code nobody}
 * ({@code runuser}), since PostgreSQL refuses to run as root. The binaries are looked up in
 * {@code $PACKYARD_PG_BIN}, {@code /usr/local/bin}, then {@code /usr/lib/postgresql/<v>/bin}; a
 * missing PostgreSQL fails the test (CI installs it).
 *
 * <pre>{@code
 * try (TestPostgres pg = TestPostgres.start()) {
 *     String url = pg.createDatabase("t1");   // jdbc:postgresql://127.0.0.1:PORT/t1?user=postgres
 * }
 * }</pre>
 */
public final class TestPostgres implements AutoCloseable {

    private static final AtomicInteger DATABASES = new AtomicInteger();

    private final Path dir;
    private final Path bin;
    private final int port;
    private final boolean asNobody;

    private TestPostgres(Path dir, Path bin, int port, boolean asNobody) {
        this.dir = dir;
        this.bin = bin;
        this.port = port;
        this.asNobody = asNobody;
    }

    /** Creates and starts a server (a few seconds). */
    public static TestPostgres start() {
        Path bin = findBin();
        boolean root = "root".equals(System.getProperty("user.name"));
        try {
            Path dir = Files.createTempDirectory(Path.of("/tmp"), "packyard-pg-");
            if (root) {
                run(List.of("chown", "nobody:", dir.toString()), false, dir);
            }
            int port;
            try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            }
            TestPostgres pg = new TestPostgres(dir, bin, port, root);
            run(List.of(bin.resolve("initdb").toString(), "-D", dir.resolve("data").toString(), "-U", "postgres",
                    "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"), root, dir);
            run(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-l",
                    dir.resolve("log").toString(), "-w", "-t", "60", "-o",
                    "-k " + dir + " -p " + port + " -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
                    "start"), root, dir);
            return pg;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The port the server listens on (127.0.0.1). */
    public int port() {
        return port;
    }

    /** A JDBC URL of the {@code postgres} database. */
    public String adminUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres";
    }

    /** Creates a fresh database and returns its JDBC URL (user postgres, no password). */
    public String createDatabase(String prefix) {
        String name = (prefix + "_" + DATABASES.incrementAndGet()).toLowerCase(java.util.Locale.ROOT)
                .replaceAll("[^a-z0-9_]", "_");
        try (Connection c = DriverManager.getConnection(adminUrl()); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + name + ": " + e.getMessage(), e);
        }
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + name + "?user=postgres";
    }

    /** Stops the server and deletes its directory. */
    @Override
    public void close() {
        try {
            run(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "immediate",
                    "-w", "stop"), asNobody, dir);
        } catch (RuntimeException e) {
            // fall through to delete
        }
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // temp directory
        }
    }

    private static Path findBin() {
        List<Path> candidates = new ArrayList<>();
        String env = System.getenv("PACKYARD_PG_BIN");
        if (env != null && !env.isBlank()) {
            candidates.add(Path.of(env));
        }
        candidates.add(Path.of("/usr/local/bin"));
        try (var s = Files.list(Path.of("/usr/lib/postgresql"))) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> candidates.add(p.resolve("bin")));
        } catch (IOException ignored) {
            // not installed there
        }
        for (Path p : candidates) {
            if (Files.isExecutable(p.resolve("initdb")) && Files.isExecutable(p.resolve("pg_ctl"))) {
                return p;
            }
        }
        throw new IllegalStateException("PostgreSQL (initdb, pg_ctl) not found in " + candidates
                + "; install postgresql or set PACKYARD_PG_BIN");
    }

    private static void run(List<String> cmd, boolean asNobody, Path dir) {
        List<String> full = new ArrayList<>();
        if (asNobody) {
            full.addAll(List.of("runuser", "-u", "nobody", "--"));
        }
        full.addAll(cmd);
        try {
            ProcessBuilder pb = new ProcessBuilder(full).redirectErrorStream(true).directory(dir.toFile());
            pb.environment().put("LC_ALL", "C");
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("timed out: " + full);
            }
            if (p.exitValue() != 0) {
                String log = "";
                Path logFile = dir.resolve("log");
                if (Files.isRegularFile(logFile)) {
                    log = "\n--- server log ---\n" + Files.readString(logFile);
                }
                throw new IllegalStateException("command failed (" + p.exitValue() + "): " + full + "\n" + out + log);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
