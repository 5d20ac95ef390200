package io.packyard.python.lock;

import io.packyard.python.PackyardException;
import io.packyard.python.index.Hashes;
import io.packyard.python.markers.InvalidMarkerException;
import io.packyard.python.markers.Marker;
import io.packyard.python.names.ProjectName;
import io.packyard.python.util.Progress;
import io.packyard.python.version.InvalidSpecifierException;
import io.packyard.python.version.InvalidVersionException;
import io.packyard.python.version.SpecifierSet;
import io.packyard.python.version.Version;
import io.packyard.python.wheel.WheelFilename;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.tomlj.Toml;
import org.tomlj.TomlArray;
import org.tomlj.TomlParseError;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlPosition;
import org.tomlj.TomlTable;

/**
 * Reads PEP 751 lock files ({@code pylock.toml}, {@code pylock.<name>.toml}).
 *
 * <p>Packyard installs wheels only, so a package locked only as an sdist, a VCS checkout or a
 * directory is refused with a message saying so; an sdist locked next to wheels is ignored. A
 * {@code [packages.archive]} that is a wheel is accepted as that package's one wheel.
 */
public final class PyLock {

    private PyLock() {}

    public static Lock read(Path file) {
        return read(file, Progress.NONE);
    }

    /**
     * Reads and validates a pylock.toml.
     *
     * @param progress receives a warning when the lock's minor version is newer than 1.0
     * @throws PackyardException (config) naming the file, the line and the problem
     */
    public static Lock read(Path file, Progress progress) {
        String where = file.getFileName().toString();
        TomlParseResult toml;
        try {
            toml = Toml.parse(file);
        } catch (IOException e) {
            throw PackyardException.config(where + ": cannot read " + file + ": " + e.getMessage());
        }
        if (toml.hasErrors()) {
            TomlParseError e = toml.errors().get(0);
            throw PackyardException.config(where + ":" + e.position().line() + ": invalid TOML: " + e.getMessage());
        }
        Reader r = new Reader(where);
        String lockVersion = r.requiredString(toml, "lock-version", "");
        checkLockVersion(lockVersion, r.at(toml, "lock-version", ""), progress);
        List<Marker> environments = new ArrayList<>();
        TomlArray envs = r.array(toml, "environments", "");
        if (envs != null) {
            for (int i = 0; i < envs.size(); i++) {
                String at = where + ":" + line(envs.inputPositionOf(i)) + ": environments[" + i + "]";
                if (!(envs.get(i) instanceof String s)) {
                    throw PackyardException.config(at + ": expected a marker string");
                }
                environments.add(marker(s, at));
            }
        }
        Optional<SpecifierSet> requiresPython = Optional.ofNullable(r.string(toml, "requires-python", ""))
                .map(s -> specifier(s, r.at(toml, "requires-python", "") + ": requires-python"));
        TomlArray pkgs = r.array(toml, "packages", "");
        if (pkgs == null) {
            throw PackyardException.config(where + ": packages: missing (expected [[packages]] tables)");
        }
        List<LockedPackage> packages = new ArrayList<>();
        for (int i = 0; i < pkgs.size(); i++) {
            if (!(pkgs.get(i) instanceof TomlTable t)) {
                throw PackyardException.config(where + ":" + line(pkgs.inputPositionOf(i)) + ": packages[" + i
                        + "]: expected a table");
            }
            packages.add(readPackage(r, t, i, line(pkgs.inputPositionOf(i)), file));
        }
        return new Lock(file, Lock.Format.PYLOCK, packages, requiresPython, environments, Optional.empty(), List.of(),
                List.of(), false);
    }

