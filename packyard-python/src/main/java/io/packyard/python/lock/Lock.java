package io.packyard.python.lock;

import io.packyard.python.PackyardException;
import io.packyard.python.index.DistributionFile;
import io.packyard.python.index.Hashes;
import io.packyard.python.index.WheelSource;
import io.packyard.python.index.WheelSources;
import io.packyard.python.markers.InvalidMarkerException;
import io.packyard.python.markers.Marker;
import io.packyard.python.markers.MarkerEnvironment;
import io.packyard.python.resolve.Resolution;
import io.packyard.python.resolve.ResolvedWheel;
import io.packyard.python.resolve.WheelRanking;
import io.packyard.python.tags.SupportedTags;
import io.packyard.python.util.Progress;
import io.packyard.python.version.SpecifierSet;
import io.packyard.python.version.Version;
import io.packyard.python.wheel.WheelFilename;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A lock file read into memory: a {@code pylock.toml} (PEP 751) or a requirements.txt whose every
 * requirement is pinned with {@code ==} and carries {@code --hash}. Installers never re-resolve a
 * lock: {@link #select} skips packages whose marker is false on the target, picks the best wheel
 * of each remaining one for the target's tags, and checks its size and hash.
 *
 * @param file           the lock file
 * @param format         which kind of lock it is
 * @param packages       the locked packages, in file order
 * @param requiresPython pylock.toml's top-level {@code requires-python}
 * @param environments   pylock.toml's {@code environments}: the target must match one when given
 * @param indexUrl       requirements.txt {@code --index-url}, if given
 * @param extraIndexUrls requirements.txt {@code --extra-index-url} values
 * @param findLinks      requirements.txt {@code --find-links} values (paths made absolute against
 *                       the file that names them; URLs as written)
 * @param noIndex        requirements.txt {@code --no-index}
 */
public record Lock(Path file, Format format, List<LockedPackage> packages, Optional<SpecifierSet> requiresPython,
        List<Marker> environments, Optional<String> indexUrl, List<String> extraIndexUrls, List<String> findLinks,
        boolean noIndex) {

    /** The two lock formats. */
    public enum Format {
        PYLOCK,
        REQUIREMENTS
    }

    private static final Pattern PYLOCK_NAME = Pattern.compile("pylock(\\.[^.]+)?\\.toml");

    public Lock {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(format, "format");
        packages = List.copyOf(packages);
        Objects.requireNonNull(requiresPython, "requiresPython");
        environments = List.copyOf(environments);
        Objects.requireNonNull(indexUrl, "indexUrl");
        extraIndexUrls = List.copyOf(extraIndexUrls);
        findLinks = List.copyOf(findLinks);
    }

    /**
     * Reads a lock file: {@code pylock.toml} / {@code pylock.<name>.toml} as PEP 751, anything
     * else as a hash-pinned requirements file.
     */
    public static Lock read(Path file) {
        return read(file, Progress.NONE);
    }

    /** {@link #read(Path)}, warnings (a pylock.toml newer than 1.0) going to {@code progress}. */
    public static Lock read(Path file, Progress progress) {
        String name = file.getFileName().toString();
        return PYLOCK_NAME.matcher(name.toLowerCase(Locale.ROOT)).matches() ? PyLock.read(file, progress)
                : RequirementsFile.read(file);
    }

    /** The packages whose marker holds on the target, in file order. */
    public List<LockedPackage> packagesFor(MarkerEnvironment env) {
        List<LockedPackage> out = new ArrayList<>();
        for (LockedPackage p : packages) {
            if (p.marker().isEmpty() || evaluate(p.marker().get(), env, p.origin())) {
                out.add(p);
            }
        }
        return out;
    }

    /** {@link #select(MarkerEnvironment, SupportedTags, List, Progress)} without progress reports. */
    public Resolution select(MarkerEnvironment env, SupportedTags tags, List<? extends WheelSource> sources) {
        return select(env, tags, sources, Progress.NONE);
    }

    /**
     * The wheels to install on the target, downloaded and verified.
     *
     * <ul>
     *   <li>pylock.toml: for each package whose marker holds, the listed wheel with the best tag
     *       rank (then build tag); a {@code path} relative to the lock file is used in place, a
     *       {@code url} is downloaded through the first source that can fetch it; size and hashes
     *       are checked.</li>
     *   <li>requirements.txt: the files of {@code name==version} that the sources list, the best
     *       fitting one whose digest is among the requirement's {@code --hash} values.</li>
     * </ul>
     *
     * @param sources wheel sources in priority order (find-links, then index)
     * @throws PackyardException (build) naming the lock line and package when nothing fits
     */
    public Resolution select(MarkerEnvironment env, SupportedTags tags, List<? extends WheelSource> sources,
            Progress progress) {
        String where = displayName();
        Version python = Version.parse(env.pythonFullVersion());
        if (!environments.isEmpty()) {
            boolean any = false;
            for (Marker m : environments) {
                any |= evaluate(m, env, where + ": environments");
            }
            if (!any) {
                throw PackyardException.build(where + ": environments: the target (" + describe(env)
                        + ") is none of the locked environments: "
                        + environments.stream().map(Marker::toString).collect(Collectors.joining(" | ")));
            }
        }
        if (requiresPython.isPresent() && !requiresPython.get().contains(python, true)) {
            throw PackyardException.build(where + ": requires-python: the lock is for Python " + requiresPython.get()
                    + ", but the target has Python " + python);
        }
        Map<String, LockedPackage> chosen = new TreeMap<>();
        for (LockedPackage p : packagesFor(env)) {
            if (p.requiresPython().isPresent() && !p.requiresPython().get().contains(python, true)) {
                throw PackyardException.build(p.origin() + ": " + p.name() + " " + p.version() + " requires Python "
                        + p.requiresPython().get() + ", but the target has Python " + python);
            }
            LockedPackage prev = chosen.put(p.normalizedName(), p);
            if (prev != null) {
                throw PackyardException.build(p.origin() + ": " + p.name() + " is locked twice for the target ("
                        + describe(env) + "); the other entry is at " + prev.origin());
            }
        }
        WheelSources ws = new WheelSources(sources);
        progress.step("Selecting " + chosen.size() + " locked packages for " + describe(env));
        List<ResolvedWheel> out = new ArrayList<>();
        for (LockedPackage p : chosen.values()) {
            boolean located = p.files().stream().anyMatch(LockedFile::hasLocation);
            out.add(located ? selectLocated(p, tags, ws) : selectFromSources(p, tags, ws, progress));
        }
        return new Resolution(out);
    }

    // ------------------------------------------------------------------ pylock.toml wheels

    private ResolvedWheel selectLocated(LockedPackage p, SupportedTags tags, WheelSources ws) {
        List<LockedFile> wheels = p.files().stream().filter(f -> f.filename().isPresent()).toList();
        Optional<WheelRanking.Ranked<LockedFile>> best = WheelRanking.best(wheels, f -> f.filename().get(), tags);
        if (best.isEmpty()) {
            throw PackyardException.build(p.origin() + ": no wheel of " + p.name() + " " + p.version()
                    + " matches the target (tried " + WheelRanking.triedTags(tags) + "; available: "
                    + (wheels.isEmpty() ? "no wheels" : WheelRanking.someFiles(
                            wheels.stream().map(f -> f.filename().get()).toList()))
                    + ")" + (p.sdistLocked() ? "; the locked sdist is not used: Packyard installs wheels only" : ""));
        }
        LockedFile lf = best.get().item();
        String filename = lf.filename().get();
        Path local = null;
        DistributionFile df = null;
        if (lf.path().isPresent()) {
            Path path = lf.path().get();
            Path abs = path.isAbsolute() ? path : file.toAbsolutePath().getParent().resolve(path).normalize();
            if (Files.isRegularFile(abs)) {
                Map<String, String> actual = Hashes.compute(abs, lf.hashes().keySet());
                Optional<String> mismatch = Hashes.mismatch(lf.hashes(), actual);
                if (mismatch.isPresent()) {
                    throw PackyardException.build(p.origin() + ": " + filename + " (" + abs + "): " + mismatch.get());
                }
                local = abs;
                df = DistributionFile.of(filename, abs.toUri(), lf.hashes());
            } else if (lf.url().isEmpty()) {
                throw PackyardException.build(p.origin() + ": " + p.name() + ": " + abs + " does not exist");
            }
        }
        if (local == null) {
            URI url = lf.url().get();
            df = DistributionFile.of(filename, url, lf.hashes());
            DistributionFile f = df;
            WheelSource downloader = ws.downloaderFor(df).orElseThrow(() -> PackyardException.build(p.origin() + ": "
                    + p.name() + ": no configured wheel source can download " + url + " (" + ws.describe() + ")"));
            local = downloader.download(f);
        }
        if (lf.size().isPresent()) {
            long actual;
            try {
                actual = Files.size(local);
            } catch (IOException e) {
                throw PackyardException.build(p.origin() + ": cannot read " + local + ": " + e.getMessage(), e);
            }
            if (actual != lf.size().getAsLong()) {
                throw PackyardException.build(p.origin() + ": " + filename + ": size mismatch: the lock says "
                        + lf.size().getAsLong() + " bytes, the file has " + actual);
            }
        }
        return new ResolvedWheel(p.name(), p.version(), df, local);
    }

    // ------------------------------------------------------------------ requirements.txt pins

    private ResolvedWheel selectFromSources(LockedPackage p, SupportedTags tags, WheelSources ws, Progress progress) {
        Map<String, Set<String>> allowed = new TreeMap<>();
        for (LockedFile f : p.files()) {
            f.hashes().forEach((alg, hex) -> allowed.computeIfAbsent(alg, k -> new HashSet<>()).add(hex));
        }
        SpecifierSet pin = SpecifierSet.parse("==" + p.version());
        List<WheelSources.Sourced> ofVersion = new ArrayList<>();
        List<String> otherVersions = new ArrayList<>();
        for (WheelSources.Sourced s : ws.files(p.name())) {
            DistributionFile f = s.file();
            if (!f.isWheel()) {
                continue;
            }
            try {
                WheelFilename wf = WheelFilename.parse(f.filename());
                Version v = Version.parse(wf.version());
                if (!wf.normalizedName().equals(p.normalizedName())) {
                    continue;
                }
                if (pin.contains(v, true)) {
                    ofVersion.add(s);
                } else if (!otherVersions.contains(v.toString())) {
                    otherVersions.add(v.toString());
                }
            } catch (PackyardException | IllegalArgumentException e) {
                // not a usable wheel name: ignore
            }
        }
        if (ofVersion.isEmpty()) {
            throw PackyardException.build(p.origin() + ": " + p.name() + "==" + p.version() + ": no wheel of this version in "
                    + ws.describe() + (otherVersions.isEmpty() ? "" : " (other versions: "
                            + String.join(", ", otherVersions.subList(Math.max(0, otherVersions.size() - 10),
                                    otherVersions.size())) + ")"));
        }
        List<WheelRanking.Ranked<WheelSources.Sourced>> fitting = new ArrayList<>();
        for (WheelSources.Sourced s : ofVersion) {
            WheelRanking.rank(s, s.file().filename(), tags).ifPresent(fitting::add);
        }
        fitting.sort(WheelRanking.<WheelSources.Sourced>bestFirst());
        if (fitting.isEmpty()) {
            throw PackyardException.build(p.origin() + ": no wheel of " + p.name() + " " + p.version()
                    + " matches the target (tried " + WheelRanking.triedTags(tags) + "; available: "
                    + WheelRanking.someFiles(ofVersion.stream().map(s -> s.file().filename()).toList()) + ")");
        }
        List<String> mismatches = new ArrayList<>();
        for (WheelRanking.Ranked<WheelSources.Sourced> r : fitting) {
            DistributionFile f = r.item().file();
            if (advertisedMismatch(f, allowed)) {
                mismatches.add(f.filename() + " (sha256:" + f.sha256().orElse("?") + ")");
                continue;
            }
            Path local = r.item().download();
            Map<String, String> actual = Hashes.compute(local, allowed.keySet());
            boolean ok = false;
            for (Map.Entry<String, Set<String>> e : allowed.entrySet()) {
                if (e.getValue().contains(actual.get(e.getKey()))) {
                    ok = true;
                    break;
                }
            }
            if (ok) {
                if (f.isYanked()) {
                    String reason = f.yanked().orElse("");
                    progress.warn(p.origin() + ": " + f.filename() + " is yanked"
                            + (reason.isEmpty() ? "" : " (" + reason + ")") + "; using it because the lock pins it");
                }
                return new ResolvedWheel(p.name(), p.version(), f, local);
            }
            mismatches.add(f.filename() + " (sha256:" + actual.get("sha256") + ")");
        }
        throw PackyardException.build(p.origin() + ": " + p.name() + "==" + p.version()
                + ": no wheel for the target matches the --hash values (found " + String.join(", ", mismatches) + ")");
    }

    /** True when the source advertises a digest in an algorithm the lock uses, and it is not allowed. */
    private static boolean advertisedMismatch(DistributionFile f, Map<String, Set<String>> allowed) {
        boolean comparable = false;
        for (Map.Entry<String, Set<String>> e : allowed.entrySet()) {
            String h = f.hashes().get(e.getKey());
            if (h != null) {
                comparable = true;
                if (e.getValue().contains(h)) {
                    return false;
                }
            }
        }
        return comparable;
    }

    // ------------------------------------------------------------------ helpers

    private String displayName() {
        return file.getFileName().toString();
    }

    private static boolean evaluate(Marker m, MarkerEnvironment env, String where) {
        try {
            return m.evaluate(env);
        } catch (InvalidMarkerException e) {
            throw PackyardException.config(where + ": marker " + m + ": " + e.getMessage());
        }
    }

    static String describe(MarkerEnvironment env) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("sys_platform", env.sysPlatform());
        m.put("platform_machine", env.platformMachine());
        m.put("python_full_version", env.pythonFullVersion());
        return m.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", "));
    }
}
