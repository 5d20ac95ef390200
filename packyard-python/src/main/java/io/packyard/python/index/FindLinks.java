package io.packyard.python.index;

import io.packyard.python.PackyardException;
import io.packyard.python.names.ProjectName;
import io.packyard.python.util.Progress;
import io.packyard.python.wheel.WheelArchive;
import io.packyard.python.wheel.WheelFilename;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * A find-links location as a wheel source: a local directory of wheels (not searched
 * recursively), or an HTML page of links ({@code file:}, {@code http:} or {@code https:}) like pip's
 * {@code --find-links}. Files are matched to projects by their file names. Local files get their
 * SHA-256 computed here; page links carry what the page says ({@code #sha256=} fragments) and are
 * downloaded into the same content-addressed cache as index files.
 */
public final class FindLinks implements WheelSource {

    private final Path directory;
    private final URI pageUrl;
    private final HttpFetcher http;
    private final Progress progress;
    private final String display;
    private volatile List<DistributionFile> listing;
    private final Map<String, List<DistributionFile>> byProject = new ConcurrentHashMap<>();
    /** Local file digests by path, valid while size and modification time stay the same. */
    private final Map<Path, LocalDigest> digests = new ConcurrentHashMap<>();

    private record LocalDigest(long size, long mtime, String sha256) {}

    private FindLinks(Path directory, URI pageUrl, HttpFetcher http, Progress progress, String display) {
        this.directory = directory;
        this.pageUrl = pageUrl;
        this.http = http;
        this.progress = progress;
        this.display = display;
    }

    /** A local directory of wheels. */
    public static FindLinks directory(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        return new FindLinks(abs, null, null, Progress.NONE, "find-links " + dir);
    }

    /** A page of links ({@code http}, {@code https} or {@code file} URL), its files cached under {@code cacheDir}. */
    public static FindLinks page(URI url, Path cacheDir, boolean offline, Progress progress) {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") && !scheme.equals("file")) {
            throw PackyardException.config("find-links: expected a directory or an http, https or file URL, got '"
                    + url + "'");
        }
        if (scheme.equals("file") && Files.isDirectory(Path.of(url))) {
            return directory(Path.of(url));
        }
        Path cache = cacheDir != null ? cacheDir : SimpleIndexClient.defaultCacheDir();
        HttpFetcher http = new HttpFetcher(HttpFetcher.defaultClient(Duration.ofSeconds(30)), cache, offline,
                progress, 3, Duration.ofSeconds(60), url, url.getRawUserInfo());
        return new FindLinks(null, url, http, progress, "find-links " + Urls.display(url));
    }

    /**
     * A find-links location as written in configuration: an {@code http(s)://} or {@code file:} URL,
     * or a path (relative paths against {@code baseDir}) to a directory of wheels or an HTML file.
     */
    public static FindLinks of(String location, Path baseDir, Path cacheDir, boolean offline, Progress progress) {
        String loc = location.strip();
        String lower = loc.toLowerCase(Locale.ROOT);
        if (lower.startsWith("http://") || lower.startsWith("https://") || lower.startsWith("file:")) {
            try {
                return page(new URI(loc), cacheDir, offline, progress);
            } catch (URISyntaxException e) {
                throw PackyardException.config("find-links: not a valid URL: '" + location + "'");
            }
        }
        Path p = baseDir == null ? Path.of(loc) : baseDir.resolve(loc);
        if (Files.isRegularFile(p)) {
            return page(p.toAbsolutePath().normalize().toUri(), cacheDir, offline, progress);
        }
        if (!Files.isDirectory(p)) {
            throw PackyardException.config("find-links: " + loc + " is neither a directory nor a file (" + p + ")");
        }
        return new FindLinks(p.toAbsolutePath().normalize(), null, null, progress, "find-links " + loc);
    }

    @Override
    public List<DistributionFile> files(String projectName) {
        String name = ProjectName.normalize(projectName);
        return byProject.computeIfAbsent(name, n -> {
            List<DistributionFile> out = new ArrayList<>();
            for (DistributionFile f : listing()) {
                if (projectOf(f.filename()).map(n::equals).orElse(false)) {
                    out.add(directory != null && f.isWheel() ? withLocalHash(f) : f);
                }
            }
            return List.copyOf(out);
        });
    }

    @Override
    public Path download(DistributionFile file) {
        if (directory != null) {
            Path p = Path.of(file.url());
            if (!Files.isRegularFile(p)) {
                throw PackyardException.build(display + ": " + p + " no longer exists");
            }
            String expected = file.sha256().orElse(null);
            if (expected != null) {
                String actual = sha256Of(p);
                if (!actual.equals(expected)) {
                    throw PackyardException.build(display + ": " + file.filename() + " changed while Packyard ran"
                            + " (sha256 was " + expected + ", is " + actual + ")");
                }
            }
            return p;
        }
        return http.download(file, display);
    }

    @Override
    public Optional<String> metadata(DistributionFile file) {
        if (!file.isWheel()) {
            return Optional.empty();
        }
        if (directory != null || "file".equalsIgnoreCase(file.url().getScheme())) {
            Path p = Path.of(file.url());
            if (!Files.isRegularFile(p)) {
                return Optional.empty();
            }
            try (WheelArchive w = WheelArchive.open(p, Progress.NONE)) {
                return Optional.of(w.metadataText());
            }
        }
        return Optional.empty();
    }

    @Override
    public boolean canDownload(DistributionFile file) {
        if (directory != null) {
            return "file".equalsIgnoreCase(file.url().getScheme())
                    && Path.of(file.url()).toAbsolutePath().normalize().startsWith(directory);
        }
        String s = file.url().getScheme();
        return s != null && (s.equalsIgnoreCase("http") || s.equalsIgnoreCase("https") || s.equalsIgnoreCase("file"));
    }

    @Override
    public String describe() {
        return display;
    }

    @Override
    public String toString() {
        return display;
    }

    private List<DistributionFile> listing() {
        List<DistributionFile> l = listing;
        if (l != null) {
            return l;
        }
        synchronized (this) {
            if (listing == null) {
                listing = directory != null ? listDirectory() : listPage();
            }
            return listing;
        }
    }

    private List<DistributionFile> listDirectory() {
        if (!Files.isDirectory(directory)) {
            throw PackyardException.config(display + ": not a directory (" + directory + ")");
        }
        try (Stream<Path> s = Files.list(directory)) {
            return s.filter(Files::isRegularFile)
                    .map(p -> p.getFileName().toString())
                    .filter(FindLinks::isDistribution)
                    .sorted()
                    .map(n -> DistributionFile.of(n, directory.resolve(n).toUri(), Map.of()))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<DistributionFile> listPage() {
        Optional<HttpFetcher.Page> page = http.page(pageUrl, "text/html, */*;q=0.1", display);
        if (page.isEmpty()) {
            throw PackyardException.config(display + ": the page does not exist (HTTP 404)");
        }
        return SimplePages.fromHtml(page.get().body(), page.get().url(), display, progress).stream()
                .filter(f -> isDistribution(f.filename()))
                .toList();
    }

    private DistributionFile withLocalHash(DistributionFile f) {
        return f.withHashes(Map.of("sha256", sha256Of(Path.of(f.url()))));
    }

    private String sha256Of(Path p) {
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
            LocalDigest d = digests.get(p);
            long mtime = a.lastModifiedTime().toMillis();
            if (d != null && d.size() == a.size() && d.mtime() == mtime) {
                return d.sha256();
            }
            String sha = Hashes.sha256(p);
            digests.put(p, new LocalDigest(a.size(), mtime, sha));
            return sha;
        } catch (IOException e) {
            throw PackyardException.build(display + ": cannot read " + p + ": " + e.getMessage(), e);
        }
    }

    static boolean isDistribution(String filename) {
        String f = filename.toLowerCase(Locale.ROOT);
        return f.endsWith(".whl") || f.endsWith(".tar.gz") || f.endsWith(".zip");
    }

    /** The normalized project name a distribution file name belongs to, when it can be told. */
    static Optional<String> projectOf(String filename) {
        String lower = filename.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".whl")) {
            try {
                return Optional.of(WheelFilename.parse(filename).normalizedName());
            } catch (PackyardException e) {
                return Optional.empty();
            }
        }
        String stem = lower.endsWith(".tar.gz") ? filename.substring(0, filename.length() - 7)
                : lower.endsWith(".zip") ? filename.substring(0, filename.length() - 4) : null;
        if (stem == null) {
            return Optional.empty();
        }
        // {name}-{version}: the version starts at the last "-" followed by a digit
        for (int i = stem.length() - 1; i > 0; i--) {
            if (stem.charAt(i) == '-' && i + 1 < stem.length() && Character.isDigit(stem.charAt(i + 1))) {
                return Optional.of(ProjectName.normalize(stem.substring(0, i)));
            }
        }
        return Optional.empty();
    }

    /** The directory, when this is a local directory source. */
    public Optional<Path> directory() {
        return Optional.ofNullable(directory);
    }

    /** The page URL, when this is a page source. */
    public Optional<URI> pageUrl() {
        return Optional.ofNullable(pageUrl);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FindLinks f && Objects.equals(directory, f.directory) && Objects.equals(pageUrl, f.pageUrl);
    }

    @Override
    public int hashCode() {
        return Objects.hash(directory, pageUrl);
    }
}
