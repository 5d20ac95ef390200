package io.packyard.builds.model;

import java.util.Locale;

/**
 * The steps of a build's pipeline, in stage order. SOURCE and PUBLISH run on the server (they use
 * its git credentials and signing keys) on the {@link #SERVER_QUEUE}; BUILD and VERIFY run on a
 * worker of the target platform's queue.
 */
public enum Step {
    SOURCE(0), BUILD(1), VERIFY(2), PUBLISH(3);

    /** The queue of the steps the server runs itself. */
    public static final String SERVER_QUEUE = "server";

    private final int stage;

    Step(int stage) {
        this.stage = stage;
    }

    public int stage() {
        return stage;
    }

    public boolean onServer() {
        return this == SOURCE || this == PUBLISH;
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Step parse(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }
}