    private static LockedPackage readPackage(Reader r, TomlTable t, int index, int headerLine, Path file) {
        String prefix = "packages[" + index + "]";
        String name = r.requiredString(t, "name", prefix);
        if (!ProjectName.isValid(name)) {
            throw PackyardException.config(r.at(t, "name", prefix) + ": " + prefix + ".name: invalid project name '"
                    + name + "'");
        }
        int line = t.inputPositionOf(List.of("name")) != null ? line(t.inputPositionOf(List.of("name"))) : headerLine;
        String origin = r.where + ":" + line;
        String label = prefix + " (" + name + ")";
        String versionText = r.string(t, "version", prefix);
        Version version = null;
        if (versionText != null) {
            try {
                version = Version.parse(versionText);
            } catch (InvalidVersionException e) {
                throw PackyardException.config(r.at(t, "version", prefix) + ": " + label + ".version: " + e.getMessage());
            }
        }
        Optional<Marker> marker = Optional.ofNullable(r.string(t, "marker", prefix))
                .map(s -> marker(s, r.at(t, "marker", prefix) + ": " + label + ".marker"));
        Optional<SpecifierSet> requiresPython = Optional.ofNullable(r.string(t, "requires-python", prefix))
                .map(s -> specifier(s, r.at(t, "requires-python", prefix) + ": " + label + ".requires-python"));
        for (String unsupported : List.of("vcs", "directory")) {
            if (t.contains(List.of(unsupported))) {
                throw PackyardException.config(r.at(t, unsupported, prefix) + ": " + label + ": [packages." + unsupported
                        + "] is not supported: Packyard installs wheels only; build " + name
                        + " into a wheel and lock that wheel");
            }
        }
        boolean sdist = t.contains(List.of("sdist"));
        List<LockedFile> files = new ArrayList<>();
        if (t.contains(List.of("archive"))) {
            TomlTable a = r.table(t, "archive", prefix);
            LockedFile f = readFile(r, a, prefix + ".archive", file, true);
            if (f.filename().isEmpty() || !f.filename().get().toLowerCase(Locale.ROOT).endsWith(".whl")) {
                throw PackyardException.config(r.at(t, "archive", prefix) + ": " + label
                        + ": [packages.archive] is not a wheel: Packyard installs wheels only");
            }
            files.add(f);
        }
        TomlArray wheels = r.array(t, "wheels", prefix);
        if (wheels != null) {
            for (int j = 0; j < wheels.size(); j++) {
                String at = prefix + ".wheels[" + j + "]";
                if (!(wheels.get(j) instanceof TomlTable w)) {
                    throw PackyardException.config(r.where + ":" + line(wheels.inputPositionOf(j)) + ": " + at
                            + ": expected a table");
                }
                files.add(readFile(r, w, at, file, false));
            }
        }
        if (files.isEmpty()) {
            if (sdist) {
                throw PackyardException.config(r.at(t, "sdist", prefix) + ": " + label
                        + ": only an sdist is locked; Packyard installs wheels only (lock wheels for "
                        + name + ", or build one and use find-links)");
            }
            throw PackyardException.config(origin + ": " + label + ": no [[packages.wheels]]");
        }
        for (LockedFile f : files) {
            WheelFilename wf;
            try {
                wf = WheelFilename.parse(f.filename().get());
            } catch (PackyardException e) {
                throw PackyardException.config(origin + ": " + label + ": " + e.getMessage());
            }
            if (!wf.normalizedName().equals(ProjectName.normalize(name))) {
                throw PackyardException.config(origin + ": " + label + ": " + wf.filename() + " is a wheel of "
                        + wf.normalizedName() + ", not " + name);
            }
            Version wv;
            try {
                wv = Version.parse(wf.version());
            } catch (InvalidVersionException e) {
                throw PackyardException.config(origin + ": " + label + ": " + wf.filename() + ": " + e.getMessage());
            }
            if (version == null) {
                version = wv;
            } else if (!version.equals(wv)) {
                throw PackyardException.config(origin + ": " + label + ": " + wf.filename() + " is version " + wv
                        + ", but the package is locked at " + version);
            }
        }
        return new LockedPackage(name, version, marker, requiresPython, files, sdist, origin);
    }

    private static LockedFile readFile(Reader r, TomlTable w, String at, Path file, boolean archive) {
        String name = r.string(w, "name", at);
        String urlText = r.string(w, "url", at);
        String pathText = r.string(w, "path", at);
        if (urlText == null && pathText == null) {
            throw PackyardException.config(r.where + ":" + r.firstLine(w) + ": " + at + ": needs a url or a path");
        }
        Optional<URI> url = Optional.empty();
        if (urlText != null) {
            try {
                URI u = new URI(urlText);
                String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
                if (!scheme.equals("https") && !scheme.equals("http") && !scheme.equals("file")) {
                    throw new URISyntaxException(urlText, "expected an http, https or file URL");
                }
                url = Optional.of(u);
            } catch (URISyntaxException e) {
                throw PackyardException.config(r.at(w, "url", at) + ": " + at + ".url: " + e.getMessage());
            }
        }
        Optional<Path> path = Optional.empty();
        if (pathText != null) {
            try {
                path = Optional.of(Path.of(pathText));
            } catch (InvalidPathException e) {
                throw PackyardException.config(r.at(w, "path", at) + ": " + at + ".path: " + e.getMessage());
            }
        }
        if (name == null) {
            String source = urlText != null ? URLDecoder.decode(lastSegment(url.get().getRawPath()),
                    StandardCharsets.UTF_8) : lastSegment(pathText.replace('\\', '/'));
            name = source;
        }
        if (!archive && !name.toLowerCase(Locale.ROOT).endsWith(".whl")) {
            throw PackyardException.config(r.where + ":" + r.firstLine(w) + ": " + at + ": '" + name
                    + "' is not a wheel file name");
        }
        OptionalLong size = OptionalLong.empty();
        if (w.contains(List.of("size"))) {
            Object s = w.get(List.of("size"));
            if (!(s instanceof Long l) || l < 0) {
                throw PackyardException.config(r.at(w, "size", at) + ": " + at + ".size: expected a non-negative integer");
            }
            size = OptionalLong.of(l);
        }
        TomlTable h = r.table(w, "hashes", at);
        if (h == null) {
            throw PackyardException.config(r.where + ":" + r.firstLine(w) + ": " + at + ".hashes: missing");
        }
        Map<String, String> hashes = new TreeMap<>();
        for (String alg : h.keySet()) {
            Object v = h.get(List.of(alg));
            if (!(v instanceof String hex) || !hex.matches("[0-9a-fA-F]+")) {
                throw PackyardException.config(r.at(h, alg, at) + ": " + at + ".hashes." + alg
                        + ": expected a hex digest string");
            }
            hashes.put(alg.toLowerCase(Locale.ROOT), hex.toLowerCase(Locale.ROOT));
        }
        if (Hashes.supportedOnly(hashes).isEmpty()) {
            throw PackyardException.config(r.at(w, "hashes", at) + ": " + at + ".hashes: needs one of "
                    + String.join(", ", Hashes.SUPPORTED));
        }
        return new LockedFile(Optional.of(name), url, path, size, hashes);
    }

