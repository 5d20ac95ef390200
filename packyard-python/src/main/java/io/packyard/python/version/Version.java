package io.packyard.python.version;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PEP 440 version ("Version specifiers" in the PyPA specifications).
 *
 * <p>Parsing accepts every form the specification's normalization section allows: case
 * insensitivity, surrounding whitespace, a leading {@code v}, {@code -_.} separators (or none)
 * around pre/post/dev labels, the alternative spellings {@code alpha}, {@code beta}, {@code c},
 * {@code pre}, {@code preview}, {@code rev}, {@code r}, implicit numbers ({@code 1.0a} =
 * {@code 1.0a0}), the implicit post-release {@code 1.0-1}, and local labels with {@code -_.}
 * separators. {@link #toString()} is the normalized form ({@code 1.0-1} → {@code 1.0.post1},
 * {@code v1.0RC1} → {@code 1.0rc1}, {@code 1.0+ubuntu-01} → {@code 1.0+ubuntu.1}).
 *
 * <p>Ordering follows the specification: epoch, then release segments compared as if padded
 * with zeros, then {@code .devN} &lt; {@code aN} &lt; {@code bN} &lt; {@code rcN} &lt; final &lt;
 * {@code .postN}, with a developmental release of a pre/post release sorting before it; a local
 * version sorts after the same public version, local segments comparing numerically when both
 * are numbers, lexicographically when both are not, and a number sorting after a non-number.
 * {@code equals}, {@code hashCode} and {@code compareTo} agree ({@code 1.0} equals
 * {@code 1.0.0}).
 */
public final class Version implements Comparable<Version> {

    /** A pre-release segment: label is one of {@code a}, {@code b}, {@code rc}. */
    public record Pre(String label, long number) {
        public Pre {
            Objects.requireNonNull(label, "label");
            if (!label.equals("a") && !label.equals("b") && !label.equals("rc")) {
                throw new IllegalArgumentException("pre-release label must be a, b or rc: " + label);
            }
            if (number < 0) {
                throw new IllegalArgumentException("negative pre-release number: " + number);
            }
        }

        private int labelRank() {
            return switch (label) {
                case "a" -> 0;
                case "b" -> 1;
                default -> 2;
            };
        }

        @Override
        public String toString() {
            return label + number;
        }
    }

    // The pattern from PEP 440 appendix B ("Parsing version strings with regular expressions").
    private static final Pattern PATTERN = Pattern.compile(
            "^\\s*v?"
                    + "(?:(?<epoch>[0-9]+)!)?"
                    + "(?<release>[0-9]+(?:\\.[0-9]+)*)"
                    + "(?<pre>[-_.]?(?<prel>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?<pren>[0-9]+)?)?"
                    + "(?<post>(?:-(?<postn1>[0-9]+))|(?:[-_.]?(?<postl>post|rev|r)[-_.]?(?<postn2>[0-9]+)?))?"
                    + "(?<dev>[-_.]?(?<devl>dev)[-_.]?(?<devn>[0-9]+)?)?"
                    + "(?:\\+(?<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?"
                    + "\\s*$",
            Pattern.CASE_INSENSITIVE);

    private static final Pattern LOCAL_SEPARATORS = Pattern.compile("[-_.]");

    private final int epoch;
    private final List<Long> release;
    private final Pre pre;
    private final Long post;
    private final Long dev;
    /** Normalized local segments (lower case; numeric segments without leading zeros), or null. */
    private final List<String> local;
    /** Release without trailing zeros: what comparison and hashing use. */
    private final List<Long> trimmedRelease;
    private final String text;

    private Version(int epoch, List<Long> release, Pre pre, Long post, Long dev, List<String> local) {
        if (epoch < 0) {
            throw new IllegalArgumentException("negative epoch");
        }
        if (release.isEmpty()) {
            throw new IllegalArgumentException("empty release");
        }
        for (Long n : release) {
            if (n == null || n < 0) {
                throw new IllegalArgumentException("release segments must be non-negative numbers");
            }
        }
        this.epoch = epoch;
        this.release = List.copyOf(release);
        this.pre = pre;
        this.post = post;
        this.dev = dev;
        this.local = local == null ? null : List.copyOf(local);
        int end = this.release.size();
        while (end > 0 && this.release.get(end - 1) == 0L) {
            end--;
        }
        this.trimmedRelease = this.release.subList(0, end);
        this.text = render();
    }

