package io.packyard.python.index;

import io.packyard.python.util.FileTrees;

import io.packyard.python.PackyardException;
import io.packyard.python.util.Progress;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * HTTP for wheel sources: GET with retries and same-origin credentials, an on-disk page cache
 * revalidated with ETag / Last-Modified, and a content-addressed file cache
 * ({@code wheels/<sha256[0:2]>/<sha256>/<filename>}) written by temp-file, fsync and rename after
 * the hashes are verified.
 */
final class HttpFetcher {

    /** A fetched page: the URL it finally came from (after redirects), its content type and text. */
    record Page(URI url, String contentType, String body) {}

    private static final String USER_AGENT = "packyard/0.1 (+java.net.http)";
    private static final int MAX_REDIRECTS = 10;

    private final HttpClient client;
    private final Path cacheDir;
    private final boolean offline;
    private final Progress progress;
    private final int retries;
    private final Duration timeout;
    /** Origin the credentials belong to, and the Authorization header value; both null without credentials. */
    private final URI credentialOrigin;
    private final String authorization;

    HttpFetcher(HttpClient client, Path cacheDir, boolean offline, Progress progress, int retries, Duration timeout,
            URI credentialOrigin, String userInfo) {
        this.client = client;
        this.cacheDir = cacheDir;
        this.offline = offline;
        this.progress = progress;
        this.retries = retries;
        this.timeout = timeout;
        this.credentialOrigin = userInfo == null ? null : credentialOrigin;
        this.authorization = userInfo == null ? null
                : "Basic " + Base64.getEncoder().encodeToString(
                        URLDecoder.decode(userInfo.replace("+", "%2B"), StandardCharsets.UTF_8)
                                .getBytes(StandardCharsets.UTF_8));
    }

