package io.packyard.repository;

import io.packyard.repository.auth.Tokens;
import io.packyard.repository.db.Database;
import io.packyard.repository.index.Catalog;
import io.packyard.repository.index.HostedFiles;
import io.packyard.repository.index.Indexes;
import io.packyard.repository.index.Mirror;
import io.packyard.repository.storage.BlobStore;
import io.packyard.repository.upload.Uploads;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Packyard repository: the data directory's blob store ({@code <data>/blobs}), the metadata
 * database (H2 in {@code <data>/db} or PostgreSQL) and the services over them. The server and the
 * {@code packyard token|index|fsck} commands open one each.
 *
 * <pre>{@code
 * try (Repository repo = Repository.builder().dataDir(Path.of("/srv/packyard")).build()) {
 *     repo.indexes().create(IndexSpec.hosted("main"));
 * }
 * }</pre>
 */
public final class Repository implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Repository.class);

    /** The upload size limit of hosted indexes that do not set one: 100 MiB, as PyPI. */
    public static final long DEFAULT_MAX_UPLOAD_BYTES = 100L << 20;

    private final Path dataDir;
    private final Database database;
    private final BlobStore blobs;
    private final Indexes indexes;
    private final Tokens tokens;
    private final Mirror mirror;
    private final Catalog catalog;
    private final Uploads uploads;
    private final HostedFiles hostedFiles;
    private final Clock clock;
    private final java.util.Optional<Duration> aptValidFor;

    private Repository(Builder b) {
        this.dataDir = b.dataDir.toAbsolutePath().normalize();
        this.clock = b.clock;
        this.aptValidFor = java.util.Optional.ofNullable(b.aptValidFor);
        try {
            Files.createDirectories(dataDir);
        } catch (java.io.IOException e) {
            throw io.packyard.python.PackyardException.config("--data " + dataDir + ": cannot create: " + e.getMessage());
        }
        this.blobs = BlobStore.open(dataDir.resolve("blobs"));
        this.database = Database.open(dataDir, b.databaseUrl);
        this.indexes = new Indexes(database, clock);
        this.tokens = new Tokens(database, indexes, clock);
        HttpClient http = b.httpClient != null ? b.httpClient
                : HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                        .followRedirects(HttpClient.Redirect.NEVER).build();
        this.mirror = new Mirror(database, blobs, http, dataDir.resolve("cache").resolve("mirror"), clock, b.warn);
        this.catalog = new Catalog(database, indexes, mirror);
        this.uploads = new Uploads(database, blobs, clock, b.defaultMaxUploadBytes);
        this.hostedFiles = new HostedFiles(database, clock);
    }

    public static Builder builder() {
        return new Builder();
    }

    public Path dataDir() {
        return dataDir;
    }

    public Database database() {
        return database;
    }

    public BlobStore blobs() {
        return blobs;
    }

    public Indexes indexes() {
        return indexes;
    }

    public Tokens tokens() {
        return tokens;
    }

    public Catalog catalog() {
        return catalog;
    }

    public Uploads uploads() {
        return uploads;
    }

    public HostedFiles hostedFiles() {
        return hostedFiles;
    }

    public Mirror mirror() {
        return mirror;
    }

    public Clock clock() {
        return clock;
    }

    /** The Valid-Until span of APT Release files, if any. */
    public java.util.Optional<Duration> aptValidFor() {
        return aptValidFor;
    }

    private io.packyard.repository.packages.LinuxRepositories linux;
    private io.packyard.repository.packages.DirectoryPackageStore linuxStore;

    /** The directory store under {@link #linux()} (the files the HTTP routes serve). */
    public synchronized io.packyard.repository.packages.DirectoryPackageStore linuxStore() {
        linux();
        return linuxStore;
    }

    /**
     * The APT/YUM repositories and downloads ({@code <data>/linux}, keys in {@code <data>/keys}),
     * opened on first use (which generates the signing key if there is none). One instance per
     * repository, shared by the HTTP routes and the build service's publish step.
     */
    public synchronized io.packyard.repository.packages.LinuxRepositories linux() {
        if (linux == null) {
            try {
                var store = new io.packyard.repository.packages.DirectoryPackageStore(dataDir.resolve("linux"));
                linuxStore = store;
                var keys = io.packyard.repository.signing.RepositoryKeys.open(dataDir.resolve("keys"),
                        "Packyard repository signing key");
                java.util.Optional<Duration> validFor = aptValidFor;
                linux = io.packyard.repository.packages.LinuxRepositories.builder().store(store).keys(keys).clock(clock)
                        .aptOptions(name -> validFor.map(d -> io.packyard.repository.apt.AptOptions.defaults().withValidFor(d))
                                .orElse(io.packyard.repository.apt.AptOptions.defaults()))
                        .build();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return linux;
    }

    @Override
    public void close() {
        database.close();
    }

    /** Configures a {@link Repository}; only {@link #dataDir} is required. */
    public static final class Builder {
        private Path dataDir;
        private String databaseUrl;
        private Clock clock = Clock.systemUTC();
        private HttpClient httpClient;
        private Consumer<String> warn = LOG::warn;
        private long defaultMaxUploadBytes = DEFAULT_MAX_UPLOAD_BYTES;
        private Duration aptValidFor;

        private Builder() {}

        /**
         * APT Release files carry {@code Valid-Until: Date + validFor} (null, the default: none).
         * The server then refreshes each suite once half of that has passed
         * ({@link io.packyard.repository.packages.LinuxRepositories#refreshDueReleases}).
         */
        public Builder aptValidFor(Duration validFor) {
            if (validFor != null && (validFor.isNegative() || validFor.compareTo(Duration.ofHours(1)) < 0)) {
                throw io.packyard.python.PackyardException.config("--apt-valid-for: at least 1h, got " + validFor);
            }
            this.aptValidFor = validFor;
            return this;
        }

        /** The data directory: blobs, the default H2 database, the mirrors' page cache. */
        public Builder dataDir(Path dataDir) {
            this.dataDir = dataDir;
            return this;
        }

        /** A JDBC or {@code postgresql://} URL; null (the default) for H2 in the data directory. */
        public Builder databaseUrl(String databaseUrl) {
            this.databaseUrl = databaseUrl;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock);
            return this;
        }

        /** The HTTP client mirrors use upstream (it must not follow redirects itself). */
        public Builder httpClient(HttpClient httpClient) {
            this.httpClient = httpClient;
            return this;
        }

        /** Where warnings go (upstream failures, ...); default the slf4j logger. */
        public Builder warnings(Consumer<String> warn) {
            this.warn = Objects.requireNonNull(warn);
            return this;
        }

        /** The upload size limit for hosted indexes that set none (default 100 MiB). */
        public Builder defaultMaxUploadBytes(long bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("defaultMaxUploadBytes must be positive");
            }
            this.defaultMaxUploadBytes = bytes;
            return this;
        }

        public Repository build() {
            Objects.requireNonNull(dataDir, "dataDir");
            return new Repository(this);
        }
    }
}
