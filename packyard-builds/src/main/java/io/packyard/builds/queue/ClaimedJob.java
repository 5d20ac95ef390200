package io.packyard.builds.queue;

import io.packyard.builds.model.Step;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What a worker gets when it claims a job: the job, its lease and everything the step needs (a
 * worker reads nothing else from the server's database).
 */
public record ClaimedJob(
        long jobId,
        String leaseId,
        Duration leaseDuration,
        int attempt,
        long buildId,
        String project,
        Step step,
        Optional<String> target,
        List<String> formats,
        List<String> buildArgs,
        Optional<String> smokeCommand,
        int timeLimitSeconds,
        int diskLimitMb) {}
