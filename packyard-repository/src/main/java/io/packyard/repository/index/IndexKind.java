package io.packyard.repository.index;

import io.packyard.python.PackyardException;
import java.util.Locale;

/** What an index is: files uploaded to it, a caching proxy of an upstream index, or a merge of others. */
public enum IndexKind {
    /** Files are uploaded to it (twine, {@code packyard publish}). */
    HOSTED,
    /** A caching proxy of an upstream simple API (PyPI, another Packyard, devpi, ...). */
    MIRROR,
    /** Merges member indexes in order, hosted names hiding upstream ones. */
    GROUP;

    /** The lower-case name stored in the database and used on the command line. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static IndexKind parse(String s) {
        for (IndexKind k : values()) {
            if (k.id().equalsIgnoreCase(s.strip())) {
                return k;
            }
        }
        throw PackyardException.config("index kind: expected hosted, mirror or group, got '" + s + "'");
    }
}
