package io.packyard.server;

import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.http.Context;
import io.packyard.python.PackyardException;
import io.packyard.python.upload.UploadRejectedException;
import io.packyard.repository.Repository;
import io.packyard.repository.index.HostedFiles;
import io.packyard.repository.index.UpstreamException;
import io.packyard.server.http.HttpError;
import io.packyard.server.http.Responses;
import io.packyard.server.routes.Guard;
import io.packyard.server.routes.Routes;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * {@code packyard serve}: a PyPI-compatible index server (Javalin on Jetty, virtual threads).
 *
 * <pre>{@code
 * PackyardServer server = PackyardServer.builder()
 *         .dataDir(Path.of("/srv/packyard"))
 *         .port(8080)
 *         .build()
 *         .start();
 * ...
 * server.stop();
 * }</pre>
 *
 * Routes: {@link Routes} registers them all, one class per area (simple API, files, uploads, the
 * JSON maintenance API). Errors become
 * one-line messages (JSON under {@code /api/}, plain text elsewhere), never stack traces; the
 * request log has one line per request.
 */
public final class PackyardServer implements AutoCloseable {

    private final Builder config;
    private final Repository repo;
    private final boolean ownsRepository;
    private final ServerLog log;
    private Javalin app;
    private int port;
    /** Requests being handled, so that {@link #stop()} can let them finish. */
    private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
    private volatile boolean stopping;
    private final io.packyard.builds.BuildService builds;
    private final io.packyard.server.routes.PageCache pages = new io.packyard.server.routes.PageCache();
    private final io.packyard.server.routes.FastPages fastPages;
    private io.packyard.builds.BuildNode buildNode;
    private static final String COUNTED = "packyard.inFlight";
    private static final String STARTED = "packyard.started";

    private PackyardServer(Builder b) {
        this.config = b;
        this.log = b.log;
        if (b.repository != null) {
            this.repo = b.repository;
            this.ownsRepository = false;
        } else {
            Objects.requireNonNull(b.dataDir, "dataDir");
            this.repo = Repository.builder()
                    .dataDir(b.dataDir)
                    .databaseUrl(b.databaseUrl)
                    .clock(b.clock)
                    .warnings(log::warn)
                    .defaultMaxUploadBytes(b.defaultMaxUploadBytes)
                    .aptValidFor(b.aptValidFor)
                    .build();
            this.ownsRepository = true;
        }
        this.builds = new io.packyard.builds.BuildService(repo, b.retryPolicy);
        this.fastPages = new io.packyard.server.routes.FastPages(repo, pages, new io.packyard.server.routes.FastPages.Hooks() {
            @Override
            public boolean enter() {
                if (stopping) {
                    return false;
                }
                inFlight.incrementAndGet();
                return true;
            }

            @Override
            public void exit(String remote, String method, String path, int status, long bytes, long startNanos,
                    String userAgent) {
                try {
                    log.request(requestLine(remote, method, path, status, bytes, (System.nanoTime() - startNanos) / 1_000_000f,
                            null, userAgent));
                } finally {
                    inFlight.decrementAndGet();
                }
            }
        });
    }

