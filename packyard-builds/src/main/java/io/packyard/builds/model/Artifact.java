package io.packyard.builds.model;

import java.time.Instant;
import java.util.Optional;

/** A file a build produced, kept in the blob store. */
public record Artifact(long id, long buildId, long jobId, Optional<String> target, String filename, String sha256,
        long size, Instant createdAt) {}
