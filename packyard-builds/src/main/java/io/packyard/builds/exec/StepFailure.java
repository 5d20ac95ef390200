package io.packyard.builds.exec;

import java.util.Objects;

/**
 * A build step that failed. The message is one line meant for the user; the step's log holds the
 * details. The {@link Kind} decides whether the job is retried.
 */
public final class StepFailure extends Exception {

    /** Whose fault it is. */
    public enum Kind {
        /** The project's own fault (its build fails, is too slow, its package does not install): never retried. */
        BUILD,
        /** The worker's fault (disk, network, a missing tool, a killed process): a retry may help. */
        INFRA
    }

    private static final long serialVersionUID = 1L;

    private final Kind kind;

    public StepFailure(Kind kind, String message) {
        super(oneLine(message));
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    public StepFailure(Kind kind, String message, Throwable cause) {
        super(oneLine(message), cause);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    public static StepFailure build(String message) {
        return new StepFailure(Kind.BUILD, message);
    }

    public static StepFailure infra(String message) {
        return new StepFailure(Kind.INFRA, message);
    }

    public static StepFailure infra(String message, Throwable cause) {
        return new StepFailure(Kind.INFRA, message, cause);
    }

    public Kind kind() {
        return kind;
    }

    /** True when running the step again may succeed. */
    public boolean retryable() {
        return kind == Kind.INFRA;
    }

    static String oneLine(String message) {
        String m = message == null ? "" : message.strip();
        return m.replaceAll("\\s*[\\r\\n]+\\s*", " ");
    }
}
