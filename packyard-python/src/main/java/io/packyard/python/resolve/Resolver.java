package io.packyard.python.resolve;

import io.packyard.python.PackyardException;
import io.packyard.python.index.DistributionFile;
import io.packyard.python.index.Hashes;
import io.packyard.python.index.WheelSource;
import io.packyard.python.index.WheelSources;
import io.packyard.python.markers.InvalidMarkerException;
import io.packyard.python.markers.MarkerEnvironment;
import io.packyard.python.metadata.CoreMetadata;
import io.packyard.python.metadata.InvalidMetadataException;
import io.packyard.python.names.ProjectName;
import io.packyard.python.requirements.Requirement;
import io.packyard.python.tags.SupportedTags;
import io.packyard.python.util.Progress;
import io.packyard.python.version.InvalidSpecifierException;
import io.packyard.python.version.Specifier;
import io.packyard.python.version.SpecifierSet;
import io.packyard.python.version.Version;
import io.packyard.python.wheel.WheelArchive;
import io.packyard.python.wheel.WheelFilename;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/**
 * Resolves requirements to one wheel per project for a TARGET (its tags, marker environment and
 * Python version), never for the machine Packyard runs on.
 *
 * <p>The search is a depth-first backtracking search with conflict-directed backjumping:
 * projects are decided one at a time (local wheels and {@code ==} pins first, then by depth of
 * discovery, then by name), each trying its versions newest first. When a project has no version
 * left, the search goes back to the most recent decision that contributed to the conflict,
 * skipping decisions that had nothing to do with it.
 *
 * <p>What counts as a candidate:
 * <ul>
 *   <li>only wheels, and only those with a tag the target accepts; per version the file with the
 *       best tag rank, then the highest build tag;</li>
 *   <li>Requires-Python (from the index, then from the metadata) checked against the target's
 *       Python version;</li>
 *   <li>pre-releases only when allowed, asked for by a specifier, or when nothing else matches;</li>
 *   <li>yanked files (PEP 592) only when a requirement pins the version with {@code ==} or
 *       {@code ===};</li>
 *   <li>dependencies from the candidate's metadata, PEP 658 when the index serves it (so
 *       resolving downloads nothing), else from the wheel's own {@code .dist-info/METADATA};
 *       markers are evaluated for the target with the requested extras.</li>
 * </ul>
 * {@link Builder#localWheels Local wheels} (the project's own wheel, path dependencies) replace
 * every other candidate of their project.
 */
public final class Resolver {

    private final WheelSources sources;
    private final SupportedTags tags;
    private final MarkerEnvironment env;
    private final Version python;
    private final boolean allowPrereleases;
    private final Progress progress;
    private final List<Path> localWheels;
    private final String rootLabel;
    private final int maxAttempts;

