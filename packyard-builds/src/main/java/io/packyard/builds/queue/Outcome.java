package io.packyard.builds.queue;

/** How a job attempt ended, as its worker reports it. */
public enum Outcome {
    /** The step did its work; its artifacts become the build's. */
    SUCCEEDED,
    /** The project's own fault (its build or smoke command failed, a limit was exceeded): not retried. */
    FAILED,
    /** The infrastructure's fault (worker, network, disk): retried with backoff. */
    INFRA_ERROR
}
