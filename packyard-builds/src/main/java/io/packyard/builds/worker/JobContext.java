package io.packyard.builds.worker;

import io.packyard.builds.queue.ClaimedJob;
import java.nio.file.Path;

/** What a step sees while it runs: its workspace, the build log, the server, and cancellation. */
public interface JobContext {

    ClaimedJob job();

    /** A fresh directory for this attempt, deleted afterwards. */
    Path workspace();

    /** Appends a line to the build log (sent to the server in batches). */
    void log(String line);

    WorkerApi api();

    /** True once the build was cancelled or the lease lost: stop as soon as possible. */
    boolean cancelled();

    /** Runs {@code action} (at once if already cancelled) when the job is cancelled or the lease lost. */
    void onCancel(Runnable action);
}
