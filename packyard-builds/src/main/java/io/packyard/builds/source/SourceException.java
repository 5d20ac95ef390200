package io.packyard.builds.source;

import io.packyard.python.PackyardException;

/**
 * A build's source could not be obtained. The message is one line for the user
 * ({@code git repository file:///tmp/nope.git: not found}); {@link #transientFailure()} tells the
 * build service whether the infrastructure is at fault (connection refused, timeout, a full disk)
 * so that retrying later may help, or the user is (no such repository or ref, a refused archive).
 */
public final class SourceException extends PackyardException {

    private static final long serialVersionUID = 1L;

    private final boolean transientFailure;

    public SourceException(String message, boolean transientFailure, Throwable cause) {
        super(Kind.BUILD, message, cause);
        this.transientFailure = transientFailure;
    }

    /** A failure that is the user's to fix: retrying gives the same result. */
    public static SourceException permanent(String message) {
        return new SourceException(message, false, null);
    }

    /** A failure that is the user's to fix, with its cause (for the log, never shown to the user). */
    public static SourceException permanent(String message, Throwable cause) {
        return new SourceException(message, false, cause);
    }

    /** A failure of the infrastructure (network, disk): retrying later may succeed. */
    public static SourceException transientFailure(String message, Throwable cause) {
        return new SourceException(message, true, cause);
    }

    /** True if retrying may help (the network or the machine failed), false if the user must act. */
    public boolean transientFailure() {
        return transientFailure;
    }
}
