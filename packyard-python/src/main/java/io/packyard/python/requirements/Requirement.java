package io.packyard.python.requirements;

import io.packyard.python.markers.InvalidMarkerException;
import io.packyard.python.markers.Marker;
import io.packyard.python.names.ProjectName;
import io.packyard.python.version.InvalidSpecifierException;
import io.packyard.python.version.SpecifierSet;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A PEP 508 dependency specifier: {@code name [extras] (specifier | @ url) [; marker]}.
 *
 * <p>Accepted forms (as {@code packaging.requirements.Requirement}): {@code requests},
 * {@code requests[security, socks] >=2.8.1, ==2.8.*}, {@code name (>=1.0)} (parenthesized
 * specifier), {@code name>=1;python_version<"3.9"}, {@code pip @ https://host/pip.whl ; os_name == "nt"}
 * (with a URL, the marker's {@code ;} must be preceded by whitespace, otherwise it belongs to the
 * URL).
 */
public final class Requirement {

    private final String name;
    private final String normalizedName;
    private final Set<String> extras;
    private final SpecifierSet specifier;
    private final String url;
    private final Marker marker;

    private Requirement(String name, Set<String> extras, SpecifierSet specifier, String url, Marker marker) {
        this.name = name;
        this.normalizedName = ProjectName.normalize(name);
        this.extras = Collections.unmodifiableSet(new TreeSet<>(extras));
        this.specifier = specifier;
        this.url = url;
        this.marker = marker;
    }

    /**
     * Parses a PEP 508 requirement.
     *
     * @throws InvalidRequirementException if the text is not valid
     */
    public static Requirement parse(String text) {
        if (text == null) {
            throw new InvalidRequirementException("invalid requirement: null");
        }
        return new Parser(text).parse();
    }

    /** Parses a requirement, or returns empty if the text is not one. */
    public static Optional<Requirement> tryParse(String text) {
        try {
            return Optional.of(parse(text));
        } catch (InvalidRequirementException e) {
            return Optional.empty();
        }
    }

    /** A requirement on {@code name} with the given parts (no validation of the URL). */
    public static Requirement of(String name, Set<String> extras, SpecifierSet specifier, String url, Marker marker) {
        if (!ProjectName.isValid(name)) {
            throw new InvalidRequirementException("invalid requirement: invalid project name '" + name + "'");
        }
        Set<String> ex = new TreeSet<>();
        for (String e : extras) {
            ex.add(ProjectName.normalize(e));
        }
        return new Requirement(name, ex, specifier == null ? SpecifierSet.ANY : specifier, url, marker);
    }

    /** The name as written. */
    public String name() {
        return name;
    }

    /** The normalized name (lower case, runs of {@code -_.} as one {@code -}). */
    public String normalizedName() {
        return normalizedName;
    }

    /** The extras, normalized like names, sorted. */
    public Set<String> extras() {
        return extras;
    }

    /** The version specifier ({@link SpecifierSet#ANY} when none is given). */
    public SpecifierSet specifier() {
        return specifier;
    }

    public Optional<String> url() {
        return Optional.ofNullable(url);
    }

    public Optional<Marker> marker() {
        return Optional.ofNullable(marker);
    }

    /** This requirement with another marker (null for none). */
    public Requirement withMarker(Marker newMarker) {
        return new Requirement(name, extras, specifier, url, newMarker);
    }

    /** This requirement without extras. */
    public Requirement withoutExtras() {
        return new Requirement(name, Set.of(), specifier, url, marker);
    }

    /**
     * Normalized text in the {@code packaging} layout: {@code name[a,b]<2,>=1; marker} or
     * {@code name @ url ; marker}.
     */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(name);
        if (!extras.isEmpty()) {
            sb.append('[').append(String.join(",", extras)).append(']');
        }
        sb.append(specifier);
        if (url != null) {
            sb.append(" @ ").append(url);
            if (marker != null) {
                sb.append(' ');
            }
        }
        if (marker != null) {
            sb.append("; ").append(marker);
        }
        return sb.toString();
    }

    @Override
    public boolean equals(Object obj) {
        return obj instanceof Requirement r && r.normalizedName.equals(normalizedName) && r.extras.equals(extras)
                && r.specifier.equals(specifier) && Objects.equals(r.url, url) && Objects.equals(r.marker, marker);
    }

    @Override
    public int hashCode() {
        return Objects.hash(normalizedName, extras, specifier, url, marker);
    }

    private static final class Parser {
        private final String s;
        private int pos;

        Parser(String s) {
            this.s = s;
        }

        InvalidRequirementException error(String what) {
            return new InvalidRequirementException("invalid requirement '" + s + "': " + what);
        }

        void skipWs() {
            while (pos < s.length() && (s.charAt(pos) == ' ' || s.charAt(pos) == '\t')) {
                pos++;
            }
        }

        boolean atEnd() {
            return pos >= s.length();
        }

        char peek() {
            return s.charAt(pos);
        }

        private static boolean isAlnum(char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        }

        /** An identifier: alnum, then alnum or -_. , ending with alnum. Null if none at pos. */
        String identifier() {
            if (atEnd() || !isAlnum(peek())) {
                return null;
            }
            int start = pos;
            int lastAlnum = pos;
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (isAlnum(c)) {
                    lastAlnum = pos;
                } else if (c != '-' && c != '_' && c != '.') {
                    break;
                }
                pos++;
            }
            pos = lastAlnum + 1;
            return s.substring(start, pos);
        }

        Requirement parse() {
            skipWs();
            String name = identifier();
            if (name == null) {
                throw error("expected a project name at the start");
            }
            skipWs();
            Set<String> extras = new TreeSet<>();
            if (!atEnd() && peek() == '[') {
                pos++;
                skipWs();
                if (!atEnd() && peek() == ']') {
                    pos++;
                } else {
                    while (true) {
                        skipWs();
                        String extra = identifier();
                        if (extra == null) {
                            throw error("expected an extra name inside [...] at position " + (pos + 1));
                        }
                        extras.add(ProjectName.normalize(extra));
                        skipWs();
                        if (atEnd()) {
                            throw error("missing ']' after the extras");
                        }
                        if (peek() == ',') {
                            pos++;
                            continue;
                        }
                        if (peek() == ']') {
                            pos++;
                            break;
                        }
                        throw error("expected ',' or ']' in the extras at position " + (pos + 1));
                    }
                }
                skipWs();
            }
            SpecifierSet spec = SpecifierSet.ANY;
            String url = null;
            Marker marker = null;
            if (!atEnd() && peek() == '@') {
                pos++;
                skipWs();
                int start = pos;
                while (pos < s.length() && s.charAt(pos) != ' ' && s.charAt(pos) != '\t') {
                    pos++;
                }
                url = s.substring(start, pos);
                if (url.isEmpty()) {
                    throw error("expected a URL after '@'");
                }
                skipWs();
                if (!atEnd()) {
                    if (peek() != ';') {
                        throw error("expected end or ';' (after URL and whitespace) at position " + (pos + 1));
                    }
                    marker = parseMarker();
                }
                return new Requirement(name, extras, spec, url, marker);
            }
            if (!atEnd() && peek() == '(') {
                int close = s.indexOf(')', pos);
                if (close < 0) {
                    throw error("missing ')' after the version specifier");
                }
                spec = specifier(s.substring(pos + 1, close));
                pos = close + 1;
                skipWs();
            } else if (!atEnd() && peek() != ';') {
                int semi = s.indexOf(';', pos);
                int end = semi < 0 ? s.length() : semi;
                String text = s.substring(pos, end);
                if (text.strip().isEmpty()) {
                    throw error("expected a version specifier, '@' or ';' at position " + (pos + 1));
                }
                if (!"~=!<>(".contains(text.strip().substring(0, 1))) {
                    throw error("expected a version specifier, '[', '@' or ';' after the name, found '"
                            + text.strip() + "'");
                }
                spec = specifier(text);
                pos = end;
            }
            if (!atEnd()) {
                if (peek() != ';') {
                    throw error("expected end or ';' at position " + (pos + 1));
                }
                marker = parseMarker();
            }
            return new Requirement(name, extras, spec, null, marker);
        }

        SpecifierSet specifier(String text) {
            try {
                return SpecifierSet.parse(text);
            } catch (InvalidSpecifierException e) {
                throw new InvalidRequirementException("invalid requirement '" + s + "': " + e.getMessage(), e);
            }
        }

        Marker parseMarker() {
            pos++; // ';'
            String text = s.substring(pos);
            if (text.isBlank()) {
                throw error("expected a marker after ';'");
            }
            try {
                Marker m = Marker.parse(text.strip());
                pos = s.length();
                return m;
            } catch (InvalidMarkerException e) {
                throw new InvalidRequirementException("invalid requirement '" + s + "': " + e.getMessage(), e);
            }
        }
    }

    /** Parses each line of a list of requirement strings (helper for metadata and config readers). */
    public static List<Requirement> parseAll(List<String> texts) {
        List<Requirement> out = new ArrayList<>();
        for (String t : texts) {
            out.add(parse(t));
        }
        return out;
    }
}
