package io.packyard.bundle.interpreter;

import io.packyard.python.PackyardException;
import java.net.URI;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which CPython a bundle gets: the value of {@code --python SPEC} or {@code [tool.packyard].python}.
 *
 * <table>
 * <caption>Accepted forms</caption>
 * <tr><th>string</th><th>TOML table</th><th>meaning</th></tr>
 * <tr><td>{@code "3.12"}, {@code "3.12.7"}, {@code "3.12.7+20241016"}</td>
 *     <td>{@code { version = "3.12", release = "20251014" }}</td>
 *     <td>python-build-standalone download ({@link Standalone})</td></tr>
 * <tr><td>{@code "archive:PATH"}, {@code "archive:PATH#sha256=HEX"}, {@code "archive:https://...#sha256=HEX"}</td>
 *     <td>{@code { archive = "path-or-url", sha256 = "..." }}</td>
 *     <td>a local or remote install_only archive ({@link Archive}); a URL needs a sha256</td></tr>
 * <tr><td>{@code "host:/prefix"}, {@code "host:/prefix/bin/python3.12"}, {@code "host:3.12"}</td>
 *     <td>{@code { host = "/path" }}</td>
 *     <td>a CPython installed on the build machine, copied and made relocatable ({@link Host})</td></tr>
 * <tr><td>{@code "system"}, {@code "system:3.11"}</td><td></td>
 *     <td>the target's {@code /usr/bin/python3.X}, nothing bundled ({@link SystemPython})</td></tr>
 * </table>
 *
 * <p>Relative paths are resolved against a base directory (the project directory for
 * pyproject.toml, the working directory for the command line); a leading {@code ~/} means the
 * user's home. Errors are {@link PackyardException#config} messages that start with the field
 * name the caller passes, e.g. {@code pyproject.toml:7: [tool.packyard].python: ...}.
 */