    /**
     * Parses a PEP 440 version.
     *
     * @throws InvalidVersionException if the text is not a valid version
     */
    public static Version parse(String text) {
        if (text == null) {
            throw new InvalidVersionException("null", "no version given");
        }
        Matcher m = PATTERN.matcher(text);
        if (!m.matches()) {
            throw new InvalidVersionException(text, explain(text));
        }
        try {
            int epoch = m.group("epoch") == null ? 0 : Math.toIntExact(Long.parseLong(m.group("epoch")));
            List<Long> release = new ArrayList<>();
            for (String part : m.group("release").split("\\.")) {
                release.add(Long.parseLong(part));
            }
            Pre pre = null;
            if (m.group("pre") != null) {
                String label = switch (m.group("prel").toLowerCase(Locale.ROOT)) {
                    case "alpha", "a" -> "a";
                    case "beta", "b" -> "b";
                    default -> "rc"; // c, pre, preview, rc
                };
                pre = new Pre(label, m.group("pren") == null ? 0 : Long.parseLong(m.group("pren")));
            }
            Long post = null;
            if (m.group("postn1") != null) {
                post = Long.parseLong(m.group("postn1"));
            } else if (m.group("postl") != null) {
                post = m.group("postn2") == null ? 0L : Long.parseLong(m.group("postn2"));
            }
            Long dev = null;
            if (m.group("dev") != null) {
                dev = m.group("devn") == null ? 0L : Long.parseLong(m.group("devn"));
            }
            List<String> local = null;
            if (m.group("local") != null) {
                local = new ArrayList<>();
                for (String seg : LOCAL_SEPARATORS.split(m.group("local").toLowerCase(Locale.ROOT))) {
                    local.add(isDigits(seg) ? stripLeadingZeros(seg) : seg);
                }
            }
            return new Version(epoch, release, pre, post, dev, local);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new InvalidVersionException(text, "a number is too large");
        }
    }