    /** Cached pages answered before routing so far (see {@link io.packyard.server.routes.FastPages}). */
    public long fastPageHits() {
        return fastPages.hits();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Starts listening; returns this. */
    public synchronized PackyardServer start() {
        if (app != null) {
            throw new IllegalStateException("already started");
        }
        try {
            int removed = repo.blobs().deleteTempFilesOlderThan(Duration.ofHours(24));
            if (removed > 0) {
                log.info("removed " + removed + " temporary file(s) older than a day from the blob store");
            }
        } catch (IOException e) {
            log.warn("cannot clean the blob store's temporary files: " + e.getMessage());
        }
        Javalin j = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            cfg.concurrency.useVirtualThreads = true;
            cfg.router.ignoreTrailingSlashes = false;
            cfg.http.compressionStrategy = CompressionStrategy.NONE;
            cfg.http.generateEtags = false;
            cfg.http.maxRequestSize = 1L << 20;
            cfg.jetty.modifyServer(s -> {
                s.setStopTimeout(10_000);
                // cached public pages are answered before Javalin's routing; Javalin attaches
                // its servlet context inside this wrapper
                s.setHandler(fastPages);
            });
            // every request, matched or not, passes these two: the in-flight count and the request log
            cfg.routes.before(ctx -> {
                ctx.attribute(STARTED, System.nanoTime());
                if (stopping) {
                    throw new HttpError(503, "the server is stopping", Map.of("Connection", "close", "Retry-After", "5"));
                }
                inFlight.incrementAndGet();
                ctx.attribute(COUNTED, Boolean.TRUE);
            });
            cfg.routes.after(this::requestDone);
            cfg.routes.get("/", ctx -> Responses.text(ctx, 200, "Packyard index server. Indexes: GET /api/indexes;"
                    + " simple API: /<index>/simple/; uploads: POST /<index>/"));
            Routes.register(cfg.routes, repo, builds, pages);
            cfg.routes.exception(Exception.class, this::handleException);
            cfg.routes.error(404, ctx -> {
                if (ctx.attribute(Responses.BYTES_SENT) == null) {
                    sendError(ctx, 404, "not found: " + ctx.method() + " " + ctx.path(), Map.of());
                }
            });
            cfg.routes.error(405, ctx -> {
                if (ctx.attribute(Responses.BYTES_SENT) == null) {
                    sendError(ctx, 405, "method " + ctx.method() + " is not allowed on " + ctx.path(), Map.of());
                }
            });
        });
        try {
            j.start(config.bind, config.port);
        } catch (RuntimeException e) {
            if (ownsRepository) {
                repo.close();
            }
            throw PackyardException.config("cannot listen on " + config.bind + ":" + config.port + ": " + rootMessage(e));
        }
        this.app = j;
        this.port = j.port();
        repo.aptValidFor().ifPresent(this::startReleaseRefresh);
        if (config.buildNode != null) {
            io.packyard.builds.BuildNode.Builder nb = io.packyard.builds.BuildNode.builder(builds)
                    .workDir(defaultWorkDir(repo.dataDir())).log(log::info);
            config.buildNode.accept(nb);
            buildNode = nb.build().start();
        }
        log.info("listening on " + url() + " (data " + repo.dataDir() + ", database " + repo.database().displayUrl() + ")");
        log.flush();
        return this;
    }

    /**
     * Where in-process workers keep their workspaces: {@code $TMPDIR/packyard-work-<hash of the
     * data dir>}. Not in the data directory: verifying a .deb lays copy-on-write layers over
     * /usr, /etc, /opt, /var, /srv and /home, and a workspace inside one of those (a data dir
     * in /var/lib, say) cannot hold their upper layers.
     */
    static Path defaultWorkDir(Path dataDir) {
        String key = Integer.toHexString(dataDir.toAbsolutePath().normalize().toString().hashCode());
        return Path.of(System.getProperty("java.io.tmpdir"), "packyard-work-" + key);
    }

    private Thread releaseRefresh;

    /** Re-signs APT suites before their Valid-Until lapses, even when nothing is published. */
    private void startReleaseRefresh(Duration validFor) {
        Duration every = config.aptRefreshCheckEvery != null ? config.aptRefreshCheckEvery
                : validFor.dividedBy(8).compareTo(Duration.ofMinutes(10)) < 0 ? validFor.dividedBy(8) : Duration.ofMinutes(10);
        releaseRefresh = Thread.ofVirtual().name("apt-release-refresh").start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    int n = repo.linux().refreshDueReleases();
                    if (n > 0) {
                        log.info("re-signed " + n + " APT Release file(s) before their Valid-Until");
                    }
                } catch (IOException | RuntimeException e) {
                    log.warn("cannot refresh APT Release files: " + e.getMessage());
                }
                try {
                    Thread.sleep(every);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    /** Requests being handled right now. */
    public int requestsInFlight() {
        return inFlight.get();
    }

    /** The port listened on (useful with port 0). */
    public int port() {
        return port;
    }

    /** The server's base URL, {@code http://host:port/}. */
    public URI url() {
        String host = config.bind.contains(":") ? "[" + config.bind + "]" : config.bind;
        if (host.equals("0.0.0.0")) {
            host = "127.0.0.1";
        }
        return URI.create("http://" + host + ":" + port + "/");
    }

    public Repository repository() {
        return repo;
    }

    /** The build service (routes, UI and in-process workers share it). */
    public io.packyard.builds.BuildService builds() {
        return builds;
    }

    /**
     * Lets running requests finish (up to 10 s; new ones get 503 meanwhile), stops listening,
     * closes the database.
     */
    public synchronized void stop() {
        if (app != null) {
            stopping = true;
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (inFlight.get() > 0 && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            if (inFlight.get() > 0) {
                log.warn(inFlight.get() + " request(s) still running after 10 s; stopping anyway");
            }
            if (buildNode != null) {
                buildNode.close();
                buildNode = null;
            }
            if (releaseRefresh != null) {
                releaseRefresh.interrupt();
                releaseRefresh = null;
            }
            app.stop();
            app = null;
            log.info("stopped");
            log.flush();
        }
        if (ownsRepository) {
            repo.close();
        }
    }

    @Override
    public void close() {
        stop();
    }

    private void requestDone(Context ctx) {
        try {
            Object started = ctx.attribute(STARTED);
            float ms = started instanceof Long t ? (System.nanoTime() - t) / 1_000_000f : 0f;
            logRequest(ctx, ms);
        } finally {
            if (ctx.attribute(COUNTED) != null) {
                ctx.attribute(COUNTED, null);
                inFlight.decrementAndGet();
            }
        }
    }

    private void logRequest(Context ctx, float ms) {
        Object bytes = ctx.attribute(Responses.BYTES_SENT);
        log.request(requestLine(ctx.req().getRemoteAddr(), ctx.method().name(), ctx.path(), ctx.statusCode(), bytes, ms,
                ctx.attribute(Guard.TOKEN_ID), ctx.header("User-Agent")));
    }

    /** One request log line: {@code client "METHOD path" status bytes 1.2ms [token=...] ["user agent"]}. */
    static String requestLine(String remote, String method, String path, int status, Object bytes, float ms, Object token,
            String ua) {
        StringBuilder b = new StringBuilder(160);
        b.append(remote).append(" \"").append(method).append(' ').append(path)
                .append("\" ").append(status).append(' ').append(bytes == null ? "-" : bytes.toString())
                .append(' ');
        long tenths = Math.round(ms * 10);
        b.append(tenths / 10).append('.').append(tenths % 10).append("ms");
        if (token != null) {
            b.append(" token=").append(token);
        }
        if (ua != null) {
            b.append(" \"").append(ua.replace('"', '\'')).append('"');
        }
        return b.toString();
    }

    private void handleException(Exception e, Context ctx) {
        int status;
        String message;
        Map<String, String> headers = Map.of();
        if (e instanceof HttpError h) {
            status = h.status();
            message = h.getMessage();
            headers = h.headers();
        } else if (e instanceof UploadRejectedException u) {
            status = u.status();
            message = u.reason();
        } else if (e instanceof HostedFiles.NotFoundException n) {
            status = 404;
            message = n.getMessage();
        } else if (e instanceof UpstreamException u) {
            status = 502;
            message = u.getMessage();
        } else if (e instanceof PackyardException p) {
            status = 400;
            message = p.getMessage();
        } else if (isClientAbort(e)) {
            status = 400;
            message = "the request body ended early (client disconnected?)";
        } else {
            String incident = UUID.randomUUID().toString().substring(0, 8);
            log.error("internal error " + incident + " on " + ctx.method() + " " + ctx.path() + ": " + e, e);
            status = 500;
            message = "internal server error (incident " + incident + "; see the server log)";
        }
        if (ctx.res().isCommitted()) {
            log.warn(ctx.method() + " " + ctx.path() + ": " + message + " (response already started)");
            return;
        }
        sendError(ctx, status, message, headers);
    }

    private static void sendError(Context ctx, int status, String message, Map<String, String> headers) {
        try {
            ctx.res().resetBuffer();
        } catch (IllegalStateException ignored) {
            // nothing buffered
        }
        if (!drainRequestBody(ctx)) {
            ctx.res().setHeader("Connection", "close");
        }
        headers.forEach((k, v) -> ctx.res().setHeader(k, v));
        ctx.res().setHeader("Cache-Control", "no-store");
        String m = message == null ? "error" : message.lines().findFirst().orElse("error");
        if (ctx.path().startsWith("/api/")) {
            Responses.json(ctx, status, Map.of("error", m));
        } else {
            Responses.text(ctx, status, m);
        }
    }

    /** Unread request bodies up to this size are read and dropped before an error is sent. */
    private static final int DRAIN_LIMIT = 64 * 1024;

    /**
     * Reads and drops what is left of the request body (a refused request's body is often still on
     * its way), so that the keep-alive connection stays usable for the client's next request.
     * Returns false when more than {@link #DRAIN_LIMIT} bytes remain or the body cannot be read:
     * then the response must say {@code Connection: close}, or a client reusing the connection
     * would find it closed under it.
     */
    private static boolean drainRequestBody(Context ctx) {
        long declared = ctx.req().getContentLengthLong();
        boolean chunked = ctx.header("Transfer-Encoding") != null;
        if (declared <= 0 && !chunked) {
            return true;
        }
        if (declared > DRAIN_LIMIT) {
            return false;
        }
        try {
            java.io.InputStream in = ctx.req().getInputStream();
            byte[] buffer = new byte[8192];
            long total = 0;
            for (int n; (n = in.read(buffer)) >= 0; ) {
                total += n;
                if (total > DRAIN_LIMIT) {
                    return false;
                }
            }
            return true;
        } catch (IOException | IllegalStateException e) {
            return false;
        }
    }

    private static boolean isClientAbort(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof EOFException || t.getClass().getSimpleName().equals("EofException")) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    /** Configures a {@link PackyardServer}. */
    public static final class Builder {
        private Path dataDir;
        private String databaseUrl;
        private String bind = "127.0.0.1";
        private int port = 8080;
        private ServerLog log = ServerLog.slf4j();
        private long defaultMaxUploadBytes = Repository.DEFAULT_MAX_UPLOAD_BYTES;
        private Clock clock = Clock.systemUTC();
        private Repository repository;
        private java.util.function.Consumer<io.packyard.builds.BuildNode.Builder> buildNode;
        private Duration aptValidFor;
        private Duration aptRefreshCheckEvery;

        /** How often to look for APT suites to re-sign (default: an eighth of Valid-Until's span, at most 10 min). */
        public Builder aptRefreshCheckEvery(Duration every) {
            this.aptRefreshCheckEvery = every;
            return this;
        }

        /** APT Release files get {@code Valid-Until: Date + validFor}; suites are re-signed when half of it has passed. */
        public Builder aptValidFor(Duration validFor) {
            this.aptValidFor = validFor;
            return this;
        }
        private io.packyard.builds.queue.RetryPolicy retryPolicy = io.packyard.builds.queue.RetryPolicy.DEFAULT;

        private Builder() {}

        /**
         * Runs the build service's in-process workers and housekeeping on this node, configured
         * by {@code settings} (platform queues, concurrency, lease ...). Without it the build API
         * still works and builds wait for workers elsewhere.
         */
        public Builder buildNode(java.util.function.Consumer<io.packyard.builds.BuildNode.Builder> settings) {
            this.buildNode = settings;
            return this;
        }

        /** How the build service retries infrastructure failures (default {@link io.packyard.builds.queue.RetryPolicy#DEFAULT}). */
        public Builder retryPolicy(io.packyard.builds.queue.RetryPolicy policy) {
            this.retryPolicy = Objects.requireNonNull(policy);
            return this;
        }

        /** The data directory (blobs, the default H2 database). */
        public Builder dataDir(Path dataDir) {
            this.dataDir = dataDir;
            return this;
        }

        /** A JDBC or {@code postgresql://} URL; default H2 in the data directory. */
        public Builder databaseUrl(String databaseUrl) {
            this.databaseUrl = databaseUrl;
            return this;
        }

        /** The address to listen on; default 127.0.0.1 (loopback only). */
        public Builder bind(String bind) {
            this.bind = Objects.requireNonNull(bind);
            return this;
        }

        /** The port; 0 picks a free one (see {@link PackyardServer#port()}). Default 8080. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw PackyardException.config("--port: expected 0..65535, got " + port);
            }
            this.port = port;
            return this;
        }

        public Builder log(ServerLog log) {
            this.log = Objects.requireNonNull(log);
            return this;
        }

        /** The upload limit of hosted indexes that set none; default 100 MiB. */
        public Builder defaultMaxUploadBytes(long bytes) {
            this.defaultMaxUploadBytes = bytes;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock);
            return this;
        }

        /** Serve an already open repository (not closed by {@link #stop()}); data dir and database are then ignored. */
        public Builder repository(Repository repository) {
            this.repository = repository;
            return this;
        }

        public PackyardServer build() {
            return new PackyardServer(this);
        }
    }
}
