package io.packyard.builds.queue;

/** The answer to a heartbeat. */
public enum Heartbeat {
    /** The lease was extended: go on. */
    OK,
    /** The build was cancelled: stop the step. */
    CANCELLED,
    /** The lease is no longer this worker's (it expired and the job went to another worker): stop. */
    LOST
}
