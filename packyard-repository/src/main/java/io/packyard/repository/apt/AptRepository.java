package io.packyard.repository.apt;

import io.packyard.repository.packages.Compression;
import io.packyard.repository.packages.Digests;
import io.packyard.repository.packages.PackageConflictException;
import io.packyard.repository.packages.PackageRejectedException;
import io.packyard.repository.packages.PackageStore;
import io.packyard.repository.packages.PublishedPackage;
import io.packyard.repository.packages.StorePaths;
import io.packyard.repository.signing.SigningKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * One APT repository (a name such as {@code acme}) with suites (Packyard's channels, e.g.
 * {@code stable}, {@code testing}) and components ({@code main}). Layout, below
 * {@code apt/<name>/} in the {@link PackageStore}:
 *
 * <pre>
 *   pool/&lt;component&gt;/&lt;l|libX&gt;/&lt;source&gt;/&lt;name&gt;_&lt;version&gt;_&lt;arch&gt;.deb
 *   dists/&lt;suite&gt;/InRelease                 clear-signed Release
 *   dists/&lt;suite&gt;/Release, Release.gpg      the same, with a detached signature
 *   dists/&lt;suite&gt;/&lt;component&gt;/binary-&lt;arch&gt;/Packages, Packages.gz, Packages.xz
 *   dists/&lt;suite&gt;/&lt;component&gt;/binary-&lt;arch&gt;/by-hash/SHA256/&lt;sha256&gt;
 * </pre>
 *
 * A client's sources entry: {@code deb [signed-by=/etc/apt/keyrings/acme.asc] https://host/apt/acme stable main}.
 *
 * <p>Publishing ({@link #publish}) reads and checks the .deb, refuses a name/version/architecture
 * that was ever published in this repository with other bytes, copies the file into the pool and
 * regenerates the suite. Regeneration never shows a client an index that does not match the
 * Release it fetched: new {@code by-hash} files are written first, then the plain index files,
 * then {@code Release}, {@code Release.gpg} and last {@code InRelease}, each atomically; clients
 * use {@code by-hash} ({@code Acquire-By-Hash: yes}), so an index named by an older Release
 * stays fetchable while superseded {@code by-hash} files are kept ({@link AptOptions}). Only the
 * legacy {@code Release} + {@code Release.gpg} pair (apt before 1.1 when InRelease is missing)
 * can be seen mid-switch, for the time between two renames.
 *
 * <p>Bookkeeping lives below {@code state/apt/<name>/}: one record (the Packages stanza) per
 * package and suite/component, the identity ledger (name, version and architecture to SHA-256;
 * kept forever, so a version can never come back with other content), and per suite the ledger of
 * superseded {@code by-hash} files.
 *
 * <p>Thread-safe and multi-process safe through the store's lock {@code apt-<name>}.
 */
public final class AptRepository {
    static final String PUBLISHED_FIELD = "X-Packyard-Published";
    private static final DateTimeFormatter RELEASE_DATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'UTC'", Locale.ENGLISH).withZone(ZoneOffset.UTC);

    private final PackageStore store;
    private final String name;
    private final AptOptions options;
    private final Supplier<SigningKey> key;
    private final Clock clock;

    /**
     * @param key the signing key (called on every regeneration, so a rotated key is picked up);
     *     a supplier returning null publishes unsigned suites (clients then need {@code [trusted=yes]})
     */
    public AptRepository(PackageStore store, String name, AptOptions options, Supplier<SigningKey> key, Clock clock) {
        this.store = store;
        this.name = StorePaths.checkName("APT repository", name);
        this.options = options;
        this.key = key;
        this.clock = clock;
    }

    public String name() {
        return name;
    }

    /** The store path prefix of the public tree, {@code apt/<name>/}: the URL clients put in sources.list. */
    public String root() {
        return "apt/" + name + "/";
    }

    private String state() {
        return "state/apt/" + name + "/";
    }

    /** The outcome of a publish. {@code changed} is false when the same file was already in the suite. */
    public record Publication(PublishedPackage published, DebPackage deb, boolean changed) {}

    /** Publishes {@code deb} into {@code suite}, component {@code main}. */
    public Publication publish(Path deb, String suite) throws IOException {
        return publish(deb, suite, "main");
    }

    /**
     * Reads and checks {@code deb}, adds it to the pool and to {@code suite}/{@code component}
     * (next to other versions of the same package) and regenerates the suite's indexes and
     * Release files.
     *
     * @throws PackageRejectedException when the file is not a valid .deb
     * @throws PackageConflictException when its name, version and architecture were published
     *     before with other content
     */
    public Publication publish(Path deb, String suite, String component) throws IOException {
        return publish(deb, deb.getFileName().toString(), suite, component);
    }

    /** {@link #publish(Path, String, String)} with the uploaded file name for messages. */
    public Publication publish(Path deb, String displayName, String suite, String component) throws IOException {
        StorePaths.checkName("suite", suite);
        StorePaths.checkName("component", component);
        DebPackage pkg = DebPackageReader.read(deb, displayName);
        try (PackageStore.Lock lock = store.lock("apt-" + name)) {
            String identity = pkg.name() + "_" + pkg.version() + "_" + pkg.architecture();
            String idPath = state() + "ids/" + escape(identity);
            Optional<byte[]> known = store.read(idPath);
            if (known.isPresent()) {
                String existing = new String(known.get(), StandardCharsets.US_ASCII).strip();
                if (!existing.equals(pkg.sha256())) {
                    throw new PackageConflictException(displayName, identity, existing, pkg.sha256());
                }
            }
            String poolPath = root() + pkg.poolDirectory(component) + pkg.fileName();
            if (store.exists(poolPath)) {
                String there = sha256(poolPath);
                if (!there.equals(pkg.sha256())) {
                    throw new PackageConflictException(displayName, poolPath.substring(root().length()), there, pkg.sha256());
                }
            } else {
                store.putFile(poolPath, deb);
            }
            if (known.isEmpty()) {
                store.put(idPath, (pkg.sha256() + "\n").getBytes(StandardCharsets.US_ASCII));
            }
            String recordPath = recordPath(suite, component, pkg.name(), pkg.version(), pkg.architecture());
            Optional<ControlParagraph> existingRecord = store.read(recordPath)
                    .map(b -> ControlParagraph.parse(new String(b, StandardCharsets.UTF_8)));
            String filename = poolPath.substring(root().length());
            Instant now = clock.instant();
            boolean changed = existingRecord.isEmpty();
            Instant published = existingRecord.flatMap(r -> r.get(PUBLISHED_FIELD))
                    .map(s -> Instant.ofEpochSecond(Long.parseLong(s)))
                    .orElse(Instant.ofEpochSecond(now.getEpochSecond()));
            if (changed) {
                ControlParagraph record = pkg.stanza(filename)
                        .with(List.of(new ControlParagraph.Field(PUBLISHED_FIELD, Long.toString(published.getEpochSecond()))));
                store.put(recordPath, record.format().getBytes(StandardCharsets.UTF_8));
            }
            if (changed || !store.exists(root() + "dists/" + suite + "/Release")) {
                regenerate(suite);
            }
            PublishedPackage p = new PublishedPackage("deb", name, suite, component, pkg.name(), pkg.version(),
                    pkg.architecture(), poolPath, pkg.size(), pkg.sha256(), published);
            return new Publication(p, pkg, changed);
        }
    }

    /**
     * Removes a package version from a suite/component and regenerates the suite. The pool file
     * stays (other suites or cached indexes may name it) and so does its identity: the same
     * version can be published again only with the same bytes.
     *
     * @return false when it was not in the suite
     */
    public boolean remove(String suite, String component, String packageName, String version, String architecture) throws IOException {
        try (PackageStore.Lock lock = store.lock("apt-" + name)) {
            String recordPath = recordPath(suite, component, packageName, version, architecture);
            if (!store.exists(recordPath)) {
                return false;
            }
            store.delete(recordPath);
            regenerate(suite);
            return true;
        }
    }

    /**
     * Regenerates {@code suite}'s Release files with a new Date (and Valid-Until), signed with the
     * current key; indexes stay byte for byte when nothing changed. Call it on a schedule when
     * {@link AptOptions#validFor()} is set, and after a key rotation.
     */
    public void refresh(String suite) throws IOException {
        StorePaths.checkName("suite", suite);
        try (PackageStore.Lock lock = store.lock("apt-" + name)) {
            regenerate(suite);
        }
    }

    /**
     * Refreshes {@code suite} when {@link AptOptions#validFor()} is set and half of its validity
     * has passed since the Release's {@code Date} (or it has no Release yet); returns whether it
     * did. The server calls this on a schedule, so that Valid-Until never lapses while nothing is
     * published.
     */
    public boolean refreshIfDue(String suite) throws IOException {
        if (options.validFor().isEmpty()) {
            return false;
        }
        StorePaths.checkName("suite", suite);
        Optional<byte[]> release = store.read(root() + "dists/" + suite + "/Release");
        if (release.isPresent()) {
            Optional<Instant> date = new String(release.get(), java.nio.charset.StandardCharsets.UTF_8).lines()
                    .filter(l -> l.startsWith("Date: ")).findFirst()
                    .map(l -> java.time.ZonedDateTime.parse(l.substring(6).strip(), RELEASE_DATE).toInstant());
            Duration half = options.validFor().get().dividedBy(2);
            if (date.isPresent() && clock.instant().isBefore(date.get().plus(half))) {
                return false;
            }
        }
        refresh(suite);
        return true;
    }

    /** The suites that have (or had) packages, sorted. */
    public List<String> suites() throws IOException {
        return store.children(state() + "suites");
    }

    /** Every package in {@code suite}, sorted by component, name, version (dpkg order) and architecture. */
    public List<PublishedPackage> packages(String suite) throws IOException {
        List<PublishedPackage> out = new ArrayList<>();
        for (Map.Entry<String, List<ControlParagraph>> e : records(suite).entrySet()) {
            for (ControlParagraph r : e.getValue()) {
                out.add(new PublishedPackage("deb", name, suite, e.getKey(), r.get("Package").orElseThrow(),
                        r.get("Version").orElseThrow(), r.get("Architecture").orElseThrow(),
                        root() + r.get("Filename").orElseThrow(), Long.parseLong(r.get("Size").orElseThrow()),
                        r.get("SHA256").orElseThrow(),
                        Instant.ofEpochSecond(Long.parseLong(r.get(PUBLISHED_FIELD).orElse("0")))));
            }
        }
        return out;
    }

    // --- regeneration -------------------------------------------------------------------------

    /** Component to sorted records of one suite. */
    private TreeMap<String, List<ControlParagraph>> records(String suite) throws IOException {
        TreeMap<String, List<ControlParagraph>> out = new TreeMap<>();
        String prefix = state() + "suites/" + suite + "/";
        for (String p : store.list(state() + "suites/" + suite)) {
            if (!p.endsWith(".stanza")) {
                continue;
            }
            String component = p.substring(prefix.length(), p.indexOf('/', prefix.length()));
            ControlParagraph r = ControlParagraph.parse(new String(store.read(p).orElseThrow(), StandardCharsets.UTF_8));
            out.computeIfAbsent(component, k -> new ArrayList<>()).add(r);
        }
        Comparator<ControlParagraph> order = Comparator
                .comparing((ControlParagraph r) -> r.get("Package").orElse(""))
                .thenComparing(r -> r.get("Version").orElse("0"), DebianVersions.ORDER)
                .thenComparing(r -> r.get("Architecture").orElse(""));
        out.values().forEach(l -> l.sort(order));
        return out;
    }

    /** An index file to publish: its path below {@code dists/<suite>/} and its bytes. */
    private record IndexFile(String path, byte[] content, String sha256, String md5) {
        static IndexFile of(String path, byte[] content) {
            return new IndexFile(path, content, Digests.sha256(content), Digests.md5(content));
        }

        String byHash() {
            return path.substring(0, path.lastIndexOf('/') + 1) + "by-hash/SHA256/" + sha256;
        }
    }

    private void regenerate(String suite) throws IOException {
        TreeMap<String, List<ControlParagraph>> records = records(suite);
        TreeSet<String> components = new TreeSet<>(options.components());
        components.addAll(records.keySet());
        TreeSet<String> architectures = new TreeSet<>(options.architectures());
        records.values().forEach(l -> l.forEach(r -> {
            String a = r.get("Architecture").orElse("all");
            if (!a.equals("all")) {
                architectures.add(a);
            }
        }));
        if (architectures.isEmpty()) {
            architectures.add("amd64");
        }

        List<IndexFile> indexes = new ArrayList<>();
        for (String component : components) {
            List<ControlParagraph> list = records.getOrDefault(component, List.of());
            for (String arch : architectures) {
                StringBuilder packages = new StringBuilder();
                for (ControlParagraph r : list) {
                    String a = r.get("Architecture").orElse("");
                    if (a.equals(arch) || a.equals("all")) {
                        if (!packages.isEmpty()) {
                            packages.append('\n');
                        }
                        packages.append(r.without(PUBLISHED_FIELD).format());
                    }
                }
                byte[] plain = packages.toString().getBytes(StandardCharsets.UTF_8);
                String dir = component + "/binary-" + arch + "/";
                indexes.add(IndexFile.of(dir + "Packages", plain));
                indexes.add(IndexFile.of(dir + "Packages.gz", Compression.gzip(plain)));
                indexes.add(IndexFile.of(dir + "Packages.xz", Compression.xz(plain)));
            }
        }

        String dists = root() + "dists/" + suite + "/";
        // 1. content-addressed copies: a client holding any listed Release can fetch them
        for (IndexFile f : indexes) {
            String p = dists + f.byHash();
            if (!store.exists(p)) {
                store.put(p, f.content());
            }
        }
        // 2. plain index names, for clients without by-hash
        for (IndexFile f : indexes) {
            String p = dists + f.path();
            Optional<byte[]> old = store.read(p);
            if (old.isEmpty() || !java.util.Arrays.equals(old.get(), f.content())) {
                store.put(p, f.content());
            }
        }
        // 3. Release, its detached signature, and last the clear-signed InRelease
        Instant now = clock.instant();
        byte[] release = releaseFile(suite, components, architectures, indexes, now).getBytes(StandardCharsets.UTF_8);
        SigningKey k = key.get();
        store.put(dists + "Release", release);
        if (k != null) {
            store.put(dists + "Release.gpg", k.detachedArmored(release));
            store.put(dists + "InRelease", k.clearSign(release));
        } else {
            store.delete(dists + "Release.gpg");
            store.delete(dists + "InRelease");
        }
        // 4. only now forget superseded by-hash files that are old enough
        expireByHash(suite, indexes, now);
    }

    String releaseFile(String suite, TreeSet<String> components, TreeSet<String> architectures, List<IndexFile> indexes, Instant now) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("Origin", options.origin());
        fields.put("Label", options.label().isEmpty() ? name : options.label());
        fields.put("Suite", suite);
        fields.put("Codename", suite);
        fields.put("Date", RELEASE_DATE.format(now));
        options.validFor().ifPresent(d -> fields.put("Valid-Until", RELEASE_DATE.format(now.plus(d))));
        fields.put("Architectures", String.join(" ", architectures));
        fields.put("Components", String.join(" ", components));
        if (!options.description().isEmpty()) {
            fields.put("Description", options.description());
        }
        fields.put("Acquire-By-Hash", "yes");
        StringBuilder sb = new StringBuilder();
        fields.forEach((k, v) -> sb.append(k).append(": ").append(v).append('\n'));
        List<IndexFile> sorted = new ArrayList<>(indexes);
        sorted.sort(Comparator.comparing(IndexFile::path));
        sb.append("MD5Sum:\n");
        for (IndexFile f : sorted) {
            sb.append(String.format(Locale.ROOT, " %s %16d %s\n", f.md5(), f.content().length, f.path()));
        }
        sb.append("SHA256:\n");
        for (IndexFile f : sorted) {
            sb.append(String.format(Locale.ROOT, " %s %16d %s\n", f.sha256(), f.content().length, f.path()));
        }
        return sb.toString();
    }

    /**
     * The by-hash ledger, {@code state/apt/<name>/suites/<suite>.byhash}: a first line
     * {@code generation N}, then one line {@code <path> <superseded-at-epoch-seconds> <generation>}
     * per superseded by-hash file. A by-hash file not named by the new Release and not in the
     * ledger becomes superseded now (this also collects files left by an interrupted run).
     */
    private void expireByHash(String suite, List<IndexFile> current, Instant now) throws IOException {
        String ledgerPath = state() + "suites/" + suite + ".byhash";
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
        String dists = root() + "dists/" + suite + "/";
        TreeSet<String> live = new TreeSet<>();
        for (IndexFile f : current) {
            live.add(dists + f.byHash());
        }
        for (String p : store.list(root() + "dists/" + suite)) {
            if (!p.contains("/by-hash/")) {
                continue;
            }
            if (live.contains(p)) {
                superseded.remove(p);
            } else if (!superseded.containsKey(p)) {
                superseded.put(p, new long[] {now.getEpochSecond(), generation});
            }
        }
        long keepSeconds = options.byHashKeepFor().toSeconds();
        List<String> expired = new ArrayList<>();
        long gen = generation;
        superseded.forEach((p, v) -> {
            boolean oldEnough = now.getEpochSecond() - v[0] >= keepSeconds;
            boolean enoughNewer = gen - v[1] >= options.byHashKeepGenerations();
            if (oldEnough && enoughNewer) {
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

    private String recordPath(String suite, String component, String pkg, String version, String arch) {
        return state() + "suites/" + suite + "/" + component + "/" + escape(pkg + "_" + version + "_" + arch) + ".stanza";
    }

    /** File-name-safe form of {@code name_version_arch}: ':' (epochs) becomes {@code %3a}. */
    private static String escape(String s) {
        return s.replace("%", "%25").replace(":", "%3a");
    }

    private String sha256(String storePath) throws IOException {
        try (var in = store.open(storePath).orElseThrow()) {
            var d = Digests.digest("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                d.update(buf, 0, n);
            }
            return java.util.HexFormat.of().formatHex(d.digest());
        }
    }
}
