package io.packyard.builds.queue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The job queue, in the database so that several server nodes share it. Claims take a lease
 * that heartbeats extend; a lease that runs out is a lost worker (the job is retried, see
 * {@link RetryPolicy}). Completion is accepted only from the lease's holder, so a job runs to
 * completion at most once, whatever crashes in between.
 *
 * <p>{@link io.packyard.builds.BuildService} implements it; {@link io.packyard.builds.worker.WorkerApi}
 * exposes it to workers (in process or over HTTP).
 */
public interface JobQueue {

    /**
     * Claims the most urgent claimable job on one of {@code queues}: queued, due, every earlier
     * stage of its build succeeded, its project under its concurrency limit. Ordered by
     * priority, then age.
     */
    Optional<ClaimedJob> claim(List<String> queues, String workerName, Duration lease);

    /** Extends the lease (by the lease duration the claim was given). */
    Heartbeat heartbeat(long jobId, String leaseId);

    /**
     * Ends the attempt. Returns false when the lease is no longer the caller's (the job was
     * cancelled, or went to another worker after the lease expired): nothing changed then.
     */
    boolean complete(long jobId, String leaseId, Outcome outcome, String message);

    /** Treats every expired lease as a lost worker; returns how many jobs that requeued or failed. */
    int reapExpiredLeases();
}
