package io.packyard.python.tags;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The ordered list of compatibility tags a target interpreter accepts, most preferred first, as
 * {@code packaging.tags.sys_tags()} yields them on that interpreter.
 *
 * <p>For CPython 3.Y with platforms P1..Pn (each step runs through the platforms in order):
 * <ol>
 *   <li>{@code cp3Y-cp3Y-P}</li>
 *   <li>{@code cp3Y-abi3-P}</li>
 *   <li>{@code cp3Y-none-P}</li>
 *   <li>{@code cp3X-abi3-P} for X = Y-1 down to 2</li>
 *   <li>{@code py3Y-none-P}, {@code py3-none-P}, {@code py3X-none-P} for X = Y-1 down to 0</li>
 *   <li>{@code cp3Y-none-any}</li>
 *   <li>{@code py3Y-none-any}, {@code py3-none-any}, {@code py3X-none-any} for X = Y-1 down to 0</li>
 * </ol>
 * Before 3.8 the interpreter ABI is {@code cp3Ym}. A free-threaded build (PEP 703, ABI
 * {@code cp3Yt}) cannot load abi3 extensions and uses {@code abi3t} (PEP 803) in their place.
 */
public final class SupportedTags {

    private final List<Tag> tags;
    private final Map<Tag, Integer> ranks;

    private SupportedTags(List<Tag> tags) {
        Set<Tag> unique = new LinkedHashSet<>(tags);
        this.tags = List.copyOf(unique);
        Map<Tag, Integer> r = new HashMap<>();
        for (int i = 0; i < this.tags.size(); i++) {
            r.put(this.tags.get(i), i);
        }
        this.ranks = r;
    }

    /** An explicit tag list, most preferred first (duplicates keep their first position). */
    public static SupportedTags of(List<Tag> tags) {
        return new SupportedTags(tags);
    }

    /** The tags of CPython {@code major.minor} (a regular, GIL build) on the given platforms, best first. */
    public static SupportedTags cpython(int major, int minor, List<String> platforms) {
        return cpython(major, minor, platforms, false);
    }

    /**
     * The tags of CPython {@code major.minor} on the given platforms (ordered, most specific
     * first, e.g. from {@link Platforms#manylinux}).
     *
     * @param freeThreaded true for a free-threaded build ({@code cp313t}): abi3t instead of abi3
     */
    public static SupportedTags cpython(int major, int minor, List<String> platforms, boolean freeThreaded) {
        Objects.requireNonNull(platforms, "platforms");
        if (major < 3 || minor < 0) {
            throw new IllegalArgumentException("unsupported CPython version " + major + "." + minor);
        }
        if (platforms.isEmpty()) {
            throw new IllegalArgumentException("no platform tags given");
        }
        String interpreter = "cp" + major + minor;
        // CPython < 3.8 has the pymalloc "m" ABI flag; a free-threaded build has "t"
        String abi = interpreter + (major == 3 && minor < 8 ? "m" : "") + (freeThreaded ? "t" : "");
        // the stable ABI (PEP 384, from 3.2): abi3, or abi3t for free-threaded builds (PEP 803)
        boolean stable = major > 3 || minor >= 2;
        String stableAbi = freeThreaded ? "abi3t" : "abi3";
        List<Tag> out = new ArrayList<>();
        for (String p : platforms) {
            out.add(new Tag(interpreter, abi, p));
        }
        if (stable) {
            for (String p : platforms) {
                out.add(new Tag(interpreter, stableAbi, p));
            }
        }
        for (String p : platforms) {
            out.add(new Tag(interpreter, "none", p));
        }
        if (stable) {
            for (int m = minor - 1; m >= 2; m--) {
                for (String p : platforms) {
                    out.add(new Tag("cp" + major + m, stableAbi, p));
                }
            }
        }
        List<String> py = pyInterpreterRange(major, minor);
        for (String version : py) {
            for (String p : platforms) {
                out.add(new Tag(version, "none", p));
            }
        }
        out.add(new Tag(interpreter, "none", "any"));
        for (String version : py) {
            out.add(new Tag(version, "none", "any"));
        }
        return new SupportedTags(out);
    }

    /** py3Y, py3, py3(Y-1), ..., py30. */
    private static List<String> pyInterpreterRange(int major, int minor) {
        List<String> out = new ArrayList<>();
        out.add("py" + major + minor);
        out.add("py" + major);
        for (int m = minor - 1; m >= 0; m--) {
            out.add("py" + major + m);
        }
        return out;
    }

    /** All accepted tags, most preferred first. */
    public List<Tag> tags() {
        return tags;
    }

    /** The position of the tag in the preference list (0 = best), or empty if not accepted. */
    public OptionalInt rank(Tag t) {
        Integer r = ranks.get(t);
        return r == null ? OptionalInt.empty() : OptionalInt.of(r);
    }

    /** The best rank among the given tags (e.g. the expanded tags of one wheel), or empty if none is accepted. */
    public OptionalInt bestRank(Collection<Tag> candidates) {
        int best = Integer.MAX_VALUE;
        for (Tag t : candidates) {
            Integer r = ranks.get(t);
            if (r != null && r < best) {
                best = r;
            }
        }
        return best == Integer.MAX_VALUE ? OptionalInt.empty() : OptionalInt.of(best);
    }

    /** True if at least one of the tags is accepted. */
    public boolean isCompatible(Collection<Tag> candidates) {
        return bestRank(candidates).isPresent();
    }

    /** True if the tag is accepted. */
    public boolean contains(Tag t) {
        return ranks.containsKey(t);
    }

    @Override
    public String toString() {
        return "SupportedTags" + tags;
    }
}
