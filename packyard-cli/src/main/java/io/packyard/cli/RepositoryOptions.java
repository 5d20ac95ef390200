package io.packyard.cli;

import io.packyard.repository.Repository;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code --data} and {@code --database}, shared by {@code serve}, {@code index}, {@code token} and
 * {@code fsck}: they all work on the same repository (the CLI commands directly, even while the
 * server runs).
 */
final class RepositoryOptions {

    @Option(names = "--data", paramLabel = "DIR", description = "Data directory: blobs and the default H2 database"
            + " (default: $PACKYARD_DATA, else ./packyard-data).")
    Path data;

    @Option(names = "--database", paramLabel = "URL", description = "Metadata database: jdbc:postgresql://HOST/DB?user=U&password=P,"
            + " postgresql://U:P@HOST/DB or jdbc:h2:... (default: $PACKYARD_DATABASE_URL, else H2 in the data directory).")
    String database;

    Path dataDir() {
        if (data != null) {
            return data;
        }
        String env = System.getenv("PACKYARD_DATA");
        return env != null && !env.isBlank() ? Path.of(env) : Path.of("packyard-data");
    }

    String databaseUrl() {
        if (database != null && !database.isBlank()) {
            return database;
        }
        String env = System.getenv("PACKYARD_DATABASE_URL");
        return env != null && !env.isBlank() ? env : null;
    }

    Repository open() {
        return Repository.builder().dataDir(dataDir()).databaseUrl(databaseUrl()).build();
    }
}
