package io.packyard.repository.packages;

import io.packyard.repository.apt.AptOptions;
import io.packyard.repository.apt.AptRepository;
import io.packyard.repository.signing.RepositoryKeys;
import io.packyard.repository.signing.SigningKey;
import io.packyard.repository.yum.YumOptions;
import io.packyard.repository.yum.YumRepository;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The APT and YUM repositories of a server, over one {@link PackageStore} and one signing key:
 * the entry point for publishing .deb and .rpm files and for the downloads page.
 *
 * <pre>{@code
 * RepositoryKeys keys = RepositoryKeys.open(dataDir.resolve("keys"), "Acme packages <packages@acme.example>");
 * LinuxRepositories repos = LinuxRepositories.builder()
 *         .store(new DirectoryPackageStore(dataDir.resolve("packages")))
 *         .keys(keys)
 *         .build();
 * repos.publish(Path.of("dist/acme-notes_1.0-1_amd64.deb"), "acme", "stable");
 * // serve store paths under PackageStore.PUBLIC_PREFIXES: /apt/acme/..., /yum/acme/stable/..., /keys/repository.asc
 * }</pre>
 */
public final class LinuxRepositories {
    /** Store path of the ASCII-armored public key(s): dnf's {@code gpgkey=}, apt's {@code signed-by} (.asc). */
    public static final String PUBLIC_KEY_ASC = "keys/repository.asc";
    /** Store path of the same keys without armor (apt's {@code signed-by} with a .gpg keyring). */
    public static final String PUBLIC_KEY_GPG = "keys/repository.gpg";

    /** Store prefix of the plain downloads: {@code downloads/<repository>/<project>/<channel>/<file>}. */
    public static final String DOWNLOADS = "downloads/";
    private static final String STATE_DOWNLOADS = "state/downloads/";

    private final PackageStore store;
    private final RepositoryKeys keys;
    private final Supplier<SigningKey> signingKey;
    private final Clock clock;
    private final Function<String, AptOptions> aptOptions;
    private final Function<String, YumOptions> yumOptions;

    private LinuxRepositories(Builder b) {
        this.store = Objects.requireNonNull(b.store, "store");
        this.keys = b.keys;
        this.signingKey = keys != null ? keys::current : () -> null;
        this.clock = b.clock;
        this.aptOptions = b.aptOptions;
        this.yumOptions = b.yumOptions;
    }

    public static Builder builder() {
        return new Builder();
    }

    public PackageStore store() {
        return store;
    }

    public Optional<RepositoryKeys> keys() {
        return Optional.ofNullable(keys);
    }

