package io.packyard.repository.yum;

import io.packyard.repository.packages.Compression;
import io.packyard.repository.packages.Digests;
import io.packyard.repository.packages.PackageConflictException;
import io.packyard.repository.packages.PackageRejectedException;
import io.packyard.repository.packages.PackageStore;
import io.packyard.repository.packages.PublishedPackage;
import io.packyard.repository.packages.StorePaths;
import io.packyard.repository.signing.SigningKey;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * One YUM/DNF repository name (e.g. {@code acme}) with channels ({@code stable},
 * {@code testing}); each channel is a repository in dnf's sense, below
 * {@code yum/<name>/<channel>/} in the {@link PackageStore}:
 *
 * <pre>
 *   Packages/&lt;first letter&gt;/&lt;name&gt;-&lt;version&gt;-&lt;release&gt;.&lt;arch&gt;.rpm
 *   repodata/repomd.xml, repomd.xml.asc
 *   repodata/&lt;sha256&gt;-primary.xml.gz, -filelists.xml.gz, -other.xml.gz
 * </pre>
 *
 * A client's .repo file: {@code baseurl=https://host/yum/acme/stable/}, {@code gpgcheck=1},
 * {@code repo_gpgcheck=1}, {@code gpgkey=https://host/keys/repository.asc}.
 *
 * <p>Publishing ({@link #publish}) reads and checks the .rpm, refuses a name-epoch-version-
 * release-arch that was ever published in this repository with another header or payload, signs
 * the package with the repository key ({@link RpmSigner}; the identity ignores signatures, so the
 * same build signed by anyone is the same package) and regenerates the channel's metadata. New
 * metadata files have content-addressed names and are written before {@code repomd.xml}, then
 * {@code repomd.xml.asc}; superseded ones are kept for a while ({@link YumOptions}). dnf fetches
 * repomd.xml and repomd.xml.asc one after the other, so a client that fetches them exactly across
 * a regeneration sees a bad signature once and succeeds on retry.
 *
 * <p>Bookkeeping below {@code state/yum/<name>/}: the identity ledger ({@code ids/<nevra>} →
 * SHA-256 of header and payload) and per channel one record per package (its three XML
 * fragments and a summary), so a regeneration concatenates instead of re-reading packages.
 */
public final class YumRepository {
    private final PackageStore store;
    private final String name;
    private final YumOptions options;
    private final Supplier<SigningKey> key;
    private final Clock clock;

    /**
     * @param key the signing key (asked on every publish and regeneration, so a rotated key is
     *     picked up); a supplier returning null publishes unsigned metadata and packages
     */
    public YumRepository(PackageStore store, String name, YumOptions options, Supplier<SigningKey> key, Clock clock) {
        this.store = store;
        this.name = StorePaths.checkName("YUM repository", name);
        this.options = options;
        this.key = key;
        this.clock = clock;
    }

    public String name() {
        return name;
    }

    /** The store path of a channel's public tree, {@code yum/<name>/<channel>/}: the baseurl. */
    public String root(String channel) {
        return "yum/" + name + "/" + channel + "/";
    }

    private String state() {
        return "state/yum/" + name + "/";
    }

    /** The outcome of a publish; {@code changed} is false when the package was already in the channel. */
    public record Publication(PublishedPackage published, RpmPackage rpm, boolean changed) {}

    public Publication publish(Path rpm, String channel) throws IOException {
        return publish(rpm, rpm.getFileName().toString(), channel);
    }

    /**
     * Reads and checks {@code rpm}, signs it (when a key is configured and {@link YumOptions#signPackages()}),
     * stores it and regenerates the channel's metadata.
     *
     * @throws PackageRejectedException when the file is not a valid binary .rpm
     * @throws PackageConflictException when its NEVRA was published before with another header or payload
     */
    public Publication publish(Path rpm, String displayName, String channel) throws IOException {
        StorePaths.checkName("channel", channel);
        RpmPackage pkg = RpmPackageReader.read(rpm, displayName);
        try (PackageStore.Lock lock = store.lock("yum-" + name)) {
            String idPath = state() + "ids/" + escape(pkg.nevra());
            Optional<byte[]> known = store.read(idPath);
            if (known.isPresent()) {
                String existing = new String(known.get(), StandardCharsets.US_ASCII).strip();
                if (!existing.equals(pkg.contentSha256())) {
                    throw new PackageConflictException(displayName, pkg.nevra(), existing, pkg.contentSha256());
                }
            } else {
                store.put(idPath, (pkg.contentSha256() + "\n").getBytes(StandardCharsets.US_ASCII));
            }
            String base = recordBase(channel, pkg);
            Optional<Map<String, String>> info = readInfo(base);
            if (info.isPresent() && store.exists(root(channel) + "repodata/repomd.xml")) {
                return new Publication(publishedFrom(channel, info.get()), pkg, false);
            }
            Instant published = Instant.ofEpochSecond(clock.instant().getEpochSecond());
            PublishedPackage p = store(rpm, displayName, channel, pkg, published);
            regenerate(channel);
            return new Publication(p, pkg, true);
        }
    }

    /** Signs (when configured), stores the file and writes the package's record. */
    private PublishedPackage store(Path rpm, String displayName, String channel, RpmPackage pkg, Instant published) throws IOException {
        SigningKey k = options.signPackages() ? key.get() : null;
        Path signed = null;
        try {
            RpmPackage stored = pkg;
            Path file = rpm;
            if (k != null) {
                signed = Files.createTempFile("packyard-sign-", ".rpm");
                Files.delete(signed);
                RpmSigner.sign(rpm, signed, k);
                stored = RpmPackageReader.read(signed, displayName);
                file = signed;
            }
            String href = "Packages/" + Character.toLowerCase(pkg.name().charAt(0)) + "/" + pkg.fileName();
            String path = root(channel) + href;
            store.putFile(path, file);
            String base = recordBase(channel, pkg);
            store.put(base + ".primary.xml", YumMetadata.primary(stored, href, published.getEpochSecond()).getBytes(StandardCharsets.UTF_8));
            store.put(base + ".filelists.xml", YumMetadata.filelists(stored).getBytes(StandardCharsets.UTF_8));
            store.put(base + ".other.xml", YumMetadata.other(stored, options.changelogLimit()).getBytes(StandardCharsets.UTF_8));
            Map<String, String> info = new LinkedHashMap<>();
            info.put("name", stored.name());
            info.put("evr", stored.evr());
            info.put("arch", stored.arch());
            info.put("path", path);
            info.put("size", Long.toString(stored.size()));
            info.put("sha256", stored.sha256());
            info.put("content-sha256", stored.contentSha256());
            info.put("signed-by", String.join(" ", stored.signatureKeyIds()));
            info.put("published", Long.toString(published.getEpochSecond()));
            StringBuilder sb = new StringBuilder();
            info.forEach((a, b) -> sb.append(a).append(": ").append(b).append('\n'));
            // the summary last: a record counts once it is there
            store.put(base + ".info", sb.toString().getBytes(StandardCharsets.UTF_8));
            return publishedFrom(channel, info);
        } finally {
            if (signed != null) {
                Files.deleteIfExists(signed);
            }
        }
    }

    /**
     * Removes a package from a channel and regenerates its metadata; the file is deleted once old
     * metadata no longer names it (with the superseded repodata). Its identity stays.
     *
     * @return false when it was not there
     */
    public boolean remove(String channel, String nevra) throws IOException {
        try (PackageStore.Lock lock = store.lock("yum-" + name)) {
            String base = state() + "channels/" + channel + "/" + escape(nevra);
            Optional<Map<String, String>> info = readInfo(base);
            if (info.isEmpty()) {
                return false;
            }
            store.delete(base + ".info");
            for (String s : new String[] {".primary.xml", ".filelists.xml", ".other.xml"}) {
                store.delete(base + s);
            }
            regenerate(channel);
            return true;
        }
    }

    /**
     * Re-signs every package of {@code channel} with the current key and regenerates the
     * metadata (after a key rotation). Clients holding the previous metadata see a checksum
     * mismatch for a re-signed package until they refresh it ({@code dnf makecache}).
     */
    public void resign(String channel) throws IOException {
        try (PackageStore.Lock lock = store.lock("yum-" + name)) {
            for (Map<String, String> info : infos(channel)) {
                Path tmp = Files.createTempFile("packyard-resign-", ".rpm");
                try {
                    try (InputStream in = store.open(info.get("path")).orElseThrow()) {
                        Files.copy(in, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    }
                    RpmPackage pkg = RpmPackageReader.read(tmp, info.get("path"));
                    store(tmp, pkg.fileName(), channel, pkg, Instant.ofEpochSecond(Long.parseLong(info.get("published"))));
                } finally {
                    Files.deleteIfExists(tmp);
                }
            }
            regenerate(channel);
        }
    }

    /** Regenerates {@code channel}'s metadata and its signature (e.g. after a key rotation). */
    public void refresh(String channel) throws IOException {
        StorePaths.checkName("channel", channel);
        try (PackageStore.Lock lock = store.lock("yum-" + name)) {
            regenerate(channel);
        }
    }

    /** The channels that have (or had) packages, sorted. */
    public List<String> channels() throws IOException {
        return store.children(state() + "channels");
    }

    /** Every package of {@code channel}, sorted by name, EVR (rpm order) and architecture. */
    public List<PublishedPackage> packages(String channel) throws IOException {
        List<PublishedPackage> out = new ArrayList<>();
        for (Map<String, String> info : infos(channel)) {
            out.add(publishedFrom(channel, info));
        }
        return out;
    }

    private PublishedPackage publishedFrom(String channel, Map<String, String> info) {
        return new PublishedPackage("rpm", name, channel, "", info.get("name"), info.get("evr"), info.get("arch"),
                info.get("path"), Long.parseLong(info.get("size")), info.get("sha256"),
                Instant.ofEpochSecond(Long.parseLong(info.get("published"))));
    }

    // --- regeneration -------------------------------------------------------------------------

    private List<Map<String, String>> infos(String channel) throws IOException {
        List<Map<String, String>> out = new ArrayList<>();
        for (String p : store.list(state() + "channels/" + channel)) {
            if (p.endsWith(".info")) {
                readInfo(p.substring(0, p.length() - ".info".length())).ifPresent(m -> {
                    m.put("_base", p.substring(0, p.length() - ".info".length()));
                    out.add(m);
                });
            }
        }
        out.sort(Comparator.comparing((Map<String, String> m) -> m.get("name"))
                .thenComparing(m -> m.get("evr"), RpmVersions.EVR_ORDER)
                .thenComparing(m -> m.get("arch")));
        return out;
    }

    private void regenerate(String channel) throws IOException {
        List<String> primary = new ArrayList<>();
        List<String> filelists = new ArrayList<>();
        List<String> other = new ArrayList<>();
        for (Map<String, String> info : infos(channel)) {
            String base = info.get("_base");
            primary.add(read(base + ".primary.xml"));
            filelists.add(read(base + ".filelists.xml"));
            other.add(read(base + ".other.xml"));
        }
        Instant now = clock.instant();
        long timestamp = now.getEpochSecond();
        String repodata = root(channel) + "repodata/";
        List<YumMetadata.RepomdData> data = new ArrayList<>();
        TreeSet<String> live = new TreeSet<>();
        Map<String, String> documents = new LinkedHashMap<>();
        documents.put("primary", YumMetadata.primaryDocument(primary));
        documents.put("filelists", YumMetadata.filelistsDocument(filelists));
        documents.put("other", YumMetadata.otherDocument(other));
        for (Map.Entry<String, String> d : documents.entrySet()) {
            byte[] open = d.getValue().getBytes(StandardCharsets.UTF_8);
            byte[] gz = Compression.gzip(open);
            String checksum = Digests.sha256(gz);
            String href = "repodata/" + checksum + "-" + d.getKey() + ".xml.gz";
            String path = root(channel) + href;
            // 1. content-addressed metadata files first
            if (!store.exists(path)) {
                store.put(path, gz);
            }
            live.add(path);
            data.add(new YumMetadata.RepomdData(d.getKey(), checksum, Digests.sha256(open), href, timestamp, gz.length, open.length));
        }
        // 2. repomd.xml, then its signature
        byte[] repomd = YumMetadata.repomd(timestamp, data).getBytes(StandardCharsets.UTF_8);
        store.put(repodata + "repomd.xml", repomd);
        SigningKey k = key.get();
        if (k != null) {
            store.put(repodata + "repomd.xml.asc", k.detachedArmored(repomd));
        } else {
            store.delete(repodata + "repomd.xml.asc");
        }
        live.add(repodata + "repomd.xml");
        live.add(repodata + "repomd.xml.asc");
        // 3. expire old metadata, and package files no channel record names any more
        TreeSet<String> files = new TreeSet<>();
        for (Map<String, String> info : infos(channel)) {
            files.add(info.get("path"));
        }
        expire(channel, live, files, now);
    }

    /**
     * The ledger {@code state/yum/<name>/channels/<channel>.superseded}: {@code generation N}, then
     * {@code <path> <superseded-at> <generation>} for each superseded repodata file or package.
     */
    private void expire(String channel, TreeSet<String> liveMetadata, TreeSet<String> livePackages, Instant now) throws IOException {
        String ledgerPath = state() + "channels/" + channel + ".superseded";
        long generation = 0;
        TreeMap<String, long[]> superseded = new TreeMap<>();
        Optional<byte[]> ledger = store.read(ledgerPath);
        if (ledger.isPresent()) {
            for (String line : new String(ledger.get(), StandardCharsets.UTF_8).split("\n")) {
                String[] f = line.split(" ");
                if (f.length == 2 && f[0].equals("generation")) {
                    generation = Long.parseLong(f[1]);
                } else if (f.length == 3) {
                    superseded.put(f[0], new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
                }
            }
        }
        generation++;
        List<String> candidates = new ArrayList<>(store.list(root(channel) + "repodata"));
        candidates.addAll(store.list(root(channel) + "Packages"));
        for (String p : candidates) {
            if (liveMetadata.contains(p) || livePackages.contains(p)) {
                superseded.remove(p);
            } else if (!superseded.containsKey(p)) {
                superseded.put(p, new long[] {now.getEpochSecond(), generation});
            }
        }
        List<String> expired = new ArrayList<>();
        long keep = options.keepFor().toSeconds();
        long gen = generation;
        superseded.forEach((p, v) -> {
            if (now.getEpochSecond() - v[0] >= keep && gen - v[1] >= options.keepGenerations()) {
                expired.add(p);
            }
        });
        StringBuilder sb = new StringBuilder("generation " + generation + "\n");
        superseded.forEach((p, v) -> {
            if (!expired.contains(p)) {
                sb.append(p).append(' ').append(v[0]).append(' ').append(v[1]).append('\n');
            }
        });
        store.put(ledgerPath, sb.toString().getBytes(StandardCharsets.UTF_8));
        for (String p : expired) {
            store.delete(p);
        }
    }

    // --- helpers ------------------------------------------------------------------------------

    private String recordBase(String channel, RpmPackage pkg) {
        return state() + "channels/" + channel + "/" + escape(pkg.nevra());
    }

    private Optional<Map<String, String>> readInfo(String base) throws IOException {
        Optional<byte[]> b = store.read(base + ".info");
        if (b.isEmpty()) {
            return Optional.empty();
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : new String(b.get(), StandardCharsets.UTF_8).split("\n")) {
            int c = line.indexOf(": ");
            if (c > 0) {
                m.put(line.substring(0, c), line.substring(c + 2));
            } else if (line.endsWith(":")) {
                m.put(line.substring(0, line.length() - 1), "");
            }
        }
        return Optional.of(m);
    }

    private String read(String path) throws IOException {
        return new String(store.read(path).orElseThrow(() -> new IOException("missing " + path)), StandardCharsets.UTF_8);
    }

    /** File-name-safe NEVRA: ':' (epochs) becomes {@code %3a}. */
    static String escape(String s) {
        return s.replace("%", "%25").replace(":", "%3a");
    }
}