    private static String lastSegment(String path) {
        if (path == null) {
            return "";
        }
        int slash = path.lastIndexOf('/');
        return slash >= 0 ? path.substring(slash + 1) : path;
    }

    private static void checkLockVersion(String v, String at, Progress progress) {
        String[] parts = v.strip().split("\\.");
        int major;
        int minor = 0;
        try {
            major = Integer.parseInt(parts[0]);
            if (parts.length > 1) {
                minor = Integer.parseInt(parts[1]);
            }
            if (parts.length > 2) {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            throw PackyardException.config(at + ": lock-version: expected \"1.0\", got \"" + v + "\"");
        }
        if (major != 1) {
            throw PackyardException.config(at + ": lock-version " + v + " is not supported (Packyard reads 1.x)");
        }
        if (minor > 0) {
            progress.warn(at + ": lock-version " + v + " is newer than 1.0; reading it as 1.0");
        }
    }

    private static Marker marker(String text, String at) {
        try {
            return Marker.parse(text);
        } catch (InvalidMarkerException e) {
            String hint = text.contains("extras") || text.contains("dependency_groups")
                    ? " (markers on extras or dependency groups are not supported yet)" : "";
            throw PackyardException.config(at + ": " + e.getMessage() + hint);
        }
    }

    private static SpecifierSet specifier(String text, String at) {
        try {
            return SpecifierSet.parse(text);
        } catch (InvalidSpecifierException e) {
            throw PackyardException.config(at + ": " + e.getMessage());
        }
    }

    private static int line(TomlPosition p) {
        return p == null ? 0 : p.line();
    }

    /** Typed access with errors naming the file, line and key. */
    private record Reader(String where) {

        String at(TomlTable t, String key, String prefix) {
            TomlPosition p = t.inputPositionOf(List.of(key));
            return where + (p != null ? ":" + p.line() : "");
        }

        int firstLine(TomlTable t) {
            int best = Integer.MAX_VALUE;
            for (String k : t.keySet()) {
                TomlPosition p = t.inputPositionOf(List.of(k));
                if (p != null) {
                    best = Math.min(best, p.line());
                }
            }
            return best == Integer.MAX_VALUE ? 0 : best;
        }

        private String key(String prefix, String key) {
            return prefix.isEmpty() ? key : prefix + "." + key;
        }

        String string(TomlTable t, String key, String prefix) {
            Object v = t.get(List.of(key));
            if (v == null) {
                return null;
            }
            if (!(v instanceof String s)) {
                throw PackyardException.config(at(t, key, prefix) + ": " + key(prefix, key) + ": expected a string");
            }
            return s;
        }

        String requiredString(TomlTable t, String key, String prefix) {
            String s = string(t, key, prefix);
            if (s == null || s.isBlank()) {
                throw PackyardException.config(where + ": " + key(prefix, key) + ": missing");
            }
            return s;
        }

        TomlArray array(TomlTable t, String key, String prefix) {
            Object v = t.get(List.of(key));
            if (v == null) {
                return null;
            }
            if (!(v instanceof TomlArray a)) {
                throw PackyardException.config(at(t, key, prefix) + ": " + key(prefix, key) + ": expected an array");
            }
            return a;
        }

        TomlTable table(TomlTable t, String key, String prefix) {
            Object v = t.get(List.of(key));
            if (v == null) {
                return null;
            }
            if (!(v instanceof TomlTable tt)) {
                throw PackyardException.config(at(t, key, prefix) + ": " + key(prefix, key) + ": expected a table");
            }
            return tt;
        }
    }
}
