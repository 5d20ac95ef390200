package io.packyard.python.version;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One PEP 440 version specifier clause, such as {@code >=1.2}, {@code ==1.4.*} or {@code ~=2.2.1}.
 *
 * <p>Matching follows the specification and the reference implementation ({@code packaging}):
 * <ul>
 *   <li>{@code ~=V.N} is {@code >=V.N, ==V.*} (the last release segment dropped; suffixes of V
 *       are ignored for the prefix).</li>
 *   <li>{@code ==V} / {@code !=V}: without a local label in V, the candidate's local label is
 *       ignored; with one, the comparison is exact. {@code ==V.*} compares the candidate's release
 *       (zero-padded) prefix and its epoch; pre/post/dev suffixes do not matter.</li>
 *   <li>{@code <=V}, {@code >=V}: compare the candidate's public version.</li>
 *   <li>{@code <V}: never matches a pre-release of V (a pre-release at or above {@code V.dev0})
 *       unless V itself is a pre-release.</li>
 *   <li>{@code >V}: never matches a post-release of V unless V itself is a post-release, and never
 *       a local version of V ({@code >1.0} rejects {@code 1.0+x}).</li>
 *   <li>{@code ===V}: case-insensitive string equality with the candidate's normalized form.</li>
 * </ul>
 * Pre-release exclusion is applied by {@link #contains(Version)} (and by {@link SpecifierSet}),
 * not by the bare operator: see {@link #allowsPrereleasesExplicitly()}.
 */
public final class Specifier {

    /** The comparison operators of PEP 440. */
    public enum Operator {
        COMPATIBLE("~="),
        EQUAL("=="),
        NOT_EQUAL("!="),
        LESS_EQUAL("<="),
        GREATER_EQUAL(">="),
        LESS("<"),
        GREATER(">"),
        ARBITRARY("===");

        private final String symbol;

        Operator(String symbol) {
            this.symbol = symbol;
        }

        public String symbol() {
            return symbol;
        }

        /** The operator a text starts with (longest match), or null. */
        static Operator prefixOf(String s) {
            if (s.startsWith("===")) {
                return ARBITRARY;
            }
            for (Operator op : List.of(COMPATIBLE, EQUAL, NOT_EQUAL, LESS_EQUAL, GREATER_EQUAL, LESS, GREATER)) {
                if (s.startsWith(op.symbol)) {
                    return op;
                }
            }
            return null;
        }

        /** The operator with exactly this symbol. */
        public static Optional<Operator> fromSymbol(String symbol) {
            for (Operator op : values()) {
                if (op.symbol.equals(symbol)) {
                    return Optional.of(op);
                }
            }
            return Optional.empty();
        }

        @Override
        public String toString() {
            return symbol;
        }
    }

    private static final Pattern WILDCARD_BASE =
            Pattern.compile("v?(?:[0-9]+!)?[0-9]+(?:\\.[0-9]+)*", Pattern.CASE_INSENSITIVE);
    private static final Pattern ARBITRARY_TEXT = Pattern.compile("[^\\s;)]+");

    private final Operator operator;
    /** The version as written (stripped), without the operator; includes ".*" for wildcards. */
    private final String versionText;
    /** Parsed version (for wildcards: the prefix); null for ===. */
    private final Version version;
    private final boolean wildcard;

    private Specifier(Operator operator, String versionText, Version version, boolean wildcard) {
        this.operator = operator;
        this.versionText = versionText;
        this.version = version;
        this.wildcard = wildcard;
    }

    /**
     * Parses one clause, e.g. {@code ">= 1.0"}. Whitespace around the operator and version is
     * allowed.
     *
     * @throws InvalidSpecifierException if the text is not a valid specifier clause
     */
    public static Specifier parse(String text) {
        if (text == null) {
            throw new InvalidSpecifierException("null", "no specifier given");
        }
        String s = text.strip();
        Operator op = Operator.prefixOf(s);
        if (op == null) {
            throw new InvalidSpecifierException(text,
                    "must start with an operator (~=, ==, !=, <=, >=, <, >, ===)");
        }
        String rest = s.substring(op.symbol.length()).strip();
        if (rest.isEmpty()) {
            throw new InvalidSpecifierException(text, "missing version after '" + op.symbol + "'");
        }
        if (op == Operator.ARBITRARY) {
            if (!ARBITRARY_TEXT.matcher(rest).matches()) {
                throw new InvalidSpecifierException(text, "arbitrary version must not contain whitespace, ';' or ')'");
            }
            return new Specifier(op, rest, null, false);
        }
        if (rest.endsWith(".*")) {
            if (op != Operator.EQUAL && op != Operator.NOT_EQUAL) {
                throw new InvalidSpecifierException(text, "a '.*' suffix is only allowed with == and !=");
            }
            String base = rest.substring(0, rest.length() - 2);
            if (!WILDCARD_BASE.matcher(base).matches()) {
                throw new InvalidSpecifierException(text,
                        "a '.*' suffix may only follow a release segment (no pre, post, dev or local part)");
            }
            return new Specifier(op, rest, Version.parse(base), true);
        }
        if (rest.chars().anyMatch(Character::isWhitespace)) {
            throw new InvalidSpecifierException(text, "whitespace inside the version");
        }
        Version v;
        try {
            v = Version.parse(rest);
        } catch (InvalidVersionException e) {
            throw new InvalidSpecifierException(text, e.getMessage());
        }
        if (v.hasLocal() && op != Operator.EQUAL && op != Operator.NOT_EQUAL) {
            throw new InvalidSpecifierException(text, "a local version label is only allowed with == and !=");
        }
        if (op == Operator.COMPATIBLE && v.release().size() < 2) {
            throw new InvalidSpecifierException(text, "~= needs at least two release segments (e.g. ~=1.0)");
        }
        return new Specifier(op, rest, v, false);
    }

    /** Parses one clause, or returns empty if the text is not one. */
    public static Optional<Specifier> tryParse(String text) {
        try {
            return Optional.of(parse(text));
        } catch (InvalidSpecifierException e) {
            return Optional.empty();
        }
    }

    public Operator operator() {
        return operator;
    }

    /** The version part as written (without the operator, with {@code .*} for wildcards). */
    public String versionText() {
        return versionText;
    }

    /**
     * The parsed version: for wildcards the prefix ({@code ==1.2.*} gives 1.2); empty for
     * {@code ===}.
     */
    public Optional<Version> version() {
        return Optional.ofNullable(version);
    }

    public boolean isWildcard() {
        return wildcard;
    }

    /**
     * True if this clause names a pre-release, which makes pre-releases acceptable without being
     * asked for ({@code >=1.0b1} accepts {@code 1.0b2}). As in {@code packaging} 26: every
     * operator except {@code !=} and the {@code ==V.*} wildcard, whose version is a pre-release
     * ({@code ===} only when its text is a valid version).
     */
    public boolean allowsPrereleasesExplicitly() {
        if (operator == Operator.NOT_EQUAL || wildcard) {
            return false;
        }
        if (operator == Operator.ARBITRARY) {
            return Version.tryParse(versionText).map(Version::isPrerelease).orElse(false);
        }
        return version.isPrerelease();
    }

    /**
     * True if the version matches, pre-releases being excluded unless this clause
     * {@linkplain #allowsPrereleasesExplicitly() names one}.
     */
    public boolean contains(Version v) {
        return contains(v, allowsPrereleasesExplicitly());
    }

    /** True if the version matches; pre-releases only when {@code allowPrereleases}. */
    public boolean contains(Version v, boolean allowPrereleases) {
        Objects.requireNonNull(v, "version");
        if (v.isPrerelease() && !allowPrereleases) {
            return false;
        }
        return matches(v);
    }

    /** The bare operator comparison, with no pre-release exclusion. */
    public boolean matches(Version v) {
        return switch (operator) {
            case COMPATIBLE -> compatible(v);
            case EQUAL -> equal(v);
            case NOT_EQUAL -> !equal(v);
            case LESS_EQUAL -> v.publicVersion().compareTo(version) <= 0;
            case GREATER_EQUAL -> v.publicVersion().compareTo(version) >= 0;
            case LESS -> less(v);
            case GREATER -> greater(v);
            case ARBITRARY -> v.toString().toLowerCase(Locale.ROOT).equals(versionText.toLowerCase(Locale.ROOT));
        };
    }

    private boolean compatible(Version v) {
        if (v.publicVersion().compareTo(version) < 0) {
            return false;
        }
        List<Long> prefix = version.release().subList(0, version.release().size() - 1);
        return prefixMatches(v, version.epoch(), prefix);
    }

    private boolean equal(Version v) {
        if (wildcard) {
            return prefixMatches(v, version.epoch(), version.release());
        }
        Version candidate = version.hasLocal() ? v : v.publicVersion();
        return candidate.equals(version);
    }

    private static boolean prefixMatches(Version v, int epoch, List<Long> prefix) {
        return v.epoch() == epoch && v.releasePadded(prefix.size()).equals(prefix);
    }

    private boolean less(Version v) {
        if (v.compareTo(version) >= 0) {
            return false;
        }
        // "<V MUST NOT allow a pre-release of the specified version unless the specified version
        // is itself a pre-release": the pre-releases of V are those from V.dev0 up
        return version.isPrerelease() || !v.isPrerelease() || v.compareTo(version.earliestPrerelease()) < 0;
    }

    private boolean greater(Version v) {
        if (v.compareTo(version) <= 0) {
            return false;
        }
        // ">V MUST NOT allow a post-release of the specified version unless the specified version
        // is itself a post-release"
        if (!version.isPostrelease() && v.isPostrelease() && v.postBase().equals(version)) {
            return false;
        }
        // ... and must not match a local version of V (a version whose public part is V)
        return !(v.hasLocal() && v.publicVersion().equals(version));
    }

    /** Normalized text: operator followed by the normalized version ({@code >= 1.0RC1} → {@code >=1.0rc1}). */
    @Override
    public String toString() {
        if (operator == Operator.ARBITRARY) {
            return operator.symbol + versionText;
        }
        return operator.symbol + version + (wildcard ? ".*" : "");
    }

    /** Key used for equality: like packaging's canonical spec (trailing zeros ignored except for ~=). */
    private Object canonicalKey() {
        if (operator == Operator.ARBITRARY) {
            return versionText;
        }
        if (operator == Operator.COMPATIBLE || wildcard) {
            return version.toString();
        }
        return version;
    }

    @Override
    public boolean equals(Object obj) {
        return obj instanceof Specifier s && s.operator == operator && s.wildcard == wildcard
                && canonicalKey().equals(s.canonicalKey());
    }

    @Override
    public int hashCode() {
        return Objects.hash(operator, wildcard, canonicalKey());
    }
}
