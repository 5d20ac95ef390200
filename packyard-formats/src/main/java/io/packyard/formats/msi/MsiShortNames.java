package io.packyard.formats.msi;

import io.packyard.python.PackyardException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The 8.3 short names of one directory's entries, for the {@code short|long} form of the
 * Directory.DefaultDir, File.FileName and Shortcut.Name columns (the Filename data type).
 *
 * <p>A long name that is itself a valid short name is written alone ({@code python.exe}); any
 * other gets a generated one in the style Windows uses: up to six characters of the name's
 * stem, a tilde, a number, and up to three characters of its last extension, upper case, with
 * the characters a short name cannot hold left out ({@code FILEWI~1.TXT} for
 * {@code file with spaces.txt}). Numbers count up per stem within the directory, in the order
 * the names are given (the bundle's sorted order), so the result is deterministic; a short
 * name never equals, ignoring case, another entry's short or long name in the same directory
 * (ICE30). Long names that differ only in case are refused: Windows cannot hold both.
 */
final class MsiShortNames {
    /** Characters allowed in a short name besides letters and digits (conservative subset). */
    private static final String SPECIAL = "_-~!#$%&'()@^`{}";

    private final String where;
    private final Set<String> taken = new HashSet<>();
    private final Map<String, String> longNames = new HashMap<>();
    private final Map<String, Integer> nextNumber = new HashMap<>();

    private MsiShortNames(String where) {
        this.where = where;
    }

    /**
     * Short names for the given long names of one directory.
     *
     * @param names every long name of the directory, in order
     * @param where how messages name the directory
     * @return the Filename column values ({@code name} or {@code SHORT|name}), in the same order
     */
    static List<String> of(List<String> names, String where) {
        MsiShortNames n = new MsiShortNames(where);
        for (String name : names) {
            String folded = name.toUpperCase(Locale.ROOT);
            String other = n.longNames.putIfAbsent(folded, name);
            if (other != null) {
                throw PackyardException.build(where + ": '" + other + "' and '" + name
                        + "' differ only in case; on Windows one would overwrite the other");
            }
            if (isShortName(name)) {
                n.taken.add(folded);
            }
        }
        List<String> out = new ArrayList<>(names.size());
        for (String name : names) {
            out.add(isShortName(name) ? name : n.generate(name) + "|" + name);
        }
        return out;
    }

    /** The Filename value for a single name with nothing else in its directory. */
    static String single(String name) {
        return of(List.of(name), name).getFirst();
    }

    private String generate(String name) {
        int dot = name.lastIndexOf('.');
        String stem = clean(dot > 0 ? name.substring(0, dot) : name);
        String ext = clean(dot > 0 ? name.substring(dot + 1) : "");
        if (ext.length() > 3) {
            ext = ext.substring(0, 3);
        }
        if (stem.isEmpty()) {
            stem = "_";
        }
        String suffix = ext.isEmpty() ? "" : "." + ext;
        int n = nextNumber.getOrDefault(stem, 1);
        while (true) {
            String tilde = "~" + n;
            if (tilde.length() >= 8) {
                throw PackyardException.build(where + ": cannot generate a unique 8.3 short name for '" + name + "'");
            }
            String base = stem.length() + tilde.length() > 8 ? stem.substring(0, 8 - tilde.length()) : stem;
            String candidate = base + tilde + suffix;
            n++;
            if (taken.add(candidate.toUpperCase(Locale.ROOT))) {
                nextNumber.put(stem, n);
                return candidate;
            }
        }
    }

    /** Upper case, without the characters a short name cannot hold (spaces, dots, non-ASCII, ...). */
    private static String clean(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toUpperCase(Locale.ROOT).toCharArray()) {
            if (isShortChar(c)) {
                b.append(c);
            }
        }
        String r = b.toString();
        return r.length() > 6 ? r.substring(0, 6) : r;
    }

    private static boolean isShortChar(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || SPECIAL.indexOf(c) >= 0;
    }

    /** An 8.3 name: 1-8 characters, optionally a dot and 1-3 more, from the allowed set. */
    static boolean isShortName(String name) {
        int dot = name.indexOf('.');
        String stem = dot < 0 ? name : name.substring(0, dot);
        String ext = dot < 0 ? null : name.substring(dot + 1);
        if (stem.isEmpty() || stem.length() > 8 || (ext != null && (ext.isEmpty() || ext.length() > 3))) {
            return false;
        }
        for (char c : name.toCharArray()) {
            if (c != '.' && !isShortChar(c)) {
                return false;
            }
        }
        return ext == null || ext.indexOf('.') < 0;
    }
}
