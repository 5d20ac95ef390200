package io.packyard.repository.auth;

import io.packyard.python.PackyardException;
import java.util.Locale;

/** What a token may do on its index. Each level includes the ones before it. */
public enum Permission {
    /** Read a private index. */
    READ,
    /** Upload new files (and read). */
    UPLOAD,
    /** Upload, yank, un-yank and delete files (and read). */
    MAINTAIN;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** True when a token with this permission may do what {@code needed} requires. */
    public boolean includes(Permission needed) {
        return ordinal() >= needed.ordinal();
    }

    public static Permission parse(String s) {
        for (Permission p : values()) {
            if (p.id().equalsIgnoreCase(s.strip())) {
                return p;
            }
        }
        throw PackyardException.config("permission: expected read, upload or maintain, got '" + s + "'");
    }
}