    /** The format of a package file, from its first bytes: {@code deb}, {@code rpm}, or empty. */
    public static Optional<String> detectFormat(Path file) throws IOException {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(21);
        }
        if (head.length >= 21 && new String(head, 0, 21, java.nio.charset.StandardCharsets.ISO_8859_1).equals("!<arch>\ndebian-binary")) {
            return Optional.of("deb");
        }
        if (head.length >= 4 && (head[0] & 0xff) == 0xed && (head[1] & 0xff) == 0xab && (head[2] & 0xff) == 0xee && (head[3] & 0xff) == 0xdb) {
            return Optional.of("rpm");
        }
        return Optional.empty();
    }

    /** The result of a publish: the file as published, and whether anything changed. */
    public record PublishResult(PublishedPackage published, boolean changed) {}

    /** {@link #publish(Path, String, String, String)} naming the file by its own name. */
    public PublishResult publish(Path pkg, String repository, String channel) throws IOException {
        return publish(pkg, pkg.getFileName().toString(), repository, channel);
    }

    /**
     * Publishes a .deb (into APT repository {@code repository}, suite {@code channel}, component
     * main) or an .rpm (into YUM repository {@code repository}, channel {@code channel}), chosen
     * by the file's content.
     *
     * @param displayName the uploaded file name, used in error messages
     * @throws PackageRejectedException when the file is neither a valid .deb nor a valid binary .rpm
     * @throws PackageConflictException when the same name/version/architecture was published
     *     with other content
     */
    public PublishResult publish(Path pkg, String displayName, String repository, String channel) throws IOException {
        StorePaths.checkName("repository", repository);
        StorePaths.checkName("channel", channel);
        Optional<String> detected = detectFormat(pkg);
        if (detected.isEmpty() && DownloadArtifacts.formatOf(displayName).isPresent()) {
            return publishDownload(pkg, displayName, repository, channel);
        }
        String format = detected.orElseThrow(() -> new PackageRejectedException(displayName,
                "neither a .deb nor an .rpm, nor a Packyard .msi, .zip or .tar.gz (by name and content)"));
        if (format.equals("deb")) {
            AptRepository.Publication p = apt(repository).publish(pkg, displayName, channel, "main");
            return new PublishResult(p.published(), p.changed());
        }
        YumRepository.Publication p = yum(repository).publish(pkg, displayName, channel);
        return new PublishResult(p.published(), p.changed());
    }

    /**
     * Publishes a plain download (.msi, .zip, .tar.gz: {@link DownloadArtifacts}) of
     * {@code repository} in {@code channel}, at store path
     * {@code downloads/<repository>/<project>/<channel>/<file>}. The same file again is no change;
     * other content under the same name is refused.
     *
     * @throws PackageRejectedException when its name or content is wrong
     * @throws PackageConflictException when the same file name was published with other content
     */
    public PublishResult publishDownload(Path file, String displayName, String repository, String channel) throws IOException {
        StorePaths.checkName("repository", repository);
        StorePaths.checkName("channel", channel);
        DownloadArtifacts.Artifact a = DownloadArtifacts.inspect(file, displayName);
        String rel = a.project() + "/" + channel + "/" + displayName;
        String path = StorePaths.check(DOWNLOADS + repository + "/" + rel);
        String record = STATE_DOWNLOADS + repository + "/" + rel;
        String sha = Digests.sha256(file);
        try (PackageStore.Lock lock = store.lock("downloads-" + repository)) {
            if (store.exists(path)) {
                String old = store.read(record).map(b -> new String(b, java.nio.charset.StandardCharsets.UTF_8).split(" ")[0])
                        .orElse(null);
                if (old == null) {
                    try (InputStream in = store.open(path).orElseThrow()) {
                        old = Digests.hex("SHA-256", in.readAllBytes());
                    }
                }
                if (!old.equals(sha)) {
                    throw new PackageConflictException(displayName, a.name() + " " + a.version() + " " + a.platform() + " ("
                            + a.format() + ") in channel " + channel, old, sha);
                }
                if (store.exists(record)) {
                    return new PublishResult(toPublished(repository, channel, a, path, store.size(path), sha,
                            readInstant(record)), false);
                }
            } else {
                store.putFile(path, file);
            }
            java.time.Instant now = clock.instant();
            store.put(record, (sha + " " + now + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return new PublishResult(toPublished(repository, channel, a, path, store.size(path), sha, now), true);
        }
    }

    /** Every plain download of {@code repository} (all projects and channels). */
    public List<PublishedPackage> downloads(String repository) throws IOException {
        List<PublishedPackage> out = new ArrayList<>();
        String prefix = STATE_DOWNLOADS + repository + "/";
        for (String record : store.list(prefix.substring(0, prefix.length() - 1))) {
            String[] parts = record.substring(prefix.length()).split("/");
            if (parts.length != 3) {
                continue;
            }
            String path = DOWNLOADS + repository + "/" + String.join("/", parts);
            if (!store.exists(path)) {
                continue;
            }
            String[] fields = new String(store.read(record).orElseThrow(), java.nio.charset.StandardCharsets.UTF_8).strip().split(" ");
            DownloadArtifacts.Artifact a = DownloadArtifacts.parseName(parts[2]);
            out.add(toPublished(repository, parts[1], a, path, store.size(path), fields[0], java.time.Instant.parse(fields[1])));
        }
        return out;
    }

    private java.time.Instant readInstant(String record) throws IOException {
        String[] f = new String(store.read(record).orElseThrow(), java.nio.charset.StandardCharsets.UTF_8).strip().split(" ");
        return java.time.Instant.parse(f[1]);
    }

    private static PublishedPackage toPublished(String repository, String channel, DownloadArtifacts.Artifact a, String path,
            long size, String sha, java.time.Instant when) {
        return new PublishedPackage(a.format(), repository, channel, "", a.project(), a.version(), a.platform(), path, size,
                sha, when);
    }

    public AptRepository apt(String repository) {
        return new AptRepository(store, repository, aptOptions.apply(repository), signingKey, clock);
    }

    public YumRepository yum(String repository) {
        return new YumRepository(store, repository, yumOptions.apply(repository), signingKey, clock);
    }

    /** The names of the APT repositories in the store, sorted. */
    /**
     * Refreshes every APT suite whose Valid-Until is half way to lapsing
     * ({@link AptRepository#refreshIfDue}); returns how many it refreshed.
     */
    public int refreshDueReleases() throws IOException {
        int n = 0;
        for (String repo : aptRepositories()) {
            AptRepository apt = apt(repo);
            for (String suite : apt.suites()) {
                if (apt.refreshIfDue(suite)) {
                    n++;
                }
            }
        }
        return n;
    }

    public List<String> aptRepositories() throws IOException {
        return names("state/apt/");
    }

    /** The names of the YUM repositories in the store, sorted. */
    public List<String> yumRepositories() throws IOException {
        return names("state/yum/");
    }

    private List<String> names(String prefix) throws IOException {
        java.util.TreeSet<String> out = new java.util.TreeSet<>();
        for (String p : store.list(prefix.substring(0, prefix.length() - 1))) {
            String rest = p.substring(prefix.length());
            if (rest.indexOf('/') > 0) {
                out.add(rest.substring(0, rest.indexOf('/')));
            }
        }
        return new ArrayList<>(out);
    }

    /** Every published file of {@code repository}, APT, YUM and plain downloads, all channels. */
    public List<PublishedPackage> packages(String repository) throws IOException {
        List<PublishedPackage> all = new ArrayList<>();
        if (aptRepositories().contains(repository)) {
            AptRepository a = apt(repository);
            for (String suite : a.suites()) {
                all.addAll(a.packages(suite));
            }
        }
        if (yumRepositories().contains(repository)) {
            YumRepository y = yum(repository);
            for (String channel : y.channels()) {
                all.addAll(y.packages(channel));
            }
        }
        all.addAll(downloads(repository));
        return all;
    }

    /** The downloads page data of {@code repository}: {@link Downloads#latest}. */
    public List<Downloads.Download> latestDownloads(String repository) throws IOException {
        return Downloads.latest(packages(repository));
    }

    /**
     * Writes the exported public keys to {@link #PUBLIC_KEY_ASC} and {@link #PUBLIC_KEY_GPG} (when
     * they changed). Call at start-up and after each step of a key rotation.
     */
    public void publishKeys() throws IOException {
        if (keys == null) {
            return;
        }
        putIfChanged(PUBLIC_KEY_ASC, keys.exportPublicKeys());
        putIfChanged(PUBLIC_KEY_GPG, keys.exportPublicKeysBinary());
    }

    private void putIfChanged(String path, byte[] content) throws IOException {
        Optional<byte[]> old = store.read(path);
        if (old.isEmpty() || !java.util.Arrays.equals(old.get(), content)) {
            store.put(path, content);
        }
    }

    public static final class Builder {
        private PackageStore store;
        private RepositoryKeys keys;
        private Clock clock = Clock.systemUTC();
        private Function<String, AptOptions> aptOptions = name -> AptOptions.defaults();
        private Function<String, YumOptions> yumOptions = name -> YumOptions.defaults();

        public Builder store(PackageStore s) {
            this.store = s;
            return this;
        }

        /** The signing keys; without them metadata is unsigned. */
        public Builder keys(RepositoryKeys k) {
            this.keys = k;
            return this;
        }

        public Builder clock(Clock c) {
            this.clock = c;
            return this;
        }

        /** Settings per APT repository name (default {@link AptOptions#defaults()}). */
        public Builder aptOptions(Function<String, AptOptions> f) {
            this.aptOptions = f;
            return this;
        }

        /** Settings per YUM repository name (default {@link YumOptions#defaults()}). */
        public Builder yumOptions(Function<String, YumOptions> f) {
            this.yumOptions = f;
            return this;
        }

        /** Builds and {@link #publishKeys() publishes the public keys}. */
        public LinuxRepositories build() throws IOException {
            LinuxRepositories r = new LinuxRepositories(this);
            r.publishKeys();
            return r;
        }
    }
}
