package io.packyard.builds.model;

import java.util.Locale;

/** A build's state. */
public enum BuildState {
    QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean finished() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }

    public static BuildState parse(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }
}
