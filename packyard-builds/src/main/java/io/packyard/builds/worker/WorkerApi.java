package io.packyard.builds.worker;

import io.packyard.builds.model.Artifact;
import io.packyard.builds.queue.ClaimedJob;
import io.packyard.builds.queue.Heartbeat;
import io.packyard.builds.queue.Outcome;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Everything a worker asks of the server. {@link LocalWorkerApi} calls the build service in
 * process; {@link HttpWorkerApi} does the same over the
 * worker routes with the worker's token, so a remote worker needs no database and no secret but
 * its token. An {@link IOException} is an infrastructure fault (the server is unreachable ...):
 * the worker retries with backoff. A {@link io.packyard.python.PackyardException} of kind CONFIG
 * (a refused token) stops the worker.
 */
public interface WorkerApi {

    Optional<ClaimedJob> claim(List<String> queues, String workerName, Duration lease) throws IOException;

    Heartbeat heartbeat(long jobId, String leaseId) throws IOException;

    /** Appends text to the job's build log. */
    void log(long jobId, String leaseId, String text) throws IOException;

    /** Writes the build's source archive (.tar.gz) to {@code to}. */
    void downloadSource(long jobId, String leaseId, Path to) throws IOException;

    /** The build's artifacts so far (what earlier stages produced). */
    List<Artifact> artifacts(long jobId, String leaseId) throws IOException;

    void downloadArtifact(long jobId, String leaseId, Artifact artifact, Path to) throws IOException;

    void uploadArtifact(long jobId, String leaseId, Path file) throws IOException;

    /** False when the lease is no longer this worker's (nothing changed). */
    boolean complete(long jobId, String leaseId, Outcome outcome, String message) throws IOException;
}
