package io.packyard.python.metadata;

import io.packyard.python.markers.InvalidMarkerException;
import io.packyard.python.markers.MarkerEnvironment;
import io.packyard.python.names.ProjectName;
import io.packyard.python.requirements.InvalidRequirementException;
import io.packyard.python.requirements.Requirement;
import io.packyard.python.version.InvalidSpecifierException;
import io.packyard.python.version.InvalidVersionException;
import io.packyard.python.version.SpecifierSet;
import io.packyard.python.version.Version;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Core metadata ("Core metadata specifications": a wheel's {@code .dist-info/METADATA}, an sdist's
 * {@code PKG-INFO}), read the way Python's {@code email.parser} with the compat32 policy reads it.
 *
 * <p>Format: header lines {@code Field-Name: value}; a line starting with a space or tab continues
 * the previous field; the headers end at the first empty line, and everything after it is the
 * message body, which holds the Description (metadata 2.1+). A line in the header block that is
 * neither a field nor a continuation also starts the body (Python's behaviour). Field names are
 * case-insensitive; multiple-use fields ({@code Requires-Dist}, {@code Classifier},
 * {@code Provides-Extra}, ...) simply repeat.
 *
 * <p>Multi-line values ({@link #get}) are returned with the continuation indentation removed:
 * the common leading whitespace (at most 8 columns, the amount setuptools writes), and the
 * {@code |} that the specification's Description folding puts after it when every continuation
 * line has one. Structured fields (names, versions, requirements, specifiers) are unfolded to a
 * single line before parsing.
 *
 * <p>Required fields: {@code Metadata-Version}, {@code Name}, {@code Version} (a valid PEP 440
 * version). Other fields are parsed lazily by their accessors, which throw
 * {@link InvalidMetadataException} naming the source and the field.
 */
public final class CoreMetadata {

    private final String source;
    private final List<Map.Entry<String, String>> headers;
    private final String body;
    private final String name;
    private final Version version;
    private final String metadataVersion;

    private CoreMetadata(String source, List<Map.Entry<String, String>> headers, String body) {
        this.source = source;
        this.headers = List.copyOf(headers);
        this.body = body;
        this.metadataVersion = required("Metadata-Version");
        this.name = required("Name");
        String v = required("Version");
        try {
            this.version = Version.parse(v);
        } catch (InvalidVersionException e) {
            throw new InvalidMetadataException(source + ": Version: " + e.getMessage(), e);
        }
    }

    /** Parses METADATA / PKG-INFO text (errors name the source "METADATA"). */
    public static CoreMetadata parse(String text) {
        return parse(text, "METADATA");
    }

    /**
     * Parses METADATA / PKG-INFO text.
     *
     * @param source how error messages name the file, e.g. {@code foo-1.0.dist-info/METADATA}
     * @throws InvalidMetadataException if the text is malformed or lacks a required field
     */
    public static CoreMetadata parse(String text, String source) {
        if (text == null) {
            throw new InvalidMetadataException(source + ": no content");
        }
        String t = text.replace("\r\n", "\n").replace('\r', '\n');
        if (!t.isEmpty() && t.charAt(0) == '\uFEFF') {
            t = t.substring(1);
        }
        List<String> lines = List.of(t.split("\n", -1));
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        String currentName = null;
        StringBuilder currentValue = null;
        String body = null;
        int i = 0;
        for (; i < lines.size(); i++) {
            String line = lines.get(i);
            if (i == lines.size() - 1 && line.isEmpty()) {
                break; // the split's trailing piece after the last newline
            }
            if (!line.isEmpty() && (line.charAt(0) == ' ' || line.charAt(0) == '\t')) {
                if (currentName == null) {
                    throw new InvalidMetadataException(source + ": line " + (i + 1)
                            + ": continuation line before any field");
                }
                currentValue.append('\n').append(line);
                continue;
            }
            int colon = line.indexOf(':');
            boolean isHeader = colon > 0 && isFieldName(line.substring(0, colon));
            if (currentName != null) {
                headers.add(new AbstractMap.SimpleImmutableEntry<>(currentName, stripTrailing(currentValue)));
                currentName = null;
            }
            if (line.isEmpty()) {
                i++;
                body = String.join("\n", lines.subList(i, lines.size()));
                break;
            }
            if (!isHeader) {
                // Python's email parser: a non-header line ends the headers and starts the body
                body = String.join("\n", lines.subList(i, lines.size()));
                break;
            }
            currentName = line.substring(0, colon).strip();
            currentValue = new StringBuilder(stripLeading(line.substring(colon + 1)));
        }
        if (currentName != null) {
            headers.add(new AbstractMap.SimpleImmutableEntry<>(currentName, stripTrailing(currentValue)));
        }
        return new CoreMetadata(source, headers, body);
    }

    /** Parses UTF-8 encoded METADATA bytes. */
    public static CoreMetadata parse(byte[] utf8, String source) {
        try {
            String text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(utf8))
                    .toString();
            return parse(text, source);
        } catch (CharacterCodingException e) {
            throw new InvalidMetadataException(source + ": not valid UTF-8", e);
        }
    }

    private static boolean isFieldName(String s) {
        // RFC 5322 field name: printable US-ASCII except ':' (Python also rejects spaces here)
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 33 || c > 126 || c == ':') {
                return false;
            }
        }
        return true;
    }

    private static String stripLeading(String s) {
        int i = 0;
        while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
            i++;
        }
        return s.substring(i);
    }

    private static String stripTrailing(CharSequence s) {
        int end = s.length();
        while (end > 0 && Character.isWhitespace(s.charAt(end - 1))) {
            end--;
        }
        return s.subSequence(0, end).toString();
    }

    private String required(String field) {
        Optional<String> v = get(field).map(String::strip).filter(s -> !s.isEmpty());
        if (v.isEmpty()) {
            throw new InvalidMetadataException(source + ": missing required field " + field);
        }
        return unfold(v.get());
    }

    /** Folded value on one line: newlines dropped (continuation whitespace collapsed to one space). */
    private static String unfold(String value) {
        return value.replaceAll("\\s*\\n\\s*", " ").strip();
    }

    /** Removes the continuation indentation from a raw (compat32) multi-line value. */
    static String decode(String raw) {
        int nl = raw.indexOf('\n');
        if (nl < 0) {
            return raw;
        }
        String[] lines = raw.split("\n", -1);
        int indent = 8;
        for (int k = 1; k < lines.length; k++) {
            String l = lines[k];
            if (l.isBlank()) {
                continue;
            }
            int n = 0;
            while (n < l.length() && (l.charAt(n) == ' ' || l.charAt(n) == '\t')) {
                n++;
            }
            indent = Math.min(indent, n);
        }
        boolean allPipes = true;
        for (int k = 1; k < lines.length; k++) {
            String l = lines[k];
            String rest = l.length() >= indent ? l.substring(indent) : "";
            lines[k] = l.isBlank() ? "" : rest;
            if (!lines[k].startsWith("|")) {
                allPipes = false;
            }
        }
        StringBuilder sb = new StringBuilder(lines[0]);
        for (int k = 1; k < lines.length; k++) {
            sb.append('\n').append(allPipes ? lines[k].substring(1) : lines[k]);
        }
        return sb.toString();
    }

    /** Where this metadata came from (as passed to {@link #parse(String, String)}). */
    public String source() {
        return source;
    }

    /** The first value of a field (case-insensitive name), continuation indentation removed. */
    public Optional<String> get(String field) {
        for (Map.Entry<String, String> e : headers) {
            if (e.getKey().equalsIgnoreCase(field)) {
                return Optional.of(decode(e.getValue()));
            }
        }
        return Optional.empty();
    }

    /** All values of a (multiple-use) field, in file order. */
    public List<String> getAll(String field) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> e : headers) {
            if (e.getKey().equalsIgnoreCase(field)) {
                out.add(decode(e.getValue()));
            }
        }
        return List.copyOf(out);
    }

    /** Every header as written (name, raw value), in file order. */
    public List<Map.Entry<String, String>> headers() {
        return headers;
    }

    /** The message body (text after the first empty line), if any. */
    public Optional<String> body() {
        return Optional.ofNullable(body);
    }

    /** The project name as written in {@code Name}. */
    public String name() {
        return name;
    }

    public String normalizedName() {
        return ProjectName.normalize(name);
    }

    public Version version() {
        return version;
    }

    public String metadataVersion() {
        return metadataVersion;
    }

    public Optional<String> summary() {
        return get("Summary").map(CoreMetadata::unfold);
    }

    /**
     * The long description: the message body when it has content (metadata 2.1+), else the
     * {@code Description} field.
     */
    public Optional<String> description() {
        if (body != null && !body.isBlank()) {
            return Optional.of(body);
        }
        return get("Description");
    }

    /** {@code Requires-Dist} entries, in file order. */
    public List<Requirement> requiresDist() {
        List<Requirement> out = new ArrayList<>();
        for (String value : getAll("Requires-Dist")) {
            try {
                out.add(Requirement.parse(unfold(value)));
            } catch (InvalidRequirementException e) {
                throw new InvalidMetadataException(source + ": Requires-Dist: " + e.getMessage(), e);
            }
        }
        return List.copyOf(out);
    }

    /** {@code Requires-Python}, or {@link SpecifierSet#ANY} when absent or empty. */
    public SpecifierSet requiresPython() {
        Optional<String> v = get("Requires-Python").map(CoreMetadata::unfold);
        if (v.isEmpty() || v.get().isEmpty()) {
            return SpecifierSet.ANY;
        }
        try {
            return SpecifierSet.parse(v.get());
        } catch (InvalidSpecifierException e) {
            throw new InvalidMetadataException(source + ": Requires-Python: " + e.getMessage(), e);
        }
    }

    /** {@code Provides-Extra} values as written. */
    public List<String> providesExtra() {
        List<String> out = new ArrayList<>();
        for (String v : getAll("Provides-Extra")) {
            out.add(unfold(v));
        }
        return List.copyOf(out);
    }

    /** {@code Provides-Extra} values, normalized like names. */
    public List<String> providesExtraNormalized() {
        List<String> out = new ArrayList<>();
        for (String v : providesExtra()) {
            String n = ProjectName.normalize(v);
            if (!out.contains(n)) {
                out.add(n);
            }
        }
        return List.copyOf(out);
    }

    /**
     * The {@code Requires-Dist} entries whose marker holds for {@code env} with the requested
     * extras (see {@link io.packyard.python.markers.Marker#evaluate(MarkerEnvironment, Set)}), in
     * file order. Entries without a marker always apply.
     */
    public List<Requirement> dependencies(MarkerEnvironment env, Set<String> extras) {
        List<Requirement> out = new ArrayList<>();
        for (Requirement r : requiresDist()) {
            try {
                if (r.marker().isEmpty() || r.marker().get().evaluate(env, extras)) {
                    out.add(r);
                }
            } catch (InvalidMarkerException e) {
                throw new InvalidMetadataException(source + ": Requires-Dist: " + r + ": " + e.getMessage(), e);
            }
        }
        return List.copyOf(out);
    }

    @Override
    public String toString() {
        return name + " " + version + " (" + source + ", Metadata-Version " + metadataVersion.toLowerCase(Locale.ROOT) + ")";
    }
}
