package io.packyard.builds.exec;

/** A command running in a {@link Sandbox}. */
public interface SandboxRun {

    /** Stops the command and everything it started. Returns at once; {@link #await()} reports the end. */
    void cancel();

    /** Waits until the command has ended and its output has been delivered. */
    SandboxResult await() throws InterruptedException;

    /** True once the command has ended. */
    boolean finished();
}
