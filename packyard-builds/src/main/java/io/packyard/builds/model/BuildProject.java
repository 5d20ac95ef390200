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
 * @param publishIndex a hosted index of this server that gets the build's wheel and sdist
 * @param publishIndexUrl an upstream index's upload URL (twine's protocol) that gets them
 * @param publishIndexTokenFile the file on the server holding that upstream index's API token
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
        Instant createdAt,
        Optional<String> publishIndex,
        Optional<String> publishIndexUrl,
        Optional<String> publishIndexTokenFile) {

    /** True when the build's wheel and sdist go to a Python index (hosted or upstream). */
    public boolean publishesToIndex() {
        return publishIndex.isPresent() || publishIndexUrl.isPresent();
    }

    /** True when a build of this project gets a PUBLISH job. */
    public boolean publishes() {
        return publishRepo.isPresent() || publishesToIndex();
    }
}
