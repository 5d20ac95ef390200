package io.packyard.python.lock;

import io.packyard.python.PackyardException;
import io.packyard.python.index.Hashes;
import io.packyard.python.markers.Marker;
import io.packyard.python.requirements.InvalidRequirementException;
import io.packyard.python.requirements.Requirement;
import io.packyard.python.version.InvalidVersionException;
import io.packyard.python.version.Specifier;
import io.packyard.python.version.Version;
import io.packyard.python.wheel.WheelFilename;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a requirements file used as a lock: every requirement pinned with {@code ==} (or
 * {@code ===}) and carrying at least one {@code --hash=<alg>:<hex>}, as {@code pip-compile
 * --generate-hashes} and {@code uv pip compile --generate-hashes} write them.
 *
 * <p>Understood, as pip does: {@code \} line continuations, {@code #} comments (at the start of
 * a line or after whitespace), {@code ${VAR}} environment variables, markers after {@code ;},
 * several {@code --hash} options, {@code -r}/{@code --requirement} includes (relative to the
 * including file), {@code -i}/{@code --index-url}, {@code --extra-index-url},
 * {@code -f}/{@code --find-links}, {@code --no-index}; {@code --trusted-host}, {@code --pre},
 * {@code --prefer-binary}, {@code --only-binary}, {@code --no-binary}, {@code --require-hashes}
 * and {@code --use-feature} are accepted and have no effect. A direct reference to a wheel
 * ({@code name @ https://.../x.whl --hash=...}, or a path to a {@code .whl}) is locked to that file.
 * Constraints ({@code -c}) and editables ({@code -e}) are refused.
 */
public final class RequirementsFile {

    private static final Pattern COMMENT = Pattern.compile("(^|\\s+)#.*$");
    private static final Pattern ENV_VAR = Pattern.compile("\\$\\{([A-Z0-9_]+)\\}");
    private static final Set<String> IGNORED_FLAGS = Set.of("--pre", "--prefer-binary", "--require-hashes");
    private static final Set<String> IGNORED_WITH_VALUE = Set.of("--trusted-host", "--only-binary", "--no-binary",
            "--use-feature");
    private static final String PIN_RULE = "every requirement must be pinned with == and carry --hash";

    private final Path top;
    private final List<LockedPackage> packages = new ArrayList<>();
    private final List<String> extraIndexUrls = new ArrayList<>();
    private final List<String> findLinks = new ArrayList<>();
    private String indexUrl;
    private boolean noIndex;
    private final Set<Path> reading = new HashSet<>();

    private RequirementsFile(Path top) {
        this.top = top.toAbsolutePath().normalize();
    }

    /**
     * Reads a hash-pinned requirements file and the files it includes.
     *
     * @throws PackyardException (config) as {@code requirements.txt:12: foo>=1: every requirement
     *         must be pinned with == and carry --hash}
     */
    public static Lock read(Path file) {
        RequirementsFile r = new RequirementsFile(file);
        r.readFile(r.top, null);
        return new Lock(file, Lock.Format.REQUIREMENTS, r.packages, Optional.empty(), List.of(),
                Optional.ofNullable(r.indexUrl), r.extraIndexUrls, r.findLinks, r.noIndex);
    }

    private String display(Path p) {
        if (p.equals(top)) {
            return top.getFileName().toString();
        }
        Path base = top.getParent();
        if (base != null && p.startsWith(base)) {
            return base.relativize(p).toString().replace('\\', '/');
        }
        return p.toString();
    }

    private void readFile(Path file, String includedFrom) {
        if (!reading.add(file)) {
            throw PackyardException.config(includedFrom + ": -r " + display(file) + ": includes itself (a cycle)");
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw PackyardException.config((includedFrom != null ? includedFrom + ": " : "") + display(file)
                    + ": no such file");
        } catch (IOException e) {
            throw PackyardException.config(display(file) + ": cannot read: " + e.getMessage());
        }
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        String name = display(file);
        String[] lines = text.split("\r\n|\r|\n", -1);
        StringBuilder logical = null;
        int start = 0;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (logical == null) {
                logical = new StringBuilder();
                start = i + 1;
            }
            String stripped = stripTrailing(line);
            boolean isComment = stripped.stripLeading().startsWith("#");
            if (stripped.endsWith("\\") && !isComment) {
                logical.append(stripped, 0, stripped.length() - 1).append(' ');
                if (i < lines.length - 1) {
                    continue;
                }
            } else {
                logical.append(line);
            }
            String content = logical.toString();
            logical = null;
            handleLine(file, name, start, content);
        }
        reading.remove(file);
    }

    private void handleLine(Path file, String name, int lineNo, String raw) {
        String line = COMMENT.matcher(raw).replaceAll("").strip();
        line = expandEnv(line);
        if (line.isEmpty()) {
            return;
        }
        String at = name + ":" + lineNo;
        if (line.startsWith("-")) {
            handleOption(file, at, line);
            return;
        }
        String[] parts = splitOptions(line);
        String reqText = parts[0].strip();
        List<String> tokens = tokenize(parts[1]);
        Map<String, List<String>> hashes = new LinkedHashMap<>();
        for (int i = 0; i < tokens.size(); i++) {
            String t = tokens.get(i);
            String value;
            if (t.startsWith("--hash=")) {
                value = t.substring("--hash=".length());
            } else if (t.equals("--hash")) {
                if (i + 1 >= tokens.size()) {
                    throw PackyardException.config(at + ": " + reqText + ": --hash needs a value");
                }
                value = tokens.get(++i);
            } else {
                throw PackyardException.config(at + ": " + reqText + ": option " + t
                        + " is not supported on a requirement line");
            }
            int colon = value.indexOf(':');
            if (colon <= 0 || !value.substring(colon + 1).matches("[0-9a-fA-F]+")) {
                throw PackyardException.config(at + ": " + reqText + ": --hash=" + value
                        + ": expected <algorithm>:<hex digest>");
            }
            String alg = value.substring(0, colon).toLowerCase(Locale.ROOT);
            if (!Hashes.isSupported(alg)) {
                throw PackyardException.config(at + ": " + reqText + ": --hash=" + value + ": unsupported algorithm "
                        + alg + " (use " + String.join(", ", Hashes.SUPPORTED) + ")");
            }
            hashes.computeIfAbsent(alg, k -> new ArrayList<>()).add(value.substring(colon + 1).toLowerCase(Locale.ROOT));
        }
        if (looksLikeWheelPath(reqText)) {
            packages.add(pathWheel(file, at, reqText, hashes));
            return;
        }
        Requirement req;
        try {
            req = Requirement.parse(reqText);
        } catch (InvalidRequirementException e) {
            throw PackyardException.config(at + ": " + reqText + ": " + e.getMessage());
        }
        if (hashes.isEmpty()) {
            throw PackyardException.config(at + ": " + reqText + ": " + PIN_RULE);
        }
        Optional<Marker> marker = req.marker();
        if (req.url().isPresent()) {
            packages.add(urlWheel(at, reqText, req, marker, hashes));
            return;
        }
        List<Specifier> specs = req.specifier().specifiers();
        if (specs.size() != 1 || specs.get(0).isWildcard()
                || (specs.get(0).operator() != Specifier.Operator.EQUAL
                        && specs.get(0).operator() != Specifier.Operator.ARBITRARY)) {
            throw PackyardException.config(at + ": " + reqText + ": " + PIN_RULE);
        }
        Version version;
        try {
            version = Version.parse(specs.get(0).versionText());
        } catch (InvalidVersionException e) {
            throw PackyardException.config(at + ": " + reqText + ": " + e.getMessage());
        }
        List<LockedFile> files = new ArrayList<>();
        hashes.forEach((alg, hexes) -> hexes.forEach(hex -> files.add(LockedFile.hashOnly(alg, hex))));
        packages.add(new LockedPackage(req.name(), version, marker, Optional.empty(), files, false, at));
    }

    private LockedPackage urlWheel(String at, String reqText, Requirement req, Optional<Marker> marker,
            Map<String, List<String>> hashes) {
        URI uri;
        try {
            uri = new URI(req.url().get());
        } catch (URISyntaxException e) {
            throw PackyardException.config(at + ": " + reqText + ": invalid URL: " + e.getMessage());
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        String filename = URLDecoder.decode(path.substring(path.lastIndexOf('/') + 1), StandardCharsets.UTF_8);
        if (!filename.toLowerCase(Locale.ROOT).endsWith(".whl")) {
            throw PackyardException.config(at + ": " + reqText + ": only direct references to wheels (.whl) can be "
                    + "installed; Packyard installs wheels only");
        }
        WheelFilename wf;
        try {
            wf = WheelFilename.parse(filename);
        } catch (PackyardException e) {
            throw PackyardException.config(at + ": " + reqText + ": " + e.getMessage());
        }
        if (!wf.normalizedName().equals(req.normalizedName())) {
            throw PackyardException.config(at + ": " + reqText + ": " + filename + " is a wheel of "
                    + wf.normalizedName() + ", not " + req.name());
        }
        Optional<URI> url = Optional.empty();
        Optional<Path> local = Optional.empty();
        if ("file".equalsIgnoreCase(uri.getScheme())) {
            local = Optional.of(Path.of(uri));
        } else {
            url = Optional.of(uri);
        }
        return new LockedPackage(req.name(), wheelVersion(at, reqText, wf), marker, Optional.empty(),
                List.of(new LockedFile(Optional.of(filename), url, local, OptionalLong.empty(),
                        singleHashes(at, reqText, hashes))),
                false, at);
    }

    private LockedPackage pathWheel(Path file, String at, String text, Map<String, List<String>> hashes) {
        String pathPart = text;
        Optional<Marker> marker = Optional.empty();
        int semi = text.indexOf(';');
        if (semi >= 0) {
            pathPart = text.substring(0, semi).strip();
            try {
                marker = Optional.of(Marker.parse(text.substring(semi + 1).strip()));
            } catch (IllegalArgumentException e) {
                throw PackyardException.config(at + ": " + text + ": " + e.getMessage());
            }
        }
        if (hashes.isEmpty()) {
            throw PackyardException.config(at + ": " + text + ": " + PIN_RULE);
        }
        Path p;
        try {
            p = file.getParent().resolve(pathPart).normalize();
        } catch (InvalidPathException e) {
            throw PackyardException.config(at + ": " + text + ": " + e.getMessage());
        }
        String filename = p.getFileName().toString();
        WheelFilename wf;
        try {
            wf = WheelFilename.parse(filename);
        } catch (PackyardException e) {
            throw PackyardException.config(at + ": " + text + ": " + e.getMessage());
        }
        return new LockedPackage(wf.name(), wheelVersion(at, text, wf), marker, Optional.empty(),
                List.of(new LockedFile(Optional.of(filename), Optional.empty(), Optional.of(p), OptionalLong.empty(),
                        singleHashes(at, text, hashes))),
                false, at);
    }

    private static Version wheelVersion(String at, String text, WheelFilename wf) {
        try {
            return Version.parse(wf.version());
        } catch (InvalidVersionException e) {
            throw PackyardException.config(at + ": " + text + ": " + e.getMessage());
        }
    }

    private static Map<String, String> singleHashes(String at, String text, Map<String, List<String>> hashes) {
        Map<String, String> out = new LinkedHashMap<>();
        hashes.forEach((alg, hexes) -> {
            if (hexes.size() > 1) {
                throw PackyardException.config(at + ": " + text + ": a reference to one wheel takes one --hash per "
                        + "algorithm");
            }
            out.put(alg, hexes.get(0));
        });
        return out;
    }

    private static boolean looksLikeWheelPath(String text) {
        String head = text.contains(";") ? text.substring(0, text.indexOf(';')).strip() : text;
        return !head.contains("@") && !head.contains("://") && head.toLowerCase(Locale.ROOT).endsWith(".whl");
    }

    private void handleOption(Path file, String at, String line) {
        List<String> tokens = tokenize(line);
        for (int i = 0; i < tokens.size(); i++) {
            String t = tokens.get(i);
            String opt = t;
            String value = null;
            if (t.startsWith("--") && t.contains("=")) {
                opt = t.substring(0, t.indexOf('='));
                value = t.substring(t.indexOf('=') + 1);
            } else if (t.length() > 2 && t.charAt(0) == '-' && t.charAt(1) != '-') {
                opt = t.substring(0, 2);
                value = t.substring(2);
            }
            opt = switch (opt) {
                case "-r" -> "--requirement";
                case "-c" -> "--constraint";
                case "-i" -> "--index-url";
                case "-f" -> "--find-links";
                case "-e" -> "--editable";
                default -> opt;
            };
            if (IGNORED_FLAGS.contains(opt) || opt.equals("--no-index")) {
                if (value != null) {
                    throw PackyardException.config(at + ": " + opt + " takes no value");
                }
                if (opt.equals("--no-index")) {
                    noIndex = true;
                }
                continue;
            }
            boolean known = IGNORED_WITH_VALUE.contains(opt) || opt.equals("--requirement")
                    || opt.equals("--constraint") || opt.equals("--index-url") || opt.equals("--extra-index-url")
                    || opt.equals("--find-links") || opt.equals("--editable");
            if (!known) {
                throw PackyardException.config(at + ": unknown option " + t);
            }
            if (value == null) {
                if (i + 1 >= tokens.size()) {
                    throw PackyardException.config(at + ": " + opt + " needs a value");
                }
                value = tokens.get(++i);
            }
            switch (opt) {
                case "--requirement" -> {
                    Path included;
                    try {
                        included = file.getParent().resolve(value).toAbsolutePath().normalize();
                    } catch (InvalidPathException e) {
                        throw PackyardException.config(at + ": -r " + value + ": " + e.getMessage());
                    }
                    readFile(included, at);
                }
                case "--constraint" -> throw PackyardException.config(at + ": -c " + value
                        + ": constraints files are not supported in a lock; pin every package with == and --hash");
                case "--editable" -> throw PackyardException.config(at + ": -e " + value
                        + ": editable requirements cannot be locked; build a wheel and pin it");
                case "--index-url" -> indexUrl = value;
                case "--extra-index-url" -> extraIndexUrls.add(value);
                case "--find-links" -> findLinks.add(isUrl(value) ? value
                        : file.getParent().resolve(value).toAbsolutePath().normalize().toString());
                default -> {
                    // accepted, no effect
                }
            }
        }
    }

    private static boolean isUrl(String s) {
        String l = s.toLowerCase(Locale.ROOT);
        return l.startsWith("http://") || l.startsWith("https://") || l.startsWith("file:");
    }

    /** Splits "req ; marker --hash=..." at the first whitespace-preceded "-" outside quotes. */
    private static String[] splitOptions(String line) {
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else if (c == '-' && i > 0 && Character.isWhitespace(line.charAt(i - 1))
                    && i + 1 < line.length() && (line.charAt(i + 1) == '-' || Character.isLetter(line.charAt(i + 1)))) {
                return new String[] {line.substring(0, i), line.substring(i)};
            }
        }
        return new String[] {line, ""};
    }

    /** Whitespace-separated tokens; single or double quotes group (as shlex does, without escapes). */
    private static List<String> tokenize(String s) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = null;
        char quote = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    cur.append(c);
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
                if (cur == null) {
                    cur = new StringBuilder();
                }
            } else if (Character.isWhitespace(c)) {
                if (cur != null) {
                    out.add(cur.toString());
                    cur = null;
                }
            } else {
                if (cur == null) {
                    cur = new StringBuilder();
                }
                cur.append(c);
            }
        }
        if (cur != null) {
            out.add(cur.toString());
        }
        return out;
    }

    private static String expandEnv(String s) {
        if (!s.contains("${")) {
            return s;
        }
        Matcher m = ENV_VAR.matcher(s);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            String v = System.getenv(m.group(1));
            m.appendReplacement(b, Matcher.quoteReplacement(v != null ? v : m.group()));
        }
        m.appendTail(b);
        return b.toString();
    }

    private static String stripTrailing(String s) {
        int end = s.length();
        while (end > 0 && (s.charAt(end - 1) == ' ' || s.charAt(end - 1) == '\t')) {
            end--;
        }
        return s.substring(0, end);
    }
}
