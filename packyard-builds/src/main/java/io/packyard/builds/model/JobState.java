package io.packyard.builds.model;

import java.util.Locale;

/**
 * A job's state: waiting (for the earlier stages of its build), queued (claimable once due: its
 * turn, a worker, its retry time), running (leased), then final.
 */
public enum JobState {
    WAITING, QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED, SKIPPED;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean finished() {
        return this != WAITING && this != QUEUED && this != RUNNING;
    }

    public static JobState parse(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }
}