    static HttpClient defaultClient(Duration connectTimeout) {
        return HttpClient.newBuilder()
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    boolean offline() {
        return offline;
    }

    Path cacheDir() {
        return cacheDir;
    }

    // ---------------------------------------------------------------- pages

    /**
     * A page, revalidated against the cache; empty when the server answers 404 or 410.
     *
     * @param what describes the page for messages, e.g. {@code index https://host/simple/: foo}
     */
    Optional<Page> page(URI url, String accept, String what) {
        if ("file".equalsIgnoreCase(url.getScheme())) {
            return filePage(url);
        }
        Path cacheFile = cacheDir.resolve("pages").resolve(Hashes.sha256(url.toString().getBytes(StandardCharsets.UTF_8)));
        CachedPage cached = CachedPage.read(cacheFile);
        if (offline) {
            if (cached == null) {
                throw PackyardException.build(what + ": working offline and " + Urls.display(url)
                        + " is not in the cache " + cacheDir);
            }
            return cached.missing ? Optional.empty() : Optional.of(cached.page());
        }
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Accept", accept);
        if (cached != null && !cached.missing) {
            if (cached.etag != null) {
                headers.put("If-None-Match", cached.etag);
            }
            if (cached.lastModified != null) {
                headers.put("If-Modified-Since", cached.lastModified);
            }
        }
        HttpResponse<InputStream> response;
        try {
            response = send(url, headers);
        } catch (IOException e) {
            if (cached != null) {
                progress.warn(what + ": " + Urls.display(url) + " is unreachable (" + describe(e)
                        + "); using the cached copy");
                return cached.missing ? Optional.empty() : Optional.of(cached.page());
            }
            throw PackyardException.build(what + ": cannot fetch " + Urls.display(url) + ": " + describe(e), e);
        }
        int status = response.statusCode();
        try (InputStream body = response.body()) {
            if (status == 304 && cached != null && !cached.missing) {
                return Optional.of(cached.page());
            }
            if (status == 404 || status == 410) {
                CachedPage.writeMissing(cacheFile, this);
                return Optional.empty();
            }
            if (status != 200) {
                throw PackyardException.build(what + ": " + Urls.display(url) + " answered HTTP " + status);
            }
            String contentType = response.headers().firstValue("Content-Type").orElse("");
            byte[] bytes = readAll(body, 64L << 20, what + ": " + Urls.display(url));
            String text = new String(bytes, charset(contentType));
            Page page = new Page(response.uri(), contentType, text);
            CachedPage fresh = new CachedPage(false, page.url(), contentType,
                    response.headers().firstValue("ETag").orElse(null),
                    response.headers().firstValue("Last-Modified").orElse(null), text);
            fresh.write(cacheFile, this);
            return Optional.of(page);
        } catch (IOException e) {
            throw PackyardException.build(what + ": cannot read " + Urls.display(url) + ": " + describe(e), e);
        }
    }

    private Optional<Page> filePage(URI url) {
        Path p = Path.of(url);
        try {
            if (Files.isDirectory(p)) {
                Path index = p.resolve("index.html");
                if (Files.isRegularFile(index)) {
                    return Optional.of(new Page(index.toUri(), "text/html", Files.readString(index)));
                }
                StringBuilder html = new StringBuilder("<!DOCTYPE html><html><body>\n");
                try (var s = Files.list(p)) {
                    s.filter(Files::isRegularFile).map(f -> f.getFileName().toString()).sorted().forEach(name ->
                            html.append("<a href=\"").append(Urls.parseLenient(name).toASCIIString()).append("\">")
                                    .append(name).append("</a>\n"));
                }
                html.append("</body></html>\n");
                URI dirUri = p.toUri();
                return Optional.of(new Page(dirUri, "text/html", html.toString()));
            }
            if (Files.isRegularFile(p)) {
                return Optional.of(new Page(url, "text/html", Files.readString(p)));
            }
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Charset charset(String contentType) {
        for (String part : contentType.split(";")) {
            String p = part.strip();
            if (p.toLowerCase(Locale.ROOT).startsWith("charset=")) {
                String name = p.substring(8).replace("\"", "").strip();
                try {
                    return Charset.forName(name);
                } catch (RuntimeException e) {
                    return StandardCharsets.UTF_8;
                }
            }
        }
        return StandardCharsets.UTF_8;
    }

    // ---------------------------------------------------------------- small files

    /** A small file (PEP 658 metadata), or empty on 404/410. */
    Optional<byte[]> bytes(URI url, String what) throws IOException {
        if ("file".equalsIgnoreCase(url.getScheme())) {
            Path p = Path.of(url);
            return Files.isRegularFile(p) ? Optional.of(Files.readAllBytes(p)) : Optional.empty();
        }
        HttpResponse<InputStream> response = send(url, Map.of());
        try (InputStream body = response.body()) {
            int status = response.statusCode();
            if (status == 404 || status == 410) {
                return Optional.empty();
            }
            if (status != 200) {
                throw PackyardException.build(what + ": " + Urls.display(url) + " answered HTTP " + status);
            }
            return Optional.of(readAll(body, 16L << 20, what));
        }
    }

    // ---------------------------------------------------------------- downloads

    /** The cache path of a file with this SHA-256, whether or not it is there. */
    Path cachedWheelPath(String sha256, String filename) {
        return cacheDir.resolve("wheels").resolve(sha256.substring(0, 2)).resolve(sha256).resolve(filename);
    }

    /**
     * Downloads a file into the content-addressed cache, verifying every supported hash the source
     * advertised; returns the cached path. A file already cached under its advertised SHA-256 is
     * returned without a request. On a mismatch nothing is cached.
     */
    Path download(DistributionFile f, String what) {
        String filename = f.filename();
        if (!Urls.isSafeFilename(filename)) {
            throw PackyardException.build(what + ": refusing the unsafe file name '" + filename + "'");
        }
        Map<String, String> expected = Hashes.supportedOnly(f.hashes());
        if ("file".equalsIgnoreCase(f.url().getScheme())) {
            Path local = Path.of(f.url());
            if (!Files.isRegularFile(local)) {
                throw PackyardException.build(what + ": " + local + " does not exist");
            }
            Map<String, String> actual = Hashes.compute(local, expected.keySet());
            Hashes.mismatch(expected, actual).ifPresent(m -> {
                throw PackyardException.build(what + ": " + filename + " (" + local + "): " + m);
            });
            return local;
        }
        String sha = expected.get("sha256");
        if (sha != null) {
            Path cached = cachedWheelPath(sha, filename);
            if (Files.isRegularFile(cached)) {
                return cached;
            }
        }
        if (offline) {
            throw PackyardException.build(what + ": working offline and " + filename + " is not in the cache " + cacheDir);
        }
        Path tmpDir = cacheDir.resolve("tmp");
        Path tmp = null;
        try {
            Files.createDirectories(tmpDir);
            tmp = Files.createTempFile(tmpDir, ".download-", ".part");
            Map<String, MessageDigest> digests = new TreeMap<>();
            digests.put("sha256", Hashes.digest("sha256"));
            for (String alg : expected.keySet()) {
                digests.putIfAbsent(alg, Hashes.digest(alg));
            }
            HttpResponse<InputStream> response = send(Urls.withoutFragment(f.url()), Map.of());
            long total;
            long done = 0;
            try (InputStream in = response.body()) {
                int status = response.statusCode();
                if (status != 200) {
                    throw PackyardException.build(what + ": downloading " + filename + " from "
                            + Urls.display(f.url()) + " answered HTTP " + status);
                }
                total = response.headers().firstValueAsLong("Content-Length").orElse(-1L);
                progress.step("Downloading " + filename + (total >= 0 ? " (" + humanSize(total) + ")" : ""));
                try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
                        OutputStream out = java.nio.channels.Channels.newOutputStream(ch)) {
                    byte[] buf = new byte[1 << 16];
                    long lastReport = 0;
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        out.write(buf, 0, n);
                        for (MessageDigest md : digests.values()) {
                            md.update(buf, 0, n);
                        }
                        done += n;
                        if (done - lastReport >= (256 << 10)) {
                            progress.advance(done, total);
                            lastReport = done;
                        }
                    }
                    out.flush();
                    ch.force(true);
                }
                progress.advance(done, total);
            }
            if (total >= 0 && done != total) {
                throw PackyardException.build(what + ": downloading " + filename + " from " + Urls.display(f.url())
                        + ": got " + done + " bytes, expected " + total + " (connection cut?)");
            }
            Map<String, String> actual = new TreeMap<>();
            digests.forEach((alg, md) -> actual.put(alg, HexFormat.of().formatHex(md.digest())));
            Optional<String> mismatch = Hashes.mismatch(expected, actual);
            if (mismatch.isPresent()) {
                throw PackyardException.build(what + ": " + filename + " from " + Urls.display(f.url()) + ": "
                        + mismatch.get() + "; the file was not cached");
            }
            Path target = cachedWheelPath(actual.get("sha256"), filename);
            Files.createDirectories(target.getParent());
            moveAtomically(tmp, target);
            tmp = null;
            FileTrees.fsyncDirectory(target.getParent());
            return target;
        } catch (IOException e) {
            throw PackyardException.build(what + ": downloading " + filename + " from " + Urls.display(f.url())
                    + ": " + describe(e), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort
                }
            }
        }
    }

