package io.packyard.builds.model;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** One build of a project: its source and its state (derived from its jobs). */
public record Build(
        long id,
        long projectId,
        String project,
        BuildState state,
        String trigger,
        Optional<String> gitUrl,
        Optional<String> gitRef,
        Optional<String> gitCommit,
        Optional<String> sourceSha256,
        Optional<String> sourceName,
        int priority,
        Optional<String> error,
        Optional<Long> rerunOf,
        Instant createdAt,
        Instant notBefore,
        Optional<Instant> startedAt,
        Optional<Instant> finishedAt) {

    /** How long it ran (so far, for a running build). */
    public Optional<Duration> duration(Instant now) {
        return startedAt.map(s -> Duration.between(s, finishedAt.orElse(now)));
    }
}
