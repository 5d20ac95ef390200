package io.packyard.builds.model;

import java.util.Locale;

/** A job's state: queued (waiting for its turn, a worker or its retry time), running (leased), then final. */
public enum JobState {
    QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED, SKIPPED;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean finished() {
        return this != QUEUED && this != RUNNING;
    }

    public static JobState parse(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }
}