    /** Parses a PEP 440 version, or returns empty if the text is not one. */
    public static Optional<Version> tryParse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(parse(text));
        } catch (InvalidVersionException e) {
            return Optional.empty();
        }
    }

    /** True if {@code text} is a valid PEP 440 version. */
    public static boolean isValid(String text) {
        return tryParse(text).isPresent();
    }

    /** Builds a final release version from its release segments, e.g. {@code of(1, 2, 3)}. */
    public static Version of(long... release) {
        List<Long> list = new ArrayList<>();
        for (long n : release) {
            list.add(n);
        }
        return new Version(0, list, null, null, null, null);
    }

    private static String explain(String text) {
        String t = text.strip();
        if (t.isEmpty()) {
            return "empty string";
        }
        if (!Character.isDigit(t.charAt(0)) && !(t.length() > 1 && (t.charAt(0) == 'v' || t.charAt(0) == 'V')
                && Character.isDigit(t.charAt(1)))) {
            return "must start with a number (optionally after 'v')";
        }
        return "not a PEP 440 version ([N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local])";
    }

    private static boolean isDigits(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static String stripLeadingZeros(String digits) {
        int i = 0;
        while (i < digits.length() - 1 && digits.charAt(i) == '0') {
            i++;
        }
        return digits.substring(i);
    }

    public int epoch() {
        return epoch;
    }

    /** The release segments as written (not trimmed: {@code 1.0.0} gives [1, 0, 0]). */
    public List<Long> release() {
        return release;
    }

    /** Major version: the first release segment. */
    public long major() {
        return release.get(0);
    }

    /** Second release segment, 0 if absent. */
    public long minor() {
        return release.size() > 1 ? release.get(1) : 0;
    }

    /** Third release segment, 0 if absent. */
    public long micro() {
        return release.size() > 2 ? release.get(2) : 0;
    }

    public Optional<Pre> pre() {
        return Optional.ofNullable(pre);
    }

    public OptionalLong post() {
        return post == null ? OptionalLong.empty() : OptionalLong.of(post);
    }

    public OptionalLong dev() {
        return dev == null ? OptionalLong.empty() : OptionalLong.of(dev);
    }

    /** The normalized local label (segments joined by {@code .}), without the {@code +}. */
    public Optional<String> local() {
        return local == null ? Optional.empty() : Optional.of(String.join(".", local));
    }

    /** True for pre-releases and developmental releases (the PEP 440 meaning of "pre-release"). */
    public boolean isPrerelease() {
        return pre != null || dev != null;
    }

    public boolean isPostrelease() {
        return post != null;
    }

    public boolean isDevrelease() {
        return dev != null;
    }

    public boolean hasLocal() {
        return local != null;
    }

    /** This version without its local label. */
    public Version publicVersion() {
        return local == null ? this : new Version(epoch, release, pre, post, dev, null);
    }

    /** Epoch and release only: {@code 1!2.0rc1.post2.dev3+x} → {@code 1!2.0}. */
    public Version baseVersion() {
        if (pre == null && post == null && dev == null && local == null) {
            return this;
        }
        return new Version(epoch, release, null, null, null, null);
    }

    @Override
    public int compareTo(Version o) {
        int c = Integer.compare(epoch, o.epoch);
        if (c != 0) {
            return c;
        }
        c = compareRelease(trimmedRelease, o.trimmedRelease);
        if (c != 0) {
            return c;
        }
        c = Integer.compare(preKeyRank(), o.preKeyRank());
        if (c != 0) {
            return c;
        }
        if (pre != null) { // both have a pre segment
            c = Integer.compare(pre.labelRank(), o.pre.labelRank());
            if (c == 0) {
                c = Long.compare(pre.number(), o.pre.number());
            }
            if (c != 0) {
                return c;
            }
        }
        // no post sorts before any post
        c = Long.compare(post == null ? -1 : post, o.post == null ? -1 : o.post);
        if (c != 0) {
            return c;
        }
        // no dev sorts after any dev
        c = Long.compare(dev == null ? Long.MAX_VALUE : dev, o.dev == null ? Long.MAX_VALUE : o.dev);
        if (c == 0 && dev == null != (o.dev == null)) {
            c = dev == null ? 1 : -1; // dev number Long.MAX_VALUE is still a dev release
        }
        if (c != 0) {
            return c;
        }
        return compareLocal(local, o.local);
    }

    /**
     * Rank of the pre-release slot: 0 = a dev release of a final (sorts before every pre-release),
     * 1 = has a pre-release segment (compared further), 2 = none (final or post).
     */
    private int preKeyRank() {
        if (pre == null && post == null && dev != null) {
            return 0;
        }
        return pre != null ? 1 : 2;
    }

    private static int compareRelease(List<Long> a, List<Long> b) {
        int n = Math.min(a.size(), b.size());
        for (int i = 0; i < n; i++) {
            int c = Long.compare(a.get(i), b.get(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.size(), b.size());
    }

    private static int compareLocal(List<String> a, List<String> b) {
        if (a == null || b == null) {
            return a == null ? (b == null ? 0 : -1) : 1;
        }
        int n = Math.min(a.size(), b.size());
        for (int i = 0; i < n; i++) {
            int c = compareLocalSegment(a.get(i), b.get(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.size(), b.size());
    }

    private static int compareLocalSegment(String a, String b) {
        boolean na = isDigits(a);
        boolean nb = isDigits(b);
        if (na && nb) {
            // both without leading zeros: longer is larger, else lexicographic
            int c = Integer.compare(a.length(), b.length());
            return c != 0 ? c : a.compareTo(b);
        }
        if (na != nb) {
            return na ? 1 : -1; // numbers sort after strings
        }
        return a.compareTo(b);
    }

    @Override
    public boolean equals(Object obj) {
        return obj instanceof Version v && compareTo(v) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(epoch, trimmedRelease, pre, post, dev, local);
    }

    /** True if both are the same string in normalized form (stricter than {@code equals}: 1.0 vs 1.0.0 differ). */
    public boolean sameText(Version other) {
        return text.equals(other.text);
    }

    private String render() {
        StringBuilder sb = new StringBuilder();
        if (epoch != 0) {
            sb.append(epoch).append('!');
        }
        for (int i = 0; i < release.size(); i++) {
            if (i > 0) {
                sb.append('.');
            }
            sb.append(release.get(i));
        }
        if (pre != null) {
            sb.append(pre.label()).append(pre.number());
        }
        if (post != null) {
            sb.append(".post").append(post);
        }
        if (dev != null) {
            sb.append(".dev").append(dev);
        }
        if (local != null) {
            sb.append('+').append(String.join(".", local));
        }
        return sb.toString();
    }

    /** The normalized form, e.g. {@code 1.0rc1.post2.dev3+abc.5}. */
    @Override
    public String toString() {
        return text;
    }

    /** The earliest pre-release of this version: local dropped, {@code .dev0} set ({@code 1.2} → {@code 1.2.dev0}, {@code 1.2.post1} → {@code 1.2.post1.dev0}). */
    Version earliestPrerelease() {
        return new Version(epoch, release, pre, post, 0L, null);
    }

    /** The version this is a post-release of: post, dev and local dropped ({@code 1.0a1.post2.dev1} → {@code 1.0a1}). */
    Version postBase() {
        return new Version(epoch, release, pre, null, null, null);
    }

    /** Release segments padded with zeros (or truncated) to exactly {@code length} entries. */
    List<Long> releasePadded(int length) {
        List<Long> out = new ArrayList<>(Collections.nCopies(length, 0L));
        for (int i = 0; i < Math.min(length, release.size()); i++) {
            out.set(i, release.get(i));
        }
        return out;
    }
}