    private Resolver(Builder b) {
        this.sources = new WheelSources(b.sources);
        this.tags = Objects.requireNonNull(b.tags, "supportedTags");
        this.env = Objects.requireNonNull(b.env, "environment");
        this.python = b.python != null ? b.python : Version.parse(env.pythonFullVersion());
        this.allowPrereleases = b.allowPrereleases;
        this.progress = b.progress;
        this.localWheels = List.copyOf(b.localWheels);
        this.rootLabel = b.rootLabel;
        this.maxAttempts = b.maxAttempts;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Resolves the root requirements (markers evaluated for the target) to pinned wheels, and
     * downloads the chosen ones.
     *
     * @throws PackyardException (build) when no set of wheels satisfies them; the message names the
     *         project and the requirements in conflict
     */
    public Resolution resolve(List<Requirement> roots) {
        Run run = new Run();
        AtomicReference<Resolution> result = new AtomicReference<>();
        AtomicReference<Throwable> error = new AtomicReference<>();
        // The search recurses once per decided project: give it a deep stack.
        Thread t = new Thread(null, () -> {
            try {
                result.set(run.resolve(roots));
            } catch (Throwable e) {
                error.set(e);
            }
        }, "packyard-resolver", 256L << 20);
        t.start();
        try {
            t.join();
        } catch (InterruptedException e) {
            t.interrupt();
            Thread.currentThread().interrupt();
            throw PackyardException.build("resolution interrupted");
        }
        Throwable e = error.get();
        if (e instanceof RuntimeException re) {
            throw re;
        }
        if (e instanceof Error err) {
            throw err;
        }
        return result.get();
    }

    // ------------------------------------------------------------------ model

    /** A wheel that could be pinned. {@code sourced} is null for local wheels. */
    private record Candidate(String name, Version version, DistributionFile file, WheelSources.Sourced sourced,
            Path local, int rank, WheelFilename wheel) {

        String label() {
            return name + " " + version;
        }

        boolean isYanked() {
            return file.isYanked();
        }
    }

    /** The best non-yanked and best yanked file of one version. */
    private record VersionFiles(Candidate best, Candidate bestYanked) {}

    /** Everything known about one project's files for this target. */
    private static final class Project {
        final String name;
        final List<String> allFiles = new ArrayList<>();
        final List<String> sdists = new ArrayList<>();
        /** Wheels of this project whose tags the target does not accept, newest first. */
        final List<WheelFilename> incompatible = new ArrayList<>();
        /** Wheels that fit the tags but not the target's Python: file name to Requires-Python. */
        final Map<String, String> pythonIncompatible = new LinkedHashMap<>();
        /** Fitting versions, newest first. */
        final TreeMap<Version, VersionFiles> versions = new TreeMap<>(Comparator.reverseOrder());
        /** Set for local wheels and direct URL roots: the only candidate. */
        Candidate override;

        Project(String name) {
            this.name = name;
        }
    }

    /**
     * A requirement in force on a project.
     *
     * @param parent the normalized name of the pinned project that asked, null for a root
     * @param label  "bar 1.0" or the root label, for messages
     * @param causes the pinned projects whose choice brought this requirement in
     */
    private record Constraint(Requirement req, String parent, String label, Set<String> causes) {
        String text() {
            String spec = req.specifier().toString();
            return req.name() + (req.extras().isEmpty() ? "" : "[" + String.join(",", req.extras()) + "]")
                    + (spec.isEmpty() ? "" : spec);
        }
    }

    /** A decided project: the candidate, its metadata, and the extras whose dependencies were added. */
    private record Pin(Candidate candidate, CoreMetadata metadata, Set<String> expandedExtras) {}

    /** The search state; copied (shallowly) at each decision. */
    private static final class State {
        final LinkedHashMap<String, Pin> pins;
        final TreeMap<String, List<Constraint>> constraints;
        final TreeMap<String, Set<String>> extras;
        final HashMap<String, Integer> depth;

        State() {
            pins = new LinkedHashMap<>();
            constraints = new TreeMap<>();
            extras = new TreeMap<>();
            depth = new HashMap<>();
        }

        State(State s) {
            pins = new LinkedHashMap<>(s.pins);
            constraints = new TreeMap<>(s.constraints);
            extras = new TreeMap<>(s.extras);
            depth = new HashMap<>(s.depth);
        }

        List<Constraint> on(String name) {
            return constraints.getOrDefault(name, List.of());
        }

        void add(String name, Constraint c) {
            List<Constraint> l = new ArrayList<>(on(name));
            l.add(c);
            constraints.put(name, List.copyOf(l));
        }

        void addExtras(String name, Set<String> more) {
            if (more.isEmpty() && extras.containsKey(name)) {
                return;
            }
            Set<String> s = new TreeSet<>(extras.getOrDefault(name, Set.of()));
            s.addAll(more);
            extras.put(name, Collections.unmodifiableSet(s));
        }
    }

    private sealed interface Outcome permits Success, Failure {}

    private record Success(State state) implements Outcome {}

    /**
     * A dead end. {@code culprits} are the decided projects whose choices (or presence) caused it:
     * going back to a decision not among them cannot help.
     */
    private record Failure(Set<String> culprits, String message) implements Outcome {}

    // ------------------------------------------------------------------ one resolution

    private final class Run {
        private final Map<String, Project> projects = new HashMap<>();
        private final Map<String, Project> overrides = new HashMap<>();
        private final Map<String, CoreMetadata> metadata = new HashMap<>();
        private final Map<String, Path> downloaded = new HashMap<>();
        private final Set<String> warned = new HashSet<>();
        private int attempts;

        Resolution resolve(List<Requirement> roots) {
            progress.step("Resolving dependencies for " + env.sysPlatform() + " " + env.platformMachine()
                    + ", Python " + python);
            for (Path p : localWheels) {
                addLocalWheel(p);
            }
            State s = new State();
            for (Requirement r : roots) {
                if (!holds(r, Set.of(), rootLabel)) {
                    continue;
                }
                String n = r.normalizedName();
                if (r.url().isPresent()) {
                    addUrlRoot(r);
                }
                s.add(n, new Constraint(r.withMarker(null), null, rootLabel, Set.of()));
                s.addExtras(n, r.extras());
                s.depth.putIfAbsent(n, 0);
            }
            Outcome o = solve(s);
            if (o instanceof Failure f) {
                throw PackyardException.build(f.message());
            }
            State done = ((Success) o).state();
            return finish(done);
        }

        private Resolution finish(State done) {
            List<String> names = new ArrayList<>(new TreeSet<>(done.pins.keySet()));
            progress.step("Resolved " + names.size() + (names.size() == 1 ? " package" : " packages"));
            List<ResolvedWheel> wheels = new ArrayList<>();
            TreeMap<String, java.util.SortedSet<String>> deps = new TreeMap<>();
            for (String n : names) {
                Pin p = done.pins.get(n);
                Candidate c = p.candidate();
                if (c.isYanked()) {
                    String reason = c.file().yanked().orElse("");
                    progress.warn(c.file().filename() + " is yanked" + (reason.isEmpty() ? "" : " (" + reason + ")")
                            + "; using it because it is pinned with ==");
                }
                Path local = localCopy(c);
                wheels.add(new ResolvedWheel(p.metadata().name(), c.version(), c.file(), local));
                TreeSet<String> d = new TreeSet<>();
                for (Requirement r : p.metadata().dependencies(env, p.expandedExtras())) {
                    if (!r.normalizedName().equals(n) && done.pins.containsKey(r.normalizedName())) {
                        d.add(r.normalizedName());
                    }
                }
                deps.put(n, d);
            }
            return new Resolution(wheels, deps);
        }

        // -------------------------------------------------------------- search

        private Outcome solve(State s) {
            String name = next(s);
            if (name == null) {
                return new Success(s);
            }
            Project project = project(name);
            List<Constraint> cs = s.on(name);
            List<Candidate> candidates = matching(project, cs);
            if (candidates.isEmpty()) {
                return new Failure(causesOf(cs), noMatch(project, cs));
            }
            Failure first = null;
            Set<String> culprits = new HashSet<>();
            List<String> tried = new ArrayList<>();
            for (Candidate c : candidates) {
                if (++attempts > maxAttempts) {
                    throw PackyardException.build("dependency resolution gave up after " + maxAttempts
                            + " attempts; the last conflict: " + (first != null ? first.message() : "none")
                            + "; pin some versions in the requirements to narrow the search");
                }
                Outcome o = tryCandidate(s, name, c);
                if (o instanceof Success) {
                    return o;
                }
                Failure f = (Failure) o;
                if (first == null) {
                    first = f;
                }
                tried.add(c.version().toString());
                if (!f.culprits().contains(name)) {
                    // Another choice of this project cannot fix it: go back further at once.
                    return f;
                }
                culprits.addAll(f.culprits());
            }
            culprits.remove(name);
            culprits.addAll(causesOf(cs));
            String message = first.message();
            if (tried.size() > 1) {
                message += "; other versions of " + name + " fail too (tried " + String.join(", ", tried) + ")";
            }
            return new Failure(culprits, message);
        }

        /** The next project to decide: local/URL overrides and == pins first, then shallowest, then by name. */
        private String next(State s) {
            String best = null;
            int bestClass = Integer.MAX_VALUE;
            int bestDepth = Integer.MAX_VALUE;
            for (Map.Entry<String, List<Constraint>> e : s.constraints.entrySet()) {
                String n = e.getKey();
                if (s.pins.containsKey(n)) {
                    continue;
                }
                int cls = overrides.containsKey(n) ? 0 : e.getValue().stream().anyMatch(c -> exactPin(c.req())) ? 1 : 2;
                int d = s.depth.getOrDefault(n, Integer.MAX_VALUE);
                if (cls < bestClass || (cls == bestClass && d < bestDepth)) {
                    best = n;
                    bestClass = cls;
                    bestDepth = d;
                }
            }
            return best;
        }

        private Outcome tryCandidate(State s, String name, Candidate c) {
            CoreMetadata meta;
            try {
                meta = metadataOf(c);
            } catch (CandidateUnusable e) {
                return new Failure(Set.of(name), e.getMessage());
            }
            SpecifierSet rp;
            try {
                rp = meta.requiresPython();
            } catch (InvalidMetadataException e) {
                warnOnce("rp:" + c.file().filename(), e.getMessage() + "; ignoring Requires-Python");
                rp = SpecifierSet.ANY;
            }
            if (!rp.contains(python, true)) {
                return new Failure(Set.of(name), c.label() + " requires Python " + rp + ", but the target has Python "
                        + python);
            }
            Set<String> extras = s.extras.getOrDefault(name, Set.of());
            warnUnknownExtras(c, meta, extras);
            List<Requirement> deps;
            try {
                deps = meta.dependencies(env, extras);
            } catch (InvalidMetadataException e) {
                return new Failure(Set.of(name), c.label() + ": " + e.getMessage());
            }
            State s2 = new State(s);
            s2.pins.put(name, new Pin(c, meta, extras));
            Deque<Pending> work = new ArrayDeque<>();
            for (Requirement d : deps) {
                work.add(new Pending(d, name, c.label(), Set.of(name)));
            }
            Failure f = addAll(s2, work);
            if (f != null) {
                return f;
            }
            return solve(s2);
        }

        private record Pending(Requirement req, String parent, String label, Set<String> causes) {}

        /** Adds requirements to the state, checking them against projects already decided. */
        private Failure addAll(State s, Deque<Pending> work) {
            while (!work.isEmpty()) {
                Pending p = work.poll();
                Requirement req = p.req().withMarker(null);
                String dn = req.normalizedName();
                if (req.url().isPresent()) {
                    Project o = overrides.get(dn);
                    if (o == null || !o.override.file().url().toString().equals(req.url().get())) {
                        return new Failure(p.causes(), p.label() + " requires " + p.req()
                                + ": direct URL dependencies of packages are not supported;"
                                + " put the wheel in find-links or list the URL in the project's own requirements");
                    }
                }
                Constraint c = new Constraint(req, p.parent(), p.label(), p.causes());
                s.add(dn, c);
                s.depth.putIfAbsent(dn, s.depth.getOrDefault(p.parent(), 0) + 1);
                Pin pin = s.pins.get(dn);
                if (pin == null) {
                    s.addExtras(dn, req.extras());
                    continue;
                }
                if (!req.specifier().contains(pin.candidate().version(), true)) {
                    Set<String> culprits = new HashSet<>(p.causes());
                    culprits.add(dn);
                    return new Failure(culprits, conflictWithPin(s, dn, c, pin));
                }
                Set<String> newExtras = new TreeSet<>(req.extras());
                newExtras.removeAll(pin.expandedExtras());
                if (!newExtras.isEmpty()) {
                    Set<String> all = new TreeSet<>(pin.expandedExtras());
                    all.addAll(newExtras);
                    warnUnknownExtras(pin.candidate(), pin.metadata(), newExtras);
                    List<Requirement> before;
                    List<Requirement> after;
                    try {
                        before = pin.metadata().dependencies(env, pin.expandedExtras());
                        after = pin.metadata().dependencies(env, all);
                    } catch (InvalidMetadataException e) {
                        return new Failure(Set.of(dn), pin.candidate().label() + ": " + e.getMessage());
                    }
                    s.pins.put(dn, new Pin(pin.candidate(), pin.metadata(), Collections.unmodifiableSet(all)));
                    s.addExtras(dn, newExtras);
                    Set<String> causes = new HashSet<>(p.causes());
                    causes.add(dn);
                    for (Requirement r : after) {
                        if (!before.contains(r)) {
                            work.add(new Pending(r, dn, pin.candidate().label(), Set.copyOf(causes)));
                        }
                    }
                }
            }
            return null;
        }

        // -------------------------------------------------------------- candidates

        private Project project(String name) {
            Project o = overrides.get(name);
            if (o != null) {
                return o;
            }
            return projects.computeIfAbsent(name, this::load);
        }

        private Project load(String name) {
            Project p = new Project(name);
            List<WheelSources.Sourced> files = sources.files(name);
            for (WheelSources.Sourced sf : files) {
                DistributionFile f = sf.file();
                p.allFiles.add(f.filename());
                if (!f.isWheel()) {
                    p.sdists.add(f.filename());
                    continue;
                }
                WheelFilename wf;
                Version v;
                try {
                    wf = WheelFilename.parse(f.filename());
                    v = Version.parse(wf.version());
                } catch (PackyardException | IllegalArgumentException e) {
                    warnOnce("bad:" + f.filename(), sf.source().describe() + ": ignoring " + f.filename() + ": "
                            + e.getMessage());
                    continue;
                }
                if (!wf.normalizedName().equals(name)) {
                    continue;
                }
                OptionalInt rank = tags.bestRank(wf.tags());
                if (rank.isEmpty()) {
                    p.incompatible.add(wf);
                    continue;
                }
                if (f.requiresPython().isPresent()) {
                    String rp = f.requiresPython().get();
                    try {
                        if (!SpecifierSet.parse(rp).contains(python, true)) {
                            p.pythonIncompatible.put(f.filename(), rp);
                            continue;
                        }
                    } catch (InvalidSpecifierException e) {
                        warnOnce("rp:" + f.filename(), sf.source().describe() + ": " + f.filename()
                                + ": ignoring invalid Requires-Python '" + rp + "'");
                    }
                }
                Candidate c = new Candidate(name, v, f, sf, null, rank.getAsInt(), wf);
                VersionFiles vf = p.versions.get(v);
                Candidate best = vf == null ? null : vf.best();
                Candidate bestYanked = vf == null ? null : vf.bestYanked();
                if (c.isYanked()) {
                    bestYanked = better(bestYanked, c);
                } else {
                    best = better(best, c);
                }
                p.versions.put(v, new VersionFiles(best, bestYanked));
            }
            p.incompatible.sort(Comparator.comparing((WheelFilename w) -> Version.tryParse(w.version())
                    .orElse(Version.of(0))).reversed().thenComparing(WheelFilename::filename));
            return p;
        }

        private Candidate better(Candidate a, Candidate b) {
            if (a == null) {
                return b;
            }
            if (b.rank() != a.rank()) {
                return b.rank() < a.rank() ? b : a;
            }
            return WheelFilename.compareBuildTags(b.wheel().buildTag(), a.wheel().buildTag()) > 0 ? b : a;
        }

        /** The candidates every constraint accepts, newest first. */
        private List<Candidate> matching(Project p, List<Constraint> cs) {
            SpecifierSet spec = SpecifierSet.ANY;
            for (Constraint c : cs) {
                spec = spec.and(c.req().specifier());
            }
            if (p.override != null) {
                return spec.contains(p.override.version(), true) ? List.of(p.override) : List.of();
            }
            List<Version> allowed = new ArrayList<>();
            for (Map.Entry<Version, VersionFiles> e : p.versions.entrySet()) {
                if (e.getValue().best() != null || pinnedExactly(cs, e.getKey())) {
                    allowed.add(e.getKey());
                }
            }
            List<Candidate> out = new ArrayList<>();
            for (Version v : spec.filter(allowed, allowPrereleases)) {
                VersionFiles vf = p.versions.get(v);
                out.add(vf.best() != null ? vf.best() : vf.bestYanked());
            }
            return out;
        }

        private boolean pinnedExactly(List<Constraint> cs, Version v) {
            for (Constraint c : cs) {
                for (Specifier sp : c.req().specifier().specifiers()) {
                    boolean exact = (sp.operator() == Specifier.Operator.EQUAL && !sp.isWildcard())
                            || sp.operator() == Specifier.Operator.ARBITRARY;
                    if (exact && sp.matches(v)) {
                        return true;
                    }
                }
            }
            return false;
        }

        private boolean exactPin(Requirement r) {
            for (Specifier sp : r.specifier().specifiers()) {
                if ((sp.operator() == Specifier.Operator.EQUAL && !sp.isWildcard())
                        || sp.operator() == Specifier.Operator.ARBITRARY) {
                    return true;
                }
            }
            return false;
        }

        private void addLocalWheel(Path path) {
            String filename = path.getFileName().toString();
            WheelFilename wf = WheelFilename.parse(filename);
            if (!Files.isRegularFile(path)) {
                throw PackyardException.build("local wheel " + path + " does not exist");
            }
            String name = wf.normalizedName();
            if (overrides.containsKey(name)) {
                throw PackyardException.build("two local wheels for " + name + ": "
                        + overrides.get(name).override.file().filename() + " and " + filename);
            }
            Version v = Version.parse(wf.version());
            DistributionFile f = DistributionFile.of(filename, path.toAbsolutePath().normalize().toUri(),
                    Map.of("sha256", Hashes.sha256(path)));
            OptionalInt rank = tags.bestRank(wf.tags());
            if (rank.isEmpty()) {
                throw PackyardException.build("local wheel " + filename + " does not match the target (tried "
                        + WheelRanking.triedTags(tags) + ")");
            }
            Project p = new Project(name);
            p.allFiles.add(filename);
            p.override = new Candidate(name, v, f, null, path, rank.getAsInt(), wf);
            overrides.put(name, p);
        }

        private void addUrlRoot(Requirement r) {
            String n = r.normalizedName();
            String url = r.url().get();
            URI uri;
            try {
                uri = new URI(url);
            } catch (URISyntaxException e) {
                throw PackyardException.config(rootLabel + " requires " + r + ": not a valid URL");
            }
            String path = uri.getPath() == null ? "" : uri.getPath();
            String filename = path.substring(path.lastIndexOf('/') + 1);
            if (!filename.toLowerCase(Locale.ROOT).endsWith(".whl")) {
                throw PackyardException.config(rootLabel + " requires " + r
                        + ": only direct references to wheels (.whl) are supported");
            }
            if ("file".equalsIgnoreCase(uri.getScheme())) {
                Path p = Path.of(uri);
                if (!overrides.containsKey(n)) {
                    addLocalWheel(p);
                }
                return;
            }
            if (overrides.containsKey(n)) {
                Candidate existing = overrides.get(n).override;
                if (!existing.file().url().toString().equals(uri.toString())) {
                    throw PackyardException.config(rootLabel + " requires " + r + ", but "
                            + existing.file().filename() + " is already given for " + n);
                }
                return;
            }
            WheelFilename wf = WheelFilename.parse(filename);
            if (!wf.normalizedName().equals(n)) {
                throw PackyardException.config(rootLabel + " requires " + r + ": the wheel is for "
                        + wf.normalizedName() + ", not " + n);
            }
            Map<String, String> hashes = new TreeMap<>();
            String frag = uri.getFragment();
            if (frag != null && frag.contains("=")) {
                hashes.put(frag.substring(0, frag.indexOf('=')).toLowerCase(Locale.ROOT),
                        frag.substring(frag.indexOf('=') + 1).toLowerCase(Locale.ROOT));
            }
            URI clean;
            try {
                clean = new URI(uri.getScheme(), uri.getRawAuthority() == null ? null : uri.getAuthority(),
                        uri.getPath(), uri.getQuery(), null);
            } catch (URISyntaxException e) {
                clean = uri;
            }
            DistributionFile f = DistributionFile.of(filename, clean, hashes);
            WheelSource downloader = sources.downloaderFor(f).orElseThrow(() -> PackyardException.config(rootLabel
                    + " requires " + r + ", but no configured wheel source can download " + url));
            OptionalInt rank = tags.bestRank(wf.tags());
            if (rank.isEmpty()) {
                throw PackyardException.build(rootLabel + " requires " + r + ", but " + filename
                        + " does not match the target (tried " + WheelRanking.triedTags(tags) + ")");
            }
            Project p = new Project(n);
            p.allFiles.add(filename);
            p.override = new Candidate(n, Version.parse(wf.version()), f, new WheelSources.Sourced(f, downloader),
                    null, rank.getAsInt(), wf);
            overrides.put(n, p);
        }

        // -------------------------------------------------------------- metadata and files

        private static final class CandidateUnusable extends RuntimeException {
            CandidateUnusable(String message) {
                super(message, null, false, false);
            }
        }

        private CoreMetadata metadataOf(Candidate c) {
            String key = c.file().url().toString();
            CoreMetadata known = metadata.get(key);
            if (known != null) {
                return known;
            }
            String text = null;
            if (c.local() == null) {
                text = c.sourced().source().metadata(c.file()).orElse(null);
            }
            if (text == null) {
                Path wheel = localCopy(c);
                try (WheelArchive w = WheelArchive.open(wheel, Progress.NONE)) {
                    text = w.metadataText();
                } catch (PackyardException e) {
                    throw new CandidateUnusable(c.label() + ": " + e.getMessage());
                }
            }
            CoreMetadata meta;
            try {
                meta = CoreMetadata.parse(text, c.file().filename() + ": METADATA");
            } catch (InvalidMetadataException e) {
                throw new CandidateUnusable(c.label() + ": " + e.getMessage());
            }
            if (!meta.normalizedName().equals(c.name()) || !meta.version().equals(c.version())) {
                throw new CandidateUnusable(c.file().filename() + ": its metadata says " + meta.name() + " "
                        + meta.version() + ", not " + c.name() + " " + c.version());
            }
            metadata.put(key, meta);
            return meta;
        }

        private Path localCopy(Candidate c) {
            if (c.local() != null) {
                return c.local();
            }
            String key = c.file().url().toString();
            Path p = downloaded.get(key);
            if (p == null) {
                p = c.sourced().download();
                downloaded.put(key, p);
            }
            return p;
        }

        // -------------------------------------------------------------- messages

        private boolean holds(Requirement r, Set<String> extras, String who) {
            if (r.marker().isEmpty()) {
                return true;
            }
            try {
                return r.marker().get().evaluate(env, extras);
            } catch (InvalidMarkerException e) {
                throw PackyardException.config(who + " requires " + r + ": " + e.getMessage());
            }
        }

        private void warnUnknownExtras(Candidate c, CoreMetadata meta, Set<String> extras) {
            if (extras.isEmpty()) {
                return;
            }
            List<String> provided = meta.providesExtraNormalized();
            for (String e : extras) {
                if (!provided.contains(ProjectName.normalize(e))) {
                    warnOnce("extra:" + c.label() + ":" + e, c.label() + " does not provide the extra '" + e + "'");
                }
            }
        }

        private void warnOnce(String key, String message) {
            if (warned.add(key)) {
                progress.warn(message);
            }
        }

        private Set<String> causesOf(Collection<Constraint> cs) {
            Set<String> out = new HashSet<>();
            for (Constraint c : cs) {
                out.addAll(c.causes());
            }
            return out;
        }

        private String requiredBy(List<Constraint> cs) {
            Set<String> who = new LinkedHashSet<>();
            for (Constraint c : cs) {
                who.add(c.label());
            }
            return String.join(", ", who);
        }

        /** Why a project has no candidate under these constraints. */
        private String noMatch(Project p, List<Constraint> cs) {
            String name = p.name;
            String by = requiredBy(cs);
            if (p.override != null) {
                return conflictText(p, cs).orElse(by + " requires " + cs.get(0).text() + ", but the local wheel "
                        + p.override.file().filename() + " is version " + p.override.version());
            }
            if (p.allFiles.isEmpty()) {
                return "no distribution of " + name + " found in " + sources.describe() + " (required by " + by + ")";
            }
            if (p.incompatible.isEmpty() && p.versions.isEmpty() && p.pythonIncompatible.isEmpty()) {
                return name + " has no wheel, only " + WheelRanking.someFiles(p.sdists.isEmpty() ? p.allFiles : p.sdists)
                        + "; Packyard installs wheels only (required by " + by + ")";
            }
            if (p.versions.isEmpty()) {
                if (!p.pythonIncompatible.isEmpty() && p.incompatible.isEmpty()) {
                    Map.Entry<String, String> e = p.pythonIncompatible.entrySet().iterator().next();
                    return "no wheel of " + name + " supports Python " + python + " (for example " + e.getKey()
                            + " requires Python " + e.getValue() + "; required by " + by + ")";
                }
                return noWheelForTarget(name, p.incompatible);
            }
            SpecifierSet all = SpecifierSet.ANY;
            for (Constraint c : cs) {
                all = all.and(c.req().specifier());
            }
            // Wheels of wanted versions exist, just not for this target?
            List<WheelFilename> wantedButIncompatible = new ArrayList<>();
            for (WheelFilename w : p.incompatible) {
                Optional<Version> v = Version.tryParse(w.version());
                if (v.isPresent() && all.contains(v.get(), true)) {
                    wantedButIncompatible.add(w);
                }
            }
            // A single requirement nothing satisfies?
            for (Constraint c : cs) {
                if (matching(p, List.of(c)).isEmpty()) {
                    if (!wantedButIncompatible.isEmpty()) {
                        return noWheelForTarget(name + " " + c.req().specifier(), wantedButIncompatible);
                    }
                    String spec = c.req().specifier().toString();
                    return "no version of " + name + " satisfies " + (spec.isEmpty() ? "any version" : spec)
                            + (c.parent() == null ? "" : ", required by " + c.label())
                            + " (available: " + available(p) + ")";
                }
            }
            if (!wantedButIncompatible.isEmpty()) {
                return noWheelForTarget(name + " " + all, wantedButIncompatible);
            }
            return conflictText(p, cs).orElse("the requirements on " + name + " cannot all be met: "
                    + cs.stream().map(c -> c.label() + " requires " + c.text()).collect(Collectors.joining(", "))
                    + " (available: " + available(p) + ")");
        }

        private String noWheelForTarget(String what, List<WheelFilename> files) {
            return "no wheel of " + what + " matches the target (tried " + WheelRanking.triedTags(tags)
                    + "; available: " + WheelRanking.someFiles(files.stream().map(WheelFilename::filename).toList()) + ")";
        }

        private String available(Project p) {
            List<String> vs = new ArrayList<>();
            List<String> yanked = new ArrayList<>();
            for (Map.Entry<Version, VersionFiles> e : p.versions.descendingMap().entrySet()) {
                if (e.getValue().best() != null) {
                    vs.add(e.getKey().toString());
                } else {
                    yanked.add(e.getKey().toString());
                }
            }
            String shown = vs.size() > 12 ? "..., " + String.join(", ", vs.subList(vs.size() - 12, vs.size()))
                    : String.join(", ", vs);
            if (shown.isEmpty()) {
                shown = "none";
            }
            return yanked.isEmpty() ? shown : shown + "; yanked: " + String.join(", ", yanked);
        }

        /** "b requires x<1, but a requires x>=1" for the first pair of requirements no candidate satisfies together. */
        private Optional<String> conflictText(Project p, List<Constraint> cs) {
            for (int j = cs.size() - 1; j > 0; j--) {
                for (int i = 0; i < j; i++) {
                    Constraint a = cs.get(i);
                    Constraint b = cs.get(j);
                    if (matching(p, List.of(a, b)).isEmpty()
                            && !matching(p, List.of(a)).isEmpty() && !matching(p, List.of(b)).isEmpty()) {
                        return Optional.of(b.label() + " requires " + b.text() + ", but " + a.label() + " requires "
                                + a.text());
                    }
                }
            }
            return Optional.empty();
        }

        private String conflictWithPin(State s, String name, Constraint added, Pin pin) {
            Project p = project(name);
            List<Constraint> cs = s.on(name);
            if (matching(p, cs).isEmpty()) {
                Optional<String> pair = conflictText(p, cs);
                if (pair.isPresent()) {
                    return pair.get();
                }
            }
            List<Constraint> others = new ArrayList<>(cs);
            others.remove(added);
            return added.label() + " requires " + added.text() + ", but " + pin.candidate().label()
                    + " was chosen (" + (others.isEmpty() ? "" : others.stream()
                            .map(c -> c.label() + " requires " + c.text()).collect(Collectors.joining(", ")))
                    + ")";
        }
    }

    // ------------------------------------------------------------------ builder

    /** Configures a {@link Resolver}: sources, supported tags and the marker environment are required. */
    public static final class Builder {
        private final List<WheelSource> sources = new ArrayList<>();
        private SupportedTags tags;
        private MarkerEnvironment env;
        private Version python;
        private boolean allowPrereleases;
        private Progress progress = Progress.NONE;
        private final List<Path> localWheels = new ArrayList<>();
        private String rootLabel = "the project";
        private int maxAttempts = 200_000;

        private Builder() {}

        /** Wheel sources in priority order: find-links first, then the index. */
        public Builder sources(List<? extends WheelSource> sources) {
            this.sources.clear();
            this.sources.addAll(sources);
            return this;
        }

        public Builder source(WheelSource source) {
            this.sources.add(source);
            return this;
        }

        /** The target's accepted tags, best first. */
        public Builder supportedTags(SupportedTags tags) {
            this.tags = tags;
            return this;
        }

        /** The target's marker environment. */
        public Builder environment(MarkerEnvironment env) {
            this.env = env;
            return this;
        }

        /** The target's Python version for Requires-Python; default the environment's python_full_version. */
        public Builder pythonVersion(Version python) {
            this.python = python;
            return this;
        }

        public Builder allowPrereleases(boolean allow) {
            this.allowPrereleases = allow;
            return this;
        }

        public Builder progress(Progress progress) {
            this.progress = Objects.requireNonNull(progress);
            return this;
        }

        /**
         * Wheels built locally (the project itself, path dependencies): each is the only candidate
         * of its project, ahead of anything the sources list.
         */
        public Builder localWheels(List<Path> wheels) {
            this.localWheels.clear();
            this.localWheels.addAll(wheels);
            return this;
        }

        /** How messages name the origin of the root requirements (default "the project"), e.g. the project's name. */
        public Builder rootLabel(String label) {
            this.rootLabel = Objects.requireNonNull(label);
            return this;
        }

        /** The most candidates the search tries before giving up (default 200000). */
        public Builder maxAttempts(int maxAttempts) {
            this.maxAttempts = maxAttempts;
            return this;
        }

        public Resolver build() {
            return new Resolver(this);
        }
    }
}