    // ---------------------------------------------------------------- plumbing

    /** GET with manual redirects (credentials only to their origin) and retries on I/O errors, 429 and 5xx. */
    HttpResponse<InputStream> send(URI url, Map<String, String> headers) throws IOException {
        IOException last = null;
        for (int attempt = 0; ; attempt++) {
            if (attempt > 0) {
                sleep(attempt);
            }
            try {
                HttpResponse<InputStream> r = sendFollowingRedirects(url, headers);
                int s = r.statusCode();
                if ((s == 429 || s >= 500) && attempt < retries) {
                    r.body().close();
                    continue;
                }
                return r;
            } catch (IOException e) {
                last = e;
                if (attempt >= retries) {
                    throw last;
                }
            }
        }
    }

    private HttpResponse<InputStream> sendFollowingRedirects(URI url, Map<String, String> headers) throws IOException {
        URI u = url;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpRequest.Builder b = HttpRequest.newBuilder(stripUserInfo(u)).GET().timeout(timeout)
                    .header("User-Agent", USER_AGENT);
            headers.forEach(b::header);
            if (authorization != null && Urls.sameOrigin(credentialOrigin, u)) {
                b.header("Authorization", authorization);
            }
            HttpResponse<InputStream> r;
            try {
                r = client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            int s = r.statusCode();
            Optional<String> location = r.headers().firstValue("Location");
            if ((s == 301 || s == 302 || s == 303 || s == 307 || s == 308) && location.isPresent()) {
                r.body().close();
                URI next = u.resolve(Urls.parseLenient(location.get()));
                if ("https".equalsIgnoreCase(u.getScheme()) && !"https".equalsIgnoreCase(next.getScheme())) {
                    throw new IOException("refusing a redirect from https to " + next.getScheme());
                }
                u = next;
                continue;
            }
            return r;
        }
        throw new IOException("too many redirects from " + Urls.display(url));
    }

