package io.packyard.python.index;

import io.packyard.python.PackyardException;
import io.packyard.python.names.ProjectName;
import io.packyard.python.util.Progress;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A client of a PEP 503 / PEP 691 "simple" repository (PyPI or any compatible index), with an
 * on-disk cache shared by every run:
 * <ul>
 *   <li>{@code pages/}: project pages, revalidated with {@code If-None-Match} /
 *       {@code If-Modified-Since} and served from the cache when {@link Builder#offline offline};</li>
 *   <li>{@code wheels/<sha256[0:2]>/<sha256>/<filename>}: downloaded files, content-addressed;</li>
 *   <li>{@code metadata/<sha256[0:2]>/<sha256>/<filename>.metadata}: PEP 658 metadata.</li>
 * </ul>
 * Credentials in the index URL ({@code https://user:token@host/simple/}) are sent as HTTP Basic
 * authentication to that origin only, never across a redirect to another host. Instances are
 * safe for use by several threads.
 */
public final class SimpleIndexClient implements WheelSource {

    private final URI indexUrl;
    private final String display;
    private final HttpFetcher http;
    private final Progress progress;
    private final Map<String, List<DistributionFile>> pages = new ConcurrentHashMap<>();

    private SimpleIndexClient(Builder b) {
        URI url = Objects.requireNonNull(b.indexUrl, "indexUrl");
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") && !scheme.equals("file")) {
            throw PackyardException.config("index-url: expected an http, https or file URL, got '" + url + "'");
        }
        String userInfo = url.getRawUserInfo();
        if (userInfo != null) {
            try {
                url = new URI(url.getScheme(), null, url.getHost(), url.getPort(), url.getPath(), url.getQuery(), null);
            } catch (URISyntaxException e) {
                throw PackyardException.config("index-url: " + e.getMessage());
            }
        }
        if (!url.getPath().endsWith("/")) {
            url = URI.create(url.toString() + "/");
        }
        this.indexUrl = url;
        this.display = "index " + Urls.display(url);
        this.progress = b.progress;
        Path cache = b.cacheDir != null ? b.cacheDir : defaultCacheDir();
        HttpClient client = b.httpClient != null ? b.httpClient : HttpFetcher.defaultClient(b.connectTimeout);
        this.http = new HttpFetcher(client, cache, b.offline, b.progress, b.retries, b.timeout, url, userInfo);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The index URL (always ending with {@code /}, credentials removed). */
    public URI indexUrl() {
        return indexUrl;
    }

    /** The cache directory this client reads and writes. */
    public Path cacheDir() {
        return http.cacheDir();
    }

    /** The URL of a project's page: {@code <index>/<normalized name>/}. */
    public URI projectUrl(String projectName) {
        return indexUrl.resolve(ProjectName.normalize(projectName) + "/");
    }

    /**
     * The files the index lists for a project (every file on the page, wheels and sdists alike,
     * in page order); empty when the index does not know the project (HTTP 404). Memoized for the
     * client's lifetime.
     */
    @Override
    public List<DistributionFile> files(String projectName) {
        String name = ProjectName.normalize(projectName);
        List<DistributionFile> known = pages.get(name);
        if (known != null) {
            return known;
        }
        URI url = projectUrl(name);
        String where = display + ": " + name;
        Optional<HttpFetcher.Page> page = http.page(url, SimplePages.ACCEPT, where);
        List<DistributionFile> files = page
                .map(p -> List.copyOf(SimplePages.parse(p.body(), p.contentType(), p.url(), where, progress)))
                .orElse(List.of());
        pages.put(name, files);
        return files;
    }

    /**
     * A verified local copy of a file: from the cache when its SHA-256 is known and cached,
     * otherwise downloaded (progress reported in bytes), every advertised hash checked, then moved
     * into the cache. The file may come from any http(s) or file URL, not only this index. On a
     * hash mismatch nothing is cached and a {@link PackyardException} names the file and both digests.
     */
    @Override
    public Path download(DistributionFile file) {
        return http.download(file, display);
    }

    /**
     * The PEP 658 metadata of a file when the index advertises it, its hash verified, cached by
     * that hash (or the file's). Empty when not advertised, when the index does not have it after
     * all (404), or when offline and not cached.
     *
     * @throws PackyardException when the served metadata does not match its advertised hash
     */
    @Override
    public Optional<String> metadata(DistributionFile file) {
        if (file.coreMetadata().isEmpty()) {
            return Optional.empty();
        }
        Map<String, String> expected = Hashes.supportedOnly(file.coreMetadata().get());
        String key = expected.containsKey("sha256") ? expected.get("sha256")
                : file.sha256().map(s -> s + "-wheel").orElse(null);
        if (!Urls.isSafeFilename(file.filename())) {
            return Optional.empty();
        }
        Path cached = key == null ? null
                : http.cacheDir().resolve("metadata").resolve(key.substring(0, 2)).resolve(key)
                        .resolve(file.filename() + ".metadata");
        if (cached != null && Files.isRegularFile(cached)) {
            try {
                return Optional.of(Files.readString(cached, StandardCharsets.UTF_8));
            } catch (IOException e) {
                // fetch again below
            }
        }
        if (http.offline() && !"file".equalsIgnoreCase(file.url().getScheme())) {
            return Optional.empty();
        }
        URI url = URI.create(Urls.withoutFragment(file.url()).toString() + ".metadata");
        Optional<byte[]> bytes;
        try {
            bytes = http.bytes(url, display + ": " + file.filename() + ".metadata");
        } catch (IOException e) {
            progress.warn(display + ": cannot fetch the metadata of " + file.filename() + " ("
                    + HttpFetcher.describe(e) + "); reading it from the wheel instead");
            return Optional.empty();
        }
        if (bytes.isEmpty()) {
            return Optional.empty();
        }
        Map<String, String> actual = new TreeMap<>();
        for (String alg : expected.keySet()) {
            actual.put(alg, HexFormat.of().formatHex(Hashes.digest(alg).digest(bytes.get())));
        }
        Optional<String> mismatch = Hashes.mismatch(expected, actual);
        if (mismatch.isPresent()) {
            throw PackyardException.build(display + ": metadata of " + file.filename() + " from "
                    + Urls.display(url) + ": " + mismatch.get());
        }
        if (cached != null) {
            try {
                http.writeAtomically(cached, bytes.get());
            } catch (IOException e) {
                progress.warn("cannot write the metadata cache " + cached + ": " + HttpFetcher.describe(e));
            }
        }
        return Optional.of(new String(bytes.get(), StandardCharsets.UTF_8));
    }

    @Override
    public boolean canDownload(DistributionFile file) {
        String scheme = file.url().getScheme();
        return scheme != null && (scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https")
                || scheme.equalsIgnoreCase("file"));
    }

    @Override
    public String describe() {
        return display;
    }

    @Override
    public String toString() {
        return display;
    }

    /**
     * The per-user cache directory: {@code $PACKYARD_CACHE_DIR}, else {@code $XDG_CACHE_HOME/packyard}
     * or {@code ~/.cache/packyard} on Linux, {@code %LOCALAPPDATA%\packyard\cache} on Windows,
     * {@code ~/Library/Caches/packyard} on macOS.
     */
    public static Path defaultCacheDir() {
        return io.packyard.python.util.CacheDir.root();
    }

    /** Configures a {@link SimpleIndexClient}. Only {@link #indexUrl} is required. */
    public static final class Builder {
        private URI indexUrl;
        private Path cacheDir;
        private Progress progress = Progress.NONE;
        private boolean offline;
        private int retries = 3;
        private Duration timeout = Duration.ofSeconds(60);
        private Duration connectTimeout = Duration.ofSeconds(30);
        private HttpClient httpClient;

        private Builder() {}

        /** The index's base URL, e.g. {@code https://pypi.org/simple/}; may carry {@code user:password@}. */
        public Builder indexUrl(URI indexUrl) {
            this.indexUrl = indexUrl;
            return this;
        }

        public Builder indexUrl(String indexUrl) {
            try {
                return indexUrl(new URI(indexUrl.strip()));
            } catch (URISyntaxException e) {
                throw PackyardException.config("index-url: not a valid URL: '" + indexUrl + "'");
            }
        }

        /** Where pages, metadata and wheels are cached; default {@link #defaultCacheDir()}. */
        public Builder cacheDir(Path cacheDir) {
            this.cacheDir = cacheDir;
            return this;
        }

        public Builder progress(Progress progress) {
            this.progress = Objects.requireNonNull(progress);
            return this;
        }

        /** Never touch the network: pages, metadata and files come from the cache or not at all. */
        public Builder offline(boolean offline) {
            this.offline = offline;
            return this;
        }

        /** Retries after an I/O error, HTTP 429 or 5xx, with exponential backoff from 0.5 s; default 3. */
        public Builder retries(int retries) {
            if (retries < 0) {
                throw new IllegalArgumentException("retries < 0");
            }
            this.retries = retries;
            return this;
        }

        /** How long to wait for a response's headers; default 60 s. */
        public Builder timeout(Duration timeout) {
            this.timeout = Objects.requireNonNull(timeout);
            return this;
        }

        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = Objects.requireNonNull(connectTimeout);
            return this;
        }

        /** A client to use (it must not follow redirects itself); default a new one. */
        public Builder httpClient(HttpClient httpClient) {
            this.httpClient = httpClient;
            return this;
        }

        public SimpleIndexClient build() {
            return new SimpleIndexClient(this);
        }
    }
}
