package io.packyard.repository;

import io.packyard.testkit.TestPostgres;
import java.nio.file.Path;
import java.time.Clock;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The two database backends the storage tests run on: the default embedded H2, and PostgreSQL
 * (one throw-away server per test JVM, a fresh database per repository).
 */
public enum Backends {
    H2,
    POSTGRESQL;

    private static TestPostgres postgres;

    /** For {@code @MethodSource}: both backends. */
    public static Stream<Backends> all() {
        return Stream.of(values());
    }

    /** The {@code --database} URL for a new repository: null (H2 in the data dir) or a fresh PostgreSQL database. */
    public String newDatabaseUrl() {
        return this == H2 ? null : postgres().createDatabase("repo");
    }

    public Repository open(Path dataDir, Clock clock, Consumer<String> warnings) {
        return Repository.builder().dataDir(dataDir).databaseUrl(newDatabaseUrl()).clock(clock).warnings(warnings).build();
    }

    public Repository open(Path dataDir) {
        return open(dataDir, Clock.systemUTC(), w -> { });
    }

    static synchronized TestPostgres postgres() {
        if (postgres == null) {
            postgres = TestPostgres.start();
            TestPostgres pg = postgres;
            Runtime.getRuntime().addShutdownHook(new Thread(pg::close));
        }
        return postgres;
    }
}
