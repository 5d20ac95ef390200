package io.packyard.repository.index;

import io.packyard.python.PackyardException;
import io.packyard.python.index.DistributionFile;
import io.packyard.python.index.SimpleIndexClient;
import io.packyard.python.util.Progress;
import io.packyard.repository.db.Database;
import io.packyard.repository.db.MirrorDao;
import io.packyard.repository.storage.Blob;
import io.packyard.repository.storage.BlobStore;
import io.packyard.repository.storage.BlobTooLargeException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The caching side of mirror indexes.
 *
 * <ul>
 *   <li>Pages: an upstream project page is fetched (PEP 691 JSON or PEP 503 HTML, parsed by
 *       packyard-python's {@link SimpleIndexClient}) and its files stored as rows. The rows are served
 *       for the index's page TTL; after it, the page is revalidated with upstream (ETag /
 *       Last-Modified through the client's page cache under {@code <data>/cache/mirror/<index>/}).
 *       When upstream fails, the stale rows are served, the failure is logged, and upstream is not
 *       asked again for {@link #FAILURE_BACKOFF}.</li>
 *   <li>Files and PEP 658 metadata: downloaded on first request, their advertised sha256 checked,
 *       then kept in the blob store for ever (a {@code mirror_cache} row names them), whatever
 *       upstream does afterwards.</li>
 * </ul>
 * Upstream files without a sha256 hash are left out of the mirrored page (a file's URL on this
 * server is its hash), and said so in the log.
 */
public final class Mirror {

    /** After a failed refresh, stale pages are served without asking upstream for this long. */
    public static final Duration FAILURE_BACKOFF = Duration.ofSeconds(30);
    /** Largest file a mirror downloads. */
    static final long MAX_FILE = 20L << 30;
    /** Largest metadata file. */
    static final long MAX_METADATA = 16L << 20;

    private final Database db;
    private final BlobStore blobs;
    private final HttpClient http;
    private final Path cacheRoot;
    private final Clock clock;
    private final Consumer<String> warn;
    private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();

    public Mirror(Database db, BlobStore blobs, HttpClient http, Path cacheRoot, Clock clock, Consumer<String> warn) {
        this.db = db;
        this.blobs = blobs;
        this.http = http;
        this.cacheRoot = cacheRoot;
        this.clock = clock;
        this.warn = warn;
    }

    /**
     * The files of a project as the mirror serves them: the cached copy while fresh, otherwise
     * refreshed from upstream (stale copy when upstream fails). Empty when upstream does not have
     * the project.
     *
     * @throws UpstreamException when upstream fails and nothing is cached
     */
    public Optional<List<MirrorFile>> files(IndexConfig mirror, String project) {
        Optional<MirrorDao.PageState> state = db.jdbi().withHandle(h -> MirrorDao.page(h, mirror.id(), project));
        if (state.isEmpty() || needsRefresh(mirror, state.get())) {
            ReentrantLock lock = locks.computeIfAbsent(mirror.id() + "/" + project, k -> new ReentrantLock());
            lock.lock();
            try {
                // another request may have refreshed it while this one waited
                state = db.jdbi().withHandle(h -> MirrorDao.page(h, mirror.id(), project));
                if (state.isEmpty() || needsRefresh(mirror, state.get())) {
                    state = refresh(mirror, project, state);
                }
            } finally {
                lock.unlock();
            }
        }
        if (state.get().missing()) {
            return Optional.empty();
        }
        return Optional.of(db.jdbi().withHandle(h -> MirrorDao.files(h, mirror.id(), project)));
    }

    private boolean needsRefresh(IndexConfig mirror, MirrorDao.PageState s) {
        Instant now = clock.instant();
        if (now.isBefore(s.fetched().plus(mirror.pageTtl()))) {
            return false;
        }
        return s.failed().map(f -> !now.isBefore(f.plus(FAILURE_BACKOFF))).orElse(true);
    }

    private Optional<MirrorDao.PageState> refresh(IndexConfig mirror, String project, Optional<MirrorDao.PageState> stale) {
        URI upstream = mirror.upstream().orElseThrow();
        List<String> warnings = new ArrayList<>();
        Progress capture = Progress.warningsTo(warnings::add);
        Instant now = clock.instant();
        List<DistributionFile> listed;
        String failure = null;
        try {
            SimpleIndexClient client = SimpleIndexClient.builder()
                    .indexUrl(upstream)
                    .cacheDir(cacheRoot.resolve(mirror.name()))
                    .httpClient(http)
                    .retries(1)
                    .timeout(Duration.ofSeconds(30))
                    .progress(capture)
                    .build();
            listed = client.files(project);
            for (String w : warnings) {
                if (w.contains(" is unreachable (")) {
                    failure = w;
                } else {
                    warn.accept("mirror " + mirror.name() + ": " + w);
                }
            }
        } catch (PackyardException | java.io.UncheckedIOException e) {
            listed = null;
            failure = e.getMessage();
        }
        if (failure != null) {
            if (stale.isEmpty()) {
                warn.accept("mirror " + mirror.name() + ": upstream failed for " + project + " and nothing is cached: " + failure);
                throw new UpstreamException("mirror '" + mirror.name() + "': upstream " + upstream
                        + " failed for '" + project + "' and no copy is cached: " + failure);
            }
            warn.accept("mirror " + mirror.name() + ": upstream failed for " + project + "; serving the copy fetched at "
                    + stale.get().fetched() + ": " + failure);
            db.jdbi().useHandle(h -> MirrorDao.markFailed(h, mirror.id(), project, now));
            return db.jdbi().withHandle(h -> MirrorDao.page(h, mirror.id(), project));
        }
        List<MirrorFile> rows = new ArrayList<>();
        Set<String> names = new HashSet<>();
        int skipped = 0;
        int pos = 0;
        for (DistributionFile f : listed) {
            Optional<String> sha = f.sha256().filter(BlobStore::isSha256);
            if (sha.isEmpty() || !safeFilename(f.filename()) || !names.add(f.filename())) {
                skipped++;
                continue;
            }
            Optional<String> metaSha = f.coreMetadata().flatMap(m -> Optional.ofNullable(m.get("sha256")))
                    .filter(BlobStore::isSha256);
            rows.add(new MirrorFile(mirror.id(), project, pos++, f.filename(), f.url(), sha.get(), f.requiresPython(),
                    f.yanked(), metaSha.isPresent(), metaSha));
        }
        if (skipped > 0) {
            warn.accept("mirror " + mirror.name() + ": " + project + ": left out " + skipped
                    + " upstream file(s) without a sha256 hash, with an unsafe name or listed twice");
        }
        boolean missing = listed.isEmpty();
        db.jdbi().useTransaction(h -> MirrorDao.replacePage(h, mirror.id(), project, rows, missing, now));
        return db.jdbi().withHandle(h -> MirrorDao.page(h, mirror.id(), project));
    }

    /** Sizes of the project's downloaded files, by sha256. */
    public Map<String, Long> cachedSizes(IndexConfig mirror, String project) {
        return db.jdbi().withHandle(h -> MirrorDao.cachedSizes(h, mirror.id(), project));
    }

    /** The mirror's project names (those fetched so far and present upstream). */
    public List<String> projects(IndexConfig mirror) {
        return db.jdbi().withHandle(h -> MirrorDao.projects(h, mirror.id()));
    }

    /** A file of the mirror by hash and name, as last listed. */
    public Optional<MirrorFile> file(IndexConfig mirror, String sha256, String filename) {
        return db.jdbi().withHandle(h -> MirrorDao.fileBySha(h, mirror.id(), sha256, filename));
    }

    /**
     * Makes sure the file is in the blob store (downloading and checking it when needed) and
     * returns its sha256.
     *
     * @throws UpstreamException when it is not cached and cannot be downloaded intact
     */
    public String fetchFile(IndexConfig mirror, MirrorFile f) {
        Optional<MirrorDao.Cached> cached = db.jdbi().withHandle(h -> MirrorDao.cached(h, mirror.id(), f.sha256()));
        if (cached.isPresent() && cached.get().fileCached() && blobs.exists(f.sha256())) {
            return f.sha256();
        }
        ReentrantLock lock = locks.computeIfAbsent("file/" + f.sha256(), k -> new ReentrantLock());
        lock.lock();
        try {
            cached = db.jdbi().withHandle(h -> MirrorDao.cached(h, mirror.id(), f.sha256()));
            if (cached.isPresent() && cached.get().fileCached() && blobs.exists(f.sha256())) {
                return f.sha256();
            }
            long size;
            if (blobs.exists(f.sha256())) {
                // the same content is already stored (another index has it): reference it
                try {
                    size = java.nio.file.Files.size(blobs.pathOf(f.sha256()));
                } catch (IOException e) {
                    throw new UpstreamException("cannot read the blob store: " + e.getMessage(), e);
                }
            } else {
                size = download(mirror, f);
            }
            recordFile(mirror, f, size);
            return f.sha256();
        } finally {
            lock.unlock();
        }
    }

    private void recordFile(IndexConfig mirror, MirrorFile f, long size) {
        Instant now = clock.instant();
        try {
            db.jdbi().useTransaction(h -> MirrorDao.putFile(h, mirror.id(), f.sha256(), f.filename(), size, now));
        } catch (RuntimeException e) {
            if (!Database.isUniqueViolation(e)) {
                throw e;
            }
            db.jdbi().useTransaction(h -> MirrorDao.putFile(h, mirror.id(), f.sha256(), f.filename(), size, now));
        }
    }

    private long download(IndexConfig mirror, MirrorFile f) {
        URI url = f.upstreamUrl();
        HttpResponse<InputStream> r = get(mirror, url, "the file " + f.filename());
        try (InputStream in = r.body(); BlobStore.Staged staged = blobs.stage(MAX_FILE)) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                staged.write(buf, 0, n);
            }
            String got = staged.sha256();
            if (!got.equals(f.sha256())) {
                String msg = "mirror '" + mirror.name() + "': " + f.filename() + " from " + url
                        + ": sha256 mismatch: upstream advertised " + f.sha256() + ", got " + got + "; not cached";
                warn.accept(msg);
                throw new UpstreamException(msg);
            }
            Blob b = staged.commit();
            return b.size();
        } catch (BlobTooLargeException e) {
            throw new UpstreamException("mirror '" + mirror.name() + "': " + f.filename() + " is larger than "
                    + MAX_FILE + " bytes");
        } catch (IOException e) {
            warn.accept("mirror " + mirror.name() + ": downloading " + f.filename() + " from " + url + " failed: " + e);
            throw new UpstreamException("mirror '" + mirror.name() + "': downloading " + f.filename() + " from upstream failed: "
                    + e.getMessage(), e);
        }
    }

    /**
     * The file's PEP 658 metadata blob (downloaded and checked against the advertised hash on first
     * use); empty when upstream does not serve it.
     */
    public Optional<String> fetchMetadata(IndexConfig mirror, MirrorFile f) {
        if (!f.hasMetadata() || f.metadataSha256().isEmpty()) {
            return Optional.empty();
        }
        String want = f.metadataSha256().get();
        Optional<MirrorDao.Cached> cached = db.jdbi().withHandle(h -> MirrorDao.cached(h, mirror.id(), f.sha256()));
        if (cached.flatMap(MirrorDao.Cached::metadataSha256).filter(want::equals).isPresent() && blobs.exists(want)) {
            return Optional.of(want);
        }
        if (!blobs.exists(want)) {
            URI url = URI.create(f.upstreamUrl() + ".metadata");
            HttpResponse<InputStream> r = get(mirror, url, "the metadata of " + f.filename());
            byte[] bytes;
            try (InputStream in = r.body()) {
                bytes = readLimited(in, MAX_METADATA);
            } catch (IOException e) {
                throw new UpstreamException("mirror '" + mirror.name() + "': downloading the metadata of " + f.filename()
                        + " failed: " + e.getMessage(), e);
            }
            String got = io.packyard.python.index.Hashes.sha256(bytes);
            if (!got.equals(want)) {
                String msg = "mirror '" + mirror.name() + "': " + f.filename() + ".metadata: sha256 mismatch: upstream"
                        + " advertised " + want + ", got " + got + "; not cached";
                warn.accept(msg);
                throw new UpstreamException(msg);
            }
            try {
                blobs.put(bytes);
            } catch (IOException e) {
                throw new UpstreamException("cannot write the blob store: " + e.getMessage(), e);
            }
        }
        Instant now = clock.instant();
        try {
            db.jdbi().useTransaction(h -> MirrorDao.putMetadata(h, mirror.id(), f.sha256(), f.filename(), want, now));
        } catch (RuntimeException e) {
            if (!Database.isUniqueViolation(e)) {
                throw e;
            }
            db.jdbi().useTransaction(h -> MirrorDao.putMetadata(h, mirror.id(), f.sha256(), f.filename(), want, now));
        }
        return Optional.of(want);
    }

    /** GET with redirects followed by hand (credentials only to the upstream's own origin); 200 or an exception. */
    private HttpResponse<InputStream> get(IndexConfig mirror, URI url, String what) {
        URI upstream = mirror.upstream().orElseThrow();
        String auth = basicAuth(upstream);
        URI u = url;
        try {
            for (int hop = 0; hop < 10; hop++) {
                HttpRequest.Builder b = HttpRequest.newBuilder(withoutUserInfo(u)).GET().timeout(Duration.ofMinutes(5))
                        .header("User-Agent", "packyard-mirror/0.1");
                if (auth != null && sameOrigin(upstream, u)) {
                    b.header("Authorization", auth);
                }
                HttpResponse<InputStream> r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
                int s = r.statusCode();
                Optional<String> loc = r.headers().firstValue("Location");
                if ((s == 301 || s == 302 || s == 303 || s == 307 || s == 308) && loc.isPresent()) {
                    r.body().close();
                    URI next = u.resolve(loc.get());
                    if ("https".equalsIgnoreCase(u.getScheme()) && !"https".equalsIgnoreCase(next.getScheme())) {
                        throw new UpstreamException("mirror '" + mirror.name() + "': refusing a redirect from https to " + next);
                    }
                    u = next;
                    continue;
                }
                if (s != 200) {
                    r.body().close();
                    String msg = "mirror '" + mirror.name() + "': upstream answered HTTP " + s + " for " + what + " (" + u + ")";
                    warn.accept(msg);
                    throw new UpstreamException(msg);
                }
                return r;
            }
            throw new UpstreamException("mirror '" + mirror.name() + "': too many redirects for " + what);
        } catch (IOException e) {
            String msg = "mirror '" + mirror.name() + "': upstream is unreachable for " + what + " (" + url + "): " + e;
            warn.accept(msg);
            throw new UpstreamException(msg, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UpstreamException("interrupted", e);
        }
    }

    private static byte[] readLimited(InputStream in, long limit) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[1 << 14];
        int n;
        while ((n = in.read(buf)) > 0) {
            if (out.size() + n > limit) {
                throw new IOException("larger than " + limit + " bytes");
            }
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    private static String basicAuth(URI upstream) {
        String ui = upstream.getRawUserInfo();
        if (ui == null) {
            return null;
        }
        String decoded = URLDecoder.decode(ui.replace("+", "%2B"), StandardCharsets.UTF_8);
        return "Basic " + Base64.getEncoder().encodeToString(decoded.getBytes(StandardCharsets.UTF_8));
    }

    private static boolean sameOrigin(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme())
                && String.valueOf(a.getHost()).equalsIgnoreCase(String.valueOf(b.getHost()))
                && port(a) == port(b);
    }

    private static int port(URI u) {
        if (u.getPort() >= 0) {
            return u.getPort();
        }
        return "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }

    private static URI withoutUserInfo(URI u) {
        if (u.getRawUserInfo() == null) {
            return u;
        }
        return URI.create(u.toString().replace(u.getRawUserInfo() + "@", ""));
    }

    /** A file name that is safe as the last segment of a URL path and a file name. */
    static boolean safeFilename(String name) {
        if (name.isEmpty() || name.length() > 512 || name.startsWith(".")) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x21 || c == '/' || c == '\\' || c == '%' || c == '?' || c == '#' || c == 0x7f) {
                return false;
            }
        }
        return name.toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT).strip());
    }
}
