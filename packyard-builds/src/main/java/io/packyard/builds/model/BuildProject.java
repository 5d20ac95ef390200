package io.packyard.builds.model;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A project the build service builds: where its source comes from (a git repository it may
 * follow through a webhook), what it builds (targets, formats, extra {@code packyard build}
 * arguments), how a build is verified (the smoke command) and where it is published.
 *
 * @param followRefs   refs a webhook push builds, comma-separated globs ({@code main,refs/tags/v*})
 * @param scheduleCron a cron expression for scheduled builds (nightly ...), empty for none
 */
public record BuildProject(
        long id,
        String name,
        Optional<String> gitUrl,
        Optional<String> gitRef,
        Optional<String> followRefs,
        Optional<String> webhookSecret,
        List<String> targets,
        List<String> formats,
        List<String> buildArgs,
        Optional<String> smokeCommand,
        Optional<String> publishRepo,
        Optional<String> publishChannel,
        Optional<String> scheduleCron,
        Optional<Instant> nextScheduledAt,
        int maxConcurrent,
        int timeLimitSeconds,
        int diskLimitMb,
        Instant createdAt) {}