    private static URI stripUserInfo(URI u) {
        if (u.getRawUserInfo() == null) {
            return u;
        }
        String s = u.toString();
        return URI.create(s.replace(u.getRawUserInfo() + "@", ""));
    }

    private static void sleep(int attempt) throws IOException {
        try {
            Thread.sleep(Math.min(8000L, 500L << (attempt - 1)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static byte[] readAll(InputStream in, long limit, String what) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[1 << 14];
        int n;
        long total = 0;
        while ((n = in.read(buf)) > 0) {
            total += n;
            if (total > limit) {
                throw PackyardException.build(what + ": response larger than " + humanSize(limit));
            }
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    static String describe(IOException e) {
        String m = e.getMessage();
        String type = e.getClass().getSimpleName();
        return m == null || m.isBlank() ? type : type + ": " + m;
    }

    static String humanSize(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        if (bytes < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
        }
        if (bytes < 1024L * 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
        }
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (1024.0 * 1024 * 1024));
    }

    /** Writes bytes to {@code target} by temp file, fsync and atomic rename. */
    void writeAtomically(Path target, byte[] bytes) throws IOException {
        Files.createDirectories(target.getParent());
        Path tmp = Files.createTempFile(target.getParent(), ".tmp-", ".part");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            moveAtomically(tmp, target);
            tmp = null;
            FileTrees.fsyncDirectory(target.getParent());
        } finally {
            if (tmp != null) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    private static void moveAtomically(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException | FileAlreadyExistsException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    // ---------------------------------------------------------------- page cache entries

    /**
     * A cached page: a few header lines, a blank line, then the body. {@code missing} records a
     * 404 so that offline runs answer "not found" the same way.
     */
    private record CachedPage(boolean missing, URI url, String contentType, String etag, String lastModified,
            String body) {

        private static final String MAGIC = "Packyard-Page-Cache: 1";

        Page page() {
            return new Page(url, contentType, body);
        }

        static CachedPage read(Path file) {
            String text;
            try {
                text = Files.readString(file, StandardCharsets.UTF_8);
            } catch (NoSuchFileException e) {
                return null;
            } catch (IOException e) {
                return null;
            }
            int end = text.indexOf("\n\n");
            if (!text.startsWith(MAGIC + "\n") || end < 0) {
                return null;
            }
            Map<String, String> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (String line : text.substring(0, end).split("\n")) {
                int colon = line.indexOf(": ");
                if (colon > 0) {
                    h.put(line.substring(0, colon), line.substring(colon + 2));
                }
            }
            try {
                return new CachedPage("true".equals(h.get("Missing")), URI.create(h.getOrDefault("URL", "")),
                        h.getOrDefault("Content-Type", ""), h.get("ETag"), h.get("Last-Modified"),
                        text.substring(end + 2));
            } catch (IllegalArgumentException e) {
                return null;
            }
        }

        static void writeMissing(Path file, HttpFetcher f) {
            new CachedPage(true, URI.create("about:blank"), "", null, null, "").write(file, f);
        }

        void write(Path file, HttpFetcher f) {
            StringBuilder b = new StringBuilder(MAGIC).append('\n');
            if (missing) {
                b.append("Missing: true\n");
            }
            b.append("URL: ").append(url).append('\n');
            b.append("Content-Type: ").append(oneLine(contentType)).append('\n');
            if (etag != null) {
                b.append("ETag: ").append(oneLine(etag)).append('\n');
            }
            if (lastModified != null) {
                b.append("Last-Modified: ").append(oneLine(lastModified)).append('\n');
            }
            b.append('\n').append(body);
            try {
                f.writeAtomically(file, b.toString().getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                f.progress.warn("cannot write the page cache " + file + ": " + describe(e));
            }
        }

        private static String oneLine(String s) {
            return s.replace('\n', ' ').replace('\r', ' ');
        }
    }
}
