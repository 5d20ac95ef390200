package io.packyard.bundle.interpreter;

import io.packyard.bundle.Target;
import io.packyard.bundle.interpreter.HostPythons.HostPython;
import io.packyard.python.PackyardException;
import io.packyard.python.util.FileTrees;
import io.packyard.python.util.Progress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Puts a CPython for a target into a bundle's {@code python/} directory.
 *
 * <pre>{@code
 * InterpreterProvisioner p = InterpreterProvisioner.builder().progress(progress).build();
 * Interpreter py = p.provision(InterpreterSpec.parse("3.12", "--python"), Target.LINUX_X86_64,
 *         stagingRoot.resolve("python"));
 * }</pre>
 *
 * <h2>Sources</h2>
 * <ul>
 * <li>{@link InterpreterSpec.Standalone}: a python-build-standalone install_only archive,
 *     downloaded from {@link #DEFAULT_URL_TEMPLATE} (placeholders {@code {version}},
 *     {@code {release}}, {@code {triple}}, {@code {flavor}}), checked against the release's
 *     SHA256SUMS, and cached as {@code <cacheDir>/python/<file name>} with a {@code .sha256}
 *     record next to it: the next build verifies the cached file and needs no network.</li>
 * <li>{@link InterpreterSpec.Archive}: a local archive (hash checked when given) or a URL
 *     (hash required; cached under {@code <cacheDir>/python/sha256/<hash>/}).</li>
 * <li>{@link InterpreterSpec.Host}: a CPython of the build machine, copied and made relocatable
 *     ({@link HostRelocator}, {@link ElfFile}).</li>
 * <li>{@link InterpreterSpec.SystemPython}: nothing is copied; the target's
 *     {@code /usr/bin/python3.X} is used.</li>
 * </ul>
 *
 * <p>Bundled trees lose what {@link StripRules} leaves out (tests, idlelib, ensurepip, bytecode,
 * static libraries, the interpreter's own site-packages) unless {@link Builder#keep kept}. The
 * tree is assembled next to {@code destination} and renamed into place, so a failed provision
 * leaves neither a partial tree nor a partial cache entry. When the target runs on this machine,
 * the result is run once with an empty environment and must report the expected version and
 * its new prefix.
 *
 * <h2>Configuration from the environment</h2>
 * Builder values win over environment variables: {@code PACKYARD_CACHE_DIR} (else
 * {@code $XDG_CACHE_HOME/packyard}, else {@code ~/.cache/packyard}),
 * {@code PACKYARD_PYTHON_URL_TEMPLATE}, {@code PACKYARD_PYTHON_SUMS_URL_TEMPLATE} (default: the
 * URL template's directory + {@code SHA256SUMS}), {@code PACKYARD_PYTHON_RELEASE},
 * {@code PACKYARD_PYTHON_FLAVOR}.
 */
public final class InterpreterProvisioner {

    public static final String DEFAULT_URL_TEMPLATE = "https://github.com/astral-sh/python-build-standalone/releases/download/"
            + "{release}/cpython-{version}%2B{release}-{triple}-{flavor}.tar.gz";
    /** Debug symbols stripped: a third of the size, same behaviour. */
    public static final String DEFAULT_FLAVOR = "install_only_stripped";

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([a-z]+)}");
    private static final Set<String> PLACEHOLDERS = Set.of("version", "release", "triple", "flavor");
    private static final Pattern FLAVOR = Pattern.compile("[a-z0-9_+]+");
    private static final int MAX_SUMS_BYTES = 16 << 20;

    private final Path cacheDir;
    private final String urlTemplate;
    private final String sumsUrlTemplate;
    private final String release;
    private final String flavor;
    private final Progress progress;
    private final boolean offline;
    private final StripRules strip;
    private final HostPythons hostPythons;
    private final Downloader downloader;
    /** SHA256SUMS already fetched by this provisioner, by URL. */
    private final Map<String, Map<String, String>> sums = new HashMap<>();

    private InterpreterProvisioner(Builder b) {
        Map<String, String> env = b.environment != null ? b.environment : System.getenv();
        this.cacheDir = (b.cacheDir != null ? b.cacheDir : defaultCacheDir(env)).toAbsolutePath().normalize();
        this.urlTemplate = checkTemplate(firstNonBlank(b.urlTemplate, env.get("PACKYARD_PYTHON_URL_TEMPLATE"),
                DEFAULT_URL_TEMPLATE), "python URL template", true);
        String defaultSums = urlTemplate.substring(0, urlTemplate.lastIndexOf('/') + 1) + "SHA256SUMS";
        this.sumsUrlTemplate = checkTemplate(firstNonBlank(b.sumsUrlTemplate, env.get("PACKYARD_PYTHON_SUMS_URL_TEMPLATE"),
                defaultSums), "python SHA256SUMS URL template", false);
        this.release = firstNonBlank(b.release, env.get("PACKYARD_PYTHON_RELEASE"), null);
        if (release != null && !SpecSyntax.RELEASE.matcher(release).matches()) {
            throw PackyardException.config("python release: '" + release
                    + "' is not a python-build-standalone release tag such as " + StandaloneReleases.DEFAULT_RELEASE);
        }
        this.flavor = firstNonBlank(b.flavor, env.get("PACKYARD_PYTHON_FLAVOR"), DEFAULT_FLAVOR);
        if (!FLAVOR.matcher(flavor).matches()) {
            throw PackyardException.config("python flavor: '" + flavor + "' is not a build flavor such as install_only");
        }
        this.progress = b.progress;
        this.offline = b.offline;
        this.strip = new StripRules(b.keep);
        this.hostPythons = new HostPythons(env);
        this.downloader = new Downloader(b.httpClient != null ? b.httpClient : Downloader.defaultClient(), progress);
    }

    /** The names {@link Builder#keep} accepts: parts of an interpreter left out unless kept. */
    public static java.util.SortedSet<String> keepGroups() {
        return java.util.Collections.unmodifiableSortedSet(new java.util.TreeSet<>(StripRules.GROUPS));
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The cache root; interpreter archives live in its {@code python/} directory. */
    public Path cacheDir() {
        return cacheDir;
    }

    /** Configures an {@link InterpreterProvisioner}. */
    public static final class Builder {
        private Path cacheDir;
        private String urlTemplate;
        private String sumsUrlTemplate;
        private String release;
        private String flavor;
        private Progress progress = Progress.NONE;
        private boolean offline;
        private Set<String> keep = Set.of();
        private Map<String, String> environment;
        private HttpClient httpClient;

        private Builder() {}

        public Builder cacheDir(Path dir) {
            this.cacheDir = dir;
            return this;
        }

        /** Archive URL with {@code {version}}, {@code {release}}, {@code {triple}}, {@code {flavor}}. */
        public Builder urlTemplate(String template) {
            this.urlTemplate = template;
            return this;
        }

        /** SHA256SUMS URL; {@code {release}} is replaced. Default: next to the archive. */
        public Builder sumsUrlTemplate(String template) {
            this.sumsUrlTemplate = template;
            return this;
        }

        /** python-build-standalone release tag used for versions that do not name one. */
        public Builder release(String release) {
            this.release = release;
            return this;
        }

        /** Archive flavor, {@code install_only_stripped} (default) or {@code install_only}. */
        public Builder flavor(String flavor) {
            this.flavor = flavor;
            return this;
        }

        public Builder progress(Progress progress) {
            this.progress = Objects.requireNonNull(progress);
            return this;
        }

        /** Never touch the network: what is not cached is an error. */
        public Builder offline(boolean offline) {
            this.offline = offline;
            return this;
        }

        /**
         * Strip groups to keep: {@code test}, {@code idlelib}, {@code ensurepip},
         * {@code site-packages}, {@code bytecode}, {@code static-libs}.
         */
        public Builder keep(Set<String> groups) {
            this.keep = Set.copyOf(groups);
            return this;
        }

        /** Environment variables to read instead of the process's (for tests and embedding). */
        public Builder environment(Map<String, String> env) {
            this.environment = Map.copyOf(env);
            return this;
        }

        public Builder httpClient(HttpClient client) {
            this.httpClient = client;
            return this;
        }

        public InterpreterProvisioner build() {
            return new InterpreterProvisioner(this);
        }
    }

    /**
     * Provisions {@code spec} for {@code target} into {@code destination} (the bundle's
     * {@code python/} directory, which must not exist or be empty; untouched for
     * {@code system}). Paths in the result are relative to {@code destination}'s parent, the
     * bundle root.
     */
    public Interpreter provision(InterpreterSpec spec, Target target, Path destination) {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(destination, "destination");
        try {
            if (spec instanceof InterpreterSpec.SystemPython s) {
                return system(s, target);
            }
            return bundled(spec, target, destination.toAbsolutePath().normalize());
        } catch (IOException e) {
            throw PackyardException.build("python " + spec.text() + ": " + Downloader.describe(e), e);
        }
    }

    // ---------------------------------------------------------------------------------- system

    private Interpreter system(InterpreterSpec.SystemPython s, Target target) {
        if (target.os() != Target.Os.LINUX) {
            throw PackyardException.config("python " + s.text() + ": the system interpreter is only available for Linux targets, not "
                    + target.id());
        }
        String xy;
        if (s.version().isPresent()) {
            xy = s.version().get();
        } else {
            HostPython hp = hostPythons.query(Path.of("/usr/bin/python3"))
                    .orElseThrow(() -> PackyardException.config("python system: cannot tell the target's Python version: "
                            + "this machine has no working /usr/bin/python3; write system:X.Y, e.g. system:3.11"));
            xy = hp.xy();
            progress.warn("python system: assuming the target's Python is " + xy
                    + " like this machine's /usr/bin/python3; pin it with system:" + xy);
        }
        Optional<Path> host = hostPythons.find(xy, false).map(HostPython::baseExecutable);
        return new Interpreter(xy, xy, target, false, "/usr/bin/python" + xy, "/usr/lib/python" + xy,
                "lib/python" + xy + "/site-packages", host, host);
    }

    // --------------------------------------------------------------------------------- bundled

    private Interpreter bundled(InterpreterSpec spec, Target target, Path destination) throws IOException {
        if (Files.exists(destination, LinkOption.NOFOLLOW_LINKS)) {
            boolean empty;
            if (!Files.isDirectory(destination, LinkOption.NOFOLLOW_LINKS)) {
                empty = false;
            } else {
                try (Stream<Path> s = Files.list(destination)) {
                    empty = s.findAny().isEmpty();
                }
            }
            if (!empty) {
                throw PackyardException.build("python " + spec.text() + ": destination " + destination + " is not empty");
            }
        }
        Path parent = destination.getParent();
        Files.createDirectories(parent);
        Path work = parent.resolve("." + destination.getFileName() + ".packyard-" + UUID.randomUUID());
        try {
            Files.createDirectory(work);
            Path tree;
            String label;
            String expectedVersion = null;
            Optional<String> nameHint = Optional.empty();
            Optional<Path> original = Optional.empty();
            boolean strip = true;
            switch (spec) {
                case InterpreterSpec.Standalone st -> {
                    Path archive = standaloneArchive(st, target);
                    label = archive.getFileName().toString();
                    expectedVersion = InterpreterTree.versionInName(label).orElse(null);
                    nameHint = Optional.of(label);
                    tree = unpack(archive, work, label);
                }
                case InterpreterSpec.Archive a -> {
                    Path archive = archive(a);
                    label = "archive " + (a.remote() ? a.location() : archive.toString());
                    nameHint = Optional.of(archive.getFileName().toString());
                    tree = unpack(archive, work, label);
                }
                case InterpreterSpec.Host h -> {
                    HostPython hp = host(h, target);
                    original = Optional.of(hp.baseExecutable());
                    label = "host:" + hp.prefix();
                    expectedVersion = hp.version();
                    progress.step("Relocating CPython " + hp.version() + " from " + hp.prefix());
                    tree = work.resolve("python");
                    HostRelocator.Result r = HostRelocator.relocate(hp, tree, this.strip, progress);
                    if (!r.systemLibraries().isEmpty()) {
                        progress.step("The relocated interpreter uses these libraries of the target system: "
                                + String.join(", ", new TreeSet<>(r.systemLibraries())));
                    }
                    strip = false; // filtered while copying
                    nameHint = Optional.of(hp.version());
                }
                case InterpreterSpec.SystemPython s -> throw new IllegalStateException("not bundled: " + s);
            }
            InterpreterTree t = InterpreterTree.detect(tree, label, nameHint);
            t.checkTarget(tree, target, label);
            if (expectedVersion != null && !expectedVersion.equals(t.version())) {
                throw PackyardException.build(label + ": expected CPython " + expectedVersion + " but the tree holds " + t.version());
            }
            if (spec instanceof InterpreterSpec.Host) {
                // the copy has no headers; the version came from running it
                t = new InterpreterTree(t.windows(), t.xy(), expectedVersion, t.stdlib(), t.exe());
            }
            if (strip) {
                this.strip.apply(tree, t.shape());
            }
            if (Files.isDirectory(destination, LinkOption.NOFOLLOW_LINKS)) {
                Files.delete(destination);
            }
            FileOps.move(tree, destination);
            Optional<Path> hostExe;
            if (target.runsOnHost()) {
                hostExe = Optional.of(verifyRuns(destination, t, label));
            } else {
                hostExe = hostPythons.find(t.xy(), false).map(HostPython::baseExecutable);
            }
            String xy = t.xy();
            Optional<Path> buildExe = original.or(() -> hostPythons.find(xy, false).map(HostPython::baseExecutable))
                    .or(() -> hostExe);
            String root = destination.getFileName().toString();
            return new Interpreter(t.version(), t.xy(), target, true, root + "/" + t.exe(), root + "/" + t.stdlib(),
                    root + "/" + t.sitePackages(), hostExe, buildExe);
        } catch (IOException | RuntimeException e) {
            FileTrees.deleteQuietly(destination);
            throw e;
        } finally {
            FileTrees.deleteQuietly(work);
        }
    }

    private Path unpack(Path archive, Path work, String label) throws IOException {
        progress.step("Unpacking " + label);
        Path unpacked = work.resolve("unpacked");
        ArchiveExtractor.extract(archive, unpacked, label, progress);
        try (Stream<Path> s = Files.list(unpacked)) {
            List<Path> top = s.toList();
            if (top.size() == 1 && Files.isDirectory(top.get(0), LinkOption.NOFOLLOW_LINKS)) {
                return top.get(0); // python/
            }
        }
        return unpacked;
    }

    /** Runs the provisioned interpreter with an empty environment; it must know its version and new home. */
    private Path verifyRuns(Path destination, InterpreterTree t, String label) throws IOException {
        Path exe = destination.resolve(t.exe());
        HostPython hp = hostPythons.query(exe, true)
                .orElseThrow(() -> PackyardException.build(label + ": the provisioned interpreter " + exe + " does not run"));
        if (!hp.version().equals(t.version())) {
            throw PackyardException.build(label + ": the provisioned interpreter reports Python " + hp.version()
                    + ", expected " + t.version());
        }
        if (!hp.prefix().toRealPath().equals(destination.toRealPath())) {
            throw PackyardException.build(label + ": the provisioned interpreter believes it lives in " + hp.prefix()
                    + ", not " + destination + "; it is not relocatable");
        }
        return exe.toAbsolutePath();
    }

    // ------------------------------------------------------------------------------ standalone

    private Path standaloneArchive(InterpreterSpec.Standalone st, Target target) throws IOException {
        String rel = st.release().orElse(release);
        String version;
        if (st.exact()) {
            version = st.version();
            if (rel == null) {
                rel = StandaloneReleases.resolve(version).map(StandaloneReleases.Resolved::release)
                        .orElseThrow(() -> PackyardException.config("python " + st.text()
                                + ": no built-in python-build-standalone release ships CPython " + st.version()
                                + "; name one, e.g. --python " + st.version() + "+RELEASE, or use " + st.minor()));
            }
        } else if (rel == null) {
            StandaloneReleases.Resolved r = StandaloneReleases.resolve(st.version())
                    .orElseThrow(() -> PackyardException.config("python " + st.text()
                            + ": no built-in python-build-standalone release for CPython " + st.version() + " (known: "
                            + StandaloneReleases.knownMinorVersions() + "); name one, e.g. " + st.version() + ".N+RELEASE"));
            version = r.version();
            rel = r.release();
        } else {
            version = patchInRelease(st.minor(), rel, target);
        }
        progress.step("Provisioning CPython " + version + " for " + target.id() + " (python-build-standalone " + rel + ")");
        URI url = uri(expand(urlTemplate, version, rel, target.triple()), "python URL template");
        String filename = fileName(url);
        Path cached = cacheDir.resolve("python").resolve(filename);
        String finalRel = rel;
        ensureCached(url, cached, Optional.empty(), () -> sumFor(finalRel, filename), filename);
        return cached;
    }

    /** For {@code X.Y} with an explicit release: the patch version from the cache, else SHA256SUMS. */
    private String patchInRelease(String minor, String rel, Target target) {
        String template = urlTemplate.substring(urlTemplate.lastIndexOf('/') + 1);
        String name = percentDecode(template.replace("{release}", rel).replace("{triple}", target.triple())
                .replace("{flavor}", flavor));
        String[] parts = name.split("\\{version}", -1);
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            if (i > 0) {
                re.append("(").append(Pattern.quote(minor)).append("\\.([0-9]+))");
            }
            re.append(Pattern.quote(parts[i]));
        }
        Pattern p = Pattern.compile(re.toString());
        List<String> names = new ArrayList<>();
        Path dir = cacheDir.resolve("python");
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                s.filter(f -> Files.isRegularFile(f.resolveSibling(f.getFileName() + ".sha256")))
                        .forEach(f -> names.add(f.getFileName().toString()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        Optional<String> best = bestPatch(p, names);
        if (best.isEmpty() && !offline) {
            best = bestPatch(p, sums(rel).keySet());
        }
        return best.orElseThrow(() -> PackyardException.build("python " + minor + "+" + rel + ": python-build-standalone release "
                + rel + " has no " + flavor + " build of CPython " + minor + " for " + target.triple()
                + (offline ? " in the cache (offline)" : "")));
    }

    private static Optional<String> bestPatch(Pattern p, Iterable<String> names) {
        String best = null;
        int bestPatch = -1;
        for (String n : names) {
            Matcher m = p.matcher(n);
            if (m.matches()) {
                int patch = Integer.parseInt(m.group(2));
                if (patch > bestPatch) {
                    bestPatch = patch;
                    best = m.group(1);
                }
            }
        }
        return Optional.ofNullable(best);
    }

    private String sumFor(String rel, String filename) {
        Map<String, String> all = sums(rel);
        String sha = all.get(filename);
        if (sha == null) {
            throw PackyardException.build(filename + ": not listed in " + expand(sumsUrlTemplate, "", rel, "")
                    + "; python-build-standalone release " + rel + " has no such build");
        }
        return sha;
    }

    private synchronized Map<String, String> sums(String rel) {
        String url = expand(sumsUrlTemplate, "", rel, "");
        Map<String, String> cached = sums.get(url);
        if (cached != null) {
            return cached;
        }
        byte[] body = downloader.fetch(uri(url, "python SHA256SUMS URL template"), MAX_SUMS_BYTES);
        Map<String, String> parsed = new LinkedHashMap<>();
        for (String line : new String(body, StandardCharsets.UTF_8).lines().toList()) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            String[] f = l.split("\\s+", 2);
            if (f.length == 2 && SpecSyntax.SHA256.matcher(f[0]).matches()) {
                String name = f[1].startsWith("*") ? f[1].substring(1) : f[1];
                parsed.put(name.strip(), f[0].toLowerCase(java.util.Locale.ROOT));
            }
        }
        if (parsed.isEmpty()) {
            throw PackyardException.build("GET " + url + ": not a SHA256SUMS file (no \"<sha256>  <file>\" lines)");
        }
        sums.put(url, parsed);
        return parsed;
    }

    // --------------------------------------------------------------------------------- archive

    private Path archive(InterpreterSpec.Archive a) throws IOException {
        if (!a.remote()) {
            Path p = a.path();
            if (!Files.isRegularFile(p)) {
                throw PackyardException.config("python " + a.text() + ": no such file " + p);
            }
            if (a.sha256().isPresent()) {
                String actual = FileOps.sha256(p);
                if (!actual.equals(a.sha256().get())) {
                    throw PackyardException.build("archive " + p + ": sha256 mismatch: expected " + a.sha256().get()
                            + ", file has " + actual);
                }
            }
            return p;
        }
        URI url = a.uri();
        String sha = a.sha256().orElseThrow(() -> PackyardException.config("python " + a.text() + ": an archive URL needs a sha256"));
        String filename = fileName(url);
        Path cached = cacheDir.resolve("python").resolve("sha256").resolve(sha).resolve(filename);
        ensureCached(url, cached, Optional.of(sha), () -> sha, filename);
        return cached;
    }

    // ----------------------------------------------------------------------------------- cache

    private void ensureCached(URI url, Path cached, Optional<String> explicit, java.util.function.Supplier<String> fromSums,
            String label) throws IOException {
        Path record = cached.resolveSibling(cached.getFileName() + ".sha256");
        if (Files.isRegularFile(cached)) {
            String want = explicit.orElse(null);
            if (want == null) {
                want = readRecord(record);
            }
            if (want == null && !offline) {
                want = fromSums.get();
            }
            if (want == null) {
                throw PackyardException.build(label + ": cached at " + cached + " without a recorded sha256, and offline "
                        + "mode cannot fetch SHA256SUMS to check it");
            }
            String actual = FileOps.sha256(cached);
            if (actual.equals(want)) {
                if (!want.equals(readRecord(record))) {
                    FileOps.writeAtomically(record, (want + "  " + cached.getFileName() + "\n").getBytes(StandardCharsets.UTF_8));
                }
                progress.step("Using cached " + label);
                return;
            }
            Files.deleteIfExists(cached);
            Files.deleteIfExists(record);
            if (offline) {
                throw PackyardException.build(label + ": cached copy was damaged (sha256 " + actual + ", expected " + want
                        + ") and was removed; offline mode cannot download it again");
            }
            progress.warn(label + ": cached copy was damaged (sha256 " + actual + "); downloading it again");
        }
        if (offline) {
            throw PackyardException.build(label + ": not in the cache (" + cached.getParent() + ") and offline mode forbids "
                    + "downloading " + url);
        }
        String want = explicit.isPresent() ? explicit.get() : fromSums.get();
        downloader.download(url, cached, want, label);
        FileOps.writeAtomically(record, (want + "  " + cached.getFileName() + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private static String readRecord(Path record) throws IOException {
        if (!Files.isRegularFile(record)) {
            return null;
        }
        String text = Files.readString(record, StandardCharsets.UTF_8).strip();
        String first = text.split("\\s+", 2)[0];
        return SpecSyntax.SHA256.matcher(first).matches() ? first.toLowerCase(java.util.Locale.ROOT) : null;
    }

    // ------------------------------------------------------------------------------------ host

    private HostPython host(InterpreterSpec.Host h, Target target) throws IOException {
        if (!target.runsOnHost()) {
            throw PackyardException.config("python " + h.text() + ": a host interpreter only serves this machine's platform ("
                    + Target.host().id() + "), not target " + target.id() + "; use a version such as \"3.12\" instead");
        }
        if (target.os() != Target.Os.LINUX) {
            throw PackyardException.config("python " + h.text() + ": relocating a host interpreter is only supported on Linux");
        }
        if (h.version().isPresent()) {
            String v = h.version().get();
            return hostPythons.find(v, true).orElseThrow(() -> PackyardException.config("python " + h.text()
                    + ": no CPython " + v + " with a relocatable prefix found on PATH or in ~/.pyenv/versions"));
        }
        Path p = h.path().get();
        if (!Files.exists(p)) {
            throw PackyardException.config("python " + h.text() + ": no such file or directory");
        }
        Path exe;
        if (Files.isDirectory(p)) {
            List<Path> found = new ArrayList<>();
            Path bin = p.resolve("bin");
            if (Files.isDirectory(bin)) {
                try (Stream<Path> s = Files.list(bin)) {
                    for (Path f : s.sorted().toList()) {
                        Matcher m = Pattern.compile("python(3\\.[0-9]+)").matcher(f.getFileName().toString());
                        if (m.matches() && Files.isRegularFile(f)
                                && Files.isRegularFile(p.resolve("lib/python" + m.group(1) + "/os.py"))) {
                            found.add(f);
                        }
                    }
                }
            }
            if (found.isEmpty()) {
                throw PackyardException.config("python " + h.text() + ": not a CPython installation prefix (expected bin/python3.X "
                        + "and lib/python3.X/os.py; for a virtual environment give its base interpreter)");
            }
            if (found.size() > 1) {
                throw PackyardException.config("python " + h.text() + ": holds several CPython versions ("
                        + String.join(", ", found.stream().map(f -> f.getFileName().toString()).toList())
                        + "); name the executable, e.g. host:" + found.get(found.size() - 1));
            }
            exe = found.get(0);
        } else {
            exe = p;
        }
        HostPython hp = hostPythons.query(exe).orElseThrow(() -> PackyardException.config("python " + h.text() + ": "
                + exe + " does not run as a Python 3 interpreter"));
        if (!hp.implementation().equals("cpython")) {
            throw PackyardException.config("python " + h.text() + ": is " + hp.implementation() + "; only CPython is supported");
        }
        return hp;
    }

    // ---------------------------------------------------------------------------------- helpers

    private String expand(String template, String version, String rel, String triple) {
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String v = switch (m.group(1)) {
                case "version" -> version;
                case "release" -> rel;
                case "triple" -> triple;
                case "flavor" -> flavor;
                default -> throw new IllegalStateException(m.group(1));
            };
            m.appendReplacement(out, Matcher.quoteReplacement(v));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String checkTemplate(String template, String what, boolean archive) {
        Matcher m = PLACEHOLDER.matcher(template);
        while (m.find()) {
            if (!PLACEHOLDERS.contains(m.group(1))) {
                throw PackyardException.config(what + ": unknown placeholder {" + m.group(1) + "} in " + template
                        + " (known: {version}, {release}, {triple}, {flavor})");
            }
        }
        if (archive && (!template.contains("{version}") || !template.contains("{triple}"))) {
            throw PackyardException.config(what + ": " + template + " must contain {version} and {triple}");
        }
        if (archive && template.endsWith("/")) {
            throw PackyardException.config(what + ": " + template + " must end with the archive's file name");
        }
        if (!template.startsWith("http://") && !template.startsWith("https://") && !template.startsWith("file:")) {
            throw PackyardException.config(what + ": " + template + " is not an http(s) or file URL");
        }
        return template;
    }

    private static URI uri(String text, String what) {
        try {
            return new URI(text);
        } catch (java.net.URISyntaxException e) {
            throw PackyardException.config(what + ": " + text + " is not a valid URL: " + e.getReason());
        }
    }

    /** The last path segment, percent-decoded ({@code %2B} is {@code +}); refuses anything path-like. */
    static String fileName(URI url) {
        String path = url.getRawPath();
        String name = percentDecode(path == null ? "" : path.substring(path.lastIndexOf('/') + 1));
        if (name.isEmpty() || name.equals(".") || name.equals("..") || name.contains("/") || name.contains("\\")
                || name.indexOf('\0') >= 0) {
            throw PackyardException.config(url + ": the URL does not end with a file name");
        }
        return name;
    }

    static String percentDecode(String s) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length()
                    && Character.digit(s.charAt(i + 1), 16) >= 0 && Character.digit(s.charAt(i + 2), 16) >= 0) {
                out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    static Path defaultCacheDir(Map<String, String> env) {
        return io.packyard.python.util.CacheDir.root(env);
    }

    private static String firstNonBlank(String a, String b, String c) {
        if (a != null && !a.isBlank()) {
            return a.strip();
        }
        if (b != null && !b.isBlank()) {
            return b.strip();
        }
        return c;
    }
}
