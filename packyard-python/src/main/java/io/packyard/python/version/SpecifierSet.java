package io.packyard.python.version;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * A comma-separated set of PEP 440 specifier clauses, all of which must match ({@code >=1.0,<2}).
 * The empty set matches every version.
 *
 * <h2>Pre-releases</h2>
 * A pre-release (including a developmental release) is acceptable when:
 * <ul>
 *   <li>the caller allows pre-releases ({@code contains(v, true)}, {@code filter(..., true)},
 *       like pip's {@code --pre}); or</li>
 *   <li>a clause of the set names a pre-release ({@link #allowsPrereleasesExplicitly()}, e.g.
 *       {@code >=2.0b1}; not {@code !=} clauses); or</li>
 *   <li>only in {@link #filter}: no final (or post) release among the candidates matches, in which
 *       case the matching pre-releases are returned (PEP 440: "accept remotely available
 *       pre-releases for version specifiers where there is no final or post release that
 *       satisfies the version specifier").</li>
 * </ul>
 * {@link #filter} is {@code packaging.specifiers.SpecifierSet.filter} with {@code prereleases=None}
 * (what pip does without {@code --pre}), the fallback being decided for the whole set at once.
 * {@link #contains(Version)} is {@code contains(v, prereleases=bool(set.prereleases))}: it never
 * applies the fallback (packaging 26's {@code contains(v)} does, treating a lone pre-release as
 * "the only version that matches").
 */
public final class SpecifierSet {

    /** The empty set: every version matches (pre-releases subject to the usual rule). */
    public static final SpecifierSet ANY = new SpecifierSet(List.of());

    private final List<Specifier> specifiers;

    private SpecifierSet(List<Specifier> specifiers) {
        this.specifiers = List.copyOf(specifiers);
    }

    /**
     * Parses a comma-separated list of clauses; empty parts are ignored, so {@code ""} is
     * {@link #ANY}.
     *
     * @throws InvalidSpecifierException if any clause is invalid
     */
    public static SpecifierSet parse(String text) {
        if (text == null) {
            throw new InvalidSpecifierException("null", "no specifier given");
        }
        Set<Specifier> specs = new LinkedHashSet<>();
        for (String part : text.split(",", -1)) {
            String p = part.strip();
            if (p.isEmpty()) {
                continue;
            }
            try {
                specs.add(Specifier.parse(p));
            } catch (InvalidSpecifierException e) {
                if (text.strip().equals(p)) {
                    throw e;
                }
                throw new InvalidSpecifierException(text, "'" + p + "': " + e.reason());
            }
        }
        return specs.isEmpty() ? ANY : new SpecifierSet(new ArrayList<>(specs));
    }

    /** A set made of the given clauses (duplicates dropped). */
    public static SpecifierSet of(Collection<Specifier> specifiers) {
        return specifiers.isEmpty() ? ANY : new SpecifierSet(new ArrayList<>(new LinkedHashSet<>(specifiers)));
    }

    /** The clauses, in the order first written, without duplicates. */
    public List<Specifier> specifiers() {
        return specifiers;
    }

    public boolean isEmpty() {
        return specifiers.isEmpty();
    }

    /** The intersection: a version must satisfy both sets. */
    public SpecifierSet and(SpecifierSet other) {
        if (other.isEmpty()) {
            return this;
        }
        if (isEmpty()) {
            return other;
        }
        Set<Specifier> all = new LinkedHashSet<>(specifiers);
        all.addAll(other.specifiers);
        return new SpecifierSet(new ArrayList<>(all));
    }

    /** True if some clause names a pre-release (see {@link Specifier#allowsPrereleasesExplicitly()}). */
    public boolean allowsPrereleasesExplicitly() {
        for (Specifier s : specifiers) {
            if (s.allowsPrereleasesExplicitly()) {
                return true;
            }
        }
        return false;
    }

    /**
     * True if every clause matches; pre-releases only if {@link #allowsPrereleasesExplicitly()}.
     * (Like {@code packaging}, the empty set therefore rejects pre-releases here; use
     * {@link #filter} for the "only pre-releases match" rule.)
     */
    public boolean contains(Version v) {
        return contains(v, allowsPrereleasesExplicitly());
    }

    /** True if every clause matches; a pre-release only if {@code allowPrereleases}. */
    public boolean contains(Version v, boolean allowPrereleases) {
        Objects.requireNonNull(v, "version");
        if (v.isPrerelease() && !allowPrereleases) {
            return false;
        }
        for (Specifier s : specifiers) {
            if (!s.matches(v)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The items whose version (by {@code key}) this set accepts, in their original order.
     * <ul>
     *   <li>{@code allowPrereleases == true}: every matching item, pre-releases included.</li>
     *   <li>{@code allowPrereleases == false} (the default behaviour of pip and
     *       {@code packaging}): if {@link #allowsPrereleasesExplicitly()}, every matching item;
     *       otherwise the matching non-pre-releases, or, if there is none, the matching
     *       pre-releases.</li>
     * </ul>
     */
    public <T> List<T> filter(Collection<T> items, Function<T, Version> key, boolean allowPrereleases) {
        boolean pre = allowPrereleases || allowsPrereleasesExplicitly();
        List<T> finals = new ArrayList<>();
        List<T> prereleases = new ArrayList<>();
        List<T> all = new ArrayList<>();
        for (T item : items) {
            Version v = key.apply(item);
            if (!contains(v, true)) {
                continue;
            }
            all.add(item);
            (v.isPrerelease() ? prereleases : finals).add(item);
        }
        if (pre) {
            return all;
        }
        return finals.isEmpty() ? prereleases : finals;
    }

    /** {@link #filter(Collection, Function, boolean)} for plain versions. */
    public List<Version> filter(Collection<Version> versions, boolean allowPrereleases) {
        return filter(versions, Function.identity(), allowPrereleases);
    }

    /**
     * Normalized text: the clauses' normalized forms sorted and comma-joined, as {@code packaging}
     * prints them ({@code "<2, >=1.0"} → {@code "<2,>=1.0"}); empty for {@link #ANY}.
     */
    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        for (Specifier s : specifiers) {
            parts.add(s.toString());
        }
        parts.sort(null);
        return String.join(",", parts);
    }

    @Override
    public boolean equals(Object obj) {
        return obj instanceof SpecifierSet s && Set.copyOf(specifiers).equals(Set.copyOf(s.specifiers));
    }

    @Override
    public int hashCode() {
        return Set.copyOf(specifiers).hashCode();
    }
}