public sealed interface InterpreterSpec
        permits InterpreterSpec.Standalone, InterpreterSpec.Archive, InterpreterSpec.Host, InterpreterSpec.SystemPython {

    /** The canonical string form, parseable by {@link #parse(String, String)}. */
    String text();

    /**
     * A python-build-standalone build.
     *
     * @param version {@code X.Y} or {@code X.Y.Z}
     * @param release the release tag (a date such as {@code 20251014}) when pinned in the spec
     */
    record Standalone(String version, Optional<String> release) implements InterpreterSpec {
        public Standalone {
            if (!SpecSyntax.VERSION.matcher(version).matches()) {
                throw new IllegalArgumentException("not a Python version: " + version);
            }
            release.ifPresent(r -> {
                if (!SpecSyntax.RELEASE.matcher(r).matches()) {
                    throw new IllegalArgumentException("not a release tag: " + r);
                }
            });
        }

        /** True when the spec names a full {@code X.Y.Z}. */
        public boolean exact() {
            return version.chars().filter(c -> c == '.').count() == 2;
        }

        /** {@code X.Y}. */
        public String minor() {
            String[] p = version.split("\\.");
            return p[0] + "." + p[1];
        }

        @Override
        public String text() {
            return version + release.map(r -> "+" + r).orElse("");
        }
    }

    /**
     * An install_only archive (python-build-standalone layout: a top directory such as
     * {@code python/} holding {@code bin/} and {@code lib/} or, for Windows, {@code python.exe}
     * and {@code Lib/}). Compression: gzip ({@code .tar.gz}, the install_only format), xz, or
     * plain tar; zstd only when a zstd library is on the class path.
     *
     * @param location an absolute local path or an http(s) URL
     * @param sha256 expected SHA-256 (lower-case hex); required for URLs
     */
    record Archive(String location, Optional<String> sha256) implements InterpreterSpec {
        public Archive {
            sha256 = sha256.map(s -> s.toLowerCase(Locale.ROOT));
        }

        public boolean remote() {
            return location.startsWith("http://") || location.startsWith("https://");
        }

        /** The local file; only for {@code !remote()}. */
        public Path path() {
            if (remote()) {
                throw new IllegalStateException("remote archive " + location);
            }
            return Path.of(location);
        }

        public URI uri() {
            return remote() ? URI.create(location) : path().toUri();
        }

        @Override
        public String text() {
            return "archive:" + location + sha256.map(s -> "#sha256=" + s).orElse("");
        }
    }

    /**
     * A CPython installed on the build machine: an installation prefix or an executable in one,
     * or a version to look for on PATH and in {@code ~/.pyenv/versions}. Exactly one of the two
     * is present.
     */
    record Host(Optional<Path> path, Optional<String> version) implements InterpreterSpec {
        public Host {
            if (path.isPresent() == version.isPresent()) {
                throw new IllegalArgumentException("host: needs a path or a version");
            }
        }

        @Override
        public String text() {
            return "host:" + path.map(Path::toString).orElseGet(version::get);
        }
    }

    /**
     * The target system's own interpreter, {@code /usr/bin/python3.X}; nothing is bundled.
     *
     * @param version {@code X.Y} when pinned; otherwise the build machine's {@code /usr/bin/python3}
     *     decides
     */
    record SystemPython(Optional<String> version) implements InterpreterSpec {
        @Override
        public String text() {
            return "system" + version.map(v -> ":" + v).orElse("");
        }
    }

    /** Parses a string spec; relative paths are resolved against the working directory. */
    static InterpreterSpec parse(String value, String field) {
        return parse(value, field, Path.of("").toAbsolutePath());
    }

    /**
     * Parses a string spec.
     *
     * @param field names the value in error messages, e.g. {@code --python} or
     *     {@code pyproject.toml:7: [tool.packyard].python}
     * @param baseDir directory that relative paths are resolved against
     */
    static InterpreterSpec parse(String value, String field, Path baseDir) {
        if (value == null || value.isBlank()) {
            throw PackyardException.config(field + ": empty interpreter; " + SpecSyntax.EXPECTED);
        }
        String v = value.strip();
        if (v.equals("system")) {
            return new SystemPython(Optional.empty());
        }
        if (v.startsWith("system:")) {
            String ver = v.substring("system:".length());
            if (!SpecSyntax.MINOR.matcher(ver).matches()) {
                throw PackyardException.config(field + ": '" + value
                        + "': system:VERSION takes the target's Python as X.Y, e.g. system:3.11");
            }
            return new SystemPython(Optional.of(ver));
        }
        if (v.startsWith("archive:")) {
            String rest = v.substring("archive:".length());
            Optional<String> sha = Optional.empty();
            Matcher m = Pattern.compile("^(.*)#sha256=([^#]*)$").matcher(rest);
            if (m.matches()) {
                rest = m.group(1);
                sha = Optional.of(checkSha(m.group(2), field));
            }
            return archive(rest, sha, field, baseDir);
        }
        if (v.startsWith("host:")) {
            String rest = v.substring("host:".length());
            if (rest.isEmpty()) {
                throw PackyardException.config(field + ": 'host:' needs a prefix, an executable or a version, e.g. host:3.12");
            }
            if (SpecSyntax.VERSION.matcher(rest).matches()) {
                return new Host(Optional.empty(), Optional.of(rest));
            }
            return new Host(Optional.of(localPath(rest, field, baseDir)), Optional.empty());
        }
        Matcher m = Pattern.compile("^([0-9][0-9.]*)(?:\\+(.*))?$").matcher(v);
        if (m.matches()) {
            String ver = m.group(1);
            if (!SpecSyntax.VERSION.matcher(ver).matches()) {
                throw PackyardException.config(field + ": '" + value
                        + "' is not a CPython 3 version; expected X.Y or X.Y.Z such as 3.12 or 3.12.7");
            }
            String rel = m.group(2);
            if (rel != null && !SpecSyntax.RELEASE.matcher(rel).matches()) {
                throw PackyardException.config(field + ": '" + value
                        + "': the python-build-standalone release after '+' is a date tag such as 20251014");
            }
            return new Standalone(ver, Optional.ofNullable(rel));
        }
        throw PackyardException.config(field + ": unknown interpreter '" + value + "'; " + SpecSyntax.EXPECTED);
    }

    /**
     * Builds a spec from a TOML value: a string (see {@link #parse}) or an inline table with
     * {@code archive} (+ {@code sha256}), {@code host}, or {@code version} (+ {@code release}).
     */
    static InterpreterSpec fromToml(Object value, String field, Path baseDir) {
        if (value instanceof String s) {
            return parse(s, field, baseDir);
        }
        if (value instanceof Map<?, ?> map) {
            return fromTable(map, field, baseDir);
        }
        throw PackyardException.config(field + ": expected a string or a table, e.g. \"3.12\" or "
                + "{ archive = \"path-or-url\", sha256 = \"...\" }");
    }

    /** Builds a spec from a TOML inline table (keys: archive, sha256, host, version, release). */
    static InterpreterSpec fromTable(Map<?, ?> table, String field, Path baseDir) {
        TreeSet<String> unknown = new TreeSet<>();
        for (Object k : table.keySet()) {
            if (!SpecSyntax.TABLE_KEYS.contains(String.valueOf(k))) {
                unknown.add(String.valueOf(k));
            }
        }
        if (!unknown.isEmpty()) {
            throw PackyardException.config(field + ": unknown key" + (unknown.size() > 1 ? "s " : " ")
                    + String.join(", ", unknown) + " (expected archive and sha256, host, or version and release)");
        }
        String archive = string(table, "archive", field);
        String sha = string(table, "sha256", field);
        String host = string(table, "host", field);
        String version = string(table, "version", field);
        String release = string(table, "release", field);
        int kinds = (archive != null ? 1 : 0) + (host != null ? 1 : 0) + (version != null ? 1 : 0);
        if (kinds != 1) {
            throw PackyardException.config(field + ": expected exactly one of archive, host or version");
        }
        if (sha != null && archive == null) {
            throw PackyardException.config(field + ".sha256: only goes with archive");
        }
        if (release != null && version == null) {
            throw PackyardException.config(field + ".release: only goes with version");
        }
        if (archive != null) {
            return archive(archive, sha == null ? Optional.empty() : Optional.of(checkSha(sha, field + ".sha256")),
                    field + ".archive", baseDir);
        }
        if (host != null) {
            InterpreterSpec s = parse("host:" + host, field + ".host", baseDir);
            return s;
        }
        if (!SpecSyntax.VERSION.matcher(version).matches()) {
            throw PackyardException.config(field + ".version: '" + version
                    + "' is not a CPython 3 version; expected X.Y or X.Y.Z such as 3.12 or 3.12.7");
        }
        if (release != null && !SpecSyntax.RELEASE.matcher(release).matches()) {
            throw PackyardException.config(field + ".release: '" + release
                    + "' is not a python-build-standalone release tag such as 20251014");
        }
        return new Standalone(version, Optional.ofNullable(release));
    }

    private static String string(Map<?, ?> table, String key, String field) {
        Object v = table.get(key);
        if (v == null) {
            return null;
        }
        if (!(v instanceof String s)) {
            throw PackyardException.config(field + "." + key + ": expected a string");
        }
        if (s.isBlank()) {
            throw PackyardException.config(field + "." + key + ": must not be empty");
        }
        return s.strip();
    }

    private static String checkSha(String sha, String field) {
        if (!SpecSyntax.SHA256.matcher(sha).matches()) {
            throw PackyardException.config(field + ": sha256 must be 64 hexadecimal digits, got '" + sha + "'");
        }
        return sha.toLowerCase(Locale.ROOT);
    }

    private static Archive archive(String location, Optional<String> sha, String field, Path baseDir) {
        if (location.isEmpty()) {
            throw PackyardException.config(field + ": 'archive:' needs a path or URL");
        }
        if (location.startsWith("http://") || location.startsWith("https://")) {
            try {
                URI uri = new URI(location);
                if (uri.getHost() == null || uri.getHost().isEmpty()) {
                    throw PackyardException.config(field + ": archive URL '" + location + "' has no host");
                }
            } catch (java.net.URISyntaxException e) {
                throw PackyardException.config(field + ": archive URL '" + location + "' is not a valid URL: " + e.getReason());
            }
            if (sha.isEmpty()) {
                throw PackyardException.config(field + ": archive URL " + location
                        + " needs a sha256 (archive:URL#sha256=HEX or { archive = \"URL\", sha256 = \"HEX\" })");
            }
            return new Archive(location, sha);
        }
        if (location.startsWith("file:")) {
            try {
                return new Archive(Path.of(URI.create(location)).toString(), sha);
            } catch (IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
                throw PackyardException.config(field + ": '" + location + "' is not a valid file: URL");
            }
        }
        if (location.matches("^[A-Za-z][A-Za-z0-9+.-]+://.*")) {
            throw PackyardException.config(field + ": archive URL '" + location + "': only http(s) and file URLs are supported");
        }
        return new Archive(localPath(location, field, baseDir).toString(), sha);
    }

    private static Path localPath(String text, String field, Path baseDir) {
        try {
            Path p;
            if (text.equals("~") || text.startsWith("~/")) {
                p = Path.of(System.getProperty("user.home")).resolve(text.length() > 2 ? text.substring(2) : "");
            } else {
                p = Path.of(text);
            }
            if (!p.isAbsolute()) {
                p = baseDir.resolve(p);
            }
            return p.toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw PackyardException.config(field + ": '" + text + "' is not a valid path");
        }
    }
}
