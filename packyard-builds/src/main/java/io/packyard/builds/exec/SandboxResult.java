package io.packyard.builds.exec;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How a sandboxed command ended.
 *
 * @param exitCode      the process's exit code; 128 + n when it was killed by signal n
 * @param limitExceeded the limit that stopped it, e.g. {@code "time limit of 5 s"} or
 *                      {@code "disk limit of 10 MB"}; empty when no limit was hit
 * @param cancelled     true when {@link SandboxRun#cancel()} stopped it
 * @param elapsed       wall time from start to exit
 */
public record SandboxResult(int exitCode, Optional<String> limitExceeded, boolean cancelled, Duration elapsed) {

    public SandboxResult {
        Objects.requireNonNull(limitExceeded, "limitExceeded");
        Objects.requireNonNull(elapsed, "elapsed");
    }

    /** Exit 0, no limit hit, not cancelled. */
    public boolean succeeded() {
        return exitCode == 0 && limitExceeded.isEmpty() && !cancelled;
    }

    /** True when the process was ended by a signal nobody here sent (exit code above 128, no limit, no cancel). */
    public boolean killedBySignal() {
        return exitCode > 128 && limitExceeded.isEmpty() && !cancelled;
    }
}
