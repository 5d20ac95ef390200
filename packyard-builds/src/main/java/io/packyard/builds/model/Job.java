package io.packyard.builds.model;

import java.time.Instant;
import java.util.Optional;

/** A step of a build on a queue (see {@link Step}); {@code attempt} counts claims. */
public record Job(
        long id,
        long buildId,
        long projectId,
        Step step,
        String queue,
        Optional<String> target,
        JobState state,
        int priority,
        int attempt,
        int maxAttempts,
        Instant notBefore,
        Optional<String> leaseOwner,
        Optional<Instant> leaseUntil,
        Optional<String> error,
        Instant createdAt,
        Optional<Instant> startedAt,
        Optional<Instant> finishedAt) {}
